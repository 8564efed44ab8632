//! ValidatingAdmissionPolicies end to end through the library: the suite in tests/vap (20
//! policies with their bindings, every feature, allowed and denied samples; the same files
//! tests/vap_live.rs compares with the real API server), failurePolicy, what rampart cannot
//! evaluate (always an error verdict), and load errors.

use std::path::{Path, PathBuf};

use rampart_policy::vap::{FailurePolicy, ValidationAction};
use rampart_policy::{load_objects, suite, Action, ClusterData, Policy, Review, VerdictKind};
use serde_json::{json, Value};

fn here(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(rel)
}

#[test]
fn the_vap_suite_passes() {
    let report = suite::run(&here("vap"));
    println!("{}", report.render(true));
    assert_eq!(report.suites, 20, "one suite per policy");
    assert_eq!(report.failed(), 0, "{}", report.render(false));
    assert_eq!(report.skipped(), 0);
    assert!(report.passed() >= 55, "{} cases", report.passed());
}

#[test]
fn the_twenty_policies_load_as_one_set() {
    let loaded = rampart_policy::load(&[here("vap")]);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.policies.len(), 20);
    let vap = |id: &str| match loaded.policies.get(id) {
        Some(Policy::Vap(v)) => v.clone(),
        other => panic!("{id}: {other:?}"),
    };
    let w = vap("warn-missing-owner-binding");
    assert_eq!(w.action, Action::Warn);
    assert_eq!(w.policy_name, "warn-missing-owner");
    let wa = vap("warn-audit-data-size-binding");
    assert_eq!(
        wa.actions,
        vec![ValidationAction::Warn, ValidationAction::Audit]
    );
    assert_eq!(
        vap("gold-tier-ignore-binding").failure_policy,
        FailurePolicy::Ignore
    );
    // As checks: category policies, the binding's name as id.
    let checks = loaded.policies.checks();
    assert!(checks
        .iter()
        .any(|c| c.meta.id == "require-team-label-binding"));
}

fn vap_set(policy_spec: Value, binding_spec: Value) -> rampart_policy::PolicySet {
    let mut bspec = binding_spec;
    bspec["policyName"] = json!("p");
    let docs = [
        json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy",
            "metadata": {"name": "p"}, "spec": policy_spec}),
        json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding",
            "metadata": {"name": "b"}, "spec": bspec}),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("p.yaml");
    let text: Vec<String> = docs
        .iter()
        .map(|o| serde_json::to_string(o).expect("json"))
        .collect();
    std::fs::write(&f, format!("---\n{}\n", text.join("\n---\n"))).expect("write");
    let loaded = rampart_policy::load(&[f]);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    loaded.policies
}

fn pods() -> Value {
    json!({"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"], "operations": ["CREATE"]}]})
}

fn pod() -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"containers": [{"name": "app", "image": "nginx"}]}})
}

#[test]
fn what_rampart_cannot_evaluate_is_an_error_whatever_the_failure_policy() {
    for fp in ["Fail", "Ignore"] {
        let set = vap_set(
            json!({"failurePolicy": fp, "matchConstraints": pods(), "validations": [
                {"expression": "authorizer.group('').resource('pods').namespace('shop').check('delete').allowed()"},
                {"expression": "semver('1.2.3').isGreaterThan(semver('1.0.0'))"},
            ]}),
            json!({"validationActions": ["Deny"]}),
        );
        let p = pod();
        let verdicts = set.evaluate(&Review::of(&p), None);
        assert_eq!(verdicts.len(), 2, "{fp}: {verdicts:?}");
        assert!(verdicts.iter().all(|v| v.kind == VerdictKind::Error));
        assert!(
            verdicts[0].message.contains("authorizer")
                && verdicts[0].message.contains("not supported by rampart")
                && verdicts[0].message.contains("check('delete')"),
            "{}",
            verdicts[0].message
        );
        assert!(
            verdicts[1].message.contains("semver")
                && verdicts[1].message.contains("not supported by rampart"),
            "{}",
            verdicts[1].message
        );
    }
}

