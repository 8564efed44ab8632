//! `netpol-workload-unselected`: a workload that no NetworkPolicy selects, in a namespace that
//! has policies.
//!
//! Namespaces without any policy are left to `netpol-namespace-without-policy` (one finding per
//! namespace rather than one per workload). The finding points at the workload's pod labels.

use std::collections::HashSet;

use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::{Check, Inventory, InventoryEmitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "netpol-workload-unselected",
        title: "Workload selected by no NetworkPolicy",
        severity: Severity::Low,
        category: Category::NetworkPolicy,
        controls: &[
            super::CIS_NETPOL,
            common::NSA_NETWORK,
            super::NIST_NETWORK,
            super::MITRE_DISCOVERY,
        ],
        rationale: "A pod that no NetworkPolicy selects is isolated in neither direction: it accepts \
            connections from every pod in the cluster and may connect anywhere, even though its \
            namespace uses policies. This usually means labels drifted from the policies' selectors \
            or a new workload was added without a policy.",
        remediation: "Add a default deny (`podSelector: {}`) to the namespace, or fix the workload's \
            pod labels or a policy's `podSelector` so that a policy selects it and allows only the \
            traffic it needs.",
        kinds: super::KINDS,
        example_fail: "kind: NetworkPolicy\nspec:\n  podSelector: {matchLabels: {app: web}}\n---\nkind: Deployment\nspec:\n  template:\n    metadata:\n      labels: {app: worker}\n",
        example_pass: "kind: NetworkPolicy\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n---\nkind: Deployment\nspec:\n  template:\n    metadata:\n      labels: {app: worker}\n",
    },
    run: Run::Inventory(run),
};

fn run(inv: &Inventory, out: &mut InventoryEmitter) {
    let a = inv.netpol();
    let unselected: HashSet<usize> = a
        .unselected_workloads()
        .into_iter()
        .map(|s| s.resource)
        .collect();
    for cov in a.namespace_coverage() {
        if cov.policies.is_empty() {
            continue;
        }
        for w in cov
            .workloads
            .iter()
            .filter(|w| unselected.contains(&w.resource))
        {
            out.emit(
                w.resource,
                w.pointer.clone(),
                format!(
                    "{} is selected by none of the {} NetworkPolicy(ies) in namespace `{}`: all its traffic is allowed",
                    super::object_name(w),
                    cov.policies.len(),
                    cov.namespace
                ),
            );
        }
    }
}
