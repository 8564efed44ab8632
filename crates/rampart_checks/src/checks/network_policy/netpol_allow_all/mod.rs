//! `netpol-allow-all`: a NetworkPolicy rule that allows every source (ingress) or every
//! destination (egress).
//!
//! Reported: rules without peers (no or an empty `from`/`to`; the finding points at the rule),
//! peers with `namespaceSelector: {}` and no or an empty `podSelector` (every pod in the
//! cluster; at the peer), and egress ipBlocks of `0.0.0.0/0` or `::/0` without `except` (at the
//! `ipBlock`). Ingress from any address is `netpol-ingress-from-internet`'s finding, at the
//! `cidr`. Only directions the policy isolates count: rules of a direction missing from
//! `policyTypes` are ignored by Kubernetes.

use rampart_model::{meta, Category, Severity};
use rampart_netpol::{AllowAllKind, Direction};

use crate::checks::common;
use crate::{Check, Inventory, InventoryEmitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "netpol-allow-all",
        title: "NetworkPolicy rule allows all sources or all destinations",
        severity: Severity::Medium,
        category: Category::NetworkPolicy,
        controls: &[
            common::NSA_NETWORK,
            super::NIST_NETWORK,
            super::MITRE_DISCOVERY,
        ],
        rationale: "A rule without `from`/`to`, or with a peer matching every namespace and pod, or \
            every address, lets all traffic through in that direction. It undoes the isolation the \
            policy creates for the pods it selects while looking like a restriction in review.",
        remediation: "List the peers the pods need: a `podSelector` for pods in the same namespace, \
            a `namespaceSelector` naming specific namespaces (e.g. by \
            `kubernetes.io/metadata.name`), or an `ipBlock` for the external ranges. Restrict \
            `ports` as well.",
        kinds: &[
            "NetworkPolicy",
            "CiliumNetworkPolicy",
            "CiliumClusterwideNetworkPolicy",
        ],
        example_fail: "kind: NetworkPolicy\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from:\n    - namespaceSelector: {}\n",
        example_pass: "kind: NetworkPolicy\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from:\n    - podSelector: {matchLabels: {app: web}}\n    ports:\n    - {port: 5432}\n",
    },
    run: Run::Inventory(run),
};

fn run(inv: &Inventory, out: &mut InventoryEmitter) {
    for r in inv.netpol().allow_all_rules() {
        let what = match (r.direction, r.kind) {
            (Direction::Ingress, AllowAllKind::AllAddresses) => continue,
            (_, AllowAllKind::NoPeers) => "has no peers, so it matches every pod and address",
            (_, AllowAllKind::AllPods) => "matches every pod in every namespace",
            (_, AllowAllKind::AllAddresses) => "matches every address",
        };
        let ports = if r.all_ports {
            "on every port"
        } else {
            "on its ports"
        };
        let dir = match r.direction {
            Direction::Ingress => "sources",
            Direction::Egress => "destinations",
        };
        out.emit(
            r.subject.resource,
            r.subject.pointer.clone(),
            format!(
                "{} {} rule {} {what}: it allows all {dir} {ports}",
                super::object_name(&r.subject),
                r.direction,
                r.rule
            ),
        );
    }
}
