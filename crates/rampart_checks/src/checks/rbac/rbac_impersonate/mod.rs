//! `rbac-impersonate`: a subject can impersonate users, groups or service accounts.

use rampart_model::{meta, Category, Control, Severity};
use rampart_rbac::RiskKind;

use crate::checks::common;
use crate::{Check, Rule, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "rbac-impersonate",
        title: "Subject can impersonate users, groups or service accounts",
        severity: Severity::Critical,
        category: Category::Rbac,
        controls: &[
            common::cis("5.1.8"),
            common::NSA_AUTHZ,
            Control::MitreAttack { id: "T1078", name: "Valid Accounts" },
        ],
        rationale: concat!(
            "The `impersonate` verb lets the subject send requests as another user, group \
            or service account. Impersonating `system:masters` or any cluster administrator takes \
            over the cluster, and the audit log attributes the actions to the impersonated \
            identity.",
            builtin_note!(),
            unbound_note!()
        ),
        remediation: "Remove `impersonate`, or restrict it with `resourceNames` to specific \
            low-privilege identities, for authenticating proxies only.",
        kinds: &["ClusterRoleBinding", "RoleBinding", "ClusterRole", "Role"],
        example_fail: "kind: ClusterRole\nrules:\n- apiGroups: [\"\"]\n  resources: [users, groups]\n  verbs: [impersonate]\n",
        example_pass: "kind: ClusterRole\nrules:\n- apiGroups: [\"\"]\n  resources: [serviceaccounts]\n  verbs: [get, list]\n",
    },
    run: Run::InventoryRule(Rule::Static(&super::RbacRisk {
        kind: RiskKind::Impersonate,
        target: super::Target::Grant,
    })),
};
