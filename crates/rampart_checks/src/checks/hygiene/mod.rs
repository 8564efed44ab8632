//! Hygiene checks: probes, namespaces, API versions, duplicates and rampart's own annotations.

pub mod api_versions;
mod probes;

// The checks: one folder per check, `hygiene/<id>/mod.rs` (see build.rs).
include!(concat!(env!("OUT_DIR"), "/checks/hygiene.rs"));
