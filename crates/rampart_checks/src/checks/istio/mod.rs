//! Istio service mesh checks: mutual TLS (PeerAuthentication, DestinationRule), authorization
//! policies, gateways, egress (ServiceEntry, Sidecar) and EnvoyFilters. Kinds are matched by API
//! group and kind (`rampart_model::k8s::addons::istio`), whatever the version.

// The checks: one folder per check, `istio/<id>/mod.rs` (see build.rs).
include!(concat!(env!("OUT_DIR"), "/checks/istio.rs"));

use serde_json::Value;

/// The `mode` of an mTLS or TLS settings mapping, upper-cased.
pub(crate) fn mode(settings: Option<&Value>) -> Option<String> {
    settings
        .and_then(|s| s.get("mode"))
        .and_then(Value::as_str)
        .map(str::to_ascii_uppercase)
}
