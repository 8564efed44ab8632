//! `netpol-policy-selects-nothing`: a NetworkPolicy whose `podSelector` matches no workload.
//!
//! Only policies in namespaces where the scan sees workloads are judged: a scan of policy
//! manifests alone cannot know what they select. The finding points at `/spec/podSelector`.

use std::collections::HashSet;

use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::{Check, Inventory, InventoryEmitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "netpol-policy-selects-nothing",
        title: "NetworkPolicy selects no workload",
        severity: Severity::Low,
        category: Category::NetworkPolicy,
        controls: &[super::CIS_NETPOL, common::NSA_NETWORK, super::NIST_NETWORK],
        rationale: "A NetworkPolicy whose podSelector matches none of the workloads in its namespace \
            protects nothing. It is usually a typo or stale labels, and the pods it was written for \
            run without the isolation their owners believe they have.",
        remediation: "Fix the policy's `podSelector` (or the workloads' pod labels) so that it \
            selects the intended pods, or delete the policy if those workloads are gone.",
        kinds: &[
            "NetworkPolicy",
            "CiliumNetworkPolicy",
            "CiliumClusterwideNetworkPolicy",
        ],
        example_fail: "kind: NetworkPolicy\nspec:\n  podSelector: {matchLabels: {app: wbe}}\n---\nkind: Deployment\nspec:\n  template:\n    metadata:\n      labels: {app: web}\n",
        example_pass: "kind: NetworkPolicy\nspec:\n  podSelector: {matchLabels: {app: web}}\n---\nkind: Deployment\nspec:\n  template:\n    metadata:\n      labels: {app: web}\n",
    },
    run: Run::Inventory(run),
};

fn run(inv: &Inventory, out: &mut InventoryEmitter) {
    let a = inv.netpol();
    let judged: HashSet<usize> = a
        .namespace_coverage()
        .iter()
        .flat_map(|c| c.policies.iter().map(|p| p.resource))
        .collect();
    for p in a.policies_selecting_nothing() {
        if !judged.contains(&p.resource) {
            continue;
        }
        out.emit(
            p.resource,
            p.pointer.clone(),
            format!(
                "{} selects none of the workloads in its namespace",
                super::object_name(&p)
            ),
        );
    }
}
