//! `namespace-without-resource-quota`: a Namespace of the input with no ResourceQuota in it.
//!
//! Judged for the Namespace objects the input defines (a repository that creates a namespace
//! should give it its quota); Kubernetes' own namespaces are skipped.

use rampart_model::{meta, Category, Severity};

use super::namespace_policies::NamespaceWithout;
use crate::checks::common;
use crate::{Check, Rule, Run};

static RULE: NamespaceWithout = NamespaceWithout {
    kind: "ResourceQuota",
    missing: "nothing caps the CPU, memory, storage and object counts its workloads may claim",
};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "namespace-without-resource-quota",
        title: "Namespace without a ResourceQuota",
        severity: Severity::Low,
        category: Category::Resources,
        controls: &[common::NSA_RESOURCE_POLICIES, common::MITRE_DOS, common::NIST_RUNTIME_CONFIG],
        rationale: "A ResourceQuota caps what one namespace may consume in total: CPU, memory, \
            storage, and counts of pods, Services or Secrets. Without one, a compromised or \
            runaway workload (a crypto miner, a fork bomb of Jobs, a loop creating objects) can \
            exhaust the cluster's capacity and starve every other tenant. The NSA/CISA guide \
            asks for a quota on every namespace. Judged for the Namespace objects of the \
            input; Kubernetes' own namespaces are skipped.",
        remediation: "Add a ResourceQuota to the namespace with `requests.cpu`, \
            `requests.memory`, `limits.cpu`, `limits.memory` and object counts sized for its \
            workloads.",
        kinds: &["Namespace"],
        example_fail: "kind: Namespace\nmetadata: {name: shop}\n",
        example_pass: "kind: Namespace\nmetadata: {name: shop}\n---\nkind: ResourceQuota\nmetadata: {name: quota, namespace: shop}\nspec:\n  hard: {requests.cpu: \"10\", requests.memory: 20Gi}\n",
    },
    run: Run::InventoryRule(Rule::Static(&RULE)),
};
