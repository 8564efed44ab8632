//! The check functions, one per upstream `CheckPodFn` revision.
//!
//! Each function mirrors one revision of an upstream check (`policy/check_*.go` of
//! k8s.io/pod-security-admission): which fields it reads, how absent (`nil`) differs from empty, and
//! how container-level settings combine with pod-level ones. Containers are visited as upstream's
//! `visitContainers` does: init containers, then containers, then ephemeral containers.

use std::collections::BTreeSet;

use rampart_model::k8s::{capabilities, profiles, selinux, sysctls, volumes};
use rampart_model::{Container, Pointer, Workload};
use serde_json::Value;

use crate::read::{go_quote, join_quote, pluralize, Acc, Val};

/// What a failed check reports (the check id is added by the registry).
#[derive(Debug)]
pub(crate) struct Outcome {
    pub reason: String,
    pub detail: String,
    pub pointers: Vec<Pointer>,
}

pub(crate) type CheckFn = fn(&Workload<'_>) -> Option<Outcome>;

/// Builds the outcome of a check: it fails when `detail` is set or when any inspected field had a
/// wrong type (fail closed, see [`crate::read`]).
fn finish(
    acc: &Acc,
    reason: impl Into<String>,
    detail: Option<String>,
    mut pointers: Vec<Pointer>,
) -> Option<Outcome> {
    if detail.is_none() && acc.wrong.is_empty() {
        return None;
    }
    for (p, _) in &acc.wrong {
        pointers.push(p.clone());
    }
    let mut seen = BTreeSet::new();
    pointers.retain(|p| seen.insert(p.clone()));
    let detail = match detail {
        Some(d) => d + &acc.note(),
        None => acc.note().trim_start_matches("; ").to_string(),
    };
    Some(Outcome {
        reason: reason.into(),
        detail,
        pointers,
    })
}

/// Where to point when a container misses a field: its securityContext when it has one, else the
/// container itself.
fn sc_or_container(c: &Container<'_>) -> Pointer {
    match c.value.get("securityContext") {
        Some(Value::Object(_)) => c.ptr.join("securityContext"),
        _ => c.ptr.clone(),
    }
}

/// `spec.os.name == "windows"` (exact, as upstream compares with `corev1.Windows`).
fn is_windows(w: &Workload<'_>) -> bool {
    w.spec
        .get("os")
        .and_then(|os| os.get("name"))
        .and_then(Value::as_str)
        == Some("windows")
}

/// `spec.hostUsers: false` -- the pod runs in a user namespace (upstream
/// `relaxPolicyForUserNamespacePod`). A value of any other type does not relax anything.
fn in_user_namespace(w: &Workload<'_>) -> bool {
    matches!(w.spec.get("hostUsers"), Some(Value::Bool(false)))
}

fn containers_phrase(names: &[&str]) -> String {
    format!(
        "{} {}",
        pluralize("container", "containers", names.len()),
        join_quote(names)
    )
}

// ---------------------------------------------------------------------------------------------
// Baseline
// ---------------------------------------------------------------------------------------------

/// hostNamespaces 1.0: `hostNetwork`, `hostPID`, `hostIPC` must not be true.
pub(crate) fn host_namespaces_1_0(w: &Workload<'_>) -> Option<Outcome> {
    let mut acc = Acc::default();
    let mut set = BTreeSet::new();
    let mut ptrs = Vec::new();
    for field in ["hostNetwork", "hostPID", "hostIPC"] {
        if let Val::Is(true, p) = acc.boolean(w.spec, &w.spec_ptr, &[field]) {
            set.insert(field);
            ptrs.push(p);
        }
    }
    let detail = (!set.is_empty()).then(|| set.into_iter().collect::<Vec<_>>().join(", "));
    finish(&acc, "host namespaces", detail, ptrs)
}

/// privileged 1.0: no container may set `securityContext.privileged=true`.
pub(crate) fn privileged_1_0(w: &Workload<'_>) -> Option<Outcome> {
    let mut acc = Acc::default();
    let mut names = Vec::new();
    let mut ptrs = Vec::new();
    for c in &w.containers {
        if let Val::Is(true, p) = acc.boolean(c.value, &c.ptr, &["securityContext", "privileged"]) {
            names.push(c.name());
            ptrs.push(p);
        }
    }
    let detail = (!names.is_empty()).then(|| {
        format!(
            "{} must not set securityContext.privileged=true",
            containers_phrase(&names)
        )
    });
    finish(&acc, "privileged", detail, ptrs)
}

/// capabilities_baseline 1.0: `capabilities.add` only from the default set.
pub(crate) fn capabilities_baseline_1_0(w: &Workload<'_>) -> Option<Outcome> {
    let mut acc = Acc::default();
    let mut names = Vec::new();
    let mut caps = BTreeSet::new();
    let mut ptrs = Vec::new();
    for c in &w.containers {
        let mut bad = false;
        if let Val::Is(items, _) =
            acc.strings(c.value, &c.ptr, &["securityContext", "capabilities", "add"])
        {
            for (cap, p) in items.into_iter().flatten() {
                if !capabilities::PSS_BASELINE_ALLOWED.contains(&cap) {
                    bad = true;
                    caps.insert(cap);
                    ptrs.push(p);
                }
            }
        }
        if bad {
            names.push(c.name());
        }
    }
    let detail = (!names.is_empty()).then(|| {
        format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&names),
            join_quote(&caps.into_iter().collect::<Vec<_>>())
        )
    });
    finish(&acc, "non-default capabilities", detail, ptrs)
}

