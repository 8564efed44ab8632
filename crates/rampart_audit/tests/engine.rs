//! The engine on synthetic events: the rule index, stateful rules (windows, distinct counts,
//! first-seen), the issue's non-Falco rules, user rule files and posture correlation.

use std::path::Path;

use rampart_audit::{Engine, Event, Origin, Posture, RuleSet};
use rampart_model::{Finding, Severity};
use serde_json::{json, Value};

fn event(verb: &str, user: &str, resource: &str, ns: &str, name: &str) -> Value {
    let (res, sub) = resource.split_once('/').unwrap_or((resource, ""));
    let mut object_ref =
        json!({"resource": res, "namespace": ns, "name": name, "apiVersion": "v1"});
    if !sub.is_empty() {
        object_ref["subresource"] = json!(sub);
    }
    json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "RequestResponse",
        "auditID": format!("{verb}-{user}-{resource}-{ns}-{name}"),
        "stage": "ResponseComplete", "requestURI": format!("/api/v1/namespaces/{ns}/{resource}/{name}"),
        "verb": verb, "user": {"username": user, "groups": ["system:authenticated"]},
        "sourceIPs": ["10.0.0.1"], "userAgent": "kubectl/v1.37.2",
        "objectRef": object_ref, "responseStatus": {"code": 200},
        "requestReceivedTimestamp": "2026-12-06T09:00:00.000000Z",
    })
}

fn at(mut e: Value, second: u32) -> Value {
    e["requestReceivedTimestamp"] = json!(format!(
        "2026-12-06T09:{:02}:{:02}.000000Z",
        second / 60,
        second % 60
    ));
    e
}

fn run_with(engine: &mut Engine, events: &[Value]) -> Vec<Finding> {
    let mut out = Vec::new();
    for e in events {
        let text = e.to_string();
        let ev: Event<'_> = serde_json::from_str(&text).expect("event");
        engine.process(
            &ev,
            Origin {
                path: None,
                line: 0,
            },
            &mut |f| out.push(f),
        );
    }
    out
}

fn run(events: &[Value]) -> Vec<Finding> {
    let mut engine = Engine::new(&RuleSet::builtin());
    assert!(engine.errors.is_empty(), "{:#?}", engine.errors);
    run_with(&mut engine, events)
}

fn ids(alerts: &[Finding]) -> Vec<String> {
    alerts.iter().map(|a| a.check.to_string()).collect()
}

#[test]
fn builtin_rules_all_compile() {
    let set = RuleSet::builtin();
    let engine = Engine::new(&set);
    assert!(engine.errors.is_empty(), "{:#?}", engine.errors);
    assert_eq!(engine.rules().count(), set.rules.len());
    assert!(engine.rules().count() >= 29);
}

#[test]
fn index_keeps_most_events_away_from_cel() {
    let mut engine = Engine::new(&RuleSet::builtin());
    let mut events = Vec::new();
    for i in 0..100 {
        let mut e = event(
            "get",
            "system:kube-controller-manager",
            "configmaps",
            "kube-system",
            &format!("c{i}"),
        );
        e["auditID"] = json!(format!("id{i}"));
        events.push(e);
    }
    let alerts = run_with(&mut engine, &events);
    assert!(alerts.is_empty(), "{:?}", ids(&alerts));
    assert_eq!(engine.stats.events, 100);
    assert_eq!(
        engine.stats.evaluated, 0,
        "no rule looks at configmap gets by the control plane"
    );
    assert_eq!(engine.stats.cel_runs, 0);
}

#[test]
fn forbidden_burst_alerts_once_at_the_threshold() {
    let mut events = Vec::new();
    for i in 0..45 {
        let mut e = at(
            event("list", "mallory", "secrets", &format!("ns{i}"), ""),
            i,
        );
        e["responseStatus"] = json!({"code": 403});
        e["auditID"] = json!(format!("f{i}"));
        events.push(e);
    }
    let alerts = run(&events[..19]);
    assert!(alerts.is_empty(), "19 refusals: {:?}", ids(&alerts));
    let alerts = run(&events);
    let bursts: Vec<_> = alerts
        .iter()
        .filter(|a| a.check == "audit-forbidden-burst")
        .collect();
    // 45 refusals within a minute: one alert per 20.
    assert_eq!(bursts.len(), 2, "{:?}", ids(&alerts));
    assert!(bursts[0].evidence.iter().any(|e| e.source == "window"));
    // Spread out over 40 minutes (one every two minutes), no burst.
    let slow: Vec<Value> = events
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, e)| at(e, i as u32 * 120 % 3600))
        .collect();
    let alerts = run(&slow[..25]);
    assert!(!ids(&alerts).contains(&"audit-forbidden-burst".to_owned()));
}

