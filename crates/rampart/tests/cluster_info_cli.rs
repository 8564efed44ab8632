//! The `ClusterInfo` object without a live cluster: what `scan --snapshot` adds for the
//! cluster-level checks (from a snapshot in the first format, without `serverMajor`/`serverMinor`),
//! the same object written in a manifest, and `inventory` not counting it as a cluster object.

use std::process::Output;

use rampart_testutil::TempDir;
use serde_json::{json, Value};

const SELECT: &str =
    "--select=anonymous-access,anonymous-auth-enabled,kubernetes-version-eol,privileged-container";

fn rampart(args: &[&str]) -> Output {
    let out = rampart_testutil::run_binary(env!("CARGO_BIN_EXE_rampart"), args, None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "rampart panicked:\n{stderr}");
    out
}

/// `rampart scan --snapshot SNAP --no-config -f json` with the checks under test.
fn scan_json(snap: &str) -> Output {
    rampart(&[
        "scan",
        "--snapshot",
        snap,
        "--no-config",
        "-f",
        "json",
        SELECT,
    ])
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// A snapshot as the first rampart versions wrote it (no `serverMajor`/`serverMinor`).
fn old_snapshot(version: &str, anonymous: Value) -> String {
    json!({
        "schemaVersion": 1,
        "takenAt": "2026-11-27T07:00:00Z",
        "context": "kind-old",
        "server": "https://127.0.0.1:6443",
        "serverVersion": version,
        "coverage": {"read": [], "notRead": [], "partial": false},
        "anonymous": anonymous,
        "objects": [{
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "default", "uid": "u-1"},
            "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}
        }]
    })
    .to_string()
}

fn checks_on_cluster_info(report: &Value) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["subject"]["kind"] == "ClusterInfo")
        .map(|f| {
            (
                f["check"].as_str().unwrap_or_default().to_owned(),
                f["subject"]["name"].as_str().unwrap_or_default().to_owned(),
                f["pointer"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn snapshot_scan_judges_the_cluster_facts() {
    let dir = TempDir::new("cluster-info");
    let snap = dir.write(
        "old.json",
        old_snapshot(
            "v1.20.15",
            json!({"api": {"status": 403}, "version": {"status": 200}}),
        ),
    );
    let snap = snap.to_str().expect("path");
    let out = scan_json(snap);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json_of(&out);
    assert_eq!(
        checks_on_cluster_info(&r),
        vec![
            (
                "anonymous-access".to_string(),
                "kind-old".to_string(),
                "/anonymous".to_string()
            ),
            (
                "kubernetes-version-eol".to_string(),
                "kind-old".to_string(),
                "/serverVersion/gitVersion".to_string()
            ),
        ]
    );
    // The ClusterInfo object is not counted as a scanned object.
    let table = rampart(&["scan", "--snapshot", snap, "--no-config", SELECT]);
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.contains("Scanned 1 objects"), "{table}");
    assert!(table.contains("ClusterInfo"), "{table}");
    let msg = r["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["check"] == "anonymous-access")
        .and_then(|f| f["message"].as_str())
        .unwrap_or_default()
        .to_owned();
    assert!(
        msg.contains("GET /api answered 403") && msg.contains("GET /version answered 200"),
        "{msg}"
    );

    // Anonymous auth off and a supported version (judged on the day of the read): silent.
    let snap = dir.write(
        "quiet.json",
        old_snapshot(
            "v1.37.2",
            json!({"api": {"status": 401}, "version": {"status": 401}}),
        ),
    );
    let out = scan_json(snap.to_str().expect("path"));
    assert_eq!(out.status.code(), Some(0));
    assert!(checks_on_cluster_info(&json_of(&out)).is_empty());

    // Forbidden (403) everywhere: anonymous authentication is on.
    let snap = dir.write(
        "forbidden.json",
        old_snapshot(
            "v1.37.2",
            json!({"api": {"status": 403}, "version": {"status": 403}}),
        ),
    );
    let out = scan_json(snap.to_str().expect("path"));
    let checks: Vec<String> = checks_on_cluster_info(&json_of(&out))
        .into_iter()
        .map(|(c, _, _)| c)
        .collect();
    assert_eq!(checks, vec!["anonymous-auth-enabled".to_string()]);

    // The inventory of the snapshot counts only the cluster's objects.
    let out = rampart(&[
        "inventory",
        "--snapshot",
        snap.to_str().expect("path"),
        "-f",
        "json",
    ]);
    let inv = json_of(&out);
    assert_eq!(inv["objects"], 1);
    assert_eq!(inv["kubernetesVersion"], "v1.37.2");
}

#[test]
fn a_cluster_info_manifest_is_checked_with_lines_and_not_inventoried() {
    let dir = TempDir::new("cluster-info-file");
    let file = dir.write(
        "cluster.yaml",
        "apiVersion: rampart.dev/v1\nkind: ClusterInfo\nmetadata:\n  name: prod\nserverVersion:\n  gitVersion: v1.21.3\nanonymous:\n  api: {status: 401}\n  version: {status: 401}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  containers: [{name: c, image: busybox:1.36}]\n",
    );
    let file = file.to_str().expect("path");
    let out = rampart(&["scan", "--no-config", "-f", "json", SELECT, file]);
    let r = json_of(&out);
    let f = r["findings"]
        .as_array()
        .and_then(|a| a.first())
        .cloned()
        .unwrap_or_default();
    assert_eq!(f["check"], "kubernetes-version-eol", "{r}");
    assert_eq!(f["location"]["line"], 6, "{f}");
    assert_eq!(r["findings"].as_array().map(Vec::len), Some(1), "{r}");

    let out = rampart(&["inventory", "-f", "json", file]);
    let inv = json_of(&out);
    assert_eq!(inv["objects"], 1, "{inv}");
    assert_eq!(inv["kubernetesVersion"], "v1.21.3");
    assert_eq!(inv["workloads"]["Pod"], 1);
    assert!(inv["workloads"].get("ClusterInfo").is_none());
}
