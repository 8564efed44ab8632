//! Loading the hand-written OSV records (tests/data/osv), indexing them, and matching queries.

use std::io::Write;
use std::path::{Path, PathBuf};

use rampart_vuln::{load_paths, Db, DbError, Level, Query, Vuln};

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/osv")
}

fn good_dirs() -> Vec<PathBuf> {
    [
        "Debian",
        "Alpine",
        "npm",
        "PyPI",
        "Go",
        "crates.io",
        "Maven",
    ]
    .iter()
    .map(|d| data().join(d))
    .collect()
}

fn db() -> Db {
    let loaded = load_paths(&good_dirs()).expect("loads");
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    Db::from_records(&loaded.records)
}

fn q(eco: &str, name: &str, version: &str) -> Query {
    Query {
        ecosystem: eco.into(),
        name: name.into(),
        version: version.into(),
        source: None,
    }
}

fn ids(v: &[Vuln]) -> Vec<&str> {
    v.iter().map(|v| v.id.as_str()).collect()
}

#[test]
fn loads_directory_skipping_withdrawn_and_reporting_bad_records() {
    let loaded = load_paths(&[data()]).expect("loads");
    assert_eq!(loaded.records.len(), 19);
    assert_eq!(loaded.withdrawn, 1);
    let errors: Vec<String> = loaded.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors[0].contains("bad/BROKEN-1.json") && errors[0].contains("EOF"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].contains("bad/BROKEN-2.json")
            && errors[1].contains("affected[0].ranges[0].events[0]: expected exactly one of"),
        "{}",
        errors[1]
    );
    assert!(errors[2].contains("BROKEN-3.json") && errors[2].contains("expected a string"));
}

#[test]
fn loads_zip_exports_naming_the_entry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zip_path = dir.path().join("all.zip");
    let file = std::fs::File::create(&zip_path).expect("create");
    let mut zip = zip::ZipWriter::new(file);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for f in [
        "npm/GHSA-9xxq-aaaa-0001.json",
        "Debian/DSA-9003-1.json",
        "bad/BROKEN-2.json",
    ] {
        let name = Path::new(f)
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name");
        zip.start_file(name, opts).expect("entry");
        zip.write_all(&std::fs::read(data().join(f)).expect("read"))
            .expect("write");
    }
    zip.finish().expect("finish");
    let loaded = load_paths(std::slice::from_ref(&zip_path)).expect("loads");
    assert_eq!(ids_of(&loaded.records), vec!["GHSA-9xxq-aaaa-0001"]);
    assert_eq!(loaded.withdrawn, 1);
    assert_eq!(loaded.errors.len(), 1);
    assert_eq!(
        loaded.errors[0].origin,
        format!("{}!BROKEN-2.json", zip_path.display())
    );

    // Not a zip at all: the whole input is an error naming the file.
    let fake = dir.path().join("fake.zip");
    std::fs::write(&fake, b"not a zip").expect("write");
    let err = load_paths(&[fake]).expect_err("not a zip");
    assert!(
        format!("{err:#}").contains("fake.zip: not a zip archive"),
        "{err:#}"
    );
}

fn ids_of(r: &[rampart_vuln::osv::Record]) -> Vec<&str> {
    r.iter().map(|r| r.id.as_str()).collect()
}