/// hostPathVolumes 1.0: no volume may be a hostPath.
pub(crate) fn host_path_volumes_1_0(w: &Workload<'_>) -> Option<Outcome> {
    let mut acc = Acc::default();
    let mut names = Vec::new();
    let mut ptrs = Vec::new();
    if let Val::Is(vols, base) = acc.array(w.spec, &w.spec_ptr, &["volumes"]) {
        for (i, vol) in vols.iter().enumerate() {
            let vp = base.join(i);
            if let Val::Is(_, p) = acc.value(vol, &vp, &["hostPath"]) {
                names.push(vol.get("name").and_then(Value::as_str).unwrap_or(""));
                ptrs.push(p);
            }
        }
    }
    let detail = (!names.is_empty()).then(|| {
        format!(
            "{} {}",
            pluralize("volume", "volumes", names.len()),
            join_quote(&names)
        )
    });
    finish(&acc, "hostPath volumes", detail, ptrs)
}

/// hostPorts 1.0: no container port may set a non-zero `hostPort`.
pub(crate) fn host_ports_1_0(w: &Workload<'_>) -> Option<Outcome> {
    let mut acc = Acc::default();
    let mut names = Vec::new();
    let mut ports = BTreeSet::new();
    let mut ptrs = Vec::new();
    for c in &w.containers {
        let mut bad = false;
        if let Val::Is(items, base) = acc.array(c.value, &c.ptr, &["ports"]) {
            for (i, item) in items.iter().enumerate() {
                if let Val::Is(port, p) = acc.integer(item, &base.join(i), &["hostPort"]) {
                    if port != 0 {
                        bad = true;
                        ports.insert(port.to_string());
                        ptrs.push(p);
                    }
                }
            }
        }
        if bad {
            names.push(c.name());
        }
    }
    let detail = (!names.is_empty()).then(|| {
        format!(
            "{} {} {} {}",
            containers_phrase(&names),
            pluralize("uses", "use", names.len()),
            pluralize("hostPort", "hostPorts", ports.len()),
            ports.into_iter().collect::<Vec<_>>().join(", ")
        )
    });
    finish(&acc, "hostPort", detail, ptrs)
}

