//! `netpol-no-default-deny-egress`: a namespace with workloads has no default-deny egress policy.
//!
//! A default deny is a policy with `podSelector: {}`, `Egress` in `policyTypes` and no `egress`
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
        id: "netpol-no-default-deny-egress",
        title: "Namespace with workloads has no default-deny egress NetworkPolicy",
        severity: Severity::Medium,
        category: Category::NetworkPolicy,
        controls: &[
            super::CIS_NETPOL,
            common::NSA_NETWORK,
            super::NIST_NETWORK,
            super::MITRE_METADATA,
            super::MITRE_EXFIL,
        ],
        rationale: "Without a default deny for egress, every pod that no policy selects for egress may connect \
            anywhere: other pods, the Kubernetes API, the cloud metadata endpoint and the internet. \
            A compromised workload can then move laterally, steal cloud credentials and exfiltrate \
            data without any network control in its way.",
        remediation: "Add a NetworkPolicy to the namespace with `podSelector: {}`,             `policyTypes: [Egress]` and no `egress` rules, then allow each needed flow in separate             policies. A policy with `podSelector: {}` whose `egress` rules allow traffic again does             not count as a default deny.",
        kinds: super::KINDS,
        example_fail: "kind: NetworkPolicy\nmetadata: {name: web, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n",
        example_pass: "kind: NetworkPolicy\nmetadata: {name: default-deny-egress, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n",
    },
    run: Run::Inventory(|inv, out| super::emit_no_default_deny(inv, Direction::Egress, out)),
};
