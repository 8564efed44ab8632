//! Agreement with osv-scanner v1 (offline, from hand-made `DIR/osv-scanner/<Ecosystem>/all.zip`
//! files holding tests/data/osv): the same packages, given to osv-scanner as lockfiles and to
//! rampart as queries, must give the same vulnerability ids, apart from the differences listed
//! in EXPECTED_DIFFERENCES (explained in docs/vulnerabilities.md).
//!
//! osv-scanner is found through RAMPART_OSV_SCANNER or bench/.peers/bin/osv-scanner
//! (`scripts/install_peers.sh --only osv-scanner`); the test skips with a message without it,
//! and fails instead with RAMPART_REQUIRE_OSV_SCANNER=1 (scripts/vuln-compare-osv-scanner.sh).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use rampart_vuln::{load_paths, Db, Query};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn osv_scanner() -> Option<PathBuf> {
    let p = std::env::var_os("RAMPART_OSV_SCANNER")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("bench/.peers/bin/osv-scanner"));
    p.exists().then_some(p)
}

/// One package as a lockfile states it and as rampart is asked about it.
struct Pkg {
    ecosystem: &'static str,
    name: &'static str,
    version: &'static str,
    source: Option<(&'static str, &'static str)>,
}

const fn p(ecosystem: &'static str, name: &'static str, version: &'static str) -> Pkg {
    Pkg {
        ecosystem,
        name,
        version,
        source: None,
    }
}

const fn s(
    ecosystem: &'static str,
    name: &'static str,
    version: &'static str,
    src: &'static str,
    src_version: &'static str,
) -> Pkg {
    Pkg {
        ecosystem,
        name,
        version,
        source: Some((src, src_version)),
    }
}

fn packages() -> Vec<(&'static str, Vec<Pkg>)> {
    vec![
        (
            "package-lock.json",
            vec![
                p("npm", "lodash", "4.17.20"),
                p("npm", "minimist", "1.2.5"),
                p("npm", "semver", "6.3.0"),
                p("npm", "left-pad", "1.0.0"),
                // Past `last_affected`; inside and at the end of the other interval; fixed.
                p("npm", "minimist", "1.2.6"),
                p("npm", "semver", "7.5.1"),
                p("npm", "semver", "7.5.2"),
                p("npm", "lodash", "4.17.21"),
            ],
        ),
        (
            "requirements.txt",
            vec![
                p("PyPI", "django", "4.2.7"),
                p("PyPI", "requests", "2.31.0"),
                p("PyPI", "jinja2", "3.1.2"),
                p("PyPI", "urllib3", "2.0.0"),
                // A pre-release in the second interval; the fixed release.
                p("PyPI", "django", "5.0b1"),
                p("PyPI", "requests", "2.32.0"),
            ],
        ),
        (
            "go.mod",
            vec![
                p("Go", "golang.org/x/net", "0.22.0"),
                p("Go", "github.com/docker/docker", "26.1.4+incompatible"),
                p(
                    "Go",
                    "gopkg.in/yaml.v3",
                    "3.0.0-20210107192922-496545a6307b",
                ),
            ],
        ),
        (
            "Cargo.lock",
            vec![
                p("crates.io", "smallvec", "1.6.0"),
                p("crates.io", "rsa", "0.9.6"),
                p("crates.io", "serde", "1.0.0"),
                // The older interval; the fixed release.
                p("crates.io", "smallvec", "0.6.13"),
                p("crates.io", "smallvec", "1.6.1"),
            ],
        ),
        (
            "gradle.lockfile",
            vec![
                p("Maven", "org.apache.logging.log4j:log4j-core", "2.14.1"),
                p(
                    "Maven",
                    "com.fasterxml.jackson.core:jackson-databind",
                    "2.13.4",
                ),
                // In the record's ECOSYSTEM range but not in its `versions` list.
                p(
                    "Maven",
                    "com.fasterxml.jackson.core:jackson-databind",
                    "2.13.3.1",
                ),
                // In the interval introduced at a Maven pre-release (`2.0-beta9`); fixed.
                p("Maven", "org.apache.logging.log4j:log4j-core", "2.3"),
                p("Maven", "org.apache.logging.log4j:log4j-core", "2.12.2"),
            ],
        ),
        (
            "status",
            vec![
                s(
                    "Debian:12",
                    "libssl3",
                    "3.0.11-1~deb12u1",
                    "openssl",
                    "3.0.11-1~deb12u1",
                ),
                s(
                    "Debian:12",
                    "libc6",
                    "2.36-9+deb12u3",
                    "glibc",
                    "2.36-9+deb12u3",
                ),
                s(
                    "Debian:12",
                    "curl",
                    "7.88.1-10+deb12u5",
                    "curl",
                    "7.88.1-10+deb12u5",
                ),
                s(
                    "Debian:12",
                    "systemd",
                    "252.17-1~deb12u1",
                    "systemd",
                    "252.17-1~deb12u1",
                ),
                s(
                    "Debian:12",
                    "passwd",
                    "1:4.13+dfsg1-1",
                    "shadow",
                    "1:4.13+dfsg1-1",
                ),
                // A binary NMU: the binary version has `+b1`, the source version not.
                s(
                    "Debian:12",
                    "libc-bin",
                    "2.36-9+deb12u3+b1",
                    "glibc",
                    "2.36-9+deb12u3",
                ),
                // The fixed source version.
                s(
                    "Debian:12",
                    "openssl",
                    "3.0.11-1~deb12u2",
                    "openssl",
                    "3.0.11-1~deb12u2",
                ),
                // osv-scanner takes the Debian release from this package's version.
                s(
                    "Debian:12",
                    "base-files",
                    "12.4+deb12u5",
                    "base-files",
                    "12.4+deb12u5",
                ),
                s(
                    "Debian:12",
                    "zlib1g",
                    "1:1.2.13.dfsg-1",
                    "zlib",
                    "1:1.2.13.dfsg-1",
                ),
            ],
        ),
        (
            "installed",
            vec![
                s(
                    "Alpine:v3.20",
                    "libcrypto3",
                    "3.3.1-r3",
                    "openssl",
                    "3.3.1-r3",
                ),
                s(
                    "Alpine:v3.20",
                    "busybox",
                    "1.36.1-r28",
                    "busybox",
                    "1.36.1-r28",
                ),
                // The fixed version, asked of rampart without its origin.
                p("Alpine:v3.20", "busybox", "1.36.1-r29"),
            ],
        ),
    ]
}

