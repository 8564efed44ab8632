//! Admission with a cache of the cluster: user policies that read other objects
//! (`data.inventory`, `namespaceSelector`), the checks across objects about the incoming object,
//! and policies read from the cluster.

use std::path::PathBuf;
use std::time::Duration;

use rampart_admission::{Action, Admission, AdmissionOptions, Decision, ObjectCache};
use rampart_model::{Origin, Resource};
use serde_json::{json, Value};

fn gatekeeper(template: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../rampart_policy/tests/gatekeeper")
        .join(template)
}

/// An AdmissionReview of a CREATE of `obj`.
fn create(obj: &Value) -> Vec<u8> {
    let api = obj["apiVersion"].as_str().unwrap_or("");
    let (group, version) = api.split_once('/').unwrap_or(("", api));
    let kind = obj["kind"].as_str().unwrap_or("").to_ascii_lowercase();
    let resource = if kind.ends_with('s') {
        format!("{kind}es")
    } else {
        format!("{kind}s")
    };
    let review = json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "u-1",
            "kind": {"group": group, "version": version, "kind": obj["kind"]},
            "resource": {"group": group, "version": version, "resource": resource},
            "name": obj["metadata"]["name"],
            "namespace": obj["metadata"]["namespace"],
            "operation": "CREATE",
            "userInfo": {"username": "alice"},
            "object": obj,
        }
    });
    serde_json::to_vec(&review).expect("json")
}

fn admission(policies: Vec<PathBuf>, config: Option<&str>, cluster: Vec<Value>) -> Admission {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config.map(|c| {
        let p = dir.path().join(".rampart.yaml");
        std::fs::write(&p, c).expect("write");
        p
    });
    Admission::new(AdmissionOptions {
        config,
        policies,
        with_cluster: true,
        cluster_policies: cluster
            .into_iter()
            .map(|v| {
                Resource::new(
                    v,
                    Origin::Cluster {
                        context: "test".into(),
                    },
                )
            })
            .collect(),
        ..AdmissionOptions::default()
    })
    .expect("admission")
}

fn ingress(ns: &str, name: &str, host: &str) -> Value {
    json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"rules": [{"host": host}]}})
}

fn pod(ns: &str, name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
        "spec": {"containers": [{"name": "app", "image": "registry.example.com/app@sha256:0000000000000000000000000000000000000000000000000000000000000000"}]}})
}

/// Only the user policies judge (the built-in object checks would find much in test pods).
const POLICIES_ONLY: &str = "checks:\n  select: [policies]\n";

fn checks_of(d: &Decision) -> Vec<&str> {
    d.results.iter().map(|j| j.check.as_str()).collect()
}

#[test]
fn a_referential_template_reads_the_cached_objects() {
    let a = admission(
        vec![gatekeeper("k8suniqueingresshost")],
        Some(POLICIES_ONLY),
        Vec::new(),
    );
    assert!(
        !a.not_at_admission()
            .iter()
            .any(|id| id == "unique-ingress-host"),
        "judged at admission with a cluster"
    );
    let cache = ObjectCache::new(Duration::ZERO);
    cache.apply(ingress("shop", "front", "shop.example.com"));
    let d = a
        .review_in(
            &create(&ingress("web", "copy", "shop.example.com")),
            Some(&cache),
        )
        .expect("review");
    assert!(!d.allowed, "{:?}", d.results);
    assert!(d.message().contains(
        "[unique-ingress-host] ingress host conflicts with an existing ingress <shop.example.com>"
    ));
    // Another host, or no cache: admitted.
    let d = a
        .review_in(
            &create(&ingress("web", "copy", "web.example.com")),
            Some(&cache),
        )
        .expect("review");
    assert!(d.allowed, "{:?}", d.results);
    // The object itself (an UPDATE of the cached one) is not a conflict.
    let d = a
        .review_in(
            &create(&ingress("shop", "front", "shop.example.com")),
            Some(&cache),
        )
        .expect("review");
    assert!(d.allowed, "{:?}", d.results);
    // Once the other ingress is deleted, the host is free.
    cache.delete(&ingress("shop", "front", "shop.example.com"));
    let d = a
        .review_in(
            &create(&ingress("web", "copy", "shop.example.com")),
            Some(&cache),
        )
        .expect("review");
    assert!(d.allowed, "{:?}", d.results);
}

const NS_SELECTOR_TEMPLATE: &str = r#"
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sforbiddenlabel}
spec:
  crd: {spec: {names: {kind: K8sForbiddenLabel}}}
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
      package k8sforbiddenlabel
      violation[{"msg": msg}] {
        input.review.object.metadata.labels[input.parameters.label]
        msg := sprintf("label %v is forbidden here", [input.parameters.label])
      }
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sForbiddenLabel
metadata: {name: no-debug-in-prod}
spec:
  match:
    kinds: [{apiGroups: [""], kinds: [Pod]}]
    namespaceSelector: {matchLabels: {env: prod}}
  parameters: {label: debug}
