//! The admission verdict on real AdmissionReview v1 requests (as kube-apiserver sends them).

use std::path::PathBuf;

use rampart_admission::{Action, Admission, AdmissionOptions, Decision, ReviewError};
use serde_json::Value;

fn data(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name),
    )
    .expect("fixture")
}

fn gatekeeper(template: &str, constraint: &str) -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../rampart_policy/tests/gatekeeper");
    vec![
        root.join(template).join("template.yaml"),
        root.join(template)
            .join("samples")
            .join(constraint)
            .join("constraint.yaml"),
    ]
}

fn admission(
    policies: Vec<PathBuf>,
    config: Option<&str>,
) -> (Admission, Option<tempfile::TempDir>) {
    let dir = config.map(|c| {
        let d = tempfile::tempdir().expect("tempdir");
        std::fs::write(d.path().join(".rampart.yaml"), c).expect("write");
        d
    });
    let a = Admission::new(AdmissionOptions {
        config: dir.as_ref().map(|d| d.path().join(".rampart.yaml")),
        policies,
        ..AdmissionOptions::default()
    })
    .expect("admission");
    (a, dir)
}

fn tags() -> Vec<PathBuf> {
    let mut p = gatekeeper("k8sdisallowedtags", "no-dev-tag-warn");
    p.extend(
        gatekeeper("k8sdisallowedtags", "no-latest-tag")
            .into_iter()
            .skip(1),
    );
    p
}