/// appArmorProfile 1.0: the `appArmorProfile` fields (pod and containers) must be `RuntimeDefault`
/// or `Localhost` when set, and the beta annotations `runtime/default`, `localhost/*` or empty.
/// Upstream amended this single 1.0 revision in place when the fields were added, so the fields
/// are checked at every policy version.
pub(crate) fn app_armor_profile_1_0(w: &Workload<'_>) -> Option<Outcome> {
    let mut acc = Acc::default();
    let mut setters: Vec<String> = Vec::new();
    let mut values = BTreeSet::new();
    let mut ptrs = Vec::new();

    let mut profile = |acc: &mut Acc, base: &Value, base_ptr: &Pointer, keys: &[&str]| -> bool {
        if let Val::Is(_, prof_ptr) = acc.object(base, base_ptr, keys) {
            let mut type_keys = keys.to_vec();
            type_keys.push("type");
            match acc.string(base, base_ptr, &type_keys) {
                Val::Is(t, p) if !profiles::is_confining_type(t) => {
                    values.insert(t.to_string());
                    ptrs.push(p);
                    return true;
                }
                Val::Absent => {
                    values.insert(String::new());
                    ptrs.push(prof_ptr);
                    return true;
                }
                _ => {}
            }
        }
        false
    };

    if profile(
        &mut acc,
        w.spec,
        &w.spec_ptr,
        &["securityContext", "appArmorProfile"],
    ) {
        setters.push("pod".into());
    }
    let mut names = Vec::new();
    for c in &w.containers {
        if profile(
            &mut acc,
            c.value,
            &c.ptr,
            &["securityContext", "appArmorProfile"],
        ) {
            names.push(c.name());
        }
    }
    if !names.is_empty() {
        setters.push(containers_phrase(&names));
    }

    let mut annotations = Vec::new();
    if let Val::Is(map, base) = acc.object(w.meta, &w.meta_ptr, &["annotations"]) {
        for (k, v) in map {
            if !k.starts_with(profiles::APPARMOR_CONTAINER_ANNOTATION_PREFIX) {
                continue;
            }
            let p = base.join(k);
            // A null value decodes to "" (allowed); any other non-string cannot be decoded.
            let text = match v {
                Value::Null => "",
                Value::String(s) => s.as_str(),
                _ => {
                    acc.wrong.push((p, "string"));
                    continue;
                }
            };
            if !profiles::apparmor_annotation_allowed(text) {
                annotations.push(format!("{k}={}", go_quote(text)));
                ptrs.push(p);
            }
        }
    }
    let mut value_list: Vec<String> = values.into_iter().collect();
    if !annotations.is_empty() {
        annotations.sort();
        setters.push(pluralize("annotation", "annotations", annotations.len()).into());
        value_list.extend(annotations);
    }
    let reason = pluralize(
        "forbidden AppArmor profile",
        "forbidden AppArmor profiles",
        value_list.len(),
    );
    let detail = (!setters.is_empty()).then(|| {
        format!(
            "{} must not set AppArmor profile type to {}",
            setters.join(" and "),
            join_quote(&value_list)
        )
    });
    finish(&acc, reason, detail, ptrs)
}

fn se_linux_options(w: &Workload<'_>, minor: u32) -> Option<Outcome> {
    let mut acc = Acc::default();
    let mut bad_types = BTreeSet::new();
    let mut set_user = false;
    let mut set_role = false;
    let mut ptrs = Vec::new();

    let mut check = |acc: &mut Acc, base: &Value, base_ptr: &Pointer| -> bool {
        let keys = ["securityContext", "seLinuxOptions"];
        if !matches!(acc.object(base, base_ptr, &keys), Val::Is(..)) {
            return true;
        }
        let mut valid = true;
        let ty = match acc.string(
            base,
            base_ptr,
            &["securityContext", "seLinuxOptions", "type"],
        ) {
            Val::Is(t, p) => Some((t, Some(p))),
            Val::Absent => Some(("", None)),
            Val::Wrong(_) => None,
        };
        if let Some((t, p)) = ty {
            if !selinux::is_allowed_type_at(t, minor) {
                valid = false;
                bad_types.insert(t.to_string());
                ptrs.extend(p);
            }
        }
        for (field, flag) in [("user", &mut set_user), ("role", &mut set_role)] {
            if let Val::Is(s, p) = acc.string(
                base,
                base_ptr,
                &["securityContext", "seLinuxOptions", field],
            ) {
                if !s.is_empty() {
                    valid = false;
                    *flag = true;
                    ptrs.push(p);
                }
            }
        }
        valid
    };

    let mut setters: Vec<String> = Vec::new();
    if !check(&mut acc, w.spec, &w.spec_ptr) {
        setters.push("pod".into());
    }
    let mut names = Vec::new();
    for c in &w.containers {
        if !check(&mut acc, c.value, &c.ptr) {
            names.push(c.name());
        }
    }
    if !names.is_empty() {
        setters.push(containers_phrase(&names));
    }
    let detail = (!setters.is_empty()).then(|| {
        let mut data = Vec::new();
        if !bad_types.is_empty() {
            data.push(format!(
                "{} {}",
                pluralize("type", "types", bad_types.len()),
                join_quote(&bad_types.iter().collect::<Vec<_>>())
            ));
        }
        if set_user {
            data.push("user may not be set".to_string());
        }
        if set_role {
            data.push("role may not be set".to_string());
        }
        format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            setters.join(" and "),
            data.join("; ")
        )
    });
    finish(&acc, "seLinuxOptions", detail, ptrs)
}

