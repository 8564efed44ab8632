//! `rbac-pods-exec`: a subject can exec into pods.

use rampart_model::{meta, Category, Control, Severity};
use rampart_rbac::RiskKind;

use crate::checks::common;
use crate::{Check, Rule, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "rbac-pods-exec",
        title: "Subject can exec into pods",
        severity: Severity::High,
        category: Category::Rbac,
        controls: &[
            common::NSA_AUTHZ,
            Control::MitreAttack { id: "T1609", name: "Container Administration Command" },
        ],
        rationale: concat!(
            "`create` (or `get`, over websockets) on `pods/exec` runs arbitrary commands \
            inside running containers: the subject reads the container's files, environment and \
            mounted service account token, and acts with the pod's identity and network position.",
            builtin_note!(),
            unbound_note!()
        ),
        remediation: "Remove `pods/exec` from everyday roles; grant it only to break-glass or \
            debugging roles, in the namespaces that need it, and audit its use.",
        kinds: &["ClusterRoleBinding", "RoleBinding", "ClusterRole", "Role"],
        example_fail: "kind: Role\nrules:\n- apiGroups: [\"\"]\n  resources: [pods/exec]\n  verbs: [create]\n",
        example_pass: "kind: Role\nrules:\n- apiGroups: [\"\"]\n  resources: [pods, pods/log]\n  verbs: [get, list]\n",
    },
    run: Run::InventoryRule(Rule::Static(&super::RbacRisk {
        kind: RiskKind::PodsExec,
        target: super::Target::Grant,
    })),
};
