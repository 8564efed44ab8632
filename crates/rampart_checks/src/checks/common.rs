//! Helpers shared by checks: effective security settings, common framework controls.

use rampart_model::{Container, Control, Pointer, Workload};
use serde_json::Value;

/// The effective value of a security setting that a container may set and otherwise inherits
/// from the pod's `securityContext` (runAsNonRoot, runAsUser, runAsGroup, seccompProfile,
/// seLinuxOptions, appArmorProfile). Returns the value and the pointer of the field that set it.
pub fn effective<'a>(
    w: &Workload<'a>,
    c: &Container<'a>,
    field: &str,
) -> Option<(&'a Value, Pointer)> {
    if let Some(v) = c.sc(field).filter(|v| !v.is_null()) {
        return Some((v, c.sc_ptr(field)));
    }
    w.pod_sc(field)
        .filter(|v| !v.is_null())
        .map(|v| (v, w.pod_sc_ptr(field)))
}

/// Where a finding about a missing container security setting should point: the container's
/// `securityContext` if it has one, else the container.
pub fn sc_or_container(c: &Container) -> Pointer {
    if c.value.get("securityContext").is_some() {
        c.ptr.join("securityContext")
    } else {
        c.ptr.clone()
    }
}

/// True when `v` is the JSON boolean `true`.
pub fn is_true(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(true)))
}

pub const NSA_POD_SECURITY: Control = Control::Nsa {
    section: "Kubernetes Pod security: non-root containers and immutable file systems",
};
pub const NSA_PRIVILEGES: Control = Control::Nsa {
    section:
        "Kubernetes Pod security: pod security enforcement (privileged containers, host namespaces)",
};
pub const NIST_RUNTIME: Control = Control::Nist80190 {
    section: "4.4.3 Unbounded network access / 4.4 container runtime countermeasures",
};
pub const MITRE_ESCAPE: Control = Control::MitreAttack {
    id: "T1611",
    name: "Escape to Host",
};
