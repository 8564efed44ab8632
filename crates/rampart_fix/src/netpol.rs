//! Fixes that add objects rather than edit them: a default-deny NetworkPolicy for each namespace
//! that runs workloads without one, written as a new file beside the manifests.
//!
//! The findings come from the inventory checks `netpol-namespace-without-policy`,
//! `netpol-no-default-deny-ingress` and `netpol-no-default-deny-egress`, judged over every input
//! at once (a namespace's workloads and policies may live in different files). For each
//! namespace with an open finding of a selected check, [`default_deny`] proposes
//! `networkpolicy-default-deny-<namespace>.yaml` in the folder of the file that holds the
//! finding: a policy denying all ingress and egress of every pod of the namespace (`podSelector:
//! {}`, both policy types, no rules), and a second one allowing DNS to the cluster's DNS pods
//! (without it every lookup fails). A default deny stops every flow that no other policy allows,
//! so the fix is unsafe: applied only with `unsafe_fixes`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rampart_checks::{Engine, Inventory};
use rampart_model::{Resource, Subject};
use rayon::prelude::*;

use crate::Options;

/// The checks whose findings a default-deny policy fixes.
pub const DEFAULT_DENY_CHECKS: &[&str] = rampart_checks::docs::DEFAULT_DENY_FIXES;

/// A file a fix adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFile {
    pub path: PathBuf,
    pub text: String,
    /// The namespace the policies are for (`None`: the workloads name none, so neither do the
    /// policies, and they land wherever the workloads are applied).
    pub namespace: Option<String>,
    /// The checks whose findings it fixes, with how many each.
    pub fixes: BTreeMap<String, usize>,
}

/// What [`default_deny`] found.
#[derive(Debug, Clone, Default)]
pub struct NewFiles {
    /// Files to write (empty without `unsafe_fixes`).
    pub files: Vec<NewFile>,
    /// Open findings these fixes would remove, left alone without `unsafe_fixes`.
    pub skipped_unsafe: usize,
    /// Namespaces whose file could not be proposed (an existing file of that name with other
    /// content), with why.
    pub failed: Vec<String>,
}

/// The default-deny files for `inputs` (each file's path and text). Files that do not parse
/// are skipped (the per-file fix reports them).
pub fn default_deny(inputs: &[(PathBuf, String)], engine: &Engine, opts: &Options) -> NewFiles {
    let Some(engine) = only_default_deny(engine) else {
        return NewFiles::default();
    };
    // Parsed on every core; the files' order is kept (the first file of a namespace wins).
    let parsed: Vec<_> = inputs
        .par_iter()
        .map(|(path, text)| rampart_source::parse_str(path, text))
        .collect();
    let files: Vec<(&Path, &[Resource])> = inputs
        .iter()
        .zip(&parsed)
        .filter(|(_, p)| p.errors.is_empty())
        .map(|((path, _), p)| (path.as_path(), p.resources.as_slice()))
        .collect();
    new_files(&files, &engine, opts)
}

/// [`default_deny`] over files already parsed (each file's path and objects, in input order),
/// as `fix` has them from fixing each file ([`crate::Outcome::resources`]).
pub fn default_deny_objects(
    files: &[(&Path, &[Resource])],
    engine: &Engine,
    opts: &Options,
) -> NewFiles {
    match only_default_deny(engine) {
        Some(engine) => new_files(files, &engine, opts),
        None => NewFiles::default(),
    }
}

/// `engine` with only its default-deny checks (the others' findings are the per-file fixes'),
/// or `None` when it has none (nothing to do, not even parsing).
fn only_default_deny(engine: &Engine) -> Option<Engine> {
    let mut selection = engine.selection.clone();
    selection
        .checks
        .retain(|c| DEFAULT_DENY_CHECKS.contains(&c.meta.id.as_ref()));
    (!selection.checks.is_empty()).then(|| Engine::new(selection))
}

