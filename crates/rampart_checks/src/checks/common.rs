//! Helpers shared by checks: effective security settings, typed reads that treat values of the
//! wrong type as unset, image references and common framework controls.

use rampart_model::{Container, Control, Pointer, Resource, Workload};
use serde_json::Value;

/// Every kind that carries a pod template (for `Meta::kinds`).
pub const POD_KINDS: &[&str] = rampart_model::k8s::kinds::POD_KINDS;

/// True for the objects the API server keeps for itself: the `default/kubernetes` Service and
/// Endpoints, and the EndpointSlice `default/kubernetes` labelled
/// `kubernetes.io/service-name: kubernetes`. Every cluster has them and no user wrote them, so no
/// check reports them (the engine skips them).
pub fn is_apiserver_object(res: &Resource) -> bool {
    if res.id.name != "kubernetes" || res.id.namespace.as_deref() != Some("default") {
        return false;
    }
    let api_version = res.raw.get("apiVersion").and_then(Value::as_str);
    match res.kind() {
        "Service" | "Endpoints" => api_version == Some("v1"),
        "EndpointSlice" => {
            api_version.is_some_and(|v| v.starts_with("discovery.k8s.io/"))
                && res
                    .raw
                    .pointer("/metadata/labels/kubernetes.io~1service-name")
                    .and_then(Value::as_str)
                    == Some("kubernetes")
        }
        _ => false,
    }
}

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

/// Like [`effective`], but a value that `accept` rejects (a wrong type) counts as unset, so the
/// pod-level value still applies. Wrong types are reported separately as input errors.
pub fn effective_typed<'a, T>(
    w: &Workload<'a>,
    c: &Container<'a>,
    field: &str,
    accept: impl Fn(&'a Value) -> Option<T>,
) -> Option<(T, Pointer)> {
    if let Some(v) = c.sc(field).and_then(&accept) {
        return Some((v, c.sc_ptr(field)));
    }
    w.pod_sc(field)
        .and_then(accept)
        .map(|v| (v, w.pod_sc_ptr(field)))
}

/// The effective boolean setting (wrong types are unset).
pub fn effective_bool(w: &Workload, c: &Container, field: &str) -> Option<(bool, Pointer)> {
    effective_typed(w, c, field, Value::as_bool)
}

/// The effective integer setting (wrong types are unset).
pub fn effective_i64(w: &Workload, c: &Container, field: &str) -> Option<(i64, Pointer)> {
    effective_typed(w, c, field, Value::as_i64)
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

/// The pointer of `field` of `parent` (at `parent_ptr`) when present, else `parent_ptr`: where a
/// finding about a wrong or missing field points.
pub fn field_or_parent(parent: &Value, parent_ptr: &Pointer, field: &str) -> Pointer {
    if parent.get(field).is_some() {
        parent_ptr.join(field)
    } else {
        parent_ptr.clone()
    }
}

/// True when `v` is the JSON boolean `true`.
pub fn is_true(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(true)))
}

/// True when `v` is the JSON boolean `false`.
pub fn is_false(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(false)))
}

/// True for a Windows pod (`spec.os.name: windows`): Linux-only settings do not apply.
pub fn is_windows(w: &Workload) -> bool {
    w.get("os")
        .and_then(|o| o.get("name"))
        .and_then(Value::as_str)
        == Some("windows")
}

/// The items of an array field with their pointers (nothing when absent or not an array).
pub fn items<'a>(
    parent: &'a Value,
    parent_ptr: &Pointer,
    field: &str,
) -> impl Iterator<Item = (Pointer, &'a Value)> {
    let base = parent_ptr.join(field);
    parent
        .get(field)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(move |(i, v)| (base.join(i), v))
}

