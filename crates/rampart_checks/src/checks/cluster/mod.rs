//! Cluster-level checks: facts about the API server itself (version, anonymous access), read from
//! the `ClusterInfo` object rampart adds when it scans a live cluster or a snapshot (see
//! [`crate::cluster_info`]).

pub mod kubernetes_releases;

// The checks: one folder per check, `cluster/<id>/mod.rs` (see build.rs).
include!(concat!(env!("OUT_DIR"), "/checks/cluster.rs"));

use crate::cluster_info::Probe;

/// `GET /api answered 403, GET /version answered 200`.
pub(crate) fn describe_probe(probe: &[(&str, Probe)]) -> String {
    probe
        .iter()
        .map(|(path, p)| format!("GET {path} {}", p.describe()))
        .collect::<Vec<_>>()
        .join(", ")
}
