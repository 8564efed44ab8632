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

/// The `Flagged:` example of a check's docs page (docs/checks/ID.md), as a file to scan.
fn docs_example(id: &str, dir: &std::path::Path) -> PathBuf {
    let page = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../docs/checks/{id}.md"));
    let text = std::fs::read_to_string(&page).expect("docs page");
    let flagged = text.split_once("Flagged:").expect("an example").1;
    let yaml = flagged
        .split_once("```yaml\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .expect("a yaml block")
        .0;
    let f = dir.join(format!("{id}.yaml"));
    std::fs::write(&f, yaml).expect("write example");
    f
}

/// The docs' example of `rbac-cluster-admin` (a ClusterRoleBinding to the built-in cluster-admin,
/// which the file does not define) is found by a file scan, named as the built-in role, and
/// `rbac risks` no longer calls the binding one that grants nothing.
#[test]
fn docs_example_of_builtin_cluster_admin_is_found() {
    let dir = rampart_testutil::TempDir::new("rbac-docs-example");
    let f = docs_example("rbac-cluster-admin", dir.dir());
    let path = f.to_str().expect("utf8");
    let o = rampart(&["scan", path, "--select", "rbac-cluster-admin", "-f", "json"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json_of(&o);
    let findings = v["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{v}");
    assert_eq!(findings[0]["check"], "rbac-cluster-admin");
    assert_eq!(findings[0]["severity"], "critical");
    let message = findings[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("built-in ClusterRole cluster-admin"),
        "{message}"
    );

    let o = rampart(&["rbac", "risks", path]);
    let out = stdout(&o);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        !out.contains("grants nothing") && !err.contains("grants nothing"),
        "{out}{err}"
    );
    assert!(
        out.contains("sa:build/ci is cluster-admin")
            && out.contains("built-in ClusterRole cluster-admin"),
        "{out}"
    );
    let o = rampart(&["rbac", "risks", path, "-f", "json"]);
    let v = json_of(&o);
    let admin = v["risks"]
        .as_array()
        .expect("risks")
        .iter()
        .find(|r| r["check"] == "rbac-cluster-admin")
        .expect("an rbac-cluster-admin risk");
    assert_eq!(admin["line"], 6, "{admin}");
    assert_eq!(
        admin["why"]["builtin"], "Kubernetes 1.37 bootstrap policy",
        "{admin}"
    );
    assert_eq!(admin["why"]["ruleFile"], "-", "{admin}");
}

/// A Role that nothing binds is judged on its own rules, one severity level lower.
#[test]
fn unbound_role_is_reported_one_level_lower() {
    let dir = rampart_testutil::TempDir::new("rbac-unbound");
    let f = dir.dir().join("role.yaml");
    std::fs::write(
        &f,
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: shell, namespace: dev}\nrules:\n- {apiGroups: [''], resources: [pods/exec], verbs: [create]}\n",
    )
    .expect("write");
    let path = f.to_str().expect("utf8");
    let o = rampart(&["scan", path, "--select", "rbac-pods-exec", "-f", "json"]);
    let v = json_of(&o);
    let findings = v["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{v}");
    // rbac-pods-exec is high; unbound, medium (below the default --fail-on high).
    assert_eq!(findings[0]["severity"], "medium", "{v}");
    assert_eq!(o.status.code(), Some(0));
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Role/dev/shell is bound by nothing in the input"),
        "{v}"
    );
    let o = rampart(&["rbac", "risks", path, "-f", "json"]);
    let v = json_of(&o);
    assert_eq!(v["risks"][0]["unbound"], true, "{v}");
    assert_eq!(v["risks"][0]["line"], 5, "{v}");
}