/// A non-empty string value.
pub fn non_empty_str(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

// Fixes: edits that checks attach to their findings (applied by `rampart fix`, see the
// rampart_fix crate). Pointers name the field itself; missing parent mappings are created.

/// A fix setting one field (adding it, or replacing its value).
pub fn set_fix(
    description: impl Into<String>,
    safe: bool,
    ptr: Pointer,
    value: Value,
) -> rampart_model::Fix {
    rampart_model::Fix {
        description: description.into(),
        safe,
        edits: vec![set(ptr, value)],
    }
}

/// An edit setting the field at `ptr` to `value`.
pub fn set(pointer: Pointer, value: Value) -> rampart_model::Edit {
    rampart_model::Edit::Add { pointer, value }
}

/// An edit appending `item` to the array `field` of `parent` (at `parent_ptr`), creating the
/// array when it is absent or not an array.
pub fn append(
    parent: Option<&Value>,
    parent_ptr: &Pointer,
    field: &str,
    item: Value,
) -> rampart_model::Edit {
    match parent.and_then(|p| p.get(field)) {
        Some(Value::Array(_)) => rampart_model::Edit::Add {
            pointer: parent_ptr.join(field).join("-"),
            value: item,
        },
        _ => rampart_model::Edit::Add {
            pointer: parent_ptr.join(field),
            value: Value::Array(vec![item]),
        },
    }
}

// Framework controls shared by several checks.

/// A CIS Kubernetes Benchmark v1.10 recommendation.
pub const fn cis(id: &'static str) -> Control {
    Control::Cis {
        version: "1.10",
        id,
    }
}

/// A Pod Security Standards baseline control.
pub const fn pss_baseline(control: &'static str) -> Control {
    Control::Pss {
        level: "baseline",
        control,
    }
}

/// A Pod Security Standards restricted control.
pub const fn pss_restricted(control: &'static str) -> Control {
    Control::Pss {
        level: "restricted",
        control,
    }
}

pub const NSA_NON_ROOT: Control = Control::Nsa {
    section: "Kubernetes Pod security: \"Non-root\" containers and \"rootless\" container engines",
};
pub const NSA_IMMUTABLE_FS: Control = Control::Nsa {
    section: "Kubernetes Pod security: Immutable container file systems",
};
pub const NSA_PRIVILEGES: Control = Control::Nsa {
    section:
        "Kubernetes Pod security: pod security enforcement (privileged containers, host namespaces)",
};
pub const NSA_HARDENING: Control = Control::Nsa {
    section: "Kubernetes Pod security: Hardening container environments",
};
pub const NSA_SA_TOKENS: Control = Control::Nsa {
    section: "Kubernetes Pod security: Protecting Pod service account tokens",
};
pub const NSA_NAMESPACES: Control = Control::Nsa {
    section: "Network separation and hardening: Namespaces",
};
pub const NSA_RESOURCE_POLICIES: Control = Control::Nsa {
    section: "Network separation and hardening: Resource policies",
};
pub const NSA_SECRETS: Control = Control::Nsa {
    section: "Network separation and hardening: Secrets",
};
pub const NSA_ENCRYPTION: Control = Control::Nsa {
    section: "Network separation and hardening: Encryption",
};
pub const NSA_ADMISSION: Control = Control::Nsa {
    section: "Kubernetes Pod security: pod security enforcement (admission controllers)",
};
pub const NSA_NETWORK: Control = Control::Nsa {
    section: "Network separation and hardening",
};
pub const NSA_AUTHZ: Control = Control::Nsa {
    section: "Authentication and authorization",
};

pub const NIST_RUNTIME_CONFIG: Control = Control::Nist80190 {
    section: "4.4.3 Insecure container runtime configurations",
};
pub const NIST_APP_VULNS: Control = Control::Nist80190 {
    section: "4.4.4 App vulnerabilities",
};
pub const NIST_HOST_FS: Control = Control::Nist80190 {
    section: "4.5.5 Host file system tampering",
};
pub const NIST_STALE_IMAGES: Control = Control::Nist80190 {
    section: "4.2.2 Stale images in registries",
};

pub const MITRE_ESCAPE: Control = Control::MitreAttack {
    id: "T1611",
    name: "Escape to Host",
};
pub const MITRE_DOS: Control = Control::MitreAttack {
    id: "T1499",
    name: "Endpoint Denial of Service",
};
pub const MITRE_CREDS_IN_FILES: Control = Control::MitreAttack {
    id: "T1552.001",
    name: "Credentials In Files",
};
pub const MITRE_STEAL_TOKEN: Control = Control::MitreAttack {
    id: "T1528",
    name: "Steal Application Access Token",
};
pub const MITRE_PUBLIC_APP: Control = Control::MitreAttack {
    id: "T1190",
    name: "Exploit Public-Facing Application",
};
pub const MITRE_IMPLANT_IMAGE: Control = Control::MitreAttack {
    id: "T1525",
    name: "Implant Internal Image",
};

pub const NIST_ORCH_ADMIN: Control = Control::Nist80190 {
    section: "4.3.1 Unbounded administrative access",
};
pub const NIST_ORCH_UNAUTHORIZED: Control = Control::Nist80190 {
    section: "4.3.2 Unauthorized access",
};
pub const NIST_ORCH_NETWORK: Control = Control::Nist80190 {
    section: "4.3.3 Poorly separated inter-container network traffic",
};
pub const MITRE_SNIFFING: Control = Control::MitreAttack {
    id: "T1040",
    name: "Network Sniffing",
};
pub const MITRE_AITM: Control = Control::MitreAttack {
    id: "T1557",
    name: "Adversary-in-the-Middle",
};
pub const MITRE_VALID_ACCOUNTS: Control = Control::MitreAttack {
    id: "T1078",
    name: "Valid Accounts",
};
pub const NSA_UPGRADES: Control = Control::Nsa {
    section: "Upgrading and application security practices",
};
pub const MITRE_DEPLOY_CONTAINER: Control = Control::MitreAttack {
    id: "T1610",
    name: "Deploy Container",
};
pub const MITRE_EXEC: Control = Control::MitreAttack {
    id: "T1609",
    name: "Container Administration Command",
};
