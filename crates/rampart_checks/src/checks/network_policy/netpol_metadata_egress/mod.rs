//! `netpol-metadata-egress`: an egress-isolated workload may still reach the cloud instance
//! metadata endpoint 169.254.169.254.
//!
//! Only workloads that some policy isolates for egress are judged: their owners restricted
//! egress and left the metadata address open, typically through `0.0.0.0/0` without an
//! `except`. Workloads not isolated for egress reach it too, but `netpol-no-default-deny-egress`
//! (and `netpol-namespace-without-policy`) already report their namespace. The finding points at
//! the peer that lets the address through (the rule when it has no peers), once per peer, naming
//! the workloads.

use std::collections::BTreeMap;

use rampart_model::{meta, Category, Pointer, Severity};
use rampart_netpol::{Target, METADATA_IP};

use crate::checks::common;
use crate::{Check, Inventory, InventoryEmitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "netpol-metadata-egress",
        title: "Egress policy allows the cloud metadata endpoint",
        severity: Severity::High,
        category: Category::NetworkPolicy,
        controls: &[
            common::NSA_NETWORK,
            super::NIST_NETWORK,
            super::MITRE_METADATA,
        ],
        rationale: "The cloud instance metadata service at 169.254.169.254 hands out the node's \
            cloud credentials and bootstrap data. An egress rule allowing it (usually an ipBlock of \
            0.0.0.0/0 without an `except`) lets any compromised pod steal the node's identity and \
            act on the cloud account, defeating the egress restriction the policy was meant to \
            impose.",
        remediation: "Add `except: [169.254.169.254/32]` (or `169.254.0.0/16`) to the ipBlock, or \
            narrow the `cidr` to the destinations the workload needs. Block the metadata endpoint \
            at the node as well (IMDSv2 hop limit, GKE metadata concealment).",
        kinds: &[
            "NetworkPolicy",
            "CiliumNetworkPolicy",
            "CiliumClusterwideNetworkPolicy",
        ],
        example_fail: "kind: NetworkPolicy\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - ipBlock: {cidr: 0.0.0.0/0}\n",
        example_pass: "kind: NetworkPolicy\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - ipBlock:\n        cidr: 0.0.0.0/0\n        except: [169.254.169.254/32]\n",
    },
    run: Run::Inventory(run),
};

fn run(inv: &Inventory, out: &mut InventoryEmitter) {
    let a = inv.netpol();
    let to = Target::Ip(METADATA_IP);
    // (policy, pointer) -> (policy name, workloads let through)
    let mut places: BTreeMap<(usize, Pointer), (String, Vec<String>)> = BTreeMap::new();
    for (w, subject) in a.workloads().enumerate() {
        let e = a.explain(&Target::Workload(w), &to, None);
        if !e.allowed || !e.egress.isolated {
            continue;
        }
        for pv in &e.egress.policies {
            for r in pv.rules.iter().filter(|r| r.matched) {
                let ptr = r.peer_pointer.clone().unwrap_or_else(|| r.pointer.clone());
                places
                    .entry((pv.policy.resource, ptr))
                    .or_insert_with(|| (super::object_name(&pv.policy), Vec::new()))
                    .1
                    .push(super::object_name(&subject));
            }
        }
    }
    for ((idx, ptr), (policy, workloads)) in places {
        out.emit(
            idx,
            ptr,
            format!(
                "{policy} lets egress-isolated workloads reach the cloud metadata endpoint {METADATA_IP}: {}",
                workloads.join(", ")
            ),
        );
    }
}
