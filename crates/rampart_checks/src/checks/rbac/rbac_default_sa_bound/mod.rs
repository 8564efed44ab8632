//! `rbac-default-sa-bound`: a namespace's `default` service account is bound to a role.

use rampart_model::{meta, Category, Severity};
use rampart_rbac::RiskKind;

use crate::checks::common;
use crate::{Check, Rule, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "rbac-default-sa-bound",
        title: "Default service account is granted permissions",
        severity: Severity::Medium,
        category: Category::Rbac,
        controls: &[
            common::cis("5.1.5"),
            common::NSA_AUTHZ,
            common::NSA_SA_TOKENS,
            common::MITRE_STEAL_TOKEN,
        ],
        rationale: concat!(
            "Every pod that names no service account runs as its namespace's `default` \
            account. Granting that account rights gives them to every such pod, present and \
            future, instead of to the one workload that needs them.",
            builtin_note!()
        ),
        remediation: "Create a dedicated service account for the workload that needs the rights, \
            bind the role to it, and set `serviceAccountName` in that workload. Leave `default` \
            without bindings.",
        kinds: &["ClusterRoleBinding", "RoleBinding", "ClusterRole", "Role"],
        example_fail: "kind: RoleBinding\nmetadata: {namespace: app}\nroleRef: {kind: ClusterRole, name: edit}\nsubjects:\n- {kind: ServiceAccount, name: default, namespace: app}\n",
        example_pass: "kind: RoleBinding\nmetadata: {namespace: app}\nroleRef: {kind: ClusterRole, name: edit}\nsubjects:\n- {kind: ServiceAccount, name: api, namespace: app}\n",
    },
    run: Run::InventoryRule(Rule::Static(&super::RbacRisk {
        kind: RiskKind::DefaultServiceAccountBound,
        target: super::Target::Grant,
    })),
};