#[test]
fn secrets_listed_across_namespaces_counts_distinct_namespaces() {
    let mut same = Vec::new();
    for i in 0..10 {
        let mut e = at(event("list", "eve", "secrets", "prod", ""), i);
        e["auditID"] = json!(format!("s{i}"));
        same.push(e);
    }
    let alerts = run(&same);
    assert!(!ids(&alerts).contains(&"audit-secrets-listed-across-namespaces".to_owned()));
    let mut many = Vec::new();
    for i in 0..5 {
        let mut e = at(event("list", "eve", "secrets", &format!("team{i}"), ""), i);
        e["auditID"] = json!(format!("m{i}"));
        many.push(e);
    }
    let alerts = run(&many);
    let hits: Vec<_> = alerts
        .iter()
        .filter(|a| a.check == "audit-secrets-listed-across-namespaces")
        .collect();
    assert_eq!(hits.len(), 1, "{:?}", ids(&alerts));
    assert_eq!(hits[0].severity, Severity::High);
}

#[test]
fn service_account_from_a_new_source_ip_after_learning() {
    let sa = "system:serviceaccount:prod:web";
    let mut events = Vec::new();
    for (i, ip) in ["10.1.0.5", "10.1.0.5", "203.0.113.9"].iter().enumerate() {
        let mut e = event("get", sa, "configmaps", "prod", "settings");
        e["auditID"] = json!(format!("ip{i}"));
        e["sourceIPs"] = json!([ip]);
        events.push(e);
    }
    let alerts = run(&events);
    let hits: Vec<_> = alerts
        .iter()
        .filter(|a| a.check == "audit-sa-new-source-ip")
        .collect();
    assert_eq!(hits.len(), 1, "{:?}", ids(&alerts));
    assert!(
        hits[0].message.contains("203.0.113.9"),
        "{}",
        hits[0].message
    );
}

