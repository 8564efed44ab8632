//! Pod security context checks.

pub mod host_pid;
pub mod privileged_container;
