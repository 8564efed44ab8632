//! Detection on real-format fixture trees, JARs built here, a Go binary built here with `go build`,
//! rpm databases written here, and cargo-auditable data embedded in a binary-shaped file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use rampart_packages::{detect, scan_dir, Detection, FileFilter, KeepAll, PackageFilter};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// `ecosystem name version [source@version] path` lines, sorted.
fn lines(d: &Detection) -> Vec<String> {
    let mut v: Vec<String> = d
        .packages
        .iter()
        .map(|p| {
            let src = match (&p.source_name, &p.source_version) {
                (Some(n), Some(v)) if n != &p.name || v != &p.version => format!(" src={n}@{v}"),
                _ => String::new(),
            };
            format!("{} {} {}{} {}", p.ecosystem, p.name, p.version, src, p.path)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn debian_tree() {
    let set = scan_dir(&fixture("debian"), &PackageFilter).expect("scan");
    let d = detect(&set);
    assert!(d.errors.is_empty(), "errors: {:?}", d.errors);
    let distro = d
        .distro
        .as_ref()
        .expect("os-release through the etc symlink");
    assert_eq!(distro.ecosystem().as_deref(), Some("Debian:12"));
    let expected = [
        "Debian:12 bash 5.2.15-2+b2 var/lib/dpkg/status",
        "Debian:12 libc6 2.36-9+deb12u4 src=glibc@2.36-9+deb12u4 var/lib/dpkg/status",
        "Debian:12 libgcc-s1 12.2.0-14 src=gcc-12@12.2.0-14 var/lib/dpkg/status",
        "Debian:12 libssl3 3.0.11-1~deb12u2 src=openssl@3.0.11-1~deb12u2 var/lib/dpkg/status",
        "Debian:12 tzdata 2024a-0+deb12u1 var/lib/dpkg/status.d/tzdata",
        "Debian:12 zlib1g 1:1.2.13.dfsg-1 src=zlib@1:1.2.13.dfsg-1 var/lib/dpkg/status",
        "PyPI Flask 3.0.2 app/requirements.txt",
        "PyPI certifi 2024.2.2 app/poetry.lock",
        "PyPI itsdangerous 2.1.2 app/requirements.txt",
        "PyPI jinja2 3.1.3 app/requirements.txt",
        "PyPI requests 2.31.0 usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA",
        "PyPI six 1.16.0 usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO",
        "PyPI urllib3 2.2.1 app/poetry.lock",
        "crates.io itoa 1.0.11 app/Cargo.lock",
        "crates.io memchr 2.7.4 app/Cargo.lock",
        "npm @babel/code-frame 7.12.13 app/yarn.lock",
        "npm @types/node 20.11.5 app/node_modules/@types/node/package.json",
        "npm @types/node 20.11.5 app/package-lock.json",
        "npm debug 2.6.9 app/package-lock.json",
        "npm debug 4.3.4 app/package-lock.json",
        "npm express 4.18.2 app/package-lock.json",
        "npm lodash 4.17.21 app/node_modules/lodash/package.json",
        "npm lodash 4.17.21 app/yarn.lock",
        "npm minimist 1.2.8 app/yarn-berry/yarn.lock",
    ];
    assert_eq!(lines(&d), expected);
    let libc = d
        .packages
        .iter()
        .find(|p| p.name == "libc6")
        .expect("libc6");
    assert_eq!(
        libc.purl,
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc"
    );
    let requests = d
        .packages
        .iter()
        .find(|p| p.name == "requests")
        .expect("requests");
    assert_eq!(requests.licenses, ["Apache 2.0"]);
    assert_eq!(requests.purl, "pkg:pypi/requests@2.31.0");
    let types = d
        .packages
        .iter()
        .find(|p| p.name == "@types/node")
        .expect("@types/node");
    assert_eq!(types.purl, "pkg:npm/%40types/node@20.11.5");

    // The filter keeps only what detection needs, and detection over everything agrees.
    let all = scan_dir(&fixture("debian"), &KeepAll).expect("scan all");
    assert!(set.files.len() < all.files.len());
    assert_eq!(detect(&all).packages, d.packages);
}

#[test]
fn alpine_tree() {
    let d = detect(&scan_dir(&fixture("alpine"), &PackageFilter).expect("scan"));
    assert!(d.errors.is_empty(), "errors: {:?}", d.errors);
    assert_eq!(
        lines(&d),
        [
            "Alpine:v3.20 busybox 1.36.1-r29 lib/apk/db/installed",
            "Alpine:v3.20 libcrypto3 3.3.2-r0 src=openssl@3.3.2-r0 lib/apk/db/installed",
            "Alpine:v3.20 musl 1.2.5-r0 lib/apk/db/installed",
        ]
    );
    let musl = d.packages.iter().find(|p| p.name == "musl").expect("musl");
    assert_eq!(musl.licenses, ["MIT"]);
    assert_eq!(
        musl.purl,
        "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3"
    );
}

#[test]
fn bad_lines_are_reported_and_the_rest_goes_on() {
    let mut set = rampart_packages::FileSet::default();
    set.files.insert(
        "var/lib/dpkg/status".into(),
        b"Package: a\nVersion: 1\n\nnot a field\nPackage: b\n\nPackage: c\nVersion: 3\n".to_vec(),
    );
    set.files
        .insert("app/package-lock.json".into(), b"{\"packages\": {".to_vec());
    let d = detect(&set);
    let names: Vec<&str> = d.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["a", "c"]);
    let errs: Vec<String> = d.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(errs.len(), 3, "{errs:?}");
    assert!(
        errs.iter()
            .any(|e| e.starts_with("var/lib/dpkg/status:4: expected `Field: value`")),
        "{errs:?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.starts_with("var/lib/dpkg/status:5: package b: expected a Version")),
        "{errs:?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.starts_with("app/package-lock.json:1: expected a package-lock.json")),
        "{errs:?}"
    );
}

fn jar(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("entry");
        w.write_all(data).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

#[test]
fn jars_and_nested_jars() {
    let inner = jar(&[
        (
            "META-INF/maven/com.google.guava/guava/pom.properties",
            b"#Generated by Maven\nartifactId=guava\ngroupId=com.google.guava\nversion=32.1.3-jre\n",
        ),
        ("com/google/common/base/Strings.class", b"\xca\xfe\xba\xbe"),
    ]);
    let outer = jar(&[
        ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
        (
            "META-INF/maven/org.example/app/pom.properties",
            b"version=1.0.0\ngroupId=org.example\nartifactId=app\n",
        ),
        ("BOOT-INF/lib/guava-32.1.3-jre.jar", &inner),
        ("BOOT-INF/classes/App.class", &[0u8; 4096]),
    ]);
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("opt/app")).expect("mkdir");
    std::fs::write(dir.path().join("opt/app/app.jar"), &outer).expect("write jar");
    let set = scan_dir(dir.path(), &PackageFilter).expect("scan");
    let kept = set.files.get("opt/app/app.jar").expect("kept extract");
    assert!(
        kept.len() < outer.len() / 2,
        "only the pom.properties are kept"
    );
    let d = detect(&set);
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert_eq!(
        lines(&d),
        [
            "Maven com.google.guava:guava 32.1.3-jre opt/app/app.jar",
            "Maven org.example:app 1.0.0 opt/app/app.jar",
        ]
    );
    assert_eq!(
        d.packages[0].purl,
        "pkg:maven/com.google.guava/guava@32.1.3-jre"
    );
    // The whole JAR (kept by KeepAll) gives the same packages.
    let all = scan_dir(dir.path(), &KeepAll).expect("scan all");
    assert_eq!(detect(&all).packages, d.packages);
}

/// Builds a Go program with one dependency (a local module behind a `replace`), or `None` with a
/// message when `go` is not installed.
fn go_binary(dir: &Path) -> Option<PathBuf> {
    if Command::new("go").arg("version").output().is_err() {
        eprintln!("skipping: `go` is not installed");
        return None;
    }
    let lib = dir.join("lib");
    let app = dir.join("app");
    std::fs::create_dir_all(&lib).expect("mkdir");
    std::fs::create_dir_all(&app).expect("mkdir");
    std::fs::write(lib.join("go.mod"), "module example.com/lib\n\ngo 1.21\n").expect("write");
    std::fs::write(
        lib.join("lib.go"),
        "package lib\n\nfunc Hello() string { return \"hi\" }\n",
    )
    .expect("write");
    std::fs::write(
        app.join("go.mod"),
        "module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v1.4.2\n\nreplace example.com/lib v1.4.2 => ../lib\n",
    )
    .expect("write");
    std::fs::write(
        app.join("main.go"),
        "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/lib\"\n)\n\nfunc main() { fmt.Println(lib.Hello()) }\n",
    )
    .expect("write");
    let out_dir = dir.join("root/usr/local/bin");
    std::fs::create_dir_all(&out_dir).expect("mkdir");
    let bin = out_dir.join("app");
    let status = Command::new("go")
        .args(["build", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(&app)
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOWORK", "off")
        .status()
        .expect("run go build");
    assert!(status.success(), "go build failed");
    Some(bin)
}

#[test]
fn go_binary_build_info_matches_go_version_m() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(bin) = go_binary(dir.path()) else {
        return;
    };
    let set = scan_dir(&dir.path().join("root"), &PackageFilter).expect("scan");
    let kept = set.files.get("usr/local/bin/app").expect("kept extract");
    let size = std::fs::metadata(&bin).expect("stat").len();
    assert!(
        (kept.len() as u64) < size / 100,
        "only the build info is kept"
    );
    let d = detect(&set);
    assert!(d.errors.is_empty(), "{:?}", d.errors);

    // `go version -m` prints the same modules and Go version.
    let out = Command::new("go")
        .args(["version", "-m"])
        .arg(&bin)
        .output()
        .expect("go version -m");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut expected = Vec::new();
    let mut go_version = String::new();
    for line in text.lines() {
        let f: Vec<&str> = line.trim().split('\t').collect();
        if line.starts_with(bin.to_string_lossy().as_ref()) {
            go_version = line
                .rsplit(' ')
                .next()
                .unwrap_or("")
                .trim_start_matches("go")
                .into();
        }
        match f.first() {
            Some(&"mod") | Some(&"dep") => expected.push(format!("{} {}", f[1], f[2])),
            // A module replacement with a version of its own replaces the line before; a local
            // directory (`=> ../lib`) keeps it.
            Some(&"=>") if !f[1].starts_with('.') && f.len() > 2 && !f[2].is_empty() => {
                expected.pop();
                expected.push(format!("{} {}", f[1], f[2]));
            }
            _ => {}
        }
    }
    expected.push(format!("stdlib {go_version}"));
    expected.sort();
    let mut got: Vec<String> = d
        .packages
        .iter()
        .map(|p| format!("{} {}", p.name, p.version))
        .collect();
    got.sort();
    assert_eq!(got, expected, "go version -m said:\n{text}");
    assert!(got.iter().any(|l| l == "example.com/lib v1.4.2"));
    assert!(d.packages.iter().all(|p| p.ecosystem == "Go"));
}

/// An rpm header blob with string tags (name, version, release, arch, license, source rpm).
fn rpm_header(tags: &[(u32, &str)]) -> Vec<u8> {
    let mut index = Vec::new();
    let mut store = Vec::new();
    for (tag, s) in tags {
        index.push([*tag, 6, store.len() as u32, 1]);
        store.extend_from_slice(s.as_bytes());
        store.push(0);
    }
    let mut out = Vec::new();
    out.extend_from_slice(&(index.len() as u32).to_be_bytes());
    out.extend_from_slice(&(store.len() as u32).to_be_bytes());
    for e in index {
        for v in e {
            out.extend_from_slice(&v.to_be_bytes());
        }
    }
    out.extend_from_slice(&store);
    out
}

#[test]
fn rpm_sqlite_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("var/lib/rpm/rpmdb.sqlite");
    std::fs::create_dir_all(db.parent().expect("parent")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("etc")).expect("mkdir");
    std::fs::write(
        dir.path().join("etc/os-release"),
        "ID=\"rocky\"\nVERSION_ID=\"9.4\"\n",
    )
    .expect("write");
    {
        let conn = rusqlite::Connection::open(&db).expect("open");
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);",
        )
        .expect("schema");
        for tags in [
            vec![
                (1000, "bash"),
                (1001, "5.1.8"),
                (1002, "9.el9"),
                (1022, "x86_64"),
                (1014, "GPLv3+"),
                (1044, "bash-5.1.8-9.el9.src.rpm"),
            ],
            vec![
                (1000, "openssl-libs"),
                (1001, "3.0.7"),
                (1002, "27.el9"),
                (1022, "x86_64"),
                (1014, "ASL 2.0"),
                (1044, "openssl-3.0.7-27.el9.src.rpm"),
            ],
            vec![(1000, "gpg-pubkey"), (1001, "350d275d"), (1002, "6279464b")],
        ] {
            conn.execute(
                "INSERT INTO Packages (blob) VALUES (?1)",
                [rpm_header(&tags)],
            )
            .expect("insert");
        }
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .expect("checkpoint");
    }
    let d = detect(&scan_dir(dir.path(), &PackageFilter).expect("scan"));
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert_eq!(
        lines(&d),
        [
            "Rocky Linux:9 bash 5.1.8-9.el9 var/lib/rpm/rpmdb.sqlite",
            "Rocky Linux:9 openssl-libs 3.0.7-27.el9 src=openssl@3.0.7-27.el9 var/lib/rpm/rpmdb.sqlite",
        ]
    );
    assert_eq!(d.packages[0].licenses, ["GPLv3+"]);
    assert_eq!(
        d.packages[0].purl,
        "pkg:rpm/rocky/bash@5.1.8-9.el9?arch=x86_64&distro=rocky-9.4&upstream=bash-5.1.8-9.el9.src.rpm"
    );
}

