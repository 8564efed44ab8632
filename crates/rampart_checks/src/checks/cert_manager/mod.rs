//! cert-manager checks: certificate keys and lifetimes, issuers. Kinds are matched by API group and kind (`rampart_model::k8s::addons::cert_manager`), whatever the version.

// The checks: one folder per check, `cert_manager/<id>/mod.rs` (see build.rs).
include!(concat!(env!("OUT_DIR"), "/checks/cert_manager.rs"));