#[test]
fn debian_source_packages_releases_and_tildes() {
    let db = db();
    // openssl 3.0.11-1~deb12u1 < fixed 3.0.11-1~deb12u2 on Debian 12; the Debian 11 entry does
    // not apply.
    let v = db.query(&q("Debian:12", "openssl", "3.0.11-1~deb12u1"));
    assert_eq!(ids(&v), vec!["DSA-9001-1"]);
    assert_eq!(v[0].fixed, vec!["3.0.11-1~deb12u2"]);
    assert_eq!(v[0].aliases, vec!["CVE-2099-1001", "CVE-2099-1002"]);
    assert!(db
        .query(&q("Debian:12", "openssl", "3.0.11-1~deb12u2"))
        .is_empty());
    // On Debian 11 the other entry applies.
    let v = db.query(&q("Debian:11", "openssl", "1.1.1n-0+deb11u5"));
    assert_eq!(v[0].fixed, vec!["1.1.1w-0+deb11u1"]);
    // A binary package (libssl3) matched through its source package.
    let mut bin = q("Debian:12", "libssl3", "3.0.9-1");
    bin.source = Some(("openssl".into(), "3.0.9-1".into()));
    let v = db.query(&bin);
    assert_eq!(ids(&v), vec!["DSA-9001-1"]);
    assert!(v[0].via_source);
    assert_eq!(v[0].package, "openssl");
    // Without the source, the binary name alone finds nothing.
    assert!(db.query(&q("Debian:12", "libssl3", "3.0.9-1")).is_empty());
    // Binary NMU versions (+b1) are matched through the source version.
    let mut libc = q("Debian:12", "libc6", "2.36-9+deb12u3+b1");
    libc.source = Some(("glibc".into(), "2.36-9+deb12u3".into()));
    let v = db.query(&libc);
    assert_eq!(ids(&v), vec!["DEBIAN-CVE-2099-2001"]);
    assert_eq!(v[0].level, Level::High, "urgency high");
    assert!(v[0].ranges.iter().any(|r| r.starts_with("versions list")));
    // Epochs: 1:4.13+dfsg1-1 is in [introduced 1:4.13+dfsg1-1, fixed 1:4.13+dfsg1-1+deb12u1).
    assert_eq!(
        ids(&db.query(&q("Debian:12", "shadow", "1:4.13+dfsg1-1"))),
        vec!["DLA-9002-1"]
    );
    assert!(
        db.query(&q("Debian:12", "shadow", "4.13+dfsg1-1"))
            .is_empty(),
        "no epoch is 0"
    );
    // Tilde: 252.19-1~deb12u1 is the fix; 252.17-1~deb12u1 is before it.
    assert_eq!(
        ids(&db.query(&q("Debian:12", "systemd", "252.17-1~deb12u1"))),
        vec!["DLA-9002-1"]
    );
    assert!(db
        .query(&q("Debian:12", "systemd", "252.19-1~deb12u1"))
        .is_empty());
    // Unfixed (introduced 0 only) with a CVSS v3.1 vector.
    let v = db.query(&q("Debian:12", "curl", "7.88.1-10+deb12u5"));
    assert_eq!(ids(&v), vec!["DEBIAN-CVE-2099-2002"]);
    assert_eq!((v[0].score, v[0].level), (Some(6.1), Level::Medium));
    assert!(v[0].fixed.is_empty());
    // Withdrawn records never match.
    assert!(db
        .query(&q("Debian:12", "zlib", "1:1.2.13.dfsg-1"))
        .is_empty());
    // A query without release matches every release's entries.
    assert_eq!(db.query(&q("Debian", "openssl", "1.0")).len(), 1);
}

#[test]
fn alpine_origins_and_releases() {
    let db = db();
    let mut libcrypto = q("Alpine:v3.20", "libcrypto3", "3.3.1-r3");
    libcrypto.source = Some(("openssl".into(), "3.3.1-r3".into()));
    let v = db.query(&libcrypto);
    assert_eq!(ids(&v), vec!["ALPINE-CVE-2099-4001"]);
    assert_eq!(v[0].fixed, vec!["3.3.2-r0"]);
    assert!(db
        .query(&q("Alpine:v3.20", "openssl", "3.3.2-r0"))
        .is_empty());
    assert_eq!(
        db.query(&q("Alpine:v3.19", "openssl", "3.1.6-r2"))[0].fixed,
        vec!["3.1.7-r0"]
    );
    assert!(db
        .query(&q("Alpine:v3.18", "openssl", "3.1.0-r0"))
        .is_empty());
    assert_eq!(
        db.query(&q("Alpine:v3.20", "busybox", "1.36.1-r28")).len(),
        1
    );
    assert!(db
        .query(&q("Alpine:v3.20", "busybox", "1.36.1-r29"))
        .is_empty());
}

