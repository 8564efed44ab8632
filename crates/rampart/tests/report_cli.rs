//! `rampart report` and `rampart scan --format html` end to end, on the check fixtures of
//! `rampart_checks` (real scans): frameworks listed, judged from a JSON report and from paths
//! (the same result), every format, and the HTML report self-contained.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn fixtures(rel: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../rampart_checks/src/checks")
        .join(rel)
        .display()
        .to_string()
}

fn rampart(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run rampart")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            stdout(o),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn control<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no control {id}"))
}

#[test]
fn list_frameworks_names_every_framework() {
    let o = rampart(&["report", "--list-frameworks"]);
    assert!(o.status.success());
    let out = stdout(&o);
    for id in [
        "cis-1.12",
        "nsa-cisa",
        "nist-800-190",
        "pss-baseline",
        "pss-restricted",
        "mitre-attack",
        "soc2",
        "pci-dss-4.0",
        "hipaa",
    ] {
        assert!(out.contains(id), "{id} missing:\n{out}");
    }
}

#[test]
fn framework_from_a_json_report_and_from_paths_agree() {
    let dir = tempfile::tempdir().expect("tmp");
    let json = dir.path().join("scan.json");
    let json = json.to_str().expect("utf-8");
    let host_network = fixtures("pod_security/host_network/fixtures/fail.yaml");
    let o = rampart(&[
        "scan",
        "--no-config",
        &host_network,
        "-f",
        "json",
        "-o",
        json,
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    let from_json = rampart(&["report", "--framework", "cis", "-f", "json", json]);
    assert_eq!(from_json.status.code(), Some(0));
    let a = json_of(&from_json);
    assert_eq!(a["framework"], "cis-1.12");
    let c = control(&a, "5.2.5");
    assert_eq!(c["status"], "fail");
    assert!(c["checks"]
        .as_array()
        .expect("checks")
        .contains(&"host-network".into()));
    let f = &c["findings"][0];
    assert_eq!(f["check"], "host-network");
    assert!(f["location"]["path"]
        .as_str()
        .expect("path")
        .ends_with("fail.yaml"));
    assert!(f["location"]["line"].as_u64().expect("line") > 0);
    assert_eq!(
        c["findingsTotal"],
        c["findings"].as_array().expect("f").len()
    );
    assert_eq!(control(&a, "5.3.1")["status"], "manual");
    assert_eq!(control(&a, "1.1.1")["status"], "not-assessed");

    let from_paths = rampart(&[
        "report",
        "--framework",
        "cis",
        "-f",
        "json",
        "--no-config",
        &host_network,
    ]);
    let b = json_of(&from_paths);
    assert_eq!(a["counts"], b["counts"]);
    assert_eq!(a["score"], b["score"]);
    assert!(a["score"].as_f64().expect("score") < 100.0);
}

#[test]
fn table_markdown_and_summary() {
    let path = fixtures("pod_security/privileged_container/fixtures/fail.yaml");
    let o = rampart(&[
        "report",
        "--no-config",
        "--framework",
        "pss-baseline",
        &path,
    ]);
    let out = stdout(&o);
    assert!(
        out.starts_with("Pod Security Standards (baseline)"),
        "{out}"
    );
    assert!(out.contains("Privileged Containers"), "{out}");
    assert!(out.contains("Failing controls:"), "{out}");
    assert!(out.contains("fail.yaml:"), "{out}");

    let o = rampart(&[
        "report",
        "--no-config",
        "-f",
        "markdown",
        "--framework",
        "soc2",
        &path,
    ]);
    let out = stdout(&o);
    assert!(out.starts_with("# SOC 2"), "{out}");
    assert!(out.contains("| fail | CC6.8 |"), "{out}");
    assert!(out.contains("not an attestation"), "{out}");

    let o = rampart(&["report", "--no-config", &path]);
    let out = stdout(&o);
    for id in ["cis-1.12", "hipaa", "mitre-attack"] {
        assert!(out.contains(id), "{out}");
    }
    assert!(out.contains("evidence, not certification"), "{out}");
}

#[test]
fn unknown_framework_and_missing_input_are_usage_errors() {
    let o = rampart(&["report", "--framework", "iso-27001", "x.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no framework `iso-27001`"));
    let o = rampart(&["report"]);
    assert_eq!(o.status.code(), Some(2));
    let dir = tempfile::tempdir().expect("tmp");
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        "{\"schemaVersion\": 2, \"tool\": {\"name\": \"rampart\"}, \"findings\": [{\"check\": 3}]}",
    )
    .expect("write");
    let o = rampart(&["report", bad.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("bad.json"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Every `href`/`src` in `html` is an in-page anchor, and every anchor has its target.
fn assert_self_contained(html: &str) {
    let re = regex::Regex::new(r#"\b(?:href|src)\s*=\s*"([^"]*)""#).expect("regex");
    let ids: std::collections::HashSet<&str> = regex::Regex::new(r#"\bid="([^"]+)""#)
        .expect("regex")
        .captures_iter(html)
        .filter_map(|c| c.get(1).map(|m| m.as_str()))
        .collect();
    let mut links = 0;
    for c in re.captures_iter(html) {
        let url = &c[1];
        assert!(
            url.starts_with('#'),
            "external or relative reference: {url}"
        );
        assert!(ids.contains(&url[1..]), "anchor without target: {url}");
        links += 1;
    }
    assert!(links > 10, "{links} links");
    assert!(
        !html.contains("http://") || !html.contains("<link"),
        "no stylesheets"
    );
    assert!(!html.contains("<link"), "no external stylesheet");
    assert!(!html.contains("<img"), "no images");
    assert!(!html.contains("<script src"), "no external script");
}

#[test]
fn scan_html_is_one_self_contained_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("report.html");
    let path = fixtures("pod_security");
    let o = rampart(&[
        "scan",
        "--no-config",
        &path,
        "-f",
        "html",
        "-o",
        out.to_str().expect("utf-8"),
    ]);
    assert!(
        matches!(o.status.code(), Some(1 | 2)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let html = std::fs::read_to_string(&out).expect("html written");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<html lang=\"en\">"));
    for section in [
        "id=\"posture\"",
        "id=\"namespaces\"",
        "id=\"frameworks\"",
        "id=\"findings\"",
        "id=\"errors\"",
    ] {
        assert!(html.contains(section), "{section}");
    }
    assert!(html.contains("Posture score"));
    // Drill-down: a CIS control, its check, a finding row with file:line.
    assert!(html.contains("id=\"ctl-cis-1.12-5.2.5\""));
    assert!(html.contains("href=\"#check-host-network\""));
    assert!(html.contains("id=\"check-host-network\""));
    assert!(regex::Regex::new(
        r#"<tr id="f-\d+"><td>fail</td>.*host_network/fixtures/fail\.yaml:\d+</code>"#
    )
    .expect("regex")
    .is_match(&html));
    // Every framework is in it, with its disclaimer.
    for id in [
        "fw-cis-1.12",
        "fw-soc2",
        "fw-hipaa",
        "fw-pci-dss-4.0",
        "fw-mitre-attack",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(html.contains("evidence, not certification"));
    assert_self_contained(&html);
}

#[test]
fn report_html_for_one_framework() {
    let path = fixtures("rbac/rbac_cluster_admin/fixtures/fail.yaml");
    let o = rampart(&[
        "report",
        "--no-config",
        "-f",
        "html",
        "--framework",
        "nsa",
        &path,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = stdout(&o);
    assert!(html.contains("id=\"fw-nsa-cisa\""));
    assert!(!html.contains("id=\"fw-cis-1.12\""));
    assert_self_contained(&html);
}
