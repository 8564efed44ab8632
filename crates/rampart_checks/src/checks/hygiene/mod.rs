//! Hygiene checks: probes, namespaces and rampart's own annotations.

mod probes;

// The checks: one folder per check, `hygiene/<id>/mod.rs` (see build.rs).
include!(concat!(env!("OUT_DIR"), "/checks/hygiene.rs"));
