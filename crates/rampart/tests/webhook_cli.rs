//! `rampart webhook manifest`.

use rampart_testutil::{run_binary, TempDir};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_rampart");

fn docs(text: &str) -> Vec<Value> {
    rampart_source::yaml::parse_stream(text)
        .docs
        .into_iter()
        .map(|d| d.value)
        .collect()
}

const CA: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

#[test]
fn url_mode_prints_only_the_webhook_configuration() {
    let dir = TempDir::new("webhook_cli");
    let ca = dir.write("ca.crt", CA);
    let out = run_binary(
        BIN,
        &[
            "webhook",
            "manifest",
            "--url",
            "https://127.0.0.1:9443/validate",
            "--ca-file",
            &ca.display().to_string(),
            "--failure-policy",
            "Ignore",
            "--namespace-label",
            "team=a",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let objs = docs(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(objs.len(), 1);
    let wh = &objs[0]["webhooks"][0];
    assert_eq!(objs[0]["kind"], "ValidatingWebhookConfiguration");
    assert_eq!(wh["clientConfig"]["url"], "https://127.0.0.1:9443/validate");
    assert!(wh["clientConfig"]["caBundle"]
        .as_str()
        .is_some_and(|b| b.starts_with("LS0tLS1CRUdJTi")));
    assert_eq!(wh["failurePolicy"], "Ignore");
    assert_eq!(wh["namespaceSelector"]["matchLabels"]["team"], "a");

    // --url needs --ca-file; the CA must be PEM.
    let out = run_binary(
        BIN,
        &["webhook", "manifest", "--url", "https://x/validate"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let bad = dir.write("bad.crt", "not a certificate");
    let out = run_binary(
        BIN,
        &[
            "webhook",
            "manifest",
            "--url",
            "https://x/v",
            "--ca-file",
            &bad.display().to_string(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a PEM certificate"));
}

/// The in-cluster manifest installs every part, and rampart's own Deployment passes rampart's
/// checks at the default threshold.
#[test]
fn in_cluster_manifest_is_complete_and_passes_rampart_itself() {
    let out = run_binary(BIN, &["webhook", "manifest"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let kinds: Vec<String> = docs(&text)
        .iter()
        .map(|o| o["kind"].as_str().unwrap_or("").to_string())
        .collect();
    for k in [
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "Service",
        "Deployment",
        "ValidatingWebhookConfiguration",
    ] {
        assert!(kinds.iter().any(|x| x == k), "{k} missing: {kinds:?}");
    }
    let scan = run_binary(
        BIN,
        &["scan", "--no-config", "-f", "json", "-"],
        Some(&text),
    );
    let report: Value = serde_json::from_slice(&scan.stdout).expect("json");
    let high: Vec<&Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| matches!(f["severity"].as_str(), Some("high" | "critical")))
        .collect();
    assert!(high.is_empty(), "{high:#?}");
}

#[test]
fn with_a_cluster_cache_the_role_grants_exactly_what_the_server_watches() {
    let out = run_binary(
        BIN,
        &["webhook", "manifest", "--policies-from-cluster"],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let objs = docs(&String::from_utf8_lossy(&out.stdout));
    let role = objs
        .iter()
        .find(|o| o["kind"] == "ClusterRole")
        .expect("a ClusterRole");
    let mut granted: Vec<(String, String)> = Vec::new();
    for rule in role["rules"].as_array().expect("rules") {
        assert_eq!(rule["verbs"], serde_json::json!(["get", "list", "watch"]));
        for g in rule["apiGroups"].as_array().expect("groups") {
            for r in rule["resources"].as_array().expect("resources") {
                granted.push((
                    g.as_str().unwrap_or("").to_owned(),
                    r.as_str().unwrap_or("").to_owned(),
                ));
            }
        }
    }
    let mut want: Vec<(String, String)> = rampart_cluster::watch::WATCHED
        .iter()
        .chain(rampart_cluster::watch::POLICY_TYPES)
        .map(|t| (t.group.to_owned(), t.resource.to_owned()))
        .collect();
    want.push(("constraints.gatekeeper.sh".into(), "*".into()));
    granted.sort();
    want.sort();
    assert_eq!(granted, want);
    assert!(!granted.iter().any(|(_, r)| r == "secrets"));
    let dep = objs
        .iter()
        .find(|o| o["kind"] == "Deployment")
        .expect("a Deployment");
    let spec = &dep["spec"]["template"]["spec"];
    assert_eq!(spec["automountServiceAccountToken"], true);
    let args = spec["containers"][0]["args"].to_string();
    assert!(args.contains("--admission-cluster") && args.contains("--policies-from-cluster"));
}
