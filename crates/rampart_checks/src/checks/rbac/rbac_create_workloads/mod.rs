//! `rbac-create-workloads`: a subject can create pods or create/update/patch pod controllers.

use rampart_model::{meta, Category, Control, Severity};
use rampart_rbac::RiskKind;

use crate::checks::common;
use crate::{Check, Rule, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "rbac-create-workloads",
        title: "Subject can create pods or workload controllers",
        severity: Severity::High,
        category: Category::Rbac,
        controls: &[
            common::cis("5.1.4"),
            common::NSA_AUTHZ,
            Control::MitreAttack { id: "T1610", name: "Deploy Container" },
        ],
        rationale: concat!(
            "Whoever can create a pod, or create or patch a Deployment, DaemonSet, \
            StatefulSet, ReplicaSet, Job, CronJob or ReplicationController, can run any image as \
            any service account of the namespace, mount its Secrets and ConfigMaps, and (without \
            admission control) run privileged pods on a node. It is effectively the union of \
            every right in the namespace.",
            builtin_note!(),
            unbound_note!()
        ),
        remediation: "Limit workload creation to deployment pipelines and operators that need it, \
            scope it to their namespaces, and enforce Pod Security Admission `restricted` there.",
        kinds: &["ClusterRoleBinding", "RoleBinding", "ClusterRole", "Role"],
        example_fail: "kind: Role\nrules:\n- apiGroups: [apps]\n  resources: [deployments]\n  verbs: [create, patch]\n",
        example_pass: "kind: Role\nrules:\n- apiGroups: [apps]\n  resources: [deployments]\n  verbs: [get, list, watch]\n",
    },
    run: Run::InventoryRule(Rule::Static(&super::RbacRisk {
        kind: RiskKind::CreateWorkloads,
        target: super::Target::Grant,
    })),
};
