//! `rbac-read-secrets-namespace`: a subject can read Secrets in a namespace.

use rampart_model::{meta, Category, Control, Severity};
use rampart_rbac::RiskKind;

use crate::checks::common;
use crate::{Check, Rule, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "rbac-read-secrets-namespace",
        title: "Subject can read Secrets in a namespace",
        severity: Severity::Medium,
        category: Category::Rbac,
        controls: &[
            common::cis("5.1.2"),
            common::NSA_AUTHZ,
            common::NSA_SECRETS,
            Control::MitreAttack { id: "T1552.007", name: "Unsecured Credentials: Container API" },
        ],
        rationale: concat!(
            "`get`, `list` or `watch` on Secrets in a namespace exposes every credential \
            stored there, including legacy service account tokens of that namespace, so the \
            subject can act as any of those accounts. `list` and `watch` return Secret values \
            just like `get`.",
            builtin_note!(),
            unbound_note!()
        ),
        remediation: "Narrow the rule with `resourceNames` to the Secrets the subject needs, or \
            mount the Secret into the pod instead of reading it through the API.",
        kinds: &["ClusterRoleBinding", "RoleBinding", "ClusterRole", "Role"],
        example_fail: "kind: Role\nmetadata: {namespace: app}\nrules:\n- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [get, list]\n",
        example_pass: "kind: Role\nmetadata: {namespace: app}\nrules:\n- apiGroups: [\"\"]\n  resources: [configmaps]\n  verbs: [get, list]\n",
    },
    run: Run::InventoryRule(Rule::Static(&super::RbacRisk {
        kind: RiskKind::ReadSecretsNamespace,
        target: super::Target::Grant,
    })),
};