/// seLinuxOptions 1.0: type from a fixed set, no user, no role.
pub(crate) fn se_linux_options_1_0(w: &Workload<'_>) -> Option<Outcome> {
    se_linux_options(w, 0)
}

/// seLinuxOptions 1.31: also allows `container_engine_t`.
pub(crate) fn se_linux_options_1_31(w: &Workload<'_>) -> Option<Outcome> {
    se_linux_options(w, 31)
}

/// procMount 1.0 (and procMount_restricted 1.35): `procMount` must be `Default` when set.
pub(crate) fn proc_mount_1_0(w: &Workload<'_>) -> Option<Outcome> {
    let mut acc = Acc::default();
    let mut names = Vec::new();
    let mut types = BTreeSet::new();
    let mut ptrs = Vec::new();
    for c in &w.containers {
        if let Val::Is(t, p) = acc.string(c.value, &c.ptr, &["securityContext", "procMount"]) {
            if t != "Default" {
                names.push(c.name());
                types.insert(t);
                ptrs.push(p);
            }
        }
    }
    let detail = (!names.is_empty()).then(|| {
        format!(
            "{} must not set securityContext.procMount to {}",
            containers_phrase(&names),
            join_quote(&types.into_iter().collect::<Vec<_>>())
        )
    });
    finish(&acc, "procMount", detail, ptrs)
}

/// procMount 1.35 (baseline): anything goes for a pod in a user namespace (`hostUsers: false`).
pub(crate) fn proc_mount_1_35_baseline(w: &Workload<'_>) -> Option<Outcome> {
    if in_user_namespace(w) {
        return None;
    }
    proc_mount_1_0(w)
}

/// seccompProfile_baseline 1.0: the alpha seccomp annotations (pod, and one per visited container
/// name) must be `runtime/default`, `docker/default` or `localhost/*` when present.
pub(crate) fn seccomp_profile_baseline_1_0(w: &Workload<'_>) -> Option<Outcome> {
    let mut acc = Acc::default();
    let mut forbidden = BTreeSet::new();
    let mut ptrs = Vec::new();
    if let Val::Is(map, base) = acc.object(w.meta, &w.meta_ptr, &["annotations"]) {
        let mut look = |acc: &mut Acc, key: &str| {
            let Some(v) = map.get(key) else { return };
            let p = base.join(key);
            let text = match v {
                Value::Null => "",
                Value::String(s) => s.as_str(),
                _ => {
                    acc.wrong.push((p, "string"));
                    return;
                }
            };
            if !profiles::seccomp_annotation_allowed(text) {
                forbidden.insert(format!("{key}={}", go_quote(text)));
                ptrs.push(p);
            }
        };
        look(&mut acc, profiles::SECCOMP_POD_ANNOTATION);
        for c in &w.containers {
            look(
                &mut acc,
                &format!(
                    "{}{}",
                    profiles::SECCOMP_CONTAINER_ANNOTATION_PREFIX,
                    c.name()
                ),
            );
        }
    }
    let detail = (!forbidden.is_empty()).then(|| {
        format!(
            "forbidden {} {}",
            pluralize("annotation", "annotations", forbidden.len()),
            forbidden.iter().cloned().collect::<Vec<_>>().join(", ")
        )
    });
    finish(&acc, "seccompProfile", detail, ptrs)
}

/// The seccomp profile type at `keys` under `base`: `Ok(None)` when the profile is unset,
/// `Ok(Some(valid))` when set (with the offending pointers pushed when invalid), `Err(())` when it
/// could not be decoded (recorded in `acc`).
fn seccomp_type(
    acc: &mut Acc,
    base: &Value,
    base_ptr: &Pointer,
    values: &mut BTreeSet<String>,
    ptrs: &mut Vec<Pointer>,
) -> Result<Option<bool>, ()> {
    let prof = ["securityContext", "seccompProfile"];
    let prof_ptr = match acc.object(base, base_ptr, &prof) {
        Val::Absent => return Ok(None),
        Val::Wrong(_) => return Err(()),
        Val::Is(_, p) => p,
    };
    let (t, p) = match acc.string(
        base,
        base_ptr,
        &["securityContext", "seccompProfile", "type"],
    ) {
        Val::Is(t, p) => (t, p),
        Val::Absent => ("", prof_ptr),
        Val::Wrong(_) => return Err(()),
    };
    if profiles::is_confining_type(t) {
        Ok(Some(true))
    } else {
        values.insert(t.to_string());
        ptrs.push(p);
        Ok(Some(false))
    }
}