#[test]
fn rules_falco_lacks() {
    // A token for another service account.
    let mut token = event(
        "create",
        "alice",
        "serviceaccounts/token",
        "prod",
        "deployer",
    );
    token["responseStatus"] = json!({"code": 201});
    let own = event(
        "create",
        "system:serviceaccount:prod:deployer",
        "serviceaccounts/token",
        "prod",
        "deployer",
    );
    // A validating webhook configuration deleted.
    let mut webhook = event(
        "delete",
        "alice",
        "validatingwebhookconfigurations",
        "",
        "rampart",
    );
    webhook["objectRef"]["apiGroup"] = json!("admissionregistration.k8s.io");
    // Pod Security Admission weakened.
    let mut psa = event("patch", "alice", "namespaces", "", "prod");
    psa["requestObject"] =
        json!({"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "privileged"}}});
    let mut psa_ok = event("patch", "alice", "namespaces", "", "dev");
    psa_ok["requestObject"] =
        json!({"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "restricted"}}});
    // Impersonation, CSR approval, escalate/bind grants, a binding to everyone.
    let mut imp = event("get", "alice", "secrets", "prod", "db");
    imp["impersonatedUser"] = json!({"username": "system:admin"});
    let csr = event(
        "update",
        "alice",
        "certificatesigningrequests/approval",
        "",
        "node-csr-x",
    );
    let mut role = event("create", "alice", "clusterroles", "", "escalator");
    role["requestObject"] = json!({"kind": "ClusterRole", "rules": [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["escalate", "bind"]}]});
    let mut everyone = event("create", "alice", "clusterrolebindings", "", "open");
    everyone["requestObject"] = json!({"kind": "ClusterRoleBinding", "roleRef": {"kind": "ClusterRole", "name": "view"}, "subjects": [{"kind": "Group", "name": "system:authenticated"}]});
    let mut eph = event(
        "patch",
        "alice",
        "pods/ephemeralcontainers",
        "prod",
        "web-1",
    );
    eph["responseStatus"] = json!({"code": 200});
    let pf = event("create", "alice", "pods/portforward", "prod", "web-1");

    let expect = [
        (token, "audit-token-request-other-sa"),
        (webhook, "audit-admission-webhook-changed"),
        (psa, "audit-psa-label-weakened"),
        (imp, "audit-impersonation"),
        (csr, "audit-csr-approval"),
        (role, "audit-role-escalation-grant"),
        (everyone, "audit-bind-broad-group"),
        (eph, "audit-ephemeral-container"),
        (pf, "audit-pod-portforward"),
    ];
    for (e, id) in expect {
        let alerts = run(std::slice::from_ref(&e));
        assert!(
            ids(&alerts).contains(&id.to_owned()),
            "{id}: got {:?}",
            ids(&alerts)
        );
        let a = alerts.iter().find(|a| a.check == id).expect("alert");
        // Every alert names the actor, the verb and the object.
        let v = serde_json::to_value(a).expect("json");
        assert_eq!(v["subject"]["type"], "event");
        assert_eq!(v["subject"]["user"], "alice");
        assert_eq!(v["subject"]["verb"], e["verb"]);
        assert_eq!(v["subject"]["object"]["name"], e["objectRef"]["name"]);
    }
    for benign in [own, psa_ok] {
        let alerts = run(std::slice::from_ref(&benign));
        assert!(alerts.is_empty(), "{benign}: {:?}", ids(&alerts));
    }
}

#[test]
fn exec_is_reported_once_per_audit_id() {
    let mut started = event("create", "alice", "pods/exec", "prod", "web-1");
    started["stage"] = json!("ResponseStarted");
    started["responseStatus"] = json!({"code": 101});
    started["requestURI"] = json!(
        "/api/v1/namespaces/prod/pods/web-1/exec?command=sh&command=-c&command=id&container=app"
    );
    let mut complete = started.clone();
    complete["stage"] = json!("ResponseComplete");
    let alerts = run(&[started, complete]);
    assert_eq!(ids(&alerts), vec!["audit-pod-exec"]);
    let cmd = alerts[0]
        .evidence
        .iter()
        .find(|e| e.source == "fields.command")
        .expect("command");
    assert_eq!(cmd.found.as_deref(), Some("sh -c id"));
}

#[test]
fn user_rule_files_add_replace_and_disable_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("mine.yaml"),
        "id: site-delete-prod-namespace\ntitle: Production namespace deleted\nseverity: critical\n\
         match:\n  verbs: [delete]\n  resources: [namespaces]\ncondition: \"objectRef.name.startsWith('prod')\"\n\
         ---\nid: audit-secret-read-unusual-user\ntitle: off here\nseverity: info\nenabled: false\n\
         ---\nlists:\n  secret_readers: [\"vault\"]\n",
    )
    .expect("write");
    let mut set = RuleSet::builtin();
    set.add_path(dir.path());
    assert!(set.errors.is_empty(), "{:?}", set.errors);
    let mut engine = Engine::new(&set);
    assert!(engine.errors.is_empty(), "{:?}", engine.errors);
    let alerts = run_with(
        &mut engine,
        &[
            event("delete", "bob", "namespaces", "", "prod-eu"),
            event("delete", "bob", "namespaces", "", "scratch"),
            event("get", "bob", "secrets", "prod", "db"),
        ],
    );
    assert_eq!(ids(&alerts), vec!["site-delete-prod-namespace"]);
    assert_eq!(alerts[0].severity, Severity::Critical);

    // A rule whose CEL does not compile is reported with its file and line, and left out.
    let mut set = RuleSet::default();
    set.add_text(
        Path::new("bad.yaml"),
        "id: broken\ntitle: t\nseverity: low\ncondition: \"verb ==\"\n",
    );
    let engine = Engine::new(&set);
    assert_eq!(engine.rules().count(), 0);
    assert_eq!(engine.errors.len(), 1);
    assert_eq!(engine.errors[0].line, Some(4));
    assert!(
        engine.errors[0].message.contains("broken"),
        "{}",
        engine.errors[0].message
    );
}

#[test]
fn posture_raises_exec_into_a_pod_that_reaches_cluster_admin() {
    let manifests = r#"
apiVersion: v1
kind: Pod
metadata: {name: ci-runner, namespace: build}
spec: {serviceAccountName: runner, containers: [{name: c, image: ci:1}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: build}
spec: {serviceAccountName: web, containers: [{name: c, image: web:1}]}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: runner, namespace: build}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: build}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cluster-admin}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: runner-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: runner, namespace: build}]
"#;
    let parsed = rampart_source::parse_str(Path::new("posture.yaml"), manifests);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let posture = Posture::from_resources(&parsed.resources, "posture.yaml");
    let mut engine = Engine::new(&RuleSet::builtin()).with_posture(posture);
    let mut admin = event("create", "alice", "pods/exec", "build", "ci-runner");
    admin["responseStatus"] = json!({"code": 101});
    let mut plain = event("create", "alice", "pods/exec", "build", "web");
    plain["responseStatus"] = json!({"code": 101});
    plain["auditID"] = json!("other");
    let alerts = run_with(&mut engine, &[admin, plain]);
    assert_eq!(alerts.len(), 2, "{:?}", ids(&alerts));
    assert_eq!(
        alerts[0].severity,
        Severity::Critical,
        "{}",
        alerts[0].message
    );
    assert!(
        alerts[0].message.contains("which is cluster-admin"),
        "{}",
        alerts[0].message
    );
    assert_eq!(
        alerts[1].severity,
        Severity::Medium,
        "{}",
        alerts[1].message
    );
    assert!(
        alerts[1].message.contains("cannot reach"),
        "{}",
        alerts[1].message
    );
}
