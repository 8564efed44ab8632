//! `rbac-anonymous-grant`: permissions granted to `system:anonymous`, `system:unauthenticated` or
//! `system:authenticated`.

use rampart_model::{meta, Category, Control, Severity};
use rampart_rbac::RiskKind;

use crate::checks::common;
use crate::{Check, Rule, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "rbac-anonymous-grant",
        title: "Permissions granted to anonymous or all authenticated users",
        severity: Severity::High,
        category: Category::Rbac,
        controls: &[
            common::NSA_AUTHZ,
            Control::MitreAttack { id: "T1078", name: "Valid Accounts" },
        ],
        rationale: concat!(
            "A binding to `system:anonymous` or `system:unauthenticated` gives its rights \
            to anyone who can reach the API server; one to `system:authenticated` gives them to \
            every user and every service account of every namespace. Any compromised pod, or any \
            stranger, then holds these rights.",
            builtin_note!()
        ),
        remediation: "Bind the role to the specific users, groups or service accounts that need \
            it. Disable anonymous authentication where possible (`--anonymous-auth=false`).",
        kinds: &["ClusterRoleBinding", "RoleBinding", "ClusterRole", "Role"],
        example_fail: "kind: ClusterRoleBinding\nroleRef: {kind: ClusterRole, name: view}\nsubjects:\n- {kind: Group, name: system:authenticated}\n",
        example_pass: "kind: ClusterRoleBinding\nroleRef: {kind: ClusterRole, name: view}\nsubjects:\n- {kind: Group, name: platform-team}\n",
    },
    run: Run::InventoryRule(Rule::Static(&super::RbacRisk {
        kind: RiskKind::AnonymousOrAllAuthenticated,
        target: super::Target::Grant,
    })),
};
