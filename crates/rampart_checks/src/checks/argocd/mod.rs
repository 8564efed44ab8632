//! Argo CD checks: AppProjects, its settings ConfigMaps and the application controller's RBAC. Kinds are matched by API group and kind (`rampart_model::k8s::addons::argocd`).

// The checks: one folder per check, `argocd/<id>/mod.rs` (see build.rs).
include!(concat!(env!("OUT_DIR"), "/checks/argocd.rs"));
