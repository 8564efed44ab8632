//! `netpol-ingress-from-internet`: an ingress rule allows `0.0.0.0/0` or `::/0`.
//!
//! The finding points at the `ipBlock.cidr`. An `except` list does not silence it: what remains
//! is still almost every address on the internet.

use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::{Check, Inventory, InventoryEmitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "netpol-ingress-from-internet",
        title: "NetworkPolicy allows ingress from any address",
        severity: Severity::Medium,
        category: Category::NetworkPolicy,
        controls: &[
            common::NSA_NETWORK,
            super::NIST_NETWORK,
            common::MITRE_PUBLIC_APP,
        ],
        rationale: "An ingress ipBlock of 0.0.0.0/0 or ::/0 lets any address on the internet connect \
            to the selected pods wherever a load balancer, node port or host port exposes them. \
            Workloads meant to be reached only through an ingress controller or from known \
            networks become directly exposed to scanning and exploitation.",
        remediation: "Allow the ingress controller's pods (`namespaceSelector` plus `podSelector`) or \
            the specific external ranges (office, VPN, load balancer health-check ranges) instead \
            of the whole address space.",
        kinds: &[
            "NetworkPolicy",
            "CiliumNetworkPolicy",
            "CiliumClusterwideNetworkPolicy",
        ],
        example_fail: "kind: NetworkPolicy\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 0.0.0.0/0}\n",
        example_pass: "kind: NetworkPolicy\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 203.0.113.0/24}\n",
    },
    run: Run::Inventory(run),
};

fn run(inv: &Inventory, out: &mut InventoryEmitter) {
    for r in inv.netpol().ingress_from_any_address() {
        let reach = if r.has_except {
            "nearly every address on the internet (only its `except` ranges are left out)"
        } else {
            "every address on the internet"
        };
        out.emit(
            r.subject.resource,
            r.subject.pointer.clone(),
            format!(
                "{} ingress rule {} allows {}: {reach}",
                super::object_name(&r.subject),
                r.rule,
                r.cidr
            ),
        );
    }
}