fn lockfile(name: &str, pkgs: &[Pkg]) -> (String, String) {
    match name {
        "package-lock.json" => {
            let mut deps = serde_json::Map::new();
            deps.insert(
                "".into(),
                serde_json::json!({"name": "app", "version": "1.0.0"}),
            );
            for (i, p) in pkgs.iter().enumerate() {
                // A second version of a package is installed under another package's folder.
                let mut key = format!("node_modules/{}", p.name);
                if deps.contains_key(&key) {
                    key = format!("node_modules/dup{i}/node_modules/{}", p.name);
                }
                deps.insert(
                    key,
                    serde_json::json!({"version": p.version, "resolved": format!("https://registry.invalid/{}/-/{}-{}.tgz", p.name, p.name, p.version)}),
                );
            }
            let doc = serde_json::json!({"name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true, "packages": deps});
            (
                "package-lock.json".into(),
                serde_json::to_string_pretty(&doc).unwrap_or_default(),
            )
        }
        "requirements.txt" => (
            "requirements.txt".into(),
            pkgs.iter()
                .map(|p| format!("{}=={}\n", p.name, p.version))
                .collect(),
        ),
        "go.mod" => {
            let mut t = String::from("module example.invalid/app\n\ngo 1.22\n\nrequire (\n");
            for p in pkgs {
                t.push_str(&format!("\t{} v{}\n", p.name, p.version));
            }
            t.push_str(")\n");
            ("go.mod".into(), t)
        }
        "Cargo.lock" => {
            let mut t = String::from("version = 3\n\n");
            for p in pkgs {
                t.push_str(&format!(
                    "[[package]]\nname = \"{}\"\nversion = \"{}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n",
                    p.name, p.version
                ));
            }
            ("Cargo.lock".into(), t)
        }
        "gradle.lockfile" => {
            let mut t = String::from("# This is a Gradle generated file for dependency locking.\n");
            for p in pkgs {
                t.push_str(&format!(
                    "{}:{}=compileClasspath,runtimeClasspath\n",
                    p.name, p.version
                ));
            }
            t.push_str("empty=\n");
            ("gradle.lockfile".into(), t)
        }
        "status" => {
            let mut t = String::new();
            for p in pkgs {
                t.push_str(&format!(
                    "Package: {}\nStatus: install ok installed\nArchitecture: amd64\nVersion: {}\n",
                    p.name, p.version
                ));
                if let Some((src, sv)) = p.source {
                    if src != p.name {
                        if sv == p.version {
                            t.push_str(&format!("Source: {src}\n"));
                        } else {
                            t.push_str(&format!("Source: {src} ({sv})\n"));
                        }
                    }
                }
                t.push_str("Description: test package\n\n");
            }
            ("dpkg-status:status".into(), t)
        }
        "installed" => {
            let mut t = String::new();
            for p in pkgs {
                let origin = p.source.map_or(p.name, |s| s.0);
                t.push_str(&format!(
                    "P:{}\nV:{}\nA:x86_64\no:{origin}\n\n",
                    p.name, p.version
                ));
            }
            ("apk-installed:installed".into(), t)
        }
        other => panic!("no lockfile writer for {other}"),
    }
}

/// The ecosystems of tests/data/osv, each written to `DIR/osv-scanner/<Ecosystem>/all.zip` as
/// OSV publishes them.
const ECOSYSTEMS: &[&str] = &[
    "Debian",
    "Alpine",
    "npm",
    "PyPI",
    "Go",
    "crates.io",
    "Maven",
];

/// osv-scanner v1 opens the database named by the ecosystem its lockfile parser reports, release
/// included: a dpkg `status` gives `Debian:12` (the release is the major version of
/// `base-files`), an apk `installed` gives `Alpine:v3.20` (its fallback without
/// `/etc/alpine-release`). OSV publishes per-release
/// exports as well; these are copies of the base ecosystem's (directory, source ecosystem).
const RELEASE_COPIES: &[(&str, &str)] = &[("Debian:12", "Debian"), ("Alpine:v3.20", "Alpine")];

fn write_zip(out: &Path, records: &Path) {
    std::fs::create_dir_all(out).expect("mkdir");
    let file = std::fs::File::create(out.join("all.zip")).expect("zip");
    let mut zip = zip::ZipWriter::new(file);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut entries: Vec<_> = std::fs::read_dir(records)
        .expect("read_dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_string();
        zip.start_file(name, opts).expect("entry");
        zip.write_all(&std::fs::read(&path).expect("read"))
            .expect("write");
    }
    zip.finish().expect("finish");
}

fn build_cache(dir: &Path) {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/osv");
    for eco in ECOSYSTEMS {
        write_zip(&dir.join("osv-scanner").join(eco), &data.join(eco));
    }
    for (release, eco) in RELEASE_COPIES {
        write_zip(&dir.join("osv-scanner").join(release), &data.join(eco));
    }
}

/// (lockfile, package name, version) -> ids, from osv-scanner's JSON output.
type Found = BTreeMap<(String, String, String), BTreeSet<String>>;

fn run_osv_scanner(bin: &Path, cache: &Path, work: &Path, arg: &str) -> Found {
    let out = Command::new(bin)
        .env("OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY", cache)
        .args([
            "--experimental-offline",
            // List packages without vulnerabilities too, to check every package was read.
            "--experimental-all-packages",
            "--format",
            "json",
            "--lockfile",
            arg,
        ])
        .current_dir(work)
        .output()
        .expect("osv-scanner runs");
    // Exit code 0: nothing found; 1: vulnerabilities found; anything else (127: a general
    // error, 128: no packages found) means the harness misused osv-scanner.
    let code = out.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(code, 0 | 1),
        "osv-scanner --lockfile {arg} exited {code}: {stderr}"
    );
    // A missing offline database is only reported on stderr, and its packages then match nothing.
    assert!(
        !stderr.contains("could not find local databases"),
        "osv-scanner --lockfile {arg}: {stderr}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "osv-scanner --lockfile {arg}: output is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    let mut found = Found::new();
    let results = doc["results"].as_array().cloned().unwrap_or_default();
    for r in results {
        for pkg in r["packages"].as_array().cloned().unwrap_or_default() {
            let name = pkg["package"]["name"].as_str().unwrap_or("").to_string();
            let version = pkg["package"]["version"].as_str().unwrap_or("").to_string();
            let ids = pkg["vulnerabilities"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .filter_map(|v| v["id"].as_str().map(str::to_string))
                .collect::<BTreeSet<_>>();
            found
                .entry((arg.to_string(), name, version))
                .or_default()
                .extend(ids);
        }
    }
    found
}

/// Differences accepted, each explained in docs/vulnerabilities.md:
/// (package and version as queried, vulnerability id, the only tool reporting it, why).
const EXPECTED_DIFFERENCES: &[(&str, &str, &str, &str)] = &[
    (
        "jinja2 3.1.2",
        "GHSA-9xxq-bbbb-0003",
        "rampart",
        "PyPI names are case-insensitive (PEP 503); osv-scanner's offline matcher compares the \
         record's `Jinja2` with the lockfile's `jinja2` byte for byte",
    ),
    (
        "com.fasterxml.jackson.core:jackson-databind 2.13.3.1",
        "GHSA-9xxq-eeee-0002",
        "rampart",
        "osv-scanner v1 stops at the first range that is neither ECOSYSTEM nor SEMVER (here \
         the GIT range listed first) and never evaluates the ECOSYSTEM range after it",
    ),
    (
        "libcrypto3 3.3.1-r3",
        "ALPINE-CVE-2099-4001",
        "rampart",
        "Alpine's secdb names origin packages (`openssl`); osv-scanner v1 reads only `P:` (the \
         binary package) from an apk `installed` file, not the origin `o:`",
    ),
];

#[test]
fn agrees_with_osv_scanner() {
    let Some(bin) = osv_scanner() else {
        if std::env::var_os("RAMPART_REQUIRE_OSV_SCANNER").is_some_and(|v| v == "1") {
            panic!("osv-scanner is required (RAMPART_REQUIRE_OSV_SCANNER=1) but not found");
        }
        println!(
            "skipping: osv-scanner not installed (scripts/install_peers.sh --only osv-scanner)"
        );
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache = tmp.path().join("cache");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).expect("mkdir");
    build_cache(&cache);

    let dirs: Vec<PathBuf> = ECOSYSTEMS
        .iter()
        .map(|e| cache.join("osv-scanner").join(e))
        .collect();
    let loaded = load_paths(&dirs).expect("loads");
    assert!(loaded.errors.is_empty(), "load errors: {:?}", loaded.errors);
    let db = Db::from_records(&loaded.records);

    let mut compared = 0usize;
    let mut both = 0usize;
    let mut diffs: BTreeSet<(String, String, &str)> = BTreeSet::new();
    for (file, pkgs) in packages() {
        let sub = work.join(file.replace('.', "_"));
        std::fs::create_dir_all(&sub).expect("mkdir");
        let (arg, text) = lockfile(file, &pkgs);
        let path = arg.rsplit(':').next().unwrap_or(&arg).to_string();
        std::fs::write(sub.join(&path), text).expect("write lockfile");
        let found = run_osv_scanner(&bin, &cache, &sub, &arg);
        for pkg in &pkgs {
            compared += 1;
            let q = Query {
                ecosystem: pkg.ecosystem.into(),
                name: pkg.name.into(),
                version: pkg.version.into(),
                source: pkg.source.map(|(n, v)| (n.into(), v.into())),
            };
            let ours: BTreeSet<String> = db.query(&q).into_iter().map(|v| v.id).collect();
            // osv-scanner names Debian packages by their source package and version (the
            // `Source:` field's), the others as the lockfile does (Alpine: the binary package).
            let (their_name, their_version) = if pkg.ecosystem.starts_with("Debian") {
                pkg.source.unwrap_or((pkg.name, pkg.version))
            } else {
                (pkg.name, pkg.version)
            };
            let theirs: BTreeSet<String> = found
                .get(&(
                    arg.clone(),
                    their_name.to_string(),
                    their_version.to_string(),
                ))
                .unwrap_or_else(|| {
                    panic!(
                        "osv-scanner did not report {their_name} {their_version} from {file}: \
                         {found:?}"
                    )
                })
                .clone();
            println!(
                "{file} {} {}: rampart {ours:?}, osv-scanner {theirs:?}",
                pkg.name, pkg.version
            );
            let key = format!("{} {}", pkg.name, pkg.version);
            for id in ours.union(&theirs) {
                match (ours.contains(id), theirs.contains(id)) {
                    (true, true) => both += 1,
                    (true, false) => {
                        diffs.insert((key.clone(), id.clone(), "rampart"));
                    }
                    _ => {
                        diffs.insert((key.clone(), id.clone(), "osv-scanner"));
                    }
                }
            }
        }
    }
    let only = |who: &str| diffs.iter().filter(|d| d.2 == who).count();
    println!(
        "agreement: {compared} packages compared; (package, vulnerability) pairs found by both: \
         {both}, only by rampart: {}, only by osv-scanner: {}",
        only("rampart"),
        only("osv-scanner")
    );
    for d in &diffs {
        let why = EXPECTED_DIFFERENCES
            .iter()
            .find(|e| (e.0, e.1, e.2) == (d.0.as_str(), d.1.as_str(), d.2))
            .map_or("NOT EXPECTED", |e| e.3);
        println!("  only {}: {} {}: {why}", d.2, d.0, d.1);
    }
    let expected: BTreeSet<(String, String, &str)> = EXPECTED_DIFFERENCES
        .iter()
        .map(|(p, i, w, _)| (p.to_string(), i.to_string(), *w))
        .collect();
    assert_eq!(diffs, expected, "differences from osv-scanner changed");
    assert!(both >= 20, "too few vulnerabilities found by both: {both}");
}
