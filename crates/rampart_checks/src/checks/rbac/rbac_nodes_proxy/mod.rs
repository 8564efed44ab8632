//! `rbac-nodes-proxy`: a subject can use `nodes/proxy` (the kubelet API).

use rampart_model::{meta, Category, Control, Severity};
use rampart_rbac::RiskKind;

use crate::checks::common;
use crate::{Check, Rule, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "rbac-nodes-proxy",
        title: "Subject can use nodes/proxy (kubelet API)",
        severity: Severity::High,
        category: Category::Rbac,
        controls: &[
            common::cis("5.1.10"),
            common::NSA_AUTHZ,
            Control::MitreAttack { id: "T1609", name: "Container Administration Command" },
        ],
        rationale: concat!(
            "`nodes/proxy` reaches the kubelet API through the API server. The kubelet \
            runs commands in any container of the node (`/exec`, `/run`) and these calls are not \
            seen by admission control or recorded as pod exec in the audit log, so the subject \
            controls every pod on every node.",
            builtin_note!(),
            unbound_note!()
        ),
        remediation: "Remove `nodes/proxy`; monitoring agents need only `nodes/metrics` and \
            `nodes/stats`. Keep kubelet API access for the control plane.",
        kinds: &["ClusterRoleBinding", "RoleBinding", "ClusterRole", "Role"],
        example_fail: "kind: ClusterRole\nrules:\n- apiGroups: [\"\"]\n  resources: [nodes/proxy]\n  verbs: [get]\n",
        example_pass: "kind: ClusterRole\nrules:\n- apiGroups: [\"\"]\n  resources: [nodes/metrics, nodes/stats]\n  verbs: [get]\n",
    },
    run: Run::InventoryRule(Rule::Static(&super::RbacRisk {
        kind: RiskKind::NodesProxy,
        target: super::Target::Grant,
    })),
};
