//! Gateway API checks: listeners, route attachment and cross-namespace grants. Kinds are matched by API group and kind (`rampart_model::k8s::addons::gateway_api`).

// The checks: one folder per check, `gateway_api/<id>/mod.rs` (see build.rs).
include!(concat!(env!("OUT_DIR"), "/checks/gateway_api.rs"));