#[test]
fn cargo_auditable_data_in_a_streamed_binary() {
    // An ELF-shaped file with a zlib stream of cargo-auditable JSON in the middle, across a
    // chunk boundary of the streaming scanner.
    let json = br#"{"packages":[{"name":"demo","version":"0.1.0","source":"local","root":true},{"name":"serde","version":"1.0.197","source":"crates.io","dependencies":[]},{"name":"cc","version":"1.0.90","source":"crates.io","kind":"build"}]}"#;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(json).expect("compress");
    let compressed = z.finish().expect("finish");
    let mut bin = b"\x7fELF\x02\x01\x01".to_vec();
    bin.resize(256 * 1024 - 20, b'x');
    bin.extend_from_slice(&compressed);
    bin.resize(bin.len() + 300_000, 0x78);
    let meta = rampart_packages::EntryMeta {
        path: "usr/bin/demo",
        size: bin.len() as u64,
        mode: 0o755,
    };
    assert!(PackageFilter.wants(&meta));
    let kept = PackageFilter
        .keep(&meta, &mut &bin[..])
        .expect("read")
        .expect("kept");
    assert!(kept.len() < 2048);
    let mut set = rampart_packages::FileSet::default();
    set.files.insert("usr/bin/demo".into(), kept);
    let d = detect(&set);
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert_eq!(lines(&d), ["crates.io serde 1.0.197 usr/bin/demo"]);
}