#[test]
fn failure_policy_decides_what_an_expression_error_does() {
    let spec = |fp: &str| {
        json!({"failurePolicy": fp, "matchConstraints": pods(), "validations": [
            {"expression": "object.spec.hostNetwork == false"}]})
    };
    let p = pod();
    let fail = vap_set(spec("Fail"), json!({"validationActions": ["Deny"]}));
    let v = fail.evaluate(&Review::of(&p), None);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].kind, VerdictKind::Error);
    assert_eq!(
        v[0].message,
        "expression 'object.spec.hostNetwork == false' resulted in error: no such key: hostNetwork"
    );
    let ignore = vap_set(spec("Ignore"), json!({"validationActions": ["Deny"]}));
    assert!(ignore.evaluate(&Review::of(&p), None).is_empty());
    match ignore.get("b") {
        Some(Policy::Vap(v)) => assert_eq!(v.ignored_errors(), 1),
        other => panic!("{other:?}"),
    }
    assert_eq!(ignore.ignored_errors(), 1);
}

#[test]
fn an_admission_request_is_judged_with_its_old_object_and_operation() {
    let set = vap_set(
        json!({"matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"],
            "resources": ["pods"], "operations": ["UPDATE"]}]},
            "validations": [{"expression": "object.spec.containers[0].image == oldObject.spec.containers[0].image",
                "message": "the image is immutable"}]}),
        json!({"validationActions": ["Deny"]}),
    );
    let old = pod();
    let mut new = pod();
    new["spec"]["containers"][0]["image"] = json!("nginx:2");
    let req = json!({"uid": "1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "name": "web", "namespace": "shop", "operation": "UPDATE",
        "userInfo": {"username": "alice"}, "object": new, "oldObject": old});
    let v = set.evaluate(&Review::of_request(&req), None);
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].message, "the image is immutable");
    // A scan is a CREATE: this UPDATE-only policy does not apply.
    assert!(set.evaluate(&Review::of(&new), None).is_empty());
}

#[test]
fn a_namespace_selector_without_the_namespace_is_an_error_never_a_pass() {
    let mut m = pods();
    m["namespaceSelector"] = json!({"matchLabels": {"env": "prod"}});
    let set = vap_set(
        json!({"matchConstraints": m, "validations": [{"expression": "false"}]}),
        json!({"validationActions": ["Deny"]}),
    );
    let p = pod();
    let v = set.evaluate(&Review::of(&p), None);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].kind, VerdictKind::Error);
    assert!(
        v[0].message.contains("Namespace `shop`"),
        "{}",
        v[0].message
    );
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "labels": {"env": "prod"}}});
    let data = ClusterData::from_objects([&ns]);
    let v = set.evaluate(&Review::of(&p), Some(&data));
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].message, "failed expression: false");
}

#[test]
fn load_errors_name_the_object_and_the_field() {
    let objs = [
        json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy",
            "metadata": {"name": "bad"}, "spec": {"matchConstraints": pods(),
            "validations": [{"expression": "object.metadata.name ==="}]}}),
        json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding",
            "metadata": {"name": "bad-binding"}, "spec": {"policyName": "bad", "validationActions": ["Deny"]}}),
        json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding",
            "metadata": {"name": "orphan"}, "spec": {"policyName": "missing", "validationActions": ["Deny"]}}),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("bad.yaml");
    let text: Vec<String> = objs
        .iter()
        .map(|o| serde_json::to_string(o).expect("json"))
        .collect();
    std::fs::write(&f, format!("---\n{}\n", text.join("\n---\n"))).expect("write");
    let parsed = rampart_source::read_and_parse(&rampart_source::Input::File(f.clone()));
    let loaded = load_objects(&parsed.resources);
    assert_eq!(loaded.policies.len(), 0);
    let msgs: Vec<String> = loaded.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(
        msgs.iter()
            .any(|m| m.contains("`bad`") && m.contains("does not compile")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("`orphan`") && m.contains("no ValidatingAdmissionPolicy `missing`")),
        "{msgs:?}"
    );
}