/// seccompProfile_baseline 1.19: `seccompProfile.type` (pod and containers) must be
/// `RuntimeDefault` or `Localhost` when set.
pub(crate) fn seccomp_profile_baseline_1_19(w: &Workload<'_>) -> Option<Outcome> {
    let mut acc = Acc::default();
    let mut values = BTreeSet::new();
    let mut ptrs = Vec::new();
    let mut setters: Vec<String> = Vec::new();
    if let Ok(Some(false)) = seccomp_type(&mut acc, w.spec, &w.spec_ptr, &mut values, &mut ptrs) {
        setters.push("pod".into());
    }
    let mut names = Vec::new();
    for c in &w.containers {
        if let Ok(Some(false)) = seccomp_type(&mut acc, c.value, &c.ptr, &mut values, &mut ptrs) {
            names.push(c.name());
        }
    }
    if !names.is_empty() {
        setters.push(containers_phrase(&names));
    }
    let detail = (!setters.is_empty()).then(|| {
        format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            setters.join(" and "),
            join_quote(&values.iter().collect::<Vec<_>>())
        )
    });
    finish(&acc, "seccompProfile", detail, ptrs)
}

fn sysctls(w: &Workload<'_>, up_to: u32) -> Option<Outcome> {
    let allowed = |name: &str| sysctls::is_safe_at(name, up_to);
    let mut acc = Acc::default();
    let mut forbidden = Vec::new();
    let mut ptrs = Vec::new();
    if let Val::Is(items, base) = acc.array(w.spec, &w.spec_ptr, &["securityContext", "sysctls"]) {
        for (i, item) in items.iter().enumerate() {
            let ip = base.join(i);
            let (name, p) = match acc.string(item, &ip, &["name"]) {
                Val::Is(n, p) => (n, p),
                Val::Absent => ("", ip),
                Val::Wrong(_) => continue,
            };
            if !allowed(name) {
                forbidden.push(name);
                ptrs.push(p);
            }
        }
    }
    let detail = (!forbidden.is_empty()).then(|| forbidden.join(", "));
    finish(&acc, "forbidden sysctls", detail, ptrs)
}

pub(crate) fn sysctls_1_0(w: &Workload<'_>) -> Option<Outcome> {
    sysctls(w, 0)
}
pub(crate) fn sysctls_1_27(w: &Workload<'_>) -> Option<Outcome> {
    sysctls(w, 27)
}
pub(crate) fn sysctls_1_29(w: &Workload<'_>) -> Option<Outcome> {
    sysctls(w, 29)
}
pub(crate) fn sysctls_1_32(w: &Workload<'_>) -> Option<Outcome> {
    sysctls(w, 32)
}
pub(crate) fn sysctls_1_37(w: &Workload<'_>) -> Option<Outcome> {
    sysctls(w, 37)
}

/// windowsHostProcess 1.0: neither the pod nor a container may set
/// `windowsOptions.hostProcess=true`.
pub(crate) fn windows_host_process_1_0(w: &Workload<'_>) -> Option<Outcome> {
    let mut acc = Acc::default();
    let keys = ["securityContext", "windowsOptions", "hostProcess"];
    let mut ptrs = Vec::new();
    let mut setters: Vec<String> = Vec::new();
    if let Val::Is(true, p) = acc.boolean(w.spec, &w.spec_ptr, &keys) {
        setters.push("pod".into());
        ptrs.push(p);
    }
    let mut names = Vec::new();
    for c in &w.containers {
        if let Val::Is(true, p) = acc.boolean(c.value, &c.ptr, &keys) {
            names.push(c.name());
            ptrs.push(p);
        }
    }
    if !names.is_empty() {
        setters.push(containers_phrase(&names));
    }
    let detail = (!setters.is_empty()).then(|| {
        format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            setters.join(" and ")
        )
    });
    finish(&acc, "hostProcess", detail, ptrs)
}

