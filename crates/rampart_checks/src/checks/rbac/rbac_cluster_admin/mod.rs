//! `rbac-cluster-admin`: full control of the cluster granted to a subject outside the system's own.

use rampart_model::{meta, Category, Control, Severity};
use rampart_rbac::RiskKind;

use crate::{Check, Rule, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "rbac-cluster-admin",
        title: "cluster-admin (or every verb on * resources) granted to a non-system subject",
        severity: Severity::Critical,
        category: Category::Rbac,
        controls: &[
            Control::Cis {
                version: "1.10",
                id: "5.1.1",
            },
            Control::Nsa {
                section: "Authentication and authorization: least privilege RBAC",
            },
            Control::MitreAttack {
                id: "T1078",
                name: "Valid Accounts",
            },
        ],
        rationale: concat!(
            "A subject bound to cluster-admin, or to any role allowing every verb on every \
            resource cluster-wide, controls the whole cluster: every Secret, every node through \
            privileged pods, and RBAC itself. Outside the control plane's own bootstrap identities \
            such grants are rarely needed and turn one stolen credential into a cluster takeover. \
            Every verb means `*` or all of get, list, watch, create, update, patch, delete and \
            deletecollection listed, on `*` resources in `*` apiGroups. The same power through a \
            RoleBinding (to such a role, or to the built-in `admin` or `cluster-admin` \
            ClusterRole) makes the subject admin of that namespace, reported with the namespace: \
            every Secret and service account token in it, and its pods.",
            builtin_note!(),
            unbound_note!()
        ),
        remediation: "Bind the subject to a role with only the verbs and resources it needs, in the \
            namespaces it needs (a RoleBinding rather than a ClusterRoleBinding). Keep cluster-admin \
            for break-glass identities.",
        kinds: &["ClusterRoleBinding", "RoleBinding", "ClusterRole", "Role"],
        example_fail: "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: ci-admin}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects:\n- {kind: ServiceAccount, name: ci, namespace: build}\n",
        example_pass: "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: ci-edit, namespace: build}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}\nsubjects:\n- {kind: ServiceAccount, name: ci, namespace: build}\n",
    },
    run: Run::InventoryRule(Rule::Static(&super::RbacRisk {
        kind: RiskKind::ClusterAdmin,
        target: super::Target::Grant,
    })),
};
