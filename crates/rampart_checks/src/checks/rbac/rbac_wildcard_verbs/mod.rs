//! `rbac-wildcard-verbs`: a role rule allows every verb (`*`) on its resources.

use rampart_model::{meta, Category, Control, Severity};
use rampart_rbac::RiskKind;

use crate::checks::common;
use crate::{Check, Rule, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "rbac-wildcard-verbs",
        title: "Role rule grants * verbs",
        severity: Severity::Medium,
        category: Category::Rbac,
        controls: &[
            common::cis("5.1.3"),
            common::NSA_AUTHZ,
            Control::MitreAttack { id: "T1078", name: "Valid Accounts" },
        ],
        rationale: concat!(
            "A rule with `*` verbs grants every verb the resources support today and any \
            verb added later, including the RBAC-specific `escalate`, `bind` and `impersonate` \
            and the `create` of subresources such as `pods/exec`. It is rarely what the subject \
            needs and hides the real scope of the grant from reviewers.",
            " The rules of Kubernetes' built-in roles that the input does not define are not \
            reported here: they are not in the input, and what a binding to one grants is \
            reported on the binding by the other RBAC checks.",
            unbound_note!()
        ),
        remediation: "List the verbs the subject needs explicitly (for example `get`, `list`, \
            `watch`) instead of `*`.",
        kinds: &["ClusterRoleBinding", "RoleBinding", "ClusterRole", "Role"],
        example_fail: "kind: Role\nrules:\n- apiGroups: [apps]\n  resources: [deployments]\n  verbs: [\"*\"]\n",
        example_pass: "kind: Role\nrules:\n- apiGroups: [apps]\n  resources: [deployments]\n  verbs: [get, list, watch]\n",
    },
    run: Run::InventoryRule(Rule::Static(&super::RbacRisk {
        kind: RiskKind::WildcardVerbs,
        target: super::Target::Rule,
    })),
};