/// hostProbesAndHostLifecycle 1.34: probes and lifecycle handlers must not set `host`.
pub(crate) fn host_probes_and_host_lifecycle_1_34(w: &Workload<'_>) -> Option<Outcome> {
    let mut acc = Acc::default();
    let mut names = BTreeSet::new();
    let mut hosts = BTreeSet::new();
    let mut ptrs = Vec::new();
    let handlers: [&[&str]; 5] = [
        &["livenessProbe"],
        &["readinessProbe"],
        &["startupProbe"],
        &["lifecycle", "postStart"],
        &["lifecycle", "preStop"],
    ];
    for c in &w.containers {
        for handler in handlers {
            for action in ["httpGet", "tcpSocket"] {
                let mut keys = handler.to_vec();
                keys.extend([action, "host"]);
                if let Val::Is(host, p) = acc.string(c.value, &c.ptr, &keys) {
                    if !host.is_empty() {
                        names.insert(c.name());
                        hosts.insert(host);
                        ptrs.push(p);
                    }
                }
            }
        }
    }
    let detail = (!names.is_empty()).then(|| {
        format!(
            "{} {} {} {} {}",
            pluralize("container", "containers", names.len()),
            join_quote(&names.iter().collect::<Vec<_>>()),
            pluralize("uses", "use", names.len()),
            pluralize(
                "probe or lifecycle host",
                "probe or lifecycle hosts",
                hosts.len()
            ),
            join_quote(&hosts.iter().collect::<Vec<_>>())
        )
    });
    finish(&acc, "probe or lifecycle host", detail, ptrs)
}

// ---------------------------------------------------------------------------------------------
// Restricted
// ---------------------------------------------------------------------------------------------

/// restrictedVolumes 1.0: every volume must use one of the allowed sources. As upstream, a volume
/// that sets an allowed source is accepted whatever else it sets.
///
/// The API server defaults a volume that sets no source at all to `emptyDir: {}` before admission
/// runs (`SetDefaults_Volume`), and upstream's conformance fixtures rely on it; such a volume (or a
/// `null` item) is therefore allowed here too.
pub(crate) fn restricted_volumes_1_0(w: &Workload<'_>) -> Option<Outcome> {
    let mut acc = Acc::default();
    let mut names = Vec::new();
    let mut types = BTreeSet::new();
    let mut ptrs = Vec::new();
    if let Val::Is(vols, base) = acc.array(w.spec, &w.spec_ptr, &["volumes"]) {
        for (i, vol) in vols.iter().enumerate() {
            let vp = base.join(i);
            let allowed = volumes::PSS_RESTRICTED_ALLOWED
                .iter()
                .any(|src| matches!(acc.object(vol, &vp, &[src]), Val::Is(..)));
            let set = |src: &str| !matches!(vol.get(src), None | Some(Value::Null));
            let defaulted = !volumes::ALL_SOURCES.iter().any(|s| set(s));
            if allowed || defaulted || !vol.is_object() {
                continue;
            }
            names.push(vol.get("name").and_then(Value::as_str).unwrap_or(""));
            match volumes::PSS_RESTRICTED_FORBIDDEN.iter().find(|s| set(s)) {
                Some(src) => {
                    types.insert(*src);
                    ptrs.push(vp.join(src));
                }
                // Only an allowed source of a wrong type gets here (already recorded).
                None => {
                    types.insert("unknown");
                    ptrs.push(vp);
                }
            }
        }
    }
    let detail = (!names.is_empty()).then(|| {
        format!(
            "{} {} {} {} {}",
            pluralize("volume", "volumes", names.len()),
            join_quote(&names),
            pluralize("uses", "use", names.len()),
            pluralize(
                "restricted volume type",
                "restricted volume types",
                types.len()
            ),
            join_quote(&types.into_iter().collect::<Vec<_>>())
        )
    });
    finish(&acc, "restricted volume types", detail, ptrs)
}

/// allowPrivilegeEscalation 1.8: every container must set `allowPrivilegeEscalation=false`.
pub(crate) fn allow_privilege_escalation_1_8(w: &Workload<'_>) -> Option<Outcome> {
    let mut acc = Acc::default();
    let mut names = Vec::new();
    let mut ptrs = Vec::new();
    for c in &w.containers {
        match acc.boolean(
            c.value,
            &c.ptr,
            &["securityContext", "allowPrivilegeEscalation"],
        ) {
            Val::Is(false, _) | Val::Wrong(_) => {}
            Val::Is(true, p) => {
                names.push(c.name());
                ptrs.push(p);
            }
            Val::Absent => {
                names.push(c.name());
                ptrs.push(sc_or_container(c));
            }
        }
    }
    let detail = (!names.is_empty()).then(|| {
        format!(
            "{} must set securityContext.allowPrivilegeEscalation=false",
            containers_phrase(&names)
        )
    });
    finish(&acc, "allowPrivilegeEscalation != false", detail, ptrs)
}

