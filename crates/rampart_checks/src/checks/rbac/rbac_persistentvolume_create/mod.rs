//! `rbac-persistentvolume-create`: a subject can create PersistentVolumes.

use rampart_model::{meta, Category, Severity};
use rampart_rbac::RiskKind;

use crate::checks::common;
use crate::{Check, Rule, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "rbac-persistentvolume-create",
        title: "Subject can create PersistentVolumes",
        severity: Severity::Medium,
        category: Category::Rbac,
        controls: &[
            common::cis("5.1.9"),
            common::NSA_AUTHZ,
            common::MITRE_ESCAPE,
        ],
        rationale: concat!(
            "A PersistentVolume may be a `hostPath` volume, so whoever can create one and \
            claim it can mount any directory of a node into a pod, even where Pod Security \
            Admission forbids hostPath volumes in the pod itself: the node's filesystem, kubelet \
            credentials and container runtime socket.",
            builtin_note!(),
            unbound_note!()
        ),
        remediation: "Leave PersistentVolume creation to storage administrators and dynamic \
            provisioners; users should create PersistentVolumeClaims against a StorageClass.",
        kinds: &["ClusterRoleBinding", "RoleBinding", "ClusterRole", "Role"],
        example_fail: "kind: ClusterRole\nrules:\n- apiGroups: [\"\"]\n  resources: [persistentvolumes]\n  verbs: [create]\n",
        example_pass: "kind: Role\nrules:\n- apiGroups: [\"\"]\n  resources: [persistentvolumeclaims]\n  verbs: [create]\n",
    },
    run: Run::InventoryRule(Rule::Static(&super::RbacRisk {
        kind: RiskKind::PersistentVolumeCreate,
        target: super::Target::Grant,
    })),
};