#[test]
fn privileged_pod_is_denied_with_its_findings_and_warned_by_a_warn_policy() {
    let (a, _d) = admission(tags(), None);
    let d = a
        .review(&data("pod-create-privileged.json"))
        .expect("review");
    assert!(!d.allowed);
    assert!(!d.dry_run);
    assert_eq!(d.outcome(), "deny");
    let r = d.response();
    assert_eq!(r["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(r["kind"], "AdmissionReview");
    assert_eq!(r["response"]["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
    assert_eq!(r["response"]["allowed"], false);
    assert_eq!(r["response"]["status"]["code"], 403);
    let msg = r["response"]["status"]["message"]
        .as_str()
        .expect("message");
    assert!(msg.starts_with("rampart refused Pod shop/web ("), "{msg}");
    assert!(msg.contains("[privileged-container] "), "{msg}");
    // Every denying result is in the message, and only those.
    for j in d.with_action(Action::Deny) {
        assert!(msg.contains(&j.line()), "{msg} lacks {}", j.line());
    }
    // The Gatekeeper constraint with enforcementAction: warn warns, in its own words.
    let warnings: Vec<&str> = r["response"]["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        warnings.contains(
            &"[no-dev-tag-warn] container <app> uses a disallowed tag <registry.example.com/web:dev>; disallowed tags are [\"dev\"]"
        ),
        "{warnings:?}"
    );
    assert!(warnings.iter().all(|w| w.chars().count() <= 256));
    // The same object scanned from a file gives the same findings (same checks, same words).
    let pod: Value = serde_json::from_slice::<Value>(&data("pod-create-privileged.json"))
        .expect("json")["request"]["object"]
        .clone();
    let mut pod = pod;
    pod["metadata"]["namespace"] = "shop".into();
    let res = rampart_model::Resource::new(
        pod,
        rampart_model::Origin::Cluster {
            context: "t".into(),
        },
    );
    let scanner = rampart_scan::Scanner::new(rampart_scan::ScanOptions {
        config: rampart_scan::ConfigSource::None,
        policies: tags(),
        ..Default::default()
    })
    .expect("scanner");
    let from_scan =
        Decision::of_results("", "", String::new(), a.judge(&scanner.check_object(&res))).results;
    assert_eq!(from_scan, d.results);
}

#[test]
fn update_sees_the_old_object_and_dry_run_is_reported() {
    let (a, _d) = admission(
        gatekeeper("k8simmutablelabels", "team-label-immutable"),
        None,
    );
    let d = a
        .review(&data("deployment-update-label.json"))
        .expect("review");
    assert!(d.dry_run);
    assert_eq!(d.operation, "UPDATE");
    assert!(!d.allowed, "{:?}", d.results);
    let denied: Vec<String> = d.with_action(Action::Deny).map(|j| j.line()).collect();
    assert_eq!(
        denied,
        ["[team-label-immutable] label <team> is immutable: it was <checkout>, the update makes it <payments>"]
    );
    assert_eq!(
        d.response()["response"]["uid"],
        "0df28fbd-5f5f-11e8-bc74-36e6bb280816"
    );
}

#[test]
fn clean_object_is_allowed_and_low_findings_are_audit_annotations() {
    let (a, _d) = admission(Vec::new(), None);
    let d = a.review(&data("configmap-create.json")).expect("review");
    assert!(d.allowed);
    let r = d.response();
    assert_eq!(r["response"]["uid"], "c1");
    assert!(r["response"].get("status").is_none());
    assert!(r["response"].get("warnings").is_none());
}

#[test]
fn actions_and_exemptions_come_from_the_config() {
    let cfg = "admission:\n  actions:\n    privileged-container: warn\n    no-dev-tag-warn: audit\n  deny-on: critical\n";
    let (a, _d) = admission(tags(), Some(cfg));
    let d = a
        .review(&data("pod-create-privileged.json"))
        .expect("review");
    let warned: Vec<&str> = d
        .with_action(Action::Warn)
        .map(|j| j.check.as_str())
        .collect();
    assert!(warned.contains(&"privileged-container"), "{warned:?}");
    let audited = d.response()["response"]["auditAnnotations"]["findings"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(audited.contains("[no-dev-tag-warn] "), "{audited}");

    let cfg = "admission:\n  exemptions:\n    - namespace: shop\n      kind: Pod\n      name: \"w*\"\n      reason: \"legacy, ticket SHOP-1\"\n";
    let (a, _d) = admission(Vec::new(), Some(cfg));
    let d = a
        .review(&data("pod-create-privileged.json"))
        .expect("review");
    assert!(d.allowed);
    assert_eq!(d.outcome(), "exempt");
    assert_eq!(
        d.response()["response"]["auditAnnotations"]["exempt"],
        "legacy, ticket SHOP-1"
    );
}

#[test]
fn waivers_of_the_config_apply_at_admission_as_in_a_scan() {
    let cfg = "waivers:\n  - check: privileged-container\n    namespace: shop\n    reason: \"GPU driver\"\n";
    let (a, _d) = admission(Vec::new(), Some(cfg));
    let d = a
        .review(&data("pod-create-privileged.json"))
        .expect("review");
    assert!(d.results.iter().all(|j| j.check != "privileged-container"));
}

#[test]
fn bad_config_or_policy_refuses_to_start() {
    let d = tempfile::tempdir().expect("tempdir");
    let p = d.path().join(".rampart.yaml");
    std::fs::write(&p, "admission:\n  actions:\n    no-such-check: deny\n").expect("write");
    let e = Admission::new(AdmissionOptions {
        config: Some(p.clone()),
        ..Default::default()
    })
    .err()
    .expect("error");
    assert!(e.to_string().contains("no-such-check"), "{e}");
    std::fs::write(&p, "admission:\n  exemptions:\n    - namespace: x\n").expect("write");
    let e = Admission::new(AdmissionOptions {
        config: Some(p.clone()),
        ..Default::default()
    })
    .err()
    .expect("error");
    assert!(e.to_string().contains("reason"), "{e}");
    let bad = d.path().join("bad.rego");
    std::fs::write(&bad, "package x\nviolation[{\"msg\": m}] { m := }\n").expect("write");
    assert!(Admission::new(AdmissionOptions {
        policies: vec![bad],
        ..Default::default()
    })
    .is_err());
}

#[test]
fn malformed_reviews_are_errors_with_a_message() {
    let (a, _d) = admission(Vec::new(), None);
    let err = |b: &[u8]| a.review(b).expect_err("an error");
    assert!(matches!(err(b"{not json"), ReviewError::NotJson(_)));
    assert!(err(b"{not json").to_string().contains("line 1 column 2"));
    assert!(matches!(
        err(br#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{}}"#),
        ReviewError::NotAReview { .. }
    ));
    assert_eq!(
        err(br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#).to_string(),
        "AdmissionReview: `request` is missing or not an object"
    );
    assert!(err(br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"operation":"CREATE"}}"#)
        .to_string()
        .contains("request.uid"));
    assert!(err(br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","operation":"PATCH"}}"#)
        .to_string()
        .contains("operation"));
    assert!(err(br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","operation":"CREATE","object":[1]}}"#)
        .to_string()
        .contains("request.object"));
    let small = Admission::new(AdmissionOptions {
        max_body: Some(100),
        ..Default::default()
    })
    .expect("admission");
    assert_eq!(
        small.review(&data("pod-create-privileged.json")).err(),
        Some(ReviewError::TooLarge {
            size: data("pod-create-privileged.json").len(),
            limit: 100
        })
    );
}

#[test]
fn delete_is_judged_by_the_policies_on_the_old_object() {
    let (a, _d) = admission(gatekeeper("k8sprotecteddelete", "protected-delete"), None);
    let c = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../rampart_policy/tests/gatekeeper/k8sprotecteddelete/samples/protected-delete/constraint.yaml"),
    )
    .expect("constraint");
    assert!(c.contains("K8sProtectedDelete"));
    let body = br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"d1","kind":{"group":"","version":"v1","kind":"Namespace"},"resource":{"group":"","version":"v1","resource":"namespaces"},"name":"prod","operation":"DELETE","userInfo":{"username":"alice"},"object":null,"oldObject":{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"prod","labels":{"protected":"true"}}}}}"#;
    let d = a.review(body).expect("review");
    assert_eq!(d.uid, "d1");
    assert!(!d.allowed);
    assert_eq!(
        d.results.iter().map(|j| j.line()).collect::<Vec<_>>(),
        ["[protected-delete] user <alice> may not delete protected Namespace <prod>"]
    );
    let admin = std::str::from_utf8(body).expect("utf-8").replace(
        r#""username":"alice""#,
        r#""username":"root","groups":["platform-admins"]"#,
    );
    assert!(a.review(admin.as_bytes()).expect("review").allowed);
}

/// A ValidatingAdmissionPolicy whose expression errors on a ConfigMap (no `spec`), with this
/// failurePolicy and validationActions Warn.
fn erroring_vap(dir: &std::path::Path, failure_policy: &str) -> PathBuf {
    let p = dir.join(format!("vap-{failure_policy}.yaml"));
    std::fs::write(
        &p,
        format!(
            "apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: errs-{fp}
spec:
  failurePolicy: {failure_policy}
  matchConstraints:
    resourceRules:
    - apiGroups: [\"\"]
      apiVersions: [v1]
      resources: [configmaps]
      operations: [CREATE, UPDATE]
  validations:
  - expression: object.spec.replicas > 0
    message: needs replicas
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: errs-{fp}-binding
spec:
  policyName: errs-{fp}
  validationActions: [Warn]
",
            fp = failure_policy.to_lowercase()
        ),
    )
    .expect("write policy");
    p
}

#[test]
fn an_erroring_vap_follows_its_own_failure_policy_not_on_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The global on-error says warn: a Fail policy still denies, with the error.
    let config = "admission:\n  on-error: warn\n";
    let (a, _d) = admission(vec![erroring_vap(dir.path(), "Fail")], Some(config));
    let d = a.review(&data("configmap-create.json")).expect("review");
    let errs: Vec<&rampart_admission::Judged> = d.results.iter().filter(|j| j.error).collect();
    assert_eq!(errs.len(), 1, "{:?}", d.results);
    assert_eq!(errs[0].action, Action::Deny);
    assert!(!d.allowed, "{:?}", d.results);
    assert!(
        d.message().contains("[errs-fail-binding] expression"),
        "{}",
        d.message()
    );
    assert_eq!(a.policy_errors_ignored(), 0);

    // Ignore: admitted as if the policy allowed it, and counted.
    let (a, _d) = admission(vec![erroring_vap(dir.path(), "Ignore")], None);
    let d = a.review(&data("configmap-create.json")).expect("review");
    assert!(d.allowed, "{:?}", d.results);
    assert!(!d.results.iter().any(|j| j.error), "{:?}", d.results);
    assert_eq!(a.policy_errors_ignored(), 1);
    a.review(&data("configmap-create.json")).expect("review");
    assert_eq!(a.policy_errors_ignored(), 2);

    // A Gatekeeper constraint or Rego module has no failurePolicy: its errors follow on-error.
    assert_eq!(
        a.action_of(
            "some-constraint",
            rampart_model::Severity::High,
            rampart_model::Status::Error
        ),
        Action::Deny
    );
}
