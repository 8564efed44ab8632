//! Network policy analysis: exact workload-to-workload reachability under Kubernetes
//! NetworkPolicy (networking.k8s.io/v1) semantics. Pure: no I/O.
//!
//! - [`Analysis::new`] reads NetworkPolicies, Namespaces and every pod-bearing object.
//!   Workloads with the same namespace, pod labels and named ports form one pod group.
//! - [`Analysis::matrix`] computes every allowed connection between pod groups and external
//!   address ranges (split wherever some ipBlock starts or ends), with protocol/port sets.
//! - [`Analysis::explain`] says why one connection is allowed or denied: for the source's
//!   egress and the destination's ingress, whether the pod is isolated and which policy and rule
//!   index matched (peer and port entry).
//! - The check questions ([`Analysis::unselected_workloads`], [`Analysis::policies_selecting_nothing`],
//!   [`Analysis::namespace_coverage`], [`Analysis::allow_all_rules`],
//!   [`Analysis::ingress_from_any_address`], [`Analysis::metadata_egress`]) answer with
//!   [`Subject`]s: the object and a JSON pointer to the exact field.
//!
//! Semantics follow the NetworkPolicy specification: a pod is isolated in a direction when a
//! policy selecting it has that direction in `policyTypes` (defaulted to `Ingress`, plus `Egress`
//! when the policy has an `egress` section); allowed traffic is the union of the rules of all
//! selecting policies; a connection needs the source's egress and the destination's ingress.
//! ipBlocks apply to addresses outside the cluster only (pod addresses are not modelled).
//!
//! CiliumNetworkPolicies (cilium.io/v2) are read into the same model: their layer 3 and 4
//! allow rules, and the default deny their rules and deny rules bring (see `cilium.rs` for what
//! is and is not modelled).

mod analysis;
mod bitset;
mod checks;
mod cilium;
mod ip;
mod model;
mod ports;

pub use analysis::{
    Analysis, Diagnostic, Edge, Endpoint, Explanation, ExternalRange, Matrix, Options, PodGroup,
    PolicyVerdict, RuleVerdict, Side, Subject, Target,
};
pub use checks::{
    AllowAllKind, AllowAllRule, AnyAddressIngress, EgressToAddress, NamespaceCoverage, METADATA_IP,
};
pub use model::Direction;
pub use ports::{PortSet, Protocol, MAX_PORT, MIN_PORT};
pub use rampart_model::k8s::labels::{Labels, NAMESPACE_NAME_LABEL};
pub use rampart_model::k8s::selector::Selector;
