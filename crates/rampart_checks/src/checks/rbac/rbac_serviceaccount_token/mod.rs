//! `rbac-serviceaccount-token`: a subject can create service account tokens.

use rampart_model::{meta, Category, Severity};
use rampart_rbac::RiskKind;

use crate::checks::common;
use crate::{Check, Rule, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "rbac-serviceaccount-token",
        title: "Subject can create service account tokens",
        severity: Severity::High,
        category: Category::Rbac,
        controls: &[
            common::cis("5.1.13"),
            common::NSA_AUTHZ,
            common::MITRE_STEAL_TOKEN,
        ],
        rationale: concat!(
            "`create` on `serviceaccounts/token` (the TokenRequest API) mints a bearer \
            token for a service account, so the subject gains the rights of every service account \
            in scope, including controllers with wide permissions, without touching any pod.",
            builtin_note!(),
            unbound_note!()
        ),
        remediation: "Remove `serviceaccounts/token` from user and workload roles; let the \
            kubelet request tokens for pods. Where needed, restrict it with `resourceNames` to \
            specific low-privilege accounts.",
        kinds: &["ClusterRoleBinding", "RoleBinding", "ClusterRole", "Role"],
        example_fail: "kind: Role\nrules:\n- apiGroups: [\"\"]\n  resources: [serviceaccounts/token]\n  verbs: [create]\n",
        example_pass: "kind: Role\nrules:\n- apiGroups: [\"\"]\n  resources: [serviceaccounts]\n  verbs: [get, list]\n",
    },
    run: Run::InventoryRule(Rule::Static(&super::RbacRisk {
        kind: RiskKind::ServiceAccountToken,
        target: super::Target::Grant,
    })),
};
