//! Loading policies from files and directories.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rampart_model::{InputError, Resource, Severity};
use rampart_source::Input;
use serde_json::Value;

use crate::gatekeeper::{Constraint, Template};
use crate::matching::Match;
use crate::rego::RegoModule;
use crate::{Action, Policy, PolicySet};

/// The policies loaded and the problems met (each with file and line).
#[derive(Debug, Default)]
pub struct Loaded {
    pub policies: PolicySet,
    pub errors: Vec<InputError>,
}

/// The kinds of the API group `templates.gatekeeper.sh`.
const TEMPLATE_GROUP: &str = "templates.gatekeeper.sh/";
/// Constraints' API group.
const CONSTRAINT_GROUP: &str = "constraints.gatekeeper.sh/";

/// Files under `path`: the file itself, or every `*.yaml`, `*.yml`, `*.json` and `*.rego` file
/// of a directory, recursively (hidden entries skipped), sorted.
fn files(path: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<InputError>) {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            errors.push(InputError::file(path, format!("cannot read policy: {e}")));
            return;
        }
    };
    if !meta.is_dir() {
        out.push(path.to_path_buf());
        return;
    }
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => {
            errors.push(InputError::file(path, format!("cannot list: {e}")));
            return;
        }
    };
    entries.sort();
    for p in entries {
        let hidden = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            files(&p, out, errors);
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json" | "rego")
        ) {
            out.push(p);
        }
    }
}

/// Loads every policy under `paths` (files or directories): Gatekeeper ConstraintTemplates and
/// constraints (in any order and any files), and Rego modules (`*.rego`). Other objects (the
/// samples beside a template, test suites) are left alone. Each problem is an input error; the
/// other policies still load.
pub fn load(paths: &[PathBuf]) -> Loaded {
    load_with(paths, &[])
}

/// Like [`load`], with policy objects read elsewhere (a cluster's ConstraintTemplates,
/// constraints, ValidatingAdmissionPolicies and bindings) loaded after the files' objects: a
/// constraint may use a template of either. Problems in objects without a file are reported
/// under `KIND NAME` instead of a path.
pub fn load_with(paths: &[PathBuf], extra: &[Resource]) -> Loaded {
    let mut errors = Vec::new();
    let mut all = Vec::new();
    for p in paths {
        files(p, &mut all, &mut errors);
    }
    let mut resources = Vec::new();
    let mut modules = Vec::new();
    for f in &all {
        if f.extension().and_then(|e| e.to_str()) == Some("rego") {
            match std::fs::read_to_string(f) {
                Ok(text) => modules.push((f.clone(), text)),
                Err(e) => errors.push(InputError::file(f, format!("cannot read: {e}"))),
            }
            continue;
        }
        let parsed = rampart_source::read_and_parse(&Input::File(f.clone()));
        errors.extend(parsed.errors);
        resources.extend(parsed.resources);
    }
    resources.extend(extra.iter().cloned());
    let mut loaded = load_objects(&resources);
    loaded.errors.splice(0..0, errors);
    for (path, text) in modules {
        match RegoModule::compile(&path.display().to_string(), &text) {
            Ok(m) => {
                if let Err(e) = check_id(&m.id, &loaded.policies) {
                    loaded.errors.push(InputError::file(&path, e));
                    continue;
                }
                loaded.policies.policies.push(Policy::Rego(Arc::new(m)));
            }
            Err(e) => loaded.errors.push(InputError::file(&path, e)),
        }
    }
    loaded
}

fn check_id(id: &str, set: &PolicySet) -> Result<(), String> {
    if !rampart_checks::is_kebab_case(id) {
        return Err(format!(
            "policy id `{id}` is not kebab-case (lower-case letters, digits and single dashes)"
        ));
    }
    if set.get(id).is_some() {
        return Err(format!(
            "policy id `{id}` is already taken by another policy"
        ));
    }
    if rampart_checks::by_id(id).is_some() {
        return Err(format!(
            "policy id `{id}` is the id of a built-in check: rename the policy"
        ));
    }
    Ok(())
}

/// An input error at `pointer` of `res`.
fn error_at(res: &Resource, pointer: &str, message: String) -> InputError {
    let path = match res.origin.path() {
        Some(p) => p.to_path_buf(),
        // An object read from a cluster: named by its kind and name.
        None => PathBuf::from(format!("{} {}", res.kind(), res.id.name)),
    };
    match res.locate(pointer) {
        Some(pos) => InputError::at(&path, pos, message),
        None => InputError::file(&path, message),
    }
}

