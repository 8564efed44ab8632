//! Built-in roles of the bootstrap policy and roles nothing binds: how risks name and place them.

use rampart_rbac::{Rbac, RiskKind, NO_RESOURCE};

fn build(yaml: &str) -> (Vec<rampart_model::Resource>, Rbac) {
    let parsed = rampart_source::parse_str(std::path::Path::new("t.yaml"), yaml);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let rbac = Rbac::build(&parsed.resources);
    (parsed.resources, rbac)
}

const CRB_CLUSTER_ADMIN: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ci-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: ServiceAccount, name: ci, namespace: build}
";

#[test]
fn a_binding_to_builtin_cluster_admin_grants_it_and_says_so() {
    let (_, rbac) = build(CRB_CLUSTER_ADMIN);
    // The binding resolves to the built-in role: no "grants nothing" issue.
    assert!(rbac.issues.is_empty(), "{:?}", rbac.issues);
    let b = &rbac.bindings[0];
    let role = &rbac.roles[b.role.expect("resolved")];
    assert_eq!(role.builtin, Some(rbac.bootstrap_minor));
    assert_eq!(role.resource, NO_RESOURCE);
    assert_eq!(role.display_name(), "built-in ClusterRole cluster-admin");

    let risks = rbac.risks_of(RiskKind::ClusterAdmin);
    assert_eq!(risks.len(), 1, "{risks:?}");
    let r = &risks[0];
    assert!(
        r.message.contains("built-in ClusterRole cluster-admin"),
        "{}",
        r.message
    );
    // The rule is in no input object: the risk points at the binding's subject.
    assert_eq!(r.resource, 0);
    assert_eq!(r.pointer.as_str(), "/subjects/0");
    let why = r.why.as_ref().expect("justified");
    assert_eq!(why.rule_resource, NO_RESOURCE);
    assert_eq!(
        why.builtin.as_deref(),
        Some(format!("Kubernetes 1.{} bootstrap policy", rbac.bootstrap_minor).as_str())
    );
    assert!(!r.unbound);
}

#[test]
fn the_target_minor_picks_the_policy() {
    let parsed = rampart_source::parse_str(std::path::Path::new("t.yaml"), CRB_CLUSTER_ADMIN);
    let old = Rbac::build_for(&parsed.resources, Some(32));
    assert_eq!(old.bootstrap_minor, 32);
    let role = &old.roles[old.bindings[0].role.expect("resolved")];
    assert_eq!(role.builtin, Some(32));
    // Older than the oldest shipped: the oldest.
    assert_eq!(
        Rbac::build_for(&parsed.resources, Some(20)).bootstrap_minor,
        32
    );
}

#[test]
fn only_roles_bindings_name_are_added() {
    let (_, rbac) = build(CRB_CLUSTER_ADMIN);
    let names: Vec<&str> = rbac.roles.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["cluster-admin"]);
    let (_, rbac) = build(
        "apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: v, namespace: a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: User, name: u}]
",
    );
    let mut names: Vec<&str> = rbac.roles.iter().map(|r| r.name.as_str()).collect();
    names.sort();
    // view and what aggregates into it.
    assert_eq!(names, ["system:aggregate-to-view", "view"]);
    // Built-in roles are never judged as unbound.
    assert!(rbac.risks().iter().all(|r| !r.unbound));
}

const UNBOUND: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules:
- {apiGroups: [''], resources: [configmaps], verbs: [get]}
- {apiGroups: [''], resources: [secrets], verbs: [get, list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: 'system:internal'}
rules:
- {apiGroups: [''], resources: [secrets], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: shell, namespace: dev}
rules:
- {apiGroups: [''], resources: [pods/exec], verbs: [create]}
";

#[test]
fn unbound_roles_are_judged_on_their_rules() {
    let (_, rbac) = build(UNBOUND);
    let risks = rbac.risks();
    let got: Vec<(RiskKind, &str, &str)> = risks
        .iter()
        .map(|r| (r.kind, r.object.name.as_str(), r.pointer.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (RiskKind::ReadSecretsClusterWide, "reader", "/rules/1"),
            (RiskKind::PodsExec, "shell", "/rules/0"),
        ],
        "system roles are left out"
    );
    for r in &risks {
        assert!(r.unbound && r.subject.is_none() && r.why.is_none());
        assert!(
            r.message.contains("is bound by nothing in the input"),
            "{}",
            r.message
        );
    }
    assert!(
        risks[1].message.contains("Role/dev/shell")
            && risks[1].message.contains("in namespace dev"),
        "{}",
        risks[1].message
    );
    // With system grants, the system role is judged too.
    assert_eq!(rbac.risks_with(true).len(), 3);
}

#[test]
fn a_bound_role_is_judged_through_its_grants_only() {
    let yaml = format!(
        "{UNBOUND}---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: shell, namespace: dev}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: shell}}
subjects: [{{kind: User, name: alice}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: everything}}
aggregationRule:
  clusterRoleSelectors: [{{matchLabels: {{agg: 'yes'}}}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: part, labels: {{agg: 'yes'}}}}
rules:
- {{apiGroups: [''], resources: [nodes/proxy], verbs: [get]}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {{name: everything}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: everything}}
subjects: [{{kind: User, name: bob}}]
"
    );
    let (_, rbac) = build(&yaml);
    let exec = rbac.risks_of(RiskKind::PodsExec);
    assert_eq!(exec.len(), 1);
    assert_eq!(
        exec[0].subject.as_ref().map(|s| s.to_string()).as_deref(),
        Some("user:alice")
    );
    assert!(!exec[0].unbound);
    // A role reached through aggregation is bound too.
    let proxy = rbac.risks_of(RiskKind::NodesProxy);
    assert_eq!(proxy.len(), 1);
    assert!(!proxy[0].unbound);
    // reader stays unbound.
    assert!(rbac
        .risks_of(RiskKind::ReadSecretsClusterWide)
        .iter()
        .all(|r| r.unbound && r.object.name == "reader"));
}

#[test]
fn explicit_verbs_on_everything_are_cluster_admin_when_unbound_too() {
    let (_, rbac) = build(
        "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: superuser}
rules:
- {apiGroups: ['*'], resources: ['*'], verbs: [get, list, watch, create, update, patch, delete, deletecollection]}
",
    );
    let admin = rbac.risks_of(RiskKind::ClusterAdmin);
    assert_eq!(admin.len(), 1);
    assert!(admin[0].unbound);
    assert!(
        admin[0].message.contains("is cluster-admin"),
        "{}",
        admin[0].message
    );
}
