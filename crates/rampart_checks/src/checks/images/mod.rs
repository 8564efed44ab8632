//! Image checks: tags, digests and pull policy.

// The checks: one folder per check, `images/<id>/mod.rs` (see build.rs).
include!(concat!(env!("OUT_DIR"), "/checks/images.rs"));