fn api_version(res: &Resource) -> &str {
    res.raw
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Loads the policies among objects already read: templates first, then their constraints.
pub fn load_objects(resources: &[Resource]) -> Loaded {
    let mut out = Loaded::default();
    let mut by_kind: HashMap<String, Arc<Template>> = HashMap::new();
    for res in resources {
        if res.kind() != "ConstraintTemplate" || !api_version(res).starts_with(TEMPLATE_GROUP) {
            continue;
        }
        match Template::compile(&res.raw) {
            Ok(t) => {
                if by_kind.contains_key(&t.kind) {
                    out.errors.push(error_at(
                        res,
                        "/spec/crd/spec/names/kind",
                        format!(
                            "another ConstraintTemplate already defines kind `{}`",
                            t.kind
                        ),
                    ));
                    continue;
                }
                let t = Arc::new(t);
                by_kind.insert(t.kind.clone(), t.clone());
                out.policies.templates.push(t);
            }
            Err(e) => out.errors.push(error_at(
                res,
                &e.pointer,
                format!("ConstraintTemplate: {}", e.message),
            )),
        }
    }
    load_vaps(resources, &mut out);
    for res in resources {
        let av = api_version(res);
        if !av.starts_with(CONSTRAINT_GROUP) {
            continue;
        }
        let Some(template) = by_kind.get(res.kind()) else {
            out.errors.push(error_at(
                res,
                "/kind",
                format!(
                    "constraint kind `{}` is defined by no ConstraintTemplate loaded (give its template with --policy)",
                    res.kind()
                ),
            ));
            continue;
        };
        match constraint(res, template.clone()) {
            Ok(c) => {
                if let Err(e) = check_id(&c.id, &out.policies) {
                    out.errors.push(error_at(res, "/metadata/name", e));
                    continue;
                }
                out.policies.policies.push(Policy::Constraint(Arc::new(c)));
            }
            Err((ptr, msg)) => out.errors.push(error_at(res, &ptr, msg)),
        }
    }
    out
}

/// Reads one constraint.
fn constraint(res: &Resource, template: Arc<Template>) -> Result<Constraint, (String, String)> {
    let name = res.id.name.clone();
    if name.is_empty() {
        return Err((
            "/metadata".into(),
            "a constraint needs metadata.name".into(),
        ));
    }
    let id = name.replace('.', "-");
    let spec = res.raw.get("spec");
    let (matcher, problems) = Match::parse(
        spec.and_then(|s| s.get("match")),
        &rampart_model::Pointer::from_raw("/spec/match"),
    );
    if let Some((ptr, msg)) = problems.into_iter().next() {
        return Err((
            ptr.as_str().to_string(),
            format!("constraint `{name}`: {msg}"),
        ));
    }
    let action = match spec
        .and_then(|s| s.get("enforcementAction"))
        .and_then(Value::as_str)
    {
        None | Some("deny") => Action::Deny,
        Some("warn") => Action::Warn,
        Some("dryrun") => Action::DryRun,
        Some("scoped") => scoped_action(spec),
        Some(other) => {
            return Err((
                "/spec/enforcementAction".into(),
                format!("constraint `{name}`: unknown enforcementAction `{other}` (expected deny, warn, dryrun or scoped)"),
            ))
        }
    };
    let severity = match res.annotation("rampart.dev/severity") {
        Some(s) => s.parse::<Severity>().map_err(|e| {
            (
                "/metadata/annotations".to_string(),
                format!("constraint `{name}`: rampart.dev/severity: {e}"),
            )
        })?,
        None => action.default_severity(),
    };
    let params = spec
        .and_then(|s| s.get("parameters"))
        .cloned()
        .unwrap_or(Value::Object(Default::default()));
    Ok(Constraint::new(
        id, name, template, matcher, &params, action, severity,
    ))
}

/// `enforcementAction: scoped`: the strongest action of `scopedEnforcementActions` (an offline
/// scan stands for every enforcement point).
fn scoped_action(spec: Option<&Value>) -> Action {
    let actions: Vec<&str> = spec
        .and_then(|s| s.get("scopedEnforcementActions"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.get("action").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    if actions.contains(&"deny") {
        Action::Deny
    } else if actions.contains(&"warn") {
        Action::Warn
    } else {
        Action::DryRun
    }
}

fn is_vap_kind(res: &Resource, kind: &str) -> bool {
    res.kind() == kind && api_version(res).starts_with("admissionregistration.k8s.io/")
}

/// ValidatingAdmissionPolicies and their bindings: one policy per binding (a policy without a
/// binding does nothing, as in the API server).
fn load_vaps(resources: &[Resource], out: &mut Loaded) {
    let mut policies: HashMap<&str, &Resource> = HashMap::new();
    for res in resources {
        if is_vap_kind(res, "ValidatingAdmissionPolicy")
            && policies.insert(res.id.name.as_str(), res).is_some()
        {
            out.errors.push(error_at(
                res,
                "/metadata/name",
                format!(
                    "another ValidatingAdmissionPolicy is already named `{}`",
                    res.id.name
                ),
            ));
        }
    }
    for b in resources {
        if !is_vap_kind(b, "ValidatingAdmissionPolicyBinding") {
            continue;
        }
        let policy_name = b
            .raw
            .pointer("/spec/policyName")
            .and_then(Value::as_str)
            .unwrap_or("");
        let Some(p) = policies.get(policy_name) else {
            out.errors.push(error_at(
                b,
                "/spec/policyName",
                format!(
                    "ValidatingAdmissionPolicyBinding `{}`: no ValidatingAdmissionPolicy `{policy_name}` was loaded (give it with --policy)",
                    b.id.name
                ),
            ));
            continue;
        };
        let severity = match b
            .annotation("rampart.dev/severity")
            .or_else(|| p.annotation("rampart.dev/severity"))
        {
            Some(s) => match s.parse::<Severity>() {
                Ok(s) => Some(s),
                Err(e) => {
                    out.errors.push(error_at(
                        b,
                        "/metadata/annotations",
                        format!("rampart.dev/severity: {e}"),
                    ));
                    continue;
                }
            },
            None => None,
        };
        match crate::vap::Vap::new(&p.raw, &b.raw, severity) {
            Ok(v) => {
                if let Err(e) = check_id(&v.id, &out.policies) {
                    out.errors.push(error_at(b, "/metadata/name", e));
                    continue;
                }
                out.policies.policies.push(Policy::Vap(Arc::new(v)));
            }
            Err((in_binding, (ptr, msg))) => {
                let (res, what) = if in_binding {
                    (b, "ValidatingAdmissionPolicyBinding")
                } else {
                    (*p, "ValidatingAdmissionPolicy")
                };
                out.errors.push(error_at(
                    res,
                    &ptr,
                    format!("{what} `{}`: {msg}", res.id.name),
                ));
            }
        }
    }
}
