//! NetworkPolicy checks: inventory checks over the reachability analysis (`rampart_netpol`).
//!
//! Where findings point:
//!
//! - Namespace-level checks (`netpol-namespace-without-policy`, `netpol-no-default-deny-*`)
//!   report once per namespace that holds workloads: at the Namespace object's `/metadata/name`
//!   when the scan includes it, otherwise at the `/metadata/namespace` of the namespace's first
//!   workload (its `/metadata/name` when the workload names no namespace and lands in
//!   `default`). One finding per namespace, never one per workload.
//! - Workload checks point at the workload's pod labels (what policies select on).
//! - Policy checks point at the exact field: `/spec/podSelector`, the rule, the peer or the
//!   `ipBlock.cidr`.
//!
//! CiliumNetworkPolicies and CiliumClusterwideNetworkPolicies count as policies too (their L3/L4 rules, read by `rampart_netpol`):
//! findings point at their `endpointSelector`, rule, `fromEndpoints`/`fromEntities` item or
//! CIDR.

// The checks: one folder per check, `network_policy/<id>/mod.rs` (see build.rs).
include!(concat!(env!("OUT_DIR"), "/checks/network_policy.rs"));

use rampart_model::k8s::kinds;
use rampart_model::{Control, Pointer};
use rampart_netpol::{Direction, NamespaceCoverage, Subject};

use crate::checks::common;
use crate::{Inventory, InventoryEmitter};

/// The kinds these checks read: policies, namespaces and every pod-bearing kind.
pub const KINDS: &[&str] = &kinds::concat::<12>(
    &[
        "NetworkPolicy",
        "CiliumNetworkPolicy",
        "CiliumClusterwideNetworkPolicy",
        "Namespace",
    ],
    kinds::RUNNING_POD_KINDS,
);

pub const CIS_NETPOL: Control = common::cis("5.3.2");
pub const NIST_NETWORK: Control = Control::Nist80190 {
    section: "4.4.2 Unbounded network access from containers",
};
pub const MITRE_DISCOVERY: Control = Control::MitreAttack {
    id: "T1046",
    name: "Network Service Discovery",
};
pub const MITRE_METADATA: Control = Control::MitreAttack {
    id: "T1552.005",
    name: "Cloud Instance Metadata API",
};
pub const MITRE_EXFIL: Control = Control::MitreAttack {
    id: "T1041",
    name: "Exfiltration Over C2 Channel",
};

/// Where a namespace-level finding points: the Namespace object when the scan includes it,
/// otherwise the namespace field of the namespace's first workload.
pub fn namespace_anchor(inv: &Inventory, cov: &NamespaceCoverage) -> Option<(usize, Pointer)> {
    if let Some(ns) = &cov.object {
        return Some((ns.resource, ns.pointer.clone()));
    }
    let first = cov.workloads.first()?;
    let ptr = if inv.objects.get(first.resource)?.has_namespace_field() {
        "/metadata/namespace"
    } else {
        "/metadata/name"
    };
    Some((first.resource, Pointer::from_raw(ptr)))
}

/// Reports every namespace with workloads that no default-deny policy of `dir` covers.
pub fn emit_no_default_deny(inv: &Inventory, dir: Direction, out: &mut InventoryEmitter) {
    for cov in inv.netpol().namespace_coverage() {
        let (candidates, deny_all) = match dir {
            Direction::Ingress => (&cov.isolating_ingress, &cov.default_deny_ingress),
            Direction::Egress => (&cov.isolating_egress, &cov.default_deny_egress),
        };
        if !deny_all.is_empty() {
            continue;
        }
        let Some((idx, ptr)) = namespace_anchor(inv, &cov) else {
            continue;
        };
        let why = if cov.policies.is_empty() {
            "has no NetworkPolicy at all".to_string()
        } else if candidates.is_empty() {
            format!(
                "has {} NetworkPolicy(ies) but none with `podSelector: {{}}` isolating {dir}",
                cov.policies.len()
            )
        } else {
            format!("only has `podSelector: {{}}` {dir} policies whose rules allow traffic again")
        };
        out.emit(
            idx,
            ptr,
            format!(
                "namespace `{}` ({} workload(s)) has no default-deny {dir} policy: it {why}",
                cov.namespace,
                cov.workloads.len()
            ),
        );
    }
}

/// A short name of a subject's object for messages: `Kind namespace/name`.
pub fn object_name(s: &Subject) -> String {
    match &s.object.namespace {
        Some(ns) => format!("{} {ns}/{}", s.object.kind, s.object.name),
        None => format!("{} {}", s.object.kind, s.object.name),
    }
}
