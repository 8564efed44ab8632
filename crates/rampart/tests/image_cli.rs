//! `rampart image files` end to end on the images scripts/build-test-images.sh builds and the
//! registries scripts/registry.sh starts. Run by scripts/image-tests.sh.

use std::process::Command;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run scripts/image-tests.sh"))
}

fn rampart(args: &[&str], envs: &[(&str, String)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("run rampart");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
#[ignore = "needs scripts/image-tests.sh"]
fn image_files_lists_what_the_layers_leave() {
    let dir = env("RAMPART_TEST_IMAGES");
    let (code, out, err) = rampart(&["image", "files", &format!("{dir}/debianish.tar")], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("var/lib/dpkg/status"), "{out}");
    assert!(
        out.contains("etc/os-release -> ../usr/lib/os-release"),
        "{out}"
    );
    assert!(
        out.contains("opt/app/new") && !out.contains("opt/app/old1"),
        "{out}"
    );
    assert!(!out.contains("tmp/to-delete"), "{out}");

    let reg = env("RAMPART_TEST_REGISTRY");
    let multi = format!("{reg}/rampart/multi:1");
    let (code, out, err) = rampart(
        &[
            "image",
            "files",
            &multi,
            "--platform",
            "linux/arm64",
            "-f",
            "json",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(doc["config"]["architecture"], "arm64");
    assert_eq!(doc["files"][0]["path"], "etc/arch");
    let (code, _, err) = rampart(&["image", "files", &multi, "--platform", "linux"], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("expected os/arch"), "{err}");

    let private = format!("{}/rampart/private:1", env("RAMPART_TEST_REGISTRY_AUTH"));
    let (code, _, err) = rampart(&["image", "files", &private], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("requires credentials"), "{err}");
    let creds = [
        (
            "RAMPART_REGISTRY_USERNAME",
            env("RAMPART_TEST_REGISTRY_USER"),
        ),
        (
            "RAMPART_REGISTRY_PASSWORD",
            env("RAMPART_TEST_REGISTRY_PASSWORD"),
        ),
    ];
    let (code, out, err) = rampart(&["image", "files", &private], &creds);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("var/lib/dpkg/status"), "{out}");
}

/// An index of rampart_vuln's OSV test records, for the scan tests.
fn test_db(dir: &std::path::Path) -> String {
    let data =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rampart_vuln/tests/data/osv");
    let mut args: Vec<String> = vec!["db".into(), "import".into()];
    for eco in [
        "Alpine",
        "Debian",
        "Go",
        "Maven",
        "PyPI",
        "crates.io",
        "npm",
    ] {
        args.push(data.join(eco).display().to_string());
    }
    let db = dir.join("db").display().to_string();
    args.extend(["--db".into(), db.clone()]);
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, err) = rampart(&a, &[]);
    assert_eq!(code, 0, "{err}");
    db
}

#[test]
#[ignore = "needs scripts/image-tests.sh"]
fn image_scan_verifies_cosign_signatures_from_the_registry() {
    let Ok(key) = std::env::var("RAMPART_TEST_COSIGN_PUB") else {
        eprintln!("skipping: cosign did not install (RAMPART_TEST_COSIGN_PUB unset)");
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let db = test_db(tmp.path());
    let reg = env("RAMPART_TEST_REGISTRY");
    let signed = format!("{reg}/rampart/debianish:1");
    let unsigned = format!("{reg}/rampart/alpineish:1");
    let (code, out, err) = rampart(
        &[
            "image",
            "scan",
            &signed,
            &unsigned,
            "--db",
            &db,
            "--verify-key",
            &key,
            "-f",
            "json",
            "--fail-on",
            "critical",
        ],
        &[],
    );
    assert!(code == 0 || code == 1, "{err}");
    assert!(err.contains("signed (1 signature(s) verified)"), "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("json");
    let unsigned_findings: Vec<&serde_json::Value> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check"] == "image-unsigned")
        .collect();
    assert_eq!(unsigned_findings.len(), 1, "{out}");
    assert_eq!(
        unsigned_findings[0]["subject"]["reference"],
        unsigned.as_str()
    );

    // scan --images: the workload running the unsigned image is flagged, the signed one is not.
    let manifest = tmp.path().join("pods.yaml");
    std::fs::write(
        &manifest,
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: good, namespace: a}}\nspec:\n  containers:\n  - {{name: app, image: \"{signed}\"}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: bad, namespace: a}}\nspec:\n  containers:\n  - {{name: app, image: \"{unsigned}\"}}\n"
        ),
    )
    .expect("write");
    let m = manifest.display().to_string();
    let (_, out, err) = rampart(
        &[
            "scan",
            &m,
            "--no-config",
            "--images",
            "--db",
            &db,
            "--verify-key",
            &key,
            "-f",
            "json",
        ],
        &[],
    );
    let doc: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    let flagged: Vec<&str> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check"] == "image-unsigned")
        .map(|f| f["subject"]["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(flagged, vec!["bad"], "{out}");
    // The registry's debianish image (this machine's dpkg status) matched like the archive.
    let (code, out_reg, err) = rampart(&["image", "scan", &signed, "--db", &db, "-f", "json"], &[]);
    assert!(code == 0 || code == 1, "{err}");
    let dir = env("RAMPART_TEST_IMAGES");
    let (_, out_tar, _) = rampart(
        &[
            "image",
            "scan",
            &format!("{dir}/debianish.tar"),
            "--db",
            &db,
            "-f",
            "json",
        ],
        &[],
    );
    let ids = |s: &str| -> Vec<String> {
        let d: serde_json::Value = serde_json::from_str(s).expect("json");
        let mut v: Vec<String> = d["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| f["pointer"].as_str().unwrap_or("").to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids(&out_reg), ids(&out_tar));
}
