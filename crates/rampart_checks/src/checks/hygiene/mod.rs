//! Hygiene checks: probes, namespaces and rampart's own annotations.

pub mod default_namespace;
pub mod invalid_ignore_annotation;
pub mod liveness_probe_missing;
mod probes;
pub mod readiness_probe_missing;
