//! `rbac-bind`: a subject can `bind` roles.

use rampart_model::{meta, Category, Control, Severity};
use rampart_rbac::RiskKind;

use crate::checks::common;
use crate::{Check, Rule, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "rbac-bind",
        title: "Subject can bind roles",
        severity: Severity::Critical,
        category: Category::Rbac,
        controls: &[
            common::cis("5.1.8"),
            common::NSA_AUTHZ,
            Control::MitreAttack { id: "T1098", name: "Account Manipulation" },
        ],
        rationale: concat!(
            "The `bind` verb on roles or clusterroles lets the subject create bindings to \
            roles whose permissions it does not hold. With write access to (cluster)rolebindings \
            it can bind itself or any account to `cluster-admin` or `admin`.",
            builtin_note!(),
            unbound_note!()
        ),
        remediation: "Remove `bind`, or restrict it with `resourceNames` to the harmless roles a \
            delegated administrator may hand out.",
        kinds: &["ClusterRoleBinding", "RoleBinding", "ClusterRole", "Role"],
        example_fail: "kind: ClusterRole\nrules:\n- apiGroups: [rbac.authorization.k8s.io]\n  resources: [clusterroles]\n  verbs: [bind]\n",
        example_pass: "kind: ClusterRole\nrules:\n- apiGroups: [rbac.authorization.k8s.io]\n  resources: [rolebindings]\n  verbs: [get, list]\n",
    },
    run: Run::InventoryRule(Rule::Static(&super::RbacRisk {
        kind: RiskKind::Bind,
        target: super::Target::Grant,
    })),
};
