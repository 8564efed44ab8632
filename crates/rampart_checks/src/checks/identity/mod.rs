//! Identity checks: service accounts and the API credentials mounted into pods.

// The checks: one folder per check, `identity/<id>/mod.rs` (see build.rs).
include!(concat!(env!("OUT_DIR"), "/checks/identity.rs"));
