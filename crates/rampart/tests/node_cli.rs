//! `rampart node` and `rampart benchmark cis` end to end: arguments, formats, exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../rampart_node/tests/fixtures")
        .join(name)
}

fn rampart(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run rampart");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

fn result<'a>(doc: &'a Value, cis: &str) -> &'a Value {
    doc["results"]
        .as_array()
        .and_then(|rs| {
            rs.iter()
                .find(|r| r["cisId"] == cis && r["assessment"] != "rampart")
        })
        .unwrap_or_else(|| panic!("no result {cis}"))
}

#[test]
fn json_carries_cis_ids_statuses_and_evidence() {
    let root = fixture("kubeadm-default");
    let (code, out, err) = rampart(&[
        "benchmark",
        "cis",
        "--root",
        root.to_str().expect("utf-8"),
        "-f",
        "json",
    ]);
    assert_eq!(code, 1, "{err}");
    let doc = json(&out);
    assert_eq!(doc["benchmark"]["version"], "1.12");
    let results = doc["results"].as_array().expect("results");
    assert_eq!(results.len(), 108);
    for r in results {
        assert!(r["cisId"].as_str().is_some_and(|s| !s.is_empty()), "{r}");
        assert!(
            ["PASS", "FAIL", "MANUAL", "N/A", "ERROR"]
                .contains(&r["status"].as_str().unwrap_or("")),
            "{r}"
        );
        assert!(
            r["remediation"].as_str().is_some_and(|s| !s.is_empty()),
            "{r}"
        );
        assert!(r["audit"].as_str().is_some_and(|s| !s.is_empty()), "{r}");
    }
    let profiling = result(&doc, "1.2.15");
    assert_eq!(profiling["status"], "FAIL");
    assert_eq!(profiling["component"], "kube-apiserver");
    assert_eq!(profiling["evidence"][0]["source"], "--profiling");
    assert_eq!(result(&doc, "1.2.14")["status"], "PASS");
    // kube-proxy runs as a DaemonSet under kubeadm: not on this host.
    assert_eq!(result(&doc, "4.3.1")["status"], "N/A");
    // The manifest's line is the evidence's location.
    let anon = result(&doc, "1.2.7");
    assert_eq!(
        anon["location"]["path"],
        "/etc/kubernetes/manifests/kube-apiserver.yaml"
    );
    assert_eq!(anon["location"]["line"], 17);
    assert_eq!(doc["totals"]["total"], 97);
}

#[test]
fn table_sarif_and_junit() {
    let root = fixture("hardened");
    let root = root.to_str().expect("utf-8");
    let (code, out, _) = rampart(&["benchmark", "cis", "--root", root]);
    assert_eq!(code, 1, "modes in git are 644: file items fail");
    assert!(out.contains("[1.2] API Server"), "{out}");
    assert!(out.contains("Summary: 97 items:"), "{out}");
    assert!(out.contains("score "), "{out}");

    let (_, out, _) = rampart(&["benchmark", "cis", "--root", root, "-f", "sarif"]);
    let sarif = json(&out);
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 108);
    assert!(results.iter().any(|r| r["kind"] == "pass"));
    assert!(results.iter().any(|r| r["kind"] == "review"));

    let (_, out, _) = rampart(&["benchmark", "cis", "--root", root, "-f", "junit"]);
    assert!(out.starts_with("<?xml"), "{out}");
    assert!(out.contains("testsuite name=\"cis-1-2-15\""), "{out}");
}

#[test]
fn files_given_are_judged_and_absent_components_are_not_applicable() {
    let m = fixture("hardened").join("etc/kubernetes/manifests/kube-apiserver.yaml");
    let policy = fixture("hardened").join("etc/kubernetes/audit-policy.yaml");
    let enc = fixture("hardened").join("etc/kubernetes/enc/encryption.yaml");
    let (code, out, err) = rampart(&[
        "benchmark",
        "cis",
        m.to_str().expect("utf-8"),
        policy.to_str().expect("utf-8"),
        enc.to_str().expect("utf-8"),
        "-f",
        "json",
        "--root",
        fixture("hardened").to_str().expect("utf-8"),
    ]);
    let doc = json(&out);
    assert_eq!(doc["errors"].as_array().map(Vec::len), Some(0), "{err}");
    assert_eq!(result(&doc, "1.2.15")["status"], "PASS");
    assert_eq!(result(&doc, "3.2.1")["status"], "PASS");
    assert_eq!(result(&doc, "1.2.28")["status"], "PASS");
    // The manifest given is judged where it is (644 in git).
    assert_eq!(result(&doc, "1.1.1")["status"], "FAIL");
    assert_eq!(result(&doc, "2.1")["status"], "N/A");
    assert_eq!(result(&doc, "4.2.1")["status"], "N/A");
    assert_eq!(code, 1);
}

#[test]
fn managed_node_and_usage_errors() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (code, out, err) = rampart(&["node", "--root", tmp.path().to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("every item is N/A"), "{out}");

    let (code, _, err) = rampart(&["benchmark", "cis"]);
    assert_eq!(code, 2);
    assert!(err.contains("--node, --root DIR or PATH"), "{err}");

    let (code, _, err) = rampart(&["node", "--root", "/nonexistent/rampart-root"]);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/rampart-root"), "{err}");
}

#[test]
fn explain_knows_the_benchmark_items() {
    let (code, out, err) = rampart(&["explain", "1.2.15"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("cis-1-2-15"), "{out}");
    assert!(out.contains("What rampart examines"), "{out}");
    let (code, out, _) = rampart(&["explain", "encryption-identity-first"]);
    assert_eq!(code, 0);
    assert!(out.contains("identity"), "{out}");
}

/// A kubeadm ClusterConfiguration given alone: its extraArgs over kubeadm's flags are judged.
#[test]
fn a_kubeadm_cluster_configuration() {
    let cc = fixture("kubeadm-config/cluster-v1beta4.yaml");
    let (code, out, err) = rampart(&[
        "benchmark",
        "cis",
        cc.to_str().expect("utf-8"),
        "--root",
        fixture("kubeadm-config/root").to_str().expect("utf-8"),
        "-f",
        "json",
    ]);
    let doc = json(&out);
    assert_eq!(doc["errors"].as_array().map(Vec::len), Some(0), "{err}");
    assert_eq!(result(&doc, "1.2.15")["status"], "PASS");
    assert_eq!(result(&doc, "1.2.9")["status"], "PASS");
    assert_eq!(result(&doc, "1.4.2")["status"], "FAIL");
    assert_eq!(result(&doc, "4.2.1")["status"], "N/A");
    assert_eq!(code, 1);
}
