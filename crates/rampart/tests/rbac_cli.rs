//! End-to-end tests of `rampart rbac`, running the built binary on the escalation fixture of
//! `rampart_rbac`.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../rampart_rbac/tests/cases/escalation.yaml")
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

#[test]
fn who_can_table_names_binding_role_and_line() {
    let f = fixture();
    let o = rampart(&[
        "rbac",
        "who-can",
        "create",
        "pods",
        "-n",
        "prod",
        f.to_str().expect("utf8"),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = stdout(&o);
    assert!(out.contains("sa:ci/deployer"), "{out}");
    assert!(
        out.contains("RoleBinding/prod/ci-deploys-to-prod -> Role/prod/pod-creator rule 0"),
        "{out}"
    );
    assert!(out.contains("escalation.yaml:"), "{out}");
    assert!(out.contains("3 grants"), "{out}");
}

#[test]
fn who_can_json_with_group_and_subresource_syntax() {
    let f = fixture();
    let f = f.to_str().expect("utf8");
    let o = rampart(&[
        "rbac",
        "who-can",
        "create",
        "pods/exec",
        "-n",
        "prod",
        "--format",
        "json",
        f,
    ]);
    let v = json_of(&o);
    assert_eq!(v["request"]["subresource"], "exec");
    let subjects: Vec<&str> = v["grants"]
        .as_array()
        .expect("grants")
        .iter()
        .filter_map(|g| g["subject"].as_str())
        .collect();
    assert!(subjects.contains(&"user:execer"), "{subjects:?}");
    let g = v["grants"]
        .as_array()
        .expect("grants")
        .iter()
        .find(|g| g["subject"] == "user:execer")
        .expect("execer");
    assert_eq!(g["why"]["rulePointer"], "/rules/1");
    assert!(g["why"]["ruleLine"].as_u64().is_some());
    // deployments.apps parses the group.
    let o = rampart(&[
        "rbac",
        "who-can",
        "list",
        "deployments.apps",
        "--format",
        "json",
        f,
    ]);
    assert_eq!(json_of(&o)["request"]["api_group"], "apps");
    // non-resource URL
    let o = rampart(&["rbac", "who-can", "get", "/healthz", "--format", "json", f]);
    assert_eq!(json_of(&o)["request"]["path"], "/healthz");
}

#[test]
fn can_lists_rules_per_namespace() {
    let f = fixture();
    let o = rampart(&["rbac", "can", "sa:ci/deployer", f.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("Namespace prod (RoleBindings)"), "{out}");
    assert!(out.contains("verbs=[create,get,list]"), "{out}");
    let o = rampart(&[
        "rbac",
        "can",
        "sa:ci/deployer",
        "-f",
        "json",
        f.to_str().expect("utf8"),
    ]);
    let v = json_of(&o);
    assert_eq!(v["identity"]["user"], "system:serviceaccount:ci:deployer");
    assert!(v["namespaces"]["prod"]
        .as_array()
        .is_some_and(|a| !a.is_empty()));
    // bad subject syntax: usage error
    let o = rampart(&["rbac", "can", "deployer", f.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn paths_text_json_dot() {
    let f = fixture();
    let f = f.to_str().expect("utf8");
    let o = rampart(&["rbac", "paths", f, "--from", "sa:ci/deployer"]);
    let out = stdout(&o);
    assert!(out.starts_with("sa:ci/deployer  (2 steps)"), "{out}");
    assert!(out.contains("-> sa:prod/admin-sa"), "{out}");
    assert!(out.contains("-> cluster-admin"), "{out}");
    let o = rampart(&[
        "rbac",
        "paths",
        f,
        "--from-workload",
        "Deployment/ci/runner",
        "-f",
        "json",
    ]);
    let v = json_of(&o);
    assert_eq!(v["paths"][0]["length"], 3);
    assert_eq!(v["paths"][0]["steps"][0]["kind"], "runs-as");
    assert_eq!(v["paths"][0]["steps"][1]["kind"], "create-workloads");
    let o = rampart(&["rbac", "paths", f, "-f", "dot"]);
    let out = stdout(&o);
    assert!(out.starts_with("digraph escalation {"), "{out}");
    assert!(
        out.contains("\"user:mallory\" -> \"group:system:masters\""),
        "{out}"
    );
    let o = rampart(&["rbac", "paths", f, "--from", "user:viewer"]);
    assert!(
        stdout(&o).contains("No path from user:viewer"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn risks_report() {
    let f = fixture();
    let o = rampart(&["rbac", "risks", f.to_str().expect("utf8"), "-f", "json"]);
    let v = json_of(&o);
    let checks: Vec<&str> = v["risks"]
        .as_array()
        .expect("risks")
        .iter()
        .filter_map(|r| r["check"].as_str())
        .collect();
    for c in [
        "rbac-cluster-admin",
        "rbac-impersonate",
        "rbac-bind",
        "rbac-workload-token-power",
    ] {
        assert!(checks.contains(&c), "{c} missing: {checks:?}");
    }
}

#[test]
fn input_errors_go_to_stderr_and_exit_2_after_results() {
    let dir = std::env::temp_dir().join(format!("rampart_rbac_cli_{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    std::fs::write(dir.join("broken.yaml"), "kind: Role\nmetadata: [\n").expect("write");
    std::fs::write(
        dir.join("ok.yaml"),
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: x}\nroleRef: {kind: Role, name: missing, apiGroup: rbac.authorization.k8s.io}\nsubjects: [{kind: User, name: u}]\n",
    )
    .expect("write");
    let o = rampart(&[
        "rbac",
        "who-can",
        "get",
        "pods",
        "-n",
        "x",
        dir.to_str().expect("utf8"),
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("Nobody"), "{}", stdout(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("broken.yaml:"), "{err}");
    assert!(
        err.contains("ok.yaml:4: binding refers to Role \"missing\""),
        "{err}"
    );
}
