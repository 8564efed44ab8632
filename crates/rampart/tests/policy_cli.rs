//! `rampart scan --policy` and `rampart policy test`, running the built binary, with the
//! Gatekeeper-style suite of rampart_policy (tests/gatekeeper: 28 templates, 35 constraints).

use std::path::{Path, PathBuf};
use std::process::Output;

use rampart_testutil::TempDir;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn policies() -> String {
    root()
        .join("crates/rampart_policy/tests/gatekeeper")
        .display()
        .to_string()
}

fn objects() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/policy/objects.yaml")
        .display()
        .to_string()
}

fn rampart(args: &[&str]) -> Output {
    let out = rampart_testutil::run_binary(env!("CARGO_BIN_EXE_rampart"), args, None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "rampart panicked:\n{stderr}");
    out
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// (check, object namespace/name, status, severity, message) of each finding.
fn findings(report: &Value) -> Vec<(String, String, String, String, String)> {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let mut out: Vec<_> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                s(&f["check"]),
                format!(
                    "{}/{}",
                    s(&f["subject"]["namespace"]),
                    s(&f["subject"]["name"])
                ),
                s(&f["status"]),
                s(&f["severity"]),
                s(&f["message"]),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn scan_reports_each_violation_as_a_finding_of_the_constraint() {
    let policies = policies();
    let objects = objects();
    let out = rampart(&[
        "scan",
        "--no-config",
        "--format",
        "json",
        "--policy",
        &policies,
        "--select",
        "no-privileged-prod,unique-ingress-host,block-node-port",
        &objects,
    ]);
    let report = json_of(&out);
    let f = findings(&report);
    let want = [
        (
            "block-node-port",
            "shop/web",
            "fail",
            "high",
            "User is not allowed to create service of type NodePort",
        ),
        (
            "no-privileged-prod",
            "lab/agent",
            "error",
            "high",
            "namespaceSelector: the Namespace `lab` of the object is not among the objects read, so the selector cannot be judged",
        ),
        (
            "no-privileged-prod",
            "shop/agent",
            "fail",
            "high",
            "Privileged container is not allowed: app, securityContext: {\"privileged\": true}",
        ),
        (
            "unique-ingress-host",
            "legacy/shop-old",
            "fail",
            "high",
            "ingress host conflicts with an existing ingress <shop.example.com>",
        ),
        (
            "unique-ingress-host",
            "shop/shop",
            "fail",
            "high",
            "ingress host conflicts with an existing ingress <shop.example.com>",
        ),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|(a, b, c, d, e)| {
            (
                a.to_string(),
                b.to_string(),
                c.to_string(),
                d.to_string(),
                e.to_string(),
            )
        })
        .collect();
    assert_eq!(f, want, "{}", String::from_utf8_lossy(&out.stderr));
    // High findings fail the scan.
    assert_eq!(out.status.code(), Some(1));
    // The finding names the file and line of the object.
    let line = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["check"] == "block-node-port")
        .and_then(|f| f["location"]["line"].as_u64());
    assert!(line.is_some_and(|l| l > 1), "{report:#}");
}

#[test]
fn select_policies_runs_the_user_policies_alone() {
    let policies = policies();
    let objects = objects();
    let out = rampart(&[
        "scan",
        "--no-config",
        "--format",
        "json",
        "--policy",
        &policies,
        "--select",
        "policies",
        &objects,
    ]);
    let report = json_of(&out);
    let f = findings(&report);
    assert!(!f.is_empty());
    let checks: std::collections::BTreeSet<&str> = f.iter().map(|x| x.0.as_str()).collect();
    for c in &checks {
        assert!(
            rampart_checks::by_id(c).is_none(),
            "built-in check {c} ran with --select policies"
        );
    }
    for c in [
        "no-privileged-prod",
        "no-privileged-unless-labelled",
        "unique-ingress-host",
        "block-node-port",
        "read-only-root-fs",
    ] {
        assert!(checks.contains(c), "{c} missing from {checks:?}");
    }
    // enforcementAction: warn is medium, dryrun info (the samples' tags are not dev or test,
    // so they do not fire here; their severities show in `rampart checks`-like metadata).
    // Without --policy, `policies` selects nothing.
    let out = rampart(&[
        "scan",
        "--no-config",
        "--format",
        "json",
        "--select",
        "policies",
        &objects,
    ]);
    assert_eq!(findings(&json_of(&out)), Vec::new());
}

#[test]
fn a_policy_that_does_not_load_is_an_input_error() {
    let dir = TempDir::new("policy-bad");
    let bad = dir.write(
        "constraint.yaml",
        "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sNowhere\nmetadata:\n  name: orphan\n",
    );
    let objects = objects();
    let out = rampart(&[
        "scan",
        "--no-config",
        "--format",
        "json",
        "--policy",
        bad.to_str().expect("path"),
        &objects,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("K8sNowhere"), "{text}");
}

#[test]
fn policy_test_runs_gator_suites() {
    let policies = policies();
    let out = rampart(&["policy", "test", &policies]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("28 suites, 123 cases\n123 passed, 0 failed, 0 skipped\n"),
        "{stdout}"
    );

    let out = rampart(&["policy", "test", "--format", "json", &policies]);
    let report = json_of(&out);
    assert_eq!(report["passed"], 123);
    assert_eq!(report["cases"][0]["outcome"], "pass");

    // A case whose expectation is wrong fails, with what was found.
    let dir = TempDir::new("policy-test");
    let src = root().join("crates/rampart_policy/tests/gatekeeper/k8sblocknodeport");
    for f in [
        "template.yaml",
        "samples/block-node-port/constraint.yaml",
        "samples/block-node-port/example_disallowed_node-port.yaml",
    ] {
        let text = std::fs::read_to_string(src.join(f)).expect("sample");
        dir.write(f.rsplit('/').next().expect("name"), text);
    }
    dir.write(
        "suite.yaml",
        "kind: Suite\napiVersion: test.gatekeeper.sh/v1alpha1\ntests:\n- name: nodeport\n  template: template.yaml\n  constraint: constraint.yaml\n  cases:\n  - name: wrong\n    object: example_disallowed_node-port.yaml\n    assertions:\n    - violations: no\n",
    );
    let out = rampart(&["policy", "test", dir.dir().to_str().expect("path")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL")
            && stdout.contains("nodeport/wrong")
            && stdout.contains("got 1 violations, want none"),
        "{stdout}"
    );

    // No suite: a usage error.
    let empty = TempDir::new("policy-none");
    let out = rampart(&["policy", "test", empty.dir().to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn validating_admission_policies_run_in_a_scan_and_in_policy_test() {
    let vap = root().join("crates/rampart_policy/tests/vap");
    let vap_s = vap.display().to_string();
    let out = rampart(&["policy", "test", &vap_s]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("20 suites"), "{text}");
    // A scan: the binding's name is the check, the validation's message the finding's.
    let s = |rel: &str| vap.join(rel).display().to_string();
    let out = rampart(&[
        "scan",
        "--no-config",
        "--format",
        "json",
        "--policy",
        &vap_s,
        "--select",
        "policies",
        &s("require-team-label/samples/unlabelled.yaml"),
        &s("warn-missing-owner/samples/unowned.yaml"),
        &s("run-as-non-root-fail/samples/no-security-context.yaml"),
        &s("common/ns-prod.yaml"),
        &s("common/ns-dev.yaml"),
    ]);
    let f = findings(&json_of(&out));
    let has = |check: &str, obj: &str, status: &str, sev: &str, msg: &str| {
        f.iter()
            .any(|x| x.0 == check && x.1 == obj && x.2 == status && x.3 == sev && x.4 == msg)
    };
    assert!(
        has(
            "require-team-label-binding",
            "vap-prod/team-missing",
            "fail",
            "high",
            "every Deployment needs a team label"
        ),
        "{f:?}"
    );
    assert!(
        has(
            "warn-missing-owner-binding",
            "vap-prod/unowned-cm",
            "fail",
            "medium",
            "ConfigMaps should name an owner"
        ),
        "{f:?}"
    );
    assert!(
        has(
            "run-as-non-root-fail-binding",
            "vap-prod/nonroot-missing",
            "error",
            "high",
            "expression 'object.spec.template.spec.containers[0].securityContext.runAsNonRoot == true' resulted in error: no such key: securityContext"
        ),
        "{f:?}"
    );
    assert_eq!(out.status.code(), Some(1));
}
