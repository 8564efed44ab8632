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

/// The quantity a resource fix writes when `.rampart.yaml` gives none (`fix.resources`, read by
/// `rampart fix`): `section` is `requests` or `limits`, `res` `cpu`, `memory` or
/// `ephemeral-storage`.
pub fn default_quantity(section: &str, res: &str) -> Option<&'static str> {
    match (section, res) {
        ("requests", "cpu") => Some("100m"),
        ("requests", "memory") => Some("128Mi"),
        ("requests", "ephemeral-storage") => Some("100Mi"),
        ("limits", "cpu") => Some("1"),
        ("limits", "memory") => Some("512Mi"),
        ("limits", "ephemeral-storage") => Some("1Gi"),
        _ => None,
    }
}

/// The fix of a missing request or limit: the default quantity (see [`default_quantity`]); a
/// missing limit takes the container's request instead when it has one, so the limit is never
/// below the request. Requests are safe; limits can throttle or kill a container that needs
/// more, so they are unsafe.
pub(crate) fn fix(c: &Container, section: Section, res: Res) -> rampart_model::Fix {
    let own_request = c
        .value
        .get("resources")
        .and_then(|r| r.get(Section::Requests.field()))
        .and_then(|s| s.get(res.field()))
        .filter(|v| v.is_string() || v.is_number())
        .cloned();
    let value = match (section, own_request) {
        (Section::Limits, Some(v)) => v,
        _ => Value::String(
            default_quantity(section.field(), res.field())
                .unwrap_or_default()
                .to_string(),
        ),
    };
    let shown = match &value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    rampart_model::Fix {
        description: format!(
            "set resources.{}.{} to {shown}",
            section.field(),
            res.field()
        ),
        safe: section == Section::Requests,
        edits: vec![crate::checks::common::set(
            c.ptr
                .join("resources")
                .join(section.field())
                .join(res.field()),
            value,
        )],
    }
}