/// The default-deny files, with `engine` running the default-deny checks only.
fn new_files(files: &[(&Path, &[Resource])], engine: &Engine, opts: &Options) -> NewFiles {
    let mut inv = Inventory::default();
    // Where a namespace's manifests are (the folder of the first file with an object in it), for
    // findings without a location (a namespace only named by its workloads).
    let mut folders: BTreeMap<Option<String>, PathBuf> = BTreeMap::new();
    for (path, resources) in files {
        let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
        for r in *resources {
            inv.keep(r);
            if !folders.contains_key(&r.id.namespace) {
                folders.insert(r.id.namespace.clone(), folder.clone());
            }
            if r.id.kind == "Namespace" && !folders.contains_key(&Some(r.id.name.clone())) {
                folders.insert(Some(r.id.name.clone()), folder.clone());
            }
        }
    }
    let first_folder = files
        .first()
        .and_then(|(p, _)| p.parent())
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut findings = engine.run_inventory(&inv).findings;
    if let Some(today) = opts.today {
        rampart_checks::config::apply_waivers(&mut findings, &opts.waivers, today);
    }
    // Namespace (None: not named by the workloads) -> (folder, checks fixed).
    let mut wanted: BTreeMap<Option<String>, (PathBuf, BTreeMap<String, usize>)> = BTreeMap::new();
    let mut out = NewFiles::default();
    for f in findings.iter().filter(|f| f.is_open()) {
        if !DEFAULT_DENY_CHECKS.contains(&&*f.check) {
            continue;
        }
        let Subject::Object(o) = &f.subject else {
            continue;
        };
        let namespace = if o.kind == "Namespace" {
            Some(o.name.clone())
        } else if f.pointer.as_str() == "/metadata/namespace" {
            o.namespace.clone()
        } else {
            // The workload names no namespace (`namespace_anchor` points at its name).
            None
        };
        if !opts.unsafe_fixes {
            out.skipped_unsafe += 1;
            continue;
        }
        // Beside the finding's file; else beside the namespace's manifests; else beside the
        // first input (never the working directory, which may be anywhere).
        let dir = f
            .location
            .as_ref()
            .and_then(|l| l.path.parent().map(Path::to_path_buf))
            .filter(|d| !d.as_os_str().is_empty())
            .or_else(|| folders.get(&namespace).cloned())
            .unwrap_or_else(|| first_folder.clone());
        let entry = wanted
            .entry(namespace)
            .or_insert_with(|| (dir, BTreeMap::new()));
        *entry.1.entry(f.check.to_string()).or_default() += 1;
    }
    for (namespace, (dir, fixes)) in wanted {
        let label = namespace.as_deref().unwrap_or("default");
        let name = format!("networkpolicy-default-deny-{}.yaml", file_safe(label));
        let path = if dir.as_os_str().is_empty() {
            PathBuf::from(name)
        } else {
            dir.join(name)
        };
        let text = policy_text(namespace.as_deref(), &fixes);
        if let Ok(existing) = std::fs::read_to_string(&path) {
            if existing != text {
                out.failed.push(format!(
                    "{}: exists with other content; the default-deny policies of namespace \
                     `{label}` were not written (scan that file with the manifests, or remove it)",
                    path.display()
                ));
                continue;
            }
        }
        out.files.push(NewFile {
            path,
            text,
            namespace,
            fixes,
        });
    }
    out
}

/// A namespace name as a file name part (names are DNS labels; anything else is replaced).
fn file_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The two policies, as YAML.
fn policy_text(namespace: Option<&str>, fixes: &BTreeMap<String, usize>) -> String {
    let ns_line = match namespace {
        Some(ns) => format!(
            "  namespace: {}\n",
            serde_json::to_string(ns).unwrap_or_default()
        ),
        None => String::new(),
    };
    let checks: Vec<&str> = fixes.keys().map(String::as_str).collect();
    format!(
        "# Written by `rampart fix --unsafe-fixes` ({checks}).\n\
         # Denies all ingress and egress traffic of every pod of the namespace that no other\n\
         # NetworkPolicy allows, except DNS lookups. Review before applying: traffic that nothing\n\
         # allows yet stops. Add policies allowing the flows the workloads need.\n\
         apiVersion: networking.k8s.io/v1\n\
         kind: NetworkPolicy\n\
         metadata:\n  name: rampart-default-deny\n{ns_line}\
         spec:\n  podSelector: {{}}\n  policyTypes:\n  - Ingress\n  - Egress\n\
         ---\n\
         apiVersion: networking.k8s.io/v1\n\
         kind: NetworkPolicy\n\
         metadata:\n  name: rampart-allow-dns-egress\n{ns_line}\
         spec:\n  podSelector: {{}}\n  policyTypes:\n  - Egress\n  egress:\n  - to:\n\
         \x20   - namespaceSelector:\n        matchLabels:\n          kubernetes.io/metadata.name: kube-system\n\
         \x20     podSelector:\n        matchLabels:\n          k8s-app: kube-dns\n\
         \x20   ports:\n    - protocol: UDP\n      port: 53\n    - protocol: TCP\n      port: 53\n",
        checks = checks.join(", "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_text_parses_into_two_policies() {
        let mut fixes = BTreeMap::new();
        fixes.insert("netpol-namespace-without-policy".to_string(), 1);
        let text = policy_text(Some("shop"), &fixes);
        let parsed = rampart_source::parse_str(Path::new("p.yaml"), &text);
        assert!(parsed.errors.is_empty(), "{:?}\n{text}", parsed.errors);
        assert_eq!(parsed.resources.len(), 2, "{text}");
        let deny = &parsed.resources[0].raw;
        assert_eq!(deny["metadata"]["namespace"], "shop");
        assert_eq!(deny["spec"]["podSelector"], serde_json::json!({}));
        assert_eq!(
            deny["spec"]["policyTypes"],
            serde_json::json!(["Ingress", "Egress"])
        );
        let dns = &parsed.resources[1].raw;
        assert_eq!(dns["spec"]["egress"][0]["ports"][0]["port"], 53);
        let unnamed = policy_text(None, &fixes);
        assert!(!unnamed.contains("namespace:"), "{unnamed}");
        assert_eq!(file_safe("a/b C"), "a_b_c");
    }
}
