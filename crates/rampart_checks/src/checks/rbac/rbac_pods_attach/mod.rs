//! `rbac-pods-attach`: a subject can attach to pods.

use rampart_model::{meta, Category, Control, Severity};
use rampart_rbac::RiskKind;

use crate::checks::common;
use crate::{Check, Rule, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "rbac-pods-attach",
        title: "Subject can attach to pods",
        severity: Severity::Medium,
        category: Category::Rbac,
        controls: &[
            common::NSA_AUTHZ,
            Control::MitreAttack { id: "T1609", name: "Container Administration Command" },
        ],
        rationale: concat!(
            "`create` (or `get`) on `pods/attach` connects to the standard input and \
            output of a container's main process; for containers running a shell or an \
            interpreter this is equivalent to exec, and it reads whatever the process prints, \
            secrets included.",
            builtin_note!(),
            unbound_note!()
        ),
        remediation: "Remove `pods/attach` from everyday roles; grant it only to debugging roles \
            in the namespaces that need it, and audit its use.",
        kinds: &["ClusterRoleBinding", "RoleBinding", "ClusterRole", "Role"],
        example_fail: "kind: Role\nrules:\n- apiGroups: [\"\"]\n  resources: [pods/attach]\n  verbs: [create]\n",
        example_pass: "kind: Role\nrules:\n- apiGroups: [\"\"]\n  resources: [pods/log]\n  verbs: [get]\n",
    },
    run: Run::InventoryRule(Rule::Static(&super::RbacRisk {
        kind: RiskKind::PodsAttach,
        target: super::Target::Grant,
    })),
};
