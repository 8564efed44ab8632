//! `rbac-pods-portforward`: a subject can port-forward to pods.

use rampart_model::{meta, Category, Control, Severity};
use rampart_rbac::RiskKind;

use crate::checks::common;
use crate::{Check, Rule, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "rbac-pods-portforward",
        title: "Subject can port-forward to pods",
        severity: Severity::Medium,
        category: Category::Rbac,
        controls: &[
            common::NSA_AUTHZ,
            Control::MitreAttack { id: "T1572", name: "Protocol Tunneling" },
        ],
        rationale: concat!(
            "`create` (or `get`) on `pods/portforward` opens a tunnel through the API \
            server to any port of a pod, bypassing NetworkPolicies, Services and ingress \
            authentication: admin ports, databases and debug endpoints become reachable from the \
            subject's workstation.",
            builtin_note!(),
            unbound_note!()
        ),
        remediation: "Grant `pods/portforward` only to debugging roles in the namespaces that \
            need it; expose what users need through Services with authentication instead.",
        kinds: &["ClusterRoleBinding", "RoleBinding", "ClusterRole", "Role"],
        example_fail: "kind: Role\nrules:\n- apiGroups: [\"\"]\n  resources: [pods/portforward]\n  verbs: [create]\n",
        example_pass: "kind: Role\nrules:\n- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [get, list]\n",
    },
    run: Run::InventoryRule(Rule::Static(&super::RbacRisk {
        kind: RiskKind::PodsPortForward,
        target: super::Target::Grant,
    })),
};