/// allowPrivilegeEscalation 1.25: Windows pods are exempt.
pub(crate) fn allow_privilege_escalation_1_25(w: &Workload<'_>) -> Option<Outcome> {
    if is_windows(w) {
        return None;
    }
    allow_privilege_escalation_1_8(w)
}

/// runAsNonRoot 1.0: `runAsNonRoot=true` at pod level (containers may then leave it unset) or in
/// every container; nobody may set it to false.
pub(crate) fn run_as_non_root_1_0(w: &Workload<'_>) -> Option<Outcome> {
    let mut acc = Acc::default();
    let keys = ["securityContext", "runAsNonRoot"];
    let mut setters: Vec<String> = Vec::new();
    let mut ptrs = Vec::new();
    let mut pod_true = false;
    match acc.boolean(w.spec, &w.spec_ptr, &keys) {
        Val::Is(false, p) => {
            setters.push("pod".into());
            ptrs.push(p);
        }
        Val::Is(true, _) => pod_true = true,
        _ => {}
    }
    let mut explicit = Vec::new();
    let mut implicit = Vec::new();
    for c in &w.containers {
        match acc.boolean(c.value, &c.ptr, &keys) {
            Val::Is(false, p) => {
                explicit.push(c.name());
                ptrs.push(p);
            }
            Val::Absent if !pod_true => {
                implicit.push(c.name());
                ptrs.push(sc_or_container(c));
            }
            _ => {}
        }
    }
    if !explicit.is_empty() {
        setters.push(containers_phrase(&explicit));
    }
    let detail = if !setters.is_empty() {
        Some(format!(
            "{} must not set securityContext.runAsNonRoot=false",
            setters.join(" and ")
        ))
    } else if !implicit.is_empty() {
        Some(format!(
            "pod or {} must set securityContext.runAsNonRoot=true",
            containers_phrase(&implicit)
        ))
    } else {
        None
    };
    finish(&acc, "runAsNonRoot != true", detail, ptrs)
}

/// runAsNonRoot 1.35: skipped for pods in a user namespace (`hostUsers: false`).
pub(crate) fn run_as_non_root_1_35(w: &Workload<'_>) -> Option<Outcome> {
    if in_user_namespace(w) {
        return None;
    }
    run_as_non_root_1_0(w)
}

/// runAsUser 1.23: neither the pod nor a container may set `runAsUser=0`.
pub(crate) fn run_as_user_1_23(w: &Workload<'_>) -> Option<Outcome> {
    let mut acc = Acc::default();
    let keys = ["securityContext", "runAsUser"];
    let mut setters: Vec<String> = Vec::new();
    let mut ptrs = Vec::new();
    if let Val::Is(0, p) = acc.integer(w.spec, &w.spec_ptr, &keys) {
        setters.push("pod".into());
        ptrs.push(p);
    }
    let mut names = Vec::new();
    for c in &w.containers {
        if let Val::Is(0, p) = acc.integer(c.value, &c.ptr, &keys) {
            names.push(c.name());
            ptrs.push(p);
        }
    }
    if !names.is_empty() {
        setters.push(containers_phrase(&names));
    }
    let detail = (!setters.is_empty())
        .then(|| format!("{} must not set runAsUser=0", setters.join(" and ")));
    finish(&acc, "runAsUser=0", detail, ptrs)
}

/// runAsUser 1.35: skipped for pods in a user namespace (`hostUsers: false`).
pub(crate) fn run_as_user_1_35(w: &Workload<'_>) -> Option<Outcome> {
    if in_user_namespace(w) {
        return None;
    }
    run_as_user_1_23(w)
}