"#;

#[test]
fn a_namespace_selector_reads_the_cached_namespace() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("ns.yaml");
    std::fs::write(&p, NS_SELECTOR_TEMPLATE).expect("write");
    let a = admission(vec![p], Some(POLICIES_ONLY), Vec::new());
    let cache = ObjectCache::new(Duration::ZERO);
    cache.apply(json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": "prod", "labels": {"env": "prod"}}}));
    cache.apply(json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": "dev", "labels": {"env": "dev"}}}));
    let mut p = pod("prod", "web");
    p["metadata"]["labels"]["debug"] = json!("1");
    let d = a.review_in(&create(&p), Some(&cache)).expect("review");
    assert!(!d.allowed, "{:?}", d.results);
    assert!(d
        .message()
        .contains("[no-debug-in-prod] label debug is forbidden here"));
    p["metadata"]["namespace"] = json!("dev");
    let d = a.review_in(&create(&p), Some(&cache)).expect("review");
    assert!(d.allowed, "{:?}", d.results);
    // A namespace the cache does not hold: an error (on-error: deny), never a pass.
    p["metadata"]["namespace"] = json!("elsewhere");
    let d = a.review_in(&create(&p), Some(&cache)).expect("review");
    assert!(!d.allowed);
    assert!(d
        .results
        .iter()
        .any(|j| j.error && j.check == "no-debug-in-prod"));
}

#[test]
fn a_pod_in_a_namespace_without_network_policy_gets_the_coverage_finding() {
    let a = admission(
        Vec::new(),
        Some("checks:\n  select: [network-policy]\nadmission:\n  actions:\n    netpol-namespace-without-policy: deny\n"),
        Vec::new(),
    );
    assert!(!a
        .not_at_admission()
        .iter()
        .any(|id| id == "netpol-namespace-without-policy"));
    let cache = ObjectCache::new(Duration::ZERO);
    cache.apply(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}));
    cache.apply(pod("shop", "old"));
    let d = a
        .review_in(&create(&pod("shop", "web")), Some(&cache))
        .expect("review");
    assert!(!d.allowed, "{:?}", d.results);
    let j = d
        .results
        .iter()
        .find(|j| j.check == "netpol-namespace-without-policy")
        .expect("coverage finding");
    assert_eq!(j.action, Action::Deny);
    assert!(
        j.message
            .contains("namespace `shop` has 2 workload(s) and no NetworkPolicy"),
        "{}",
        j.message
    );
    // A policy in the namespace that selects other pods: the pod is unselected (low: audit).
    cache.apply(
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "db-only", "namespace": "shop"},
        "spec": {"podSelector": {"matchLabels": {"app": "db"}}, "policyTypes": ["Ingress"]}}),
    );
    let d = a
        .review_in(&create(&pod("shop", "web")), Some(&cache))
        .expect("review");
    assert!(d.allowed, "{:?}", d.results);
    assert!(
        checks_of(&d).contains(&"netpol-workload-unselected"),
        "{:?}",
        d.results
    );
    assert!(!checks_of(&d).contains(&"netpol-namespace-without-policy"));
    // Results about other objects (the pod `old`) are not the request's.
    assert_eq!(
        d.results
            .iter()
            .filter(|j| j.check == "netpol-workload-unselected")
            .count(),
        1
    );
    // Without a cache, as before: not judged.
    let d = a.review(&create(&pod("other", "web"))).expect("review");
    assert!(!checks_of(&d).iter().any(|c| c.starts_with("netpol-")));
}

#[test]
fn a_role_binding_that_opens_an_escalation_path_is_found() {
    let a = admission(
        Vec::new(),
        Some("checks:\n  select: [rbac-escalation-path]\n"),
        Vec::new(),
    );
    let cache = ObjectCache::new(Duration::ZERO);
    // prod/admin-sa is cluster-admin; a Role lets its holder create pods in prod.
    cache.apply(json!({"apiVersion": "v1", "kind": "ServiceAccount",
        "metadata": {"name": "admin-sa", "namespace": "prod"}}));
    cache.apply(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": "admin-sa-admin"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"kind": "ServiceAccount", "name": "admin-sa", "namespace": "prod"}]}));
    cache.apply(
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": "pod-creator", "namespace": "prod"},
        "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["create"]}]}),
    );
    let binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "ci-deploys", "namespace": "prod"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-creator"},
        "subjects": [{"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"}]});
    let d = a
        .review_in(&create(&binding), Some(&cache))
        .expect("review");
    assert!(!d.allowed, "{:?}", d.results);
    let j = d
        .results
        .iter()
        .find(|j| j.check == "rbac-escalation-path")
        .expect("escalation path");
    assert!(
        j.message.contains("ServiceAccount ci/deployer") || j.message.contains("ci/deployer"),
        "{}",
        j.message
    );
    // The same binding in a namespace without a powerful service account: nothing.
    let mut b = binding.clone();
    b["metadata"]["namespace"] = json!("staging");
    b["metadata"]["name"] = json!("ci-deploys");
    let d = a.review_in(&create(&b), Some(&cache)).expect("review");
    assert!(d.allowed, "{:?}", d.results);
    // A pod is not judged by RBAC checks at admission (bounded cost).
    let d = a
        .review_in(&create(&pod("prod", "p")), Some(&cache))
        .expect("review");
    assert!(d.results.is_empty(), "{:?}", d.results);
}

