//! ingress-nginx checks: annotations and controller settings that inject nginx configuration (`rampart_model::k8s::addons::ingress_nginx`).

// The checks: one folder per check, `ingress_nginx/<id>/mod.rs` (see build.rs).
include!(concat!(env!("OUT_DIR"), "/checks/ingress_nginx.rs"));
