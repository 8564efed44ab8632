//! `namespace-without-limit-range`: a Namespace of the input with no LimitRange in it.
//!
//! Judged for the Namespace objects the input defines; Kubernetes' own namespaces are skipped.

use rampart_model::{meta, Category, Severity};

use super::namespace_policies::NamespaceWithout;
use crate::checks::common;
use crate::{Check, Rule, Run};

static RULE: NamespaceWithout = NamespaceWithout {
    kind: "LimitRange",
    missing: "containers that set no requests or limits get none by default",
};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "namespace-without-limit-range",
        title: "Namespace without a LimitRange",
        severity: Severity::Low,
        category: Category::Resources,
        controls: &[common::NSA_RESOURCE_POLICIES, common::MITRE_DOS],
        rationale: "A LimitRange gives every container of a namespace default requests and \
            limits (and bounds on what it may ask for). Without one, any container that forgets \
            its limits may use a whole node's CPU and memory, and a quota on the namespace \
            rejects such pods outright. The NSA/CISA guide pairs a LimitRange with the quota of \
            every namespace. Judged for the Namespace objects of the \
            input; Kubernetes' own namespaces are skipped.",
        remediation: "Add a LimitRange with `default` and `defaultRequest` values for CPU and \
            memory (and `max` where useful) to the namespace.",
        kinds: &["Namespace"],
        example_fail: "kind: Namespace\nmetadata: {name: shop}\n",
        example_pass: "kind: Namespace\nmetadata: {name: shop}\n---\nkind: LimitRange\nmetadata: {name: defaults, namespace: shop}\nspec:\n  limits:\n  - type: Container\n    default: {cpu: 500m, memory: 512Mi}\n",
    },
    run: Run::InventoryRule(Rule::Static(&RULE)),
};
