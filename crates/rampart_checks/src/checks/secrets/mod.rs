//! Secrets checks: credentials in manifests and how Secrets reach containers.

pub mod credential;

// The checks: one folder per check, `secrets/<id>/mod.rs` (see build.rs).
include!(concat!(env!("OUT_DIR"), "/checks/secrets.rs"));
