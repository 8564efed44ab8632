//! Pod security context checks: privileges, host namespaces, users, capabilities, profiles and
//! host paths.

// The checks: one folder per check, `pod_security/<id>/mod.rs` (see build.rs).
include!(concat!(env!("OUT_DIR"), "/checks/pod_security.rs"));
