//! Network exposure checks: Services and Ingresses.

// The checks: one folder per check, `network/<id>/mod.rs` (see build.rs).
include!(concat!(env!("OUT_DIR"), "/checks/network.rs"));
