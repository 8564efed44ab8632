//! User policies end to end through the library: the Gatekeeper-style suite in tests/gatekeeper
//! (28 templates, 35 constraints, run as `gator verify` runs it), external_data, plain Rego
//! modules, and load errors with file and line.

use std::path::{Path, PathBuf};

use rampart_policy::{suite, Action, ClusterData, Review, VerdictKind};
use serde_json::{json, Value};

fn here(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(rel)
}

#[test]
fn the_gatekeeper_style_suite_passes() {
    let report = suite::run(&here("gatekeeper"));
    println!("{}", report.render(false));
    assert_eq!(report.suites, 28, "one suite per template");
    assert_eq!(report.failed(), 0, "{}", report.render(false));
    assert_eq!(report.skipped(), 0);
    assert!(report.passed() >= 100, "{} cases", report.passed());
    let tests: std::collections::BTreeSet<&str> =
        report.results.iter().map(|r| r.test.as_str()).collect();
    assert_eq!(tests.len(), 35, "one test per constraint: {tests:?}");
}

#[test]
fn every_constraint_of_the_suite_loads_as_one_policy() {
    let loaded = rampart_policy::load(&[here("gatekeeper")]);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.policies.templates.len(), 28);
    assert_eq!(loaded.policies.len(), 35);
    let ids: Vec<&str> = loaded.policies.policies.iter().map(|p| p.id()).collect();
    assert!(ids.contains(&"no-privileged-prod"));
    // enforcementAction is read per constraint.
    let action = |id: &str| match loaded.policies.get(id) {
        Some(rampart_policy::Policy::Constraint(c)) => c.action,
        other => panic!("{id}: {other:?}"),
    };
    assert_eq!(action("no-latest-tag"), Action::Deny);
    assert_eq!(action("no-dev-tag-warn"), Action::Warn);
    assert_eq!(action("no-test-tag-dryrun"), Action::DryRun);
}

fn pod(ns: &str, image: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "namespace": ns},
        "spec": {"containers": [{"name": "app", "image": image}]}})
}

#[test]
fn external_data_is_reported_as_unsupported_never_a_silent_pass() {
    let loaded = rampart_policy::load(&[here("data/external_data")]);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let p = pod("shop", "registry.example.com/app:1");
    let verdicts = loaded.policies.evaluate(&Review::of(&p), None);
    let error = verdicts
        .iter()
        .find(|v| v.kind == VerdictKind::Error)
        .expect("an error verdict");
    assert_eq!(error.policy, "verified-images");
    assert!(
        error.message.contains("external_data") && error.message.contains("cosign-provider"),
        "{}",
        error.message
    );
    // The template sees the provider fail, as with an unreachable provider in Gatekeeper.
    assert!(verdicts.iter().any(|v| v.kind == VerdictKind::Violation
        && v.message.starts_with(
            "verifying images failed: external data provider `cosign-provider` is not reachable"
        )));
}

#[test]
fn rego_modules_read_the_review_the_metadata_and_the_inventory() {
    let loaded = rampart_policy::load(&[here("data/rego")]);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.policies.len(), 2);
    let p = pod("default", "x:1");
    let v = loaded
        .policies
        .get("no-default-namespace")
        .expect("loaded under its metadata id")
        .evaluate(&Review::of(&p), None);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].message, "Pod <web> is in the default namespace");
    // `kinds` limits what the module judges.
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default"}});
    assert!(loaded
        .policies
        .get("no-default-namespace")
        .expect("as set up by the test")
        .evaluate(&Review::of(&cm), None)
        .is_empty());

    let sa_policy = loaded
        .policies
        .get("service-account-exists")
        .expect("as set up by the test");
    assert!(sa_policy.needs_cluster());
    let p = pod("shop", "x:1");
    let empty = ClusterData::from_objects(std::iter::empty());
    let v = sa_policy.evaluate(&Review::of(&p), Some(&empty));
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].details, Some(json!({"serviceAccount": "default"})));
    let sa = json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "shop"}});
    let data = ClusterData::from_objects([&sa]);
    assert!(sa_policy.evaluate(&Review::of(&p), Some(&data)).is_empty());
}

#[test]
fn a_namespace_selector_without_the_namespace_is_an_error_not_a_pass() {
    let loaded = rampart_policy::load(&[here("gatekeeper/k8spspprivilegedcontainer")]);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let mut p = pod("shop", "x:1");
    p["spec"]["containers"][0]["securityContext"] = json!({"privileged": true});
    let v = loaded
        .policies
        .get("no-privileged-prod")
        .expect("as set up by the test")
        .evaluate(
            &Review::of(&p),
            Some(&ClusterData::from_objects(std::iter::empty())),
        );
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].kind, VerdictKind::Error);
    assert!(
        v[0].message.contains("Namespace `shop`"),
        "{}",
        v[0].message
    );
}

#[test]
fn load_errors_name_the_file_and_line_and_the_rest_still_loads() {
    let dir = tempfile::tempdir().expect("as set up by the test");
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("as set up by the test");
        p
    };
    write(
        "bad.yaml",
        r#"apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sbroken
spec:
  crd:
    spec:
      names:
        kind: K8sBroken
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8sbroken
        violation[{"msg": msg}] {
          msg := 
        }
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sNowhere
metadata:
  name: orphan
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredLabels
metadata:
  name: Bad_Name
"#,
    );
    let mut paths = vec![dir.path().to_path_buf()];
    paths.push(here("gatekeeper/k8srequiredlabels/template.yaml"));
    paths.push(here("gatekeeper/k8sblocknodeport"));
    let loaded = rampart_policy::load(&paths);
    let errors: Vec<String> = loaded.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors.iter().any(|e| e.contains("bad.yaml:12:7")
            && e.contains("Rego does not compile")
            && e.contains("k8sbroken.rego:2:25")),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("bad.yaml:19") && e.contains("K8sNowhere")),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("bad.yaml:26") && e.contains("kebab-case")),
        "{errors:#?}"
    );
    assert!(loaded.policies.get("block-node-port").is_some());
}

#[test]
fn an_admission_request_is_judged_with_its_old_object_operation_and_user() {
    let loaded = rampart_policy::load(&[here("gatekeeper/k8sprotecteddelete")]);
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "billing", "labels": {"protected": "true"}}});
    let request = json!({
        "uid": "1", "kind": {"group": "", "version": "v1", "kind": "Namespace"},
        "resource": {"group": "", "version": "v1", "resource": "namespaces"},
        "name": "billing", "operation": "DELETE",
        "userInfo": {"username": "bob", "groups": ["devs"]},
        "oldObject": ns,
    });
    let v = loaded
        .policies
        .evaluate(&Review::of_request(&request), None);
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(
        v[0].message,
        "user <bob> may not delete protected Namespace <billing>"
    );
    // The same object in a scan: no operation, so no violation.
    assert!(loaded.policies.evaluate(&Review::of(&ns), None).is_empty());
}