#[test]
fn rpm_berkeley_db_database() {
    // Made by Berkeley DB's own db_load (see fixtures/rpm-bdb/make-packages.py).
    let d = detect(&scan_dir(&fixture("rpm-bdb"), &PackageFilter).expect("scan"));
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert_eq!(
        lines(&d),
        [
            "Red Hat bash 4.2.46-35.el7_9 var/lib/rpm/Packages",
            "Red Hat openssl-libs 1:1.0.2k-26.el7_9 src=openssl@1.0.2k-26.el7_9 var/lib/rpm/Packages",
        ]
    );
    let ssl = &d.packages[1];
    assert_eq!(
        ssl.purl,
        "pkg:rpm/centos/openssl-libs@1.0.2k-26.el7_9?arch=x86_64&distro=centos-7&epoch=1&upstream=openssl-1.0.2k-26.el7_9.src.rpm"
    );
    assert_eq!(ssl.licenses, ["OpenSSL"]);
}

#[test]
fn real_cargo_auditable_binary() {
    let available = Command::new("cargo")
        .args(["auditable", "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !available {
        eprintln!("skipping: cargo-auditable is not installed (cargo install cargo-auditable)");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let krate = dir.path().join("demo");
    std::fs::create_dir_all(krate.join("src")).expect("mkdir");
    std::fs::write(
        krate.join("Cargo.toml"),
        "[package]\nname = \"audit-demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nitoa = \"1\"\n\n[workspace]\n",
    )
    .expect("write");
    std::fs::write(
        krate.join("src/main.rs"),
        "fn main() { let mut b = itoa::Buffer::new(); println!(\"{}\", b.format(42)); }\n",
    )
    .expect("write");
    // itoa is in the local registry cache (serde_json depends on it): no network needed.
    let out = Command::new("cargo")
        .args(["auditable", "build", "--offline", "-q"])
        .current_dir(&krate)
        .env("CARGO_TARGET_DIR", krate.join("target"))
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo auditable build");
    if !out.status.success() {
        eprintln!(
            "skipping: cargo auditable build failed offline: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    let lock = std::fs::read_to_string(krate.join("Cargo.lock")).expect("Cargo.lock");
    let itoa_version = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"itoa\""))
        .and_then(|p| p.lines().find(|l| l.starts_with("version = ")))
        .map(|l| {
            l.trim_start_matches("version = ")
                .trim_matches('"')
                .to_string()
        })
        .expect("itoa in Cargo.lock");
    let root = dir.path().join("root/usr/bin");
    std::fs::create_dir_all(&root).expect("mkdir");
    std::fs::copy(
        krate.join("target/debug/audit-demo"),
        root.join("audit-demo"),
    )
    .expect("copy");
    let d = detect(&scan_dir(&dir.path().join("root"), &PackageFilter).expect("scan"));
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert_eq!(
        lines(&d),
        [format!("crates.io itoa {itoa_version} usr/bin/audit-demo")]
    );
}

#[test]
fn package_lock_v1_and_v2() {
    let v1 = br#"{
  "name": "old-app",
  "version": "1.0.0",
  "lockfileVersion": 1,
  "requires": true,
  "dependencies": {
    "accepts": {
      "version": "1.3.8",
      "resolved": "https://registry.npmjs.org/accepts/-/accepts-1.3.8.tgz",
      "requires": { "mime-types": "~2.1.34" },
      "dependencies": {
        "negotiator": { "version": "0.6.3", "resolved": "https://registry.npmjs.org/negotiator/-/negotiator-0.6.3.tgz" }
      }
    },
    "local-thing": { "version": "file:../local-thing" },
    "mime-types": { "version": "2.1.35", "dev": true }
  }
}"#;
    // v2 carries both sections: `packages` wins.
    let v2 = br#"{
  "name": "app", "version": "1.0.0", "lockfileVersion": 2, "requires": true,
  "packages": {
    "": { "name": "app", "version": "1.0.0" },
    "node_modules/ms": { "version": "2.1.3", "license": "MIT" },
    "packages/lib": { "name": "lib", "version": "0.0.1" },
    "node_modules/lib": { "resolved": "packages/lib", "link": true }
  },
  "dependencies": { "ms": { "version": "2.1.3" } }
}"#;
    let mut set = rampart_packages::FileSet::default();
    set.files.insert("v1/package-lock.json".into(), v1.to_vec());
    set.files.insert("v2/package-lock.json".into(), v2.to_vec());
    let d = detect(&set);
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert_eq!(
        lines(&d),
        [
            "npm accepts 1.3.8 v1/package-lock.json",
            "npm mime-types 2.1.35 v1/package-lock.json",
            "npm ms 2.1.3 v2/package-lock.json",
            "npm negotiator 0.6.3 v1/package-lock.json",
        ]
    );
}

