//! `netpol-namespace-without-policy`: a namespace runs workloads and has no NetworkPolicy.
//!
//! One finding per namespace, at the Namespace object (`/metadata/name`) when the scan includes
//! it, otherwise at the `/metadata/namespace` of the namespace's first workload.

use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::{Check, Inventory, InventoryEmitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "netpol-namespace-without-policy",
        title: "Namespace with workloads has no NetworkPolicy",
        severity: Severity::Medium,
        category: Category::NetworkPolicy,
        controls: &[
            super::CIS_NETPOL,
            common::NSA_NETWORK,
            super::NIST_NETWORK,
            super::MITRE_DISCOVERY,
        ],
        rationale: "Kubernetes allows all traffic to and from a pod until a NetworkPolicy selects \
            it. In a namespace without any policy every pod accepts connections from every other pod \
            in the cluster (and whatever reaches the nodes) and may connect anywhere, so one \
            compromised workload can scan and attack everything else.",
        remediation: "Add NetworkPolicies to the namespace: start with a default deny \
            (`podSelector: {}` with `policyTypes: [Ingress, Egress]` and no rules), then allow the \
            flows each workload needs. The findings point at the Namespace object when it is part \
            of the scan, otherwise at the namespace of its first workload.",
        kinds: super::KINDS,
        example_fail: "kind: Deployment\nmetadata: {name: web, namespace: shop}\n# and no NetworkPolicy in namespace shop\n",
        example_pass: "kind: NetworkPolicy\nmetadata: {name: default-deny, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n",
    },
    run: Run::Inventory(run),
};

fn run(inv: &Inventory, out: &mut InventoryEmitter) {
    for cov in inv.netpol().namespace_coverage() {
        if !cov.policies.is_empty() {
            continue;
        }
        if let Some((idx, ptr)) = super::namespace_anchor(inv, &cov) {
            out.emit(
                idx,
                ptr,
                format!(
                    "namespace `{}` has {} workload(s) and no NetworkPolicy: all their traffic is allowed",
                    cov.namespace,
                    cov.workloads.len()
                ),
            );
        }
    }
}
