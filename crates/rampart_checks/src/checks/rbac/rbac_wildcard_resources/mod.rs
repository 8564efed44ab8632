//! `rbac-wildcard-resources`: a role rule applies to every resource (`*`) or every non-resource
//! URL.

use rampart_model::{meta, Category, Control, Severity};
use rampart_rbac::RiskKind;

use crate::checks::common;
use crate::{Check, Rule, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "rbac-wildcard-resources",
        title: "Role rule grants access to * resources",
        severity: Severity::Medium,
        category: Category::Rbac,
        controls: &[
            common::cis("5.1.3"),
            common::NSA_AUTHZ,
            Control::MitreAttack { id: "T1078", name: "Valid Accounts" },
        ],
        rationale: concat!(
            "A rule with `*` resources (or `*` nonResourceURLs) covers every resource of \
            its API groups, including Secrets, subresources such as `pods/exec` and resources \
            that future API versions or CRDs add. The grant silently widens as the cluster \
            changes.",
            " The rules of Kubernetes' built-in roles that the input does not define are not \
            reported here: they are not in the input, and what a binding to one grants is \
            reported on the binding by the other RBAC checks.",
            unbound_note!()
        ),
        remediation: "List the resources the subject needs explicitly instead of `*`, and keep \
            Secrets and subresources out unless they are required.",
        kinds: &["ClusterRoleBinding", "RoleBinding", "ClusterRole", "Role"],
        example_fail: "kind: Role\nrules:\n- apiGroups: [\"\"]\n  resources: [\"*\"]\n  verbs: [get, list]\n",
        example_pass: "kind: Role\nrules:\n- apiGroups: [\"\"]\n  resources: [pods, services]\n  verbs: [get, list]\n",
    },
    run: Run::InventoryRule(Rule::Static(&super::RbacRisk {
        kind: RiskKind::WildcardResources,
        target: super::Target::Rule,
    })),
};
