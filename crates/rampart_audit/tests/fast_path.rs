//! The replay's fast path (`scan`: each line decoded without allocating, in full only when a
//! rule needs it) against the full path (`scan_full`: every event decoded in full): the same
//! alerts, in the same order, with the same counters and errors, on a generated realistic mix
//! with malformed and odd lines mixed in, and on the Falco corpus.

mod mix;

use std::path::{Path, PathBuf};

use rampart_audit::{scan, scan_full, Engine, RuleSet, ScanResult};

fn alerts_json(r: &ScanResult) -> Vec<String> {
    r.alerts
        .iter()
        .map(|f| serde_json::to_string(f).expect("finding to JSON"))
        .collect()
}

fn assert_same(paths: &[PathBuf], what: &str) -> ScanResult {
    let fast = scan(paths, Engine::new(&RuleSet::builtin()));
    let full = scan_full(paths, Engine::new(&RuleSet::builtin()));
    assert_eq!(fast.read, full.read, "{what}: read stats");
    assert_eq!(
        serde_json::to_value(&fast.engine).expect("stats"),
        serde_json::to_value(&full.engine).expect("stats"),
        "{what}: engine stats"
    );
    assert_eq!(
        fast.errors
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>(),
        full.errors
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>(),
        "{what}: errors"
    );
    let (a, b) = (alerts_json(&fast), alerts_json(&full));
    assert_eq!(a.len(), b.len(), "{what}: alert count");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y, "{what}: alert");
    }
    fast
}

#[test]
fn fast_and_full_paths_agree_on_a_generated_mix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("mix.log");
    mix::generate(&p, 40_000);
    let r = assert_same(std::slice::from_ref(&p), "generated mix");
    assert_eq!(r.read.events, 40_000);
    assert_eq!(r.read.malformed, 0);
    // The mix exercises the rules: CEL rules, stateful ones and plain ones all alert.
    for rule in [
        "audit-privileged-pod",
        "audit-sensitive-mount-pod",
        "audit-pod-in-kube-namespace",
        "audit-pod-exec",
        "audit-pod-portforward",
        "audit-bind-cluster-admin",
        "audit-clusterrole-wildcard",
        "audit-secret-read-unusual-user",
        "audit-forbidden-burst",
        "audit-sa-new-source-ip",
    ] {
        assert!(
            r.engine.alerts_by_rule.get(rule).copied().unwrap_or(0) > 0,
            "no alert of {rule}: {:?}",
            r.engine.alerts_by_rule
        );
    }
    // Most events never reach a rule's checks.
    assert!(
        r.engine.evaluated * 2 < r.read.events,
        "{} of {} events evaluated",
        r.engine.evaluated,
        r.read.events
    );
}

#[test]
fn fast_and_full_paths_agree_on_odd_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("odd.log");
    let good = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"x1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/prod/pods/web/exec?command=sh","verb":"create","user":{"username":"alice","groups":["dev"]},"sourceIPs":["192.0.2.1"],"userAgent":"kubectl","objectRef":{"resource":"pods","namespace":"prod","name":"web","apiVersion":"v1","subresource":"exec"},"responseStatus":{"code":101}}"#;
    let lines = [
        good.to_owned(),
        good.to_owned(), // a duplicate audit ID: one alert
        "not json".to_owned(),
        r#"{"x":1}"#.to_owned(),
        r#"{"verb":"get","user":{"groups":"oops"}}"#.to_owned(),
        r#"{"verb":"get","sourceIPs":[1]}"#.to_owned(),
        r#"{"verb":"get","annotations":{"authorization.k8s.io/decision":1}}"#.to_owned(),
        r#"{"kind":"EventList","items":[{"auditID":"l1","verb":"create","stage":"ResponseComplete","user":{"username":"system:serviceaccount:a:b"},"sourceIPs":["10.9.9.9"],"objectRef":{"resource":"pods","namespace":"a","name":"p","subresource":"exec"},"responseStatus":{"code":101}}]}"#.to_owned(),
        r#"{"auditID":"s1","verb":"get","stage":"ResponseComplete","user":{"username":"system:serviceaccount:a:b"},"sourceIPs":["10.0.0.1"],"userAgent":"x"}"#.to_owned(),
        r#"{"auditID":"s2","verb":"get","stage":"ResponseComplete","user":{"username":"system:serviceaccount:a:b"},"sourceIPs":["10.0.0.2"],"userAgent":"y"}"#.to_owned(),
        r#"{"auditID":"s3","verb":"get","stage":"RequestReceived","user":{"username":"system:serviceaccount:a:b"},"sourceIPs":["10.0.0.3"]}"#.to_owned(),
        r#"{"auditID":"e\u0031","verb":"create","user":{"username":"bob\u0021"},"objectRef":{"resource":"pods","subresource":"ephemeralcontainers","namespace":"n\u0031","name":"p"},"annotations":{"authorization.k8s.io/decision":"allow"}}"#.to_owned(),
        r#"{"auditID":"e2","verb":"patch","user":{"username":"bob"},"objectRef":{"resource":"pods","subresource":"ephemeralcontainers","namespace":"n","name":""},"requestObject":{"metadata":{"name":"from-body"}},"annotations":{"authorization.k8s.io/decision":"allow"}}"#.to_owned(),
        "   ".to_owned(),
    ];
    std::fs::write(&p, lines.join("\n")).expect("write");
    let r = assert_same(std::slice::from_ref(&p), "odd lines");
    assert!(r.read.malformed >= 4, "{:?}", r.read);
    assert!(!r.alerts.is_empty());
}

#[test]
fn fast_and_full_paths_agree_on_the_falco_corpus() {
    let Some(dir) = rampart_testutil::require_corpora("falco-k8saudit") else {
        return;
    };
    let mut files = Vec::new();
    collect(&dir, &mut files);
    files.sort();
    assert!(!files.is_empty());
    for f in &files {
        assert_same(std::slice::from_ref(f), &f.display().to_string());
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p
            .extension()
            .is_some_and(|x| x == "json" || x == "jsonl" || x == "log")
        {
            out.push(p);
        }
    }
}