#[cfg(unix)]
#[test]
fn scan_dir_records_symlinks_without_following_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("usr/lib")).expect("mkdir");
    std::fs::create_dir_all(root.join("etc")).expect("mkdir");
    std::fs::write(
        root.join("usr/lib/os-release"),
        "ID=alpine\nVERSION_ID=3.19.1\n",
    )
    .expect("write");
    std::os::unix::fs::symlink("../usr/lib/os-release", root.join("etc/os-release"))
        .expect("symlink");
    // A loop and a link out of the tree: recorded, never walked.
    std::os::unix::fs::symlink("..", root.join("usr/loop")).expect("symlink");
    std::os::unix::fs::symlink("/etc", root.join("hostetc")).expect("symlink");
    let set = scan_dir(root, &PackageFilter).expect("scan");
    assert_eq!(set.files.keys().collect::<Vec<_>>(), ["usr/lib/os-release"]);
    assert_eq!(
        set.symlinks.get("etc/os-release").map(String::as_str),
        Some("../usr/lib/os-release")
    );
    assert_eq!(set.symlinks.get("usr/loop").map(String::as_str), Some(".."));
    assert_eq!(
        set.symlinks.get("hostetc").map(String::as_str),
        Some("/etc")
    );
    let d = detect(&set);
    assert_eq!(
        d.distro.and_then(|d| d.ecosystem()).as_deref(),
        Some("Alpine:v3.19")
    );
}
