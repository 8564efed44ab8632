//! `netpol-no-default-deny-ingress`: a namespace with workloads has no default-deny ingress policy.
//!
//! A default deny is a policy with `podSelector: {}`, `Ingress` in `policyTypes` and no `ingress`
//! rules. Every namespace with workloads is checked, including namespaces without any policy
//! (which `netpol-namespace-without-policy` reports as well): the two are different controls and
//! may be selected separately. One finding per namespace, at the Namespace object when the scan
//! includes it, otherwise at the `/metadata/namespace` of the namespace's first workload.

use rampart_model::{meta, Category, Severity};
use rampart_netpol::Direction;

use crate::checks::common;
use crate::{Check, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "netpol-no-default-deny-ingress",
        title: "Namespace with workloads has no default-deny ingress NetworkPolicy",
        severity: Severity::Medium,
        category: Category::NetworkPolicy,
        controls: &[
            super::CIS_NETPOL,
            common::NSA_NETWORK,
            super::NIST_NETWORK,
            super::MITRE_DISCOVERY,
        ],
        rationale: "Without a default deny for ingress, every pod that no policy selects for ingress accepts \
            connections from every pod in the cluster. Policies then only protect the pods someone \
            remembered to select, and any new workload starts fully reachable, which lets a \
            compromised pod discover and attack services it has no business talking to.",
        remediation: "Add a NetworkPolicy to the namespace with `podSelector: {}`,             `policyTypes: [Ingress]` and no `ingress` rules, then allow each needed flow in separate             policies. A policy with `podSelector: {}` whose `ingress` rules allow traffic again does             not count as a default deny.",
        kinds: super::KINDS,
        example_fail: "kind: NetworkPolicy\nmetadata: {name: web, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Ingress]\n",
        example_pass: "kind: NetworkPolicy\nmetadata: {name: default-deny-ingress, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n",
    },
    run: Run::Inventory(|inv, out| super::emit_no_default_deny(inv, Direction::Ingress, out)),
};
