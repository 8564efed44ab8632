//! Cluster-level checks: facts about the API server itself (version, anonymous access), read from
//! the `ClusterInfo` object rampart adds when it scans a live cluster or a snapshot (see
//! [`crate::cluster_info`]).

pub mod anonymous_access;
pub mod anonymous_auth_enabled;
pub mod kubernetes_releases;
pub mod kubernetes_version_eol;

use crate::cluster_info::Probe;

/// `GET /api answered 403, GET /version answered 200`.
pub(crate) fn describe_probe(probe: &[(&str, Probe)]) -> String {
    probe
        .iter()
        .map(|(path, p)| format!("GET {path} {}", p.describe()))
        .collect::<Vec<_>>()
        .join(", ")
}
