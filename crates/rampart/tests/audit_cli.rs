//! End-to-end tests of `rampart audit scan`, running the built binary on audit logs written
//! here (JSON lines, gzip, stdin) and on the Falco corpus.

use std::io::Write;
use std::process::Output;

use serde_json::Value;

fn rampart(args: &[&str], stdin: Option<&str>) -> Output {
    rampart_testutil::run_binary(env!("CARGO_BIN_EXE_rampart"), args, stdin)
}

const BIND_ADMIN: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"b1","stage":"ResponseComplete","requestURI":"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings","verb":"create","user":{"username":"mallory","groups":["system:authenticated"]},"sourceIPs":["198.51.100.7"],"objectRef":{"resource":"clusterrolebindings","name":"pwn","apiGroup":"rbac.authorization.k8s.io","apiVersion":"v1"},"responseStatus":{"code":201},"requestObject":{"kind":"ClusterRoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"pwn"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"User","name":"mallory"}]},"requestReceivedTimestamp":"2026-12-06T09:00:00.000000Z"}"#;
const BENIGN: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"g1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/configmaps/x","verb":"get","user":{"username":"alice"},"objectRef":{"resource":"configmaps","namespace":"default","name":"x","apiVersion":"v1"},"responseStatus":{"code":200}}"#;

#[test]
fn alerts_name_rule_actor_verb_object_and_exit_at_threshold() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("audit.log");
    std::fs::write(&log, format!("{BENIGN}\nnot json at all\n{BIND_ADMIN}\n")).expect("write");
    let log = log.to_str().expect("utf-8");

    let out = rampart(&["audit", "scan", log, "--format", "json"], None);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json report");
    let alerts = v["alerts"].as_array().expect("alerts");
    assert_eq!(alerts.len(), 1, "{v:#}");
    let a = &alerts[0];
    assert_eq!(a["check"], "audit-bind-cluster-admin");
    assert_eq!(a["subject"]["user"], "mallory");
    assert_eq!(a["subject"]["verb"], "create");
    assert_eq!(a["subject"]["object"]["kind"], "ClusterRoleBinding");
    assert_eq!(a["subject"]["object"]["name"], "pwn");
    assert_eq!(a["location"]["line"], 3);
    assert_eq!(v["read"]["events"], 2);
    assert_eq!(v["read"]["malformed"], 1);
    assert_eq!(v["errors"][0]["line"], 2);

    // Below the threshold: exit 0.
    let out = rampart(&["audit", "scan", log, "--fail-on", "critical"], None);
    assert_eq!(out.status.code(), Some(0));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("audit-bind-cluster-admin") && table.contains("mallory"),
        "{table}"
    );
    assert!(table.contains(":2: malformed audit event"), "{table}");

    // JSON lines from stdin, gzip from a file: the same alert.
    let out = rampart(
        &["audit", "scan", "-", "--format", "jsonl"],
        Some(&format!("{BIND_ADMIN}\n")),
    );
    assert_eq!(out.status.code(), Some(1));
    let line: Value = serde_json::from_slice(&out.stdout).expect("one json line");
    assert_eq!(line["check"], "audit-bind-cluster-admin");
    let gz = dir.path().join("audit.log.1.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(format!("{BIND_ADMIN}\n").as_bytes())
        .expect("gz");
    std::fs::write(&gz, enc.finish().expect("gz")).expect("write");
    let out = rampart(
        &[
            "audit",
            "scan",
            gz.to_str().expect("utf-8"),
            "--format",
            "jsonl",
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn benign_log_is_silent() {
    let out = rampart(
        &["audit", "scan", "-", "--fail-on", "info"],
        Some(&format!("{BENIGN}\n")),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 alerts"));
}