#[test]
fn language_ecosystems() {
    let db = db();
    // npm: ECOSYSTEM range, CVSS v3.1 7.x beats the database's word; last_affected; SEMVER.
    let v = db.query(&q("npm", "lodash", "4.17.20"));
    assert_eq!(ids(&v), vec!["GHSA-9xxq-aaaa-0001"]);
    assert_eq!((v[0].score, v[0].level), (Some(6.6), Level::Medium));
    assert!(db.query(&q("npm", "lodash", "4.17.21")).is_empty());
    let v = db.query(&q("npm", "minimist", "1.2.5"));
    assert_eq!(
        (v[0].score, v[0].level),
        (Some(9.3), Level::Critical),
        "CVSS v4"
    );
    assert!(db.query(&q("npm", "minimist", "1.2.6")).is_empty());
    assert_eq!(
        db.query(&q("npm", "semver", "6.3.0"))[0].fixed,
        vec!["6.3.1"]
    );
    assert!(db.query(&q("npm", "semver", "6.3.1")).is_empty());
    assert_eq!(
        db.query(&q("npm", "semver", "7.5.1"))[0].level,
        Level::Medium,
        "MODERATE"
    );
    // PyPI: name normalisation, pre-releases, explicit versions.
    let v = db.query(&q("PyPI", "Django", "4.2.7"));
    assert_eq!(ids(&v), vec!["PYSEC-2099-6001"]);
    assert_eq!(v[0].fixed, vec!["4.2.8"]);
    assert_eq!(db.query(&q("PyPI", "django", "5.0b1")).len(), 1);
    assert!(db.query(&q("PyPI", "django", "5.0rc1")).is_empty());
    assert!(db.query(&q("PyPI", "django", "4.1.13")).is_empty());
    assert_eq!(
        ids(&db.query(&q("PyPI", "jinja2", "3.1.2"))),
        vec!["GHSA-9xxq-bbbb-0003"]
    );
    assert_eq!(
        db.query(&q("PyPI", "requests", "2.31.0"))[0].level,
        Level::Medium
    );
    // Go: SEMVER with v prefixes, +incompatible, pseudo-versions.
    assert_eq!(
        ids(&db.query(&q("Go", "golang.org/x/net", "v0.22.0"))),
        vec!["GO-2099-7001"]
    );
    assert!(db.query(&q("Go", "golang.org/x/net", "v0.23.0")).is_empty());
    assert_eq!(
        db.query(&q("Go", "github.com/docker/docker", "v26.1.4+incompatible"))
            .len(),
        1
    );
    assert!(db
        .query(&q("Go", "github.com/docker/docker", "v25.0.6+incompatible"))
        .is_empty());
    assert_eq!(
        db.query(&q(
            "Go",
            "gopkg.in/yaml.v3",
            "v3.0.0-20210107192922-496545a6307b"
        ))
        .len(),
        1
    );
    assert!(db.query(&q("Go", "gopkg.in/yaml.v3", "v3.0.1")).is_empty());
    // crates.io: two ranges; an unfixed one from 0.0.0-0.
    assert_eq!(
        db.query(&q("crates.io", "smallvec", "1.6.0"))[0].fixed,
        vec!["1.6.1"]
    );
    assert!(db.query(&q("crates.io", "smallvec", "0.6.2")).is_empty());
    assert!(db.query(&q("crates.io", "smallvec", "1.13.2")).is_empty());
    assert_eq!(db.query(&q("crates.io", "rsa", "0.9.6")).len(), 1);
    // Maven: three ranges, qualifiers; GIT range ignored but its versions list and limit used.
    let log4j = "org.apache.logging.log4j:log4j-core";
    assert_eq!(
        db.query(&q("Maven", log4j, "2.14.1"))[0].fixed,
        vec!["2.15.0"]
    );
    assert_eq!(
        db.query(&q("Maven", log4j, "2.0-rc1")).len(),
        1,
        "2.0-rc1 > 2.0-beta9"
    );
    assert!(db.query(&q("Maven", log4j, "2.0-beta8")).is_empty());
    assert!(db.query(&q("Maven", log4j, "2.12.2")).is_empty());
    assert!(db.query(&q("Maven", log4j, "2.3.1")).is_empty());
    let jackson = "com.fasterxml.jackson.core:jackson-databind";
    assert_eq!(
        db.query(&q("Maven", jackson, "2.12.7")).len(),
        1,
        "versions list"
    );
    assert_eq!(db.query(&q("Maven", jackson, "2.13.4")).len(), 1);
    assert!(
        db.query(&q("Maven", jackson, "2.13.4.1")).is_empty(),
        "limit"
    );
    // Unknown ecosystems and names find nothing.
    assert!(db.query(&q("RubyGems", "rails", "7.0.0")).is_empty());
    assert!(db.query(&q("npm", "left-pad", "1.0.0")).is_empty());
}

#[test]
fn index_round_trip_and_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (loaded, stats) = rampart_vuln::import(&good_dirs(), dir.path()).expect("import");
    assert_eq!(loaded.records.len(), 19);
    let debian = stats
        .iter()
        .find(|s| s.ecosystem == "Debian")
        .expect("Debian table");
    assert_eq!((debian.records, debian.packages), (4, 5));
    let opened = Db::open(dir.path()).expect("opens");
    assert_eq!(opened.stats(), stats);
    let mem = db();
    for query in [
        q("Debian:12", "openssl", "3.0.0-1"),
        q("npm", "lodash", "1.0.0"),
        q("Maven", "org.apache.logging.log4j:log4j-core", "2.14.1"),
        q("PyPI", "DJANGO", "4.2"),
    ] {
        let got = opened.query(&query);
        assert!(!got.is_empty(), "{query:?}");
        assert_eq!(got, mem.query(&query));
    }

    // A newer format is reported as stale, naming the file.
    let manifest = dir.path().join("index.json");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    std::fs::write(&manifest, text.replace("\"format\": 1", "\"format\": 99")).expect("write");
    let err = Db::open(dir.path()).err().expect("stale");
    assert!(matches!(err, DbError::Stale { found: 99, .. }), "{err}");
    assert!(
        err.to_string()
            .contains("rebuild it with `rampart db import"),
        "{err}"
    );
    std::fs::write(&manifest, text).expect("restore");

    // A truncated table is corrupt.
    let table = dir.path().join("npm.rvdb");
    let bytes = std::fs::read(&table).expect("table");
    std::fs::write(&table, &bytes[..bytes.len() - 10]).expect("truncate");
    let err = Db::open(dir.path()).err().expect("corrupt");
    assert!(matches!(err, DbError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("npm.rvdb"), "{err}");
    std::fs::write(&table, b"garbage").expect("garbage");
    let err = Db::open(dir.path()).err().expect("corrupt");
    assert!(
        err.to_string().contains("missing the RAMPVULN magic"),
        "{err}"
    );

    // No index at all.
    let empty = tempfile::tempdir().expect("tempdir");
    let err = Db::open(empty.path()).err().expect("missing");
    assert!(err.to_string().contains("index.json"), "{err}");
}