#[test]
fn the_authorizer_answers_from_the_rbac_analysis_at_admission() {
    let set = vap_set(
        json!({"matchConstraints": pods(), "validations": [
            {"expression": "authorizer.group('').resource('pods').namespace(object.metadata.namespace).check('delete').allowed()",
             "message": "only those who may delete pods may create them"},
            {"expression": "!authorizer.serviceAccount('shop', 'deployer').group('').resource('secrets').namespace('shop').check('get').allowed()",
             "message": "the deployer must not read secrets"},
        ]}),
        json!({"validationActions": ["Deny"]}),
    );
    let rbac = [
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "pod-admin", "namespace": "shop"},
            "rules": [{"apiGroups": [""], "resources": ["pods", "secrets"], "verbs": ["delete", "get"]}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "alice-pods", "namespace": "shop"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-admin"},
            "subjects": [{"kind": "User", "name": "alice"},
                         {"kind": "ServiceAccount", "name": "deployer", "namespace": "shop"}]}),
    ];
    let data = ClusterData::from_objects(rbac.iter());
    let p = pod();
    let request = |user: &str| {
        json!({"uid": "1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "name": "web", "namespace": "shop", "operation": "CREATE",
            "userInfo": {"username": user, "groups": ["system:authenticated"]}, "object": p})
    };
    let alice = request("alice");
    let v = set.evaluate(&Review::of_request(&alice), Some(&data));
    let msgs: Vec<&str> = v.iter().map(|v| v.message.as_str()).collect();
    assert_eq!(msgs, vec!["the deployer must not read secrets"], "{v:?}");
    let bob = request("bob");
    let v = set.evaluate(&Review::of_request(&bob), Some(&data));
    let msgs: Vec<&str> = v.iter().map(|v| v.message.as_str()).collect();
    assert_eq!(
        msgs,
        vec![
            "only those who may delete pods may create them",
            "the deployer must not read secrets"
        ],
        "{v:?}"
    );
}

/// Inside `with_review_cache` (the admission server's scope) every policy reads one conversion
/// of the request: the verdicts must be those of policies judging it on their own, and a second
/// request judged in the same scope must not see the first one's values.
#[test]
fn policies_sharing_one_converted_request_judge_as_alone() {
    let loaded = rampart_policy::load(&[here("vap")]);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let request = |name: &str, image: &str, team: Option<&str>| {
        let mut labels = json!({"app": name});
        if let Some(t) = team {
            labels["team"] = json!(t);
        }
        json!({
            "uid": format!("uid-{name}"),
            "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
            "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
            "name": name, "namespace": "shop", "operation": "CREATE",
            "userInfo": {"username": "ci", "groups": ["system:authenticated"]},
            "object": {"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": name, "namespace": "shop", "labels": labels},
                "spec": {"replicas": 7, "selector": {"matchLabels": {"app": name}},
                    "template": {"metadata": {"labels": {"app": name}},
                        "spec": {"containers": [{"name": "c", "image": image}]}}}},
            "oldObject": null, "dryRun": false
        })
    };
    let a = request("web", "registry.example.com/web:1.0", Some("shop"));
    let b = request("Bad_Name", "docker.io/library/nginx:latest", None);
    let judge = |req: &Value| -> Vec<String> {
        let review = Review::of_request(req);
        let mut out: Vec<String> = loaded
            .policies
            .policies
            .iter()
            .flat_map(|p| p.evaluate(&review, None))
            .map(|v| format!("{} {:?} {}", v.policy, v.kind, v.message))
            .collect();
        out.sort();
        out
    };
    let alone = (judge(&a), judge(&b));
    assert_ne!(
        alone.0, alone.1,
        "the two requests must be judged differently"
    );
    let shared = rampart_policy::with_review_cache(|| (judge(&a), judge(&b), judge(&a)));
    assert_eq!(shared.0, alone.0);
    assert_eq!(shared.1, alone.1);
    assert_eq!(shared.2, alone.0);
}