/// seccompProfile_restricted 1.19: the pod must set a valid profile type, or every container
/// must; nobody may set an invalid one.
pub(crate) fn seccomp_profile_restricted_1_19(w: &Workload<'_>) -> Option<Outcome> {
    let mut acc = Acc::default();
    let mut values = BTreeSet::new();
    let mut explicit_ptrs = Vec::new();
    let mut setters: Vec<String> = Vec::new();
    let pod_valid = match seccomp_type(
        &mut acc,
        w.spec,
        &w.spec_ptr,
        &mut values,
        &mut explicit_ptrs,
    ) {
        Ok(Some(true)) => true,
        Ok(Some(false)) => {
            setters.push("pod".into());
            false
        }
        _ => false,
    };
    let mut explicit = Vec::new();
    let mut implicit = Vec::new();
    let mut implicit_ptrs = Vec::new();
    for c in &w.containers {
        match seccomp_type(&mut acc, c.value, &c.ptr, &mut values, &mut explicit_ptrs) {
            Ok(Some(false)) => explicit.push(c.name()),
            Ok(None) if !pod_valid => {
                implicit.push(c.name());
                implicit_ptrs.push(sc_or_container(c));
            }
            _ => {}
        }
    }
    if !explicit.is_empty() {
        setters.push(containers_phrase(&explicit));
    }
    let mut ptrs = explicit_ptrs;
    ptrs.extend(implicit_ptrs);
    let detail = if !setters.is_empty() {
        Some(format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            setters.join(" and "),
            join_quote(&values.iter().collect::<Vec<_>>())
        ))
    } else if !implicit.is_empty() {
        Some(format!(
            "pod or {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
            containers_phrase(&implicit)
        ))
    } else {
        None
    };
    finish(&acc, "seccompProfile", detail, ptrs)
}

/// seccompProfile_restricted 1.25: Windows pods are exempt.
pub(crate) fn seccomp_profile_restricted_1_25(w: &Workload<'_>) -> Option<Outcome> {
    if is_windows(w) {
        return None;
    }
    seccomp_profile_restricted_1_19(w)
}

/// capabilities_restricted 1.22: every container must drop `ALL` and may add only
/// `NET_BIND_SERVICE`.
pub(crate) fn capabilities_restricted_1_22(w: &Workload<'_>) -> Option<Outcome> {
    let mut acc = Acc::default();
    let mut missing_drop = Vec::new();
    let mut adding = Vec::new();
    let mut caps = BTreeSet::new();
    let mut ptrs = Vec::new();
    for c in &w.containers {
        let cap_keys = ["securityContext", "capabilities"];
        let cap_ptr = match acc.object(c.value, &c.ptr, &cap_keys) {
            Val::Is(_, p) => p,
            Val::Absent => {
                missing_drop.push(c.name());
                ptrs.push(sc_or_container(c));
                continue;
            }
            Val::Wrong(_) => continue,
        };
        match acc.strings(
            c.value,
            &c.ptr,
            &["securityContext", "capabilities", "drop"],
        ) {
            Val::Is(items, p) => {
                if !items
                    .iter()
                    .flatten()
                    .any(|(cap, _)| *cap == capabilities::ALL)
                {
                    missing_drop.push(c.name());
                    ptrs.push(p);
                }
            }
            Val::Absent => {
                missing_drop.push(c.name());
                ptrs.push(cap_ptr);
            }
            Val::Wrong(_) => {}
        }
        let mut bad_add = false;
        if let Val::Is(items, _) =
            acc.strings(c.value, &c.ptr, &["securityContext", "capabilities", "add"])
        {
            for (cap, p) in items.into_iter().flatten() {
                if !capabilities::PSS_RESTRICTED_ALLOWED.contains(&cap) {
                    bad_add = true;
                    caps.insert(cap);
                    ptrs.push(p);
                }
            }
        }
        if bad_add {
            adding.push(c.name());
        }
    }
    let mut parts = Vec::new();
    if !missing_drop.is_empty() {
        parts.push(format!(
            "{} must set securityContext.capabilities.drop=[\"ALL\"]",
            containers_phrase(&missing_drop)
        ));
    }
    if !adding.is_empty() {
        parts.push(format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&adding),
            join_quote(&caps.into_iter().collect::<Vec<_>>())
        ));
    }
    let detail = (!parts.is_empty()).then(|| parts.join("; "));
    finish(&acc, "unrestricted capabilities", detail, ptrs)
}

/// capabilities_restricted 1.25: Windows pods are exempt.
pub(crate) fn capabilities_restricted_1_25(w: &Workload<'_>) -> Option<Outcome> {
    if is_windows(w) {
        return None;
    }
    capabilities_restricted_1_22(w)
}