#[test]
fn policies_from_the_cluster_load_and_a_bad_one_is_reported_not_dropped() {
    let template = json!({
        "apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate",
        "metadata": {"name": "k8sforbiddenlabel"},
        "spec": {"crd": {"spec": {"names": {"kind": "K8sForbiddenLabel"}}},
            "targets": [{"target": "admission.k8s.gatekeeper.sh",
                "rego": "package k8sforbiddenlabel\nviolation[{\"msg\": msg}] {\n  input.review.object.metadata.labels[input.parameters.label]\n  msg := sprintf(\"label %v is forbidden\", [input.parameters.label])\n}\n"}]}
    });
    let good = json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sForbiddenLabel",
        "metadata": {"name": "no-debug"},
        "spec": {"match": {"kinds": [{"apiGroups": [""], "kinds": ["Pod"]}]}, "parameters": {"label": "debug"}}});
    let orphan = json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sMissing",
        "metadata": {"name": "orphan"}, "spec": {}});
    let bad = json!({"apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate",
        "metadata": {"name": "broken"},
        "spec": {"crd": {"spec": {"names": {"kind": "Broken"}}},
            "targets": [{"target": "admission.k8s.gatekeeper.sh", "rego": "package broken\nviolation[{\"msg\": m}] {"}]}});
    let a = admission(
        Vec::new(),
        Some(POLICIES_ONLY),
        vec![template, good, orphan, bad],
    );
    assert_eq!(a.cluster_policies(), 1);
    let errors: Vec<String> = a
        .cluster_policy_errors()
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors.iter().any(|e| e.starts_with("K8sMissing orphan")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("ConstraintTemplate broken")),
        "{errors:?}"
    );
    let mut p = pod("shop", "web");
    p["metadata"]["labels"]["debug"] = json!("1");
    let d = a.review(&create(&p)).expect("review");
    assert!(!d.allowed);
    assert!(d.message().contains("[no-debug] label debug is forbidden"));
}

#[test]
fn validating_admission_policies_from_the_cluster_load_with_their_bindings() {
    let policy = json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": "max-replicas"},
        "spec": {"failurePolicy": "Fail",
            "matchConstraints": {"resourceRules": [{"apiGroups": ["apps"], "apiVersions": ["v1"],
                "operations": ["CREATE", "UPDATE"], "resources": ["deployments"]}]},
            "validations": [{"expression": "object.spec.replicas <= 5", "message": "at most 5 replicas"}]}});
    let binding = json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": "max-replicas-binding"},
        "spec": {"policyName": "max-replicas", "validationActions": ["Deny"]}});
    let stray = json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": "stray"},
        "spec": {"policyName": "absent", "validationActions": ["Deny"]}});
    let a = admission(
        Vec::new(),
        Some(POLICIES_ONLY),
        vec![policy, binding, stray],
    );
    assert_eq!(a.cluster_policies(), 1);
    assert_eq!(a.cluster_policy_errors().len(), 1);
    assert!(a.cluster_policy_errors()[0]
        .to_string()
        .starts_with("ValidatingAdmissionPolicyBinding stray"));
    let dep = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"replicas": 9, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": "app:1"}]}}}});
    let d = a.review(&create(&dep)).expect("review");
    assert!(!d.allowed, "{:?}", d.results);
    assert!(
        d.message()
            .contains("[max-replicas-binding] at most 5 replicas"),
        "{}",
        d.message()
    );
}

#[test]
fn with_policies_from_the_cluster_the_config_may_name_a_policy_not_loaded_yet() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join(".rampart.yaml");
    std::fs::write(
        &config,
        "admission:\n  actions:\n    cluster-constraint: warn\n",
    )
    .expect("write");
    let opts = |from_cluster| AdmissionOptions {
        config: Some(config.clone()),
        with_cluster: true,
        policies_from_cluster: from_cluster,
        ..AdmissionOptions::default()
    };
    assert!(
        Admission::new(opts(false)).is_err(),
        "unknown without policies from the cluster"
    );
    assert!(Admission::new(opts(true)).is_ok());
}
