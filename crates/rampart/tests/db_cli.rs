//! End-to-end tests of `rampart db import` and `rampart db query` on the hand-written OSV
//! records of crates/rampart_vuln/tests/data/osv (including its malformed and withdrawn ones).

use std::path::PathBuf;
use std::process::Output;

use serde_json::Value;

fn rampart(args: &[&str]) -> Output {
    rampart_testutil::run_binary(env!("CARGO_BIN_EXE_rampart"), args, None)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn import_then_query() {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../rampart_vuln/tests/data/osv");
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("db");
    let (data, db) = (data.to_str().expect("utf-8"), db.to_str().expect("utf-8"));

    let out = rampart(&["db", "import", data, "--db", db]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("imported 19 records"), "{stdout}");
    assert!(
        stdout.contains("1 withdrawn skipped, 3 rejected"),
        "{stdout}"
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("BROKEN-2.json: record BROKEN-2: affected[0]"),
        "{stderr}"
    );

    let out = rampart(&[
        "db",
        "query",
        "--db",
        db,
        "--ecosystem",
        "Debian:12",
        "--name",
        "libc6",
        "--version",
        "2.36-9+deb12u3+b1",
        "--source",
        "glibc",
        "--source-version",
        "2.36-9+deb12u3",
        "-f",
        "json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v[0]["id"], "DEBIAN-CVE-2099-2001");
    assert_eq!(v[0]["via_source"], true);
    assert_eq!(v[0]["fixed"][0], "2.36-9+deb12u4");
    assert_eq!(v[0]["level"], "high");

    let out = rampart(&[
        "db",
        "query",
        "--db",
        db,
        "--ecosystem",
        "npm",
        "--name",
        "lodash",
        "--version",
        "4.17.20",
    ]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("GHSA-9xxq-aaaa-0001  medium 6.6  fixed in: 4.17.21"),
        "{stdout}"
    );

    // No index there: exit 2 with the path and the way to build one.
    let out = rampart(&[
        "db",
        "query",
        "--db",
        data,
        "--ecosystem",
        "npm",
        "--name",
        "x",
        "--version",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("index.json") && stderr.contains("rampart db import"),
        "{stderr}"
    );
}
