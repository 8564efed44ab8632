//! `rbac-read-secrets-cluster`: a subject can read Secrets in every namespace.

use rampart_model::{meta, Category, Control, Severity};
use rampart_rbac::RiskKind;

use crate::checks::common;
use crate::{Check, Rule, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "rbac-read-secrets-cluster",
        title: "Subject can read Secrets cluster-wide",
        severity: Severity::High,
        category: Category::Rbac,
        controls: &[
            common::cis("5.1.2"),
            common::NSA_AUTHZ,
            common::NSA_SECRETS,
            Control::MitreAttack { id: "T1552.007", name: "Unsecured Credentials: Container API" },
        ],
        rationale: concat!(
            "`get`, `list` or `watch` on Secrets through a ClusterRoleBinding exposes \
            every credential in the cluster: database passwords, TLS keys, registry credentials \
            and legacy service account tokens, some of which belong to highly privileged \
            controllers. Reading them is a direct path to other identities.",
            builtin_note!(),
            unbound_note!()
        ),
        remediation: "Grant Secret access with a RoleBinding in the namespaces that need it, and \
            narrow it with `resourceNames` to the specific Secrets. Prefer mounting Secrets into \
            pods over reading them through the API.",
        kinds: &["ClusterRoleBinding", "RoleBinding", "ClusterRole", "Role"],
        example_fail: "kind: ClusterRoleBinding\nroleRef: {kind: ClusterRole, name: secret-reader}\nsubjects:\n- {kind: ServiceAccount, name: backup, namespace: ops}\n",
        example_pass: "kind: RoleBinding\nmetadata: {namespace: ops}\nroleRef: {kind: ClusterRole, name: secret-reader}\nsubjects:\n- {kind: ServiceAccount, name: backup, namespace: ops}\n",
    },
    run: Run::InventoryRule(Rule::Static(&super::RbacRisk {
        kind: RiskKind::ReadSecretsClusterWide,
        target: super::Target::Grant,
    })),
};
