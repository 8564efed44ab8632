//! `rbac-escalate`: a subject can `escalate` roles.

use rampart_model::{meta, Category, Control, Severity};
use rampart_rbac::RiskKind;

use crate::checks::common;
use crate::{Check, Rule, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "rbac-escalate",
        title: "Subject can escalate roles",
        severity: Severity::Critical,
        category: Category::Rbac,
        controls: &[
            common::cis("5.1.8"),
            common::NSA_AUTHZ,
            Control::MitreAttack { id: "T1098", name: "Account Manipulation" },
        ],
        rationale: concat!(
            "The `escalate` verb on roles or clusterroles lifts RBAC's \
            privilege-escalation guard: the subject can add to a role permissions it does not \
            hold itself. With update access to a role bound to itself, that is cluster-admin.",
            builtin_note!(),
            unbound_note!()
        ),
        remediation: "Remove `escalate` from every role outside the control plane; let RBAC \
            administrators edit roles through reviewed manifests instead.",
        kinds: &["ClusterRoleBinding", "RoleBinding", "ClusterRole", "Role"],
        example_fail: "kind: ClusterRole\nrules:\n- apiGroups: [rbac.authorization.k8s.io]\n  resources: [clusterroles]\n  verbs: [escalate, update]\n",
        example_pass: "kind: ClusterRole\nrules:\n- apiGroups: [rbac.authorization.k8s.io]\n  resources: [clusterroles]\n  verbs: [get, list]\n",
    },
    run: Run::InventoryRule(Rule::Static(&super::RbacRisk {
        kind: RiskKind::Escalate,
        target: super::Target::Grant,
    })),
};
