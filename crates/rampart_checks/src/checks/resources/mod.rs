//! Resource checks: CPU, memory and ephemeral-storage requests and limits, emptyDir sizes, and
//! namespaces without quotas or limit ranges.

// The checks: one folder per check, `resources/<id>/mod.rs` (see build.rs).
include!(concat!(env!("OUT_DIR"), "/checks/resources.rs"));

pub(crate) mod namespace_policies;

use rampart_model::{Container, Pointer, Workload};
use serde_json::Value;

/// `requests` or `limits`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Section {
    Requests,
    Limits,
}

/// `cpu`, `memory` or `ephemeral-storage`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Res {
    Cpu,
    Memory,
    EphemeralStorage,
}

impl Section {
    fn field(self) -> &'static str {
        match self {
            Section::Requests => "requests",
            Section::Limits => "limits",
        }
    }
}

impl Res {
    fn field(self) -> &'static str {
        match self {
            Res::Cpu => "cpu",
            Res::Memory => "memory",
            Res::EphemeralStorage => "ephemeral-storage",
        }
    }
}

/// A quantity is set when it is a non-empty string or a number.
fn set(resources: Option<&Value>, section: Section, res: Res) -> bool {
    match resources
        .and_then(|r| r.get(section.field()))
        .and_then(|s| s.get(res.field()))
    {
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Number(_)) => true,
        _ => false,
    }
}

/// The init and regular containers missing `resources.<section>.<res>`, each with the pointer of
/// the nearest place to add it (`resources/<section>`, else `resources`, else the container).
/// A request is also satisfied by a limit (Kubernetes defaults the request to the limit), and
/// either by the pod-level `spec.resources`.
pub(crate) fn missing<'w, 'a>(
    w: &'w Workload<'a>,
    section: Section,
    res: Res,
) -> impl Iterator<Item = (&'w Container<'a>, Pointer)> {
    let pod = w.get("resources");
    let pod_covers =
        set(pod, section, res) || (section == Section::Requests && set(pod, Section::Limits, res));
    w.app_containers().filter_map(move |c| {
        if pod_covers {
            return None;
        }
        let r = c.value.get("resources");
        if set(r, section, res) || (section == Section::Requests && set(r, Section::Limits, res)) {
            return None;
        }
        let ptr = match r {
            Some(r) if r.is_object() => {
                crate::checks::common::field_or_parent(r, &c.ptr.join("resources"), section.field())
            }
            _ => c.ptr.clone(),
        };
        Some((c, ptr))
    })
}
