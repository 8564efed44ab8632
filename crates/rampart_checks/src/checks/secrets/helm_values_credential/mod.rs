//! `helm-values-credential`: a Helm values file holds a credential.
//!
//! rampart reads a file named like a values file (`values.yaml`, `values-prod.yaml`,
//! `prod.values.yaml` ..., given on the command line or found in a chart directory) whose
//! documents are not Kubernetes objects as `HelmValues` objects (see
//! `rampart_model::k8s::helm`). Every string in it is judged by the shared detector
//! (`secrets::credential`) with its key: a key that names a credential with a literal value
//! (`postgresql.auth.password: hunter2`), or a value that is one whatever the key (known token
//! formats, JWTs, private keys, URLs with a password, `password=...` inside an inline config
//! file), or a random-looking value under a key-like name. In a list of `{name, value}` entries
//! (`extraEnv`) the value is judged by its entry's `name`. Empty values, `${VAR}` and template
//! references, placeholders (`changeme`, `<password>`) and keys that name a Secret
//! (`existingSecret`, `passwordKey: admin-password`) pass. Findings name the file and line; the
//! message gives the key path and the kind of credential, never the value.

use rampart_model::k8s::helm::{VALUES_FIELD, VALUES_KIND};
use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::checks::secrets::credential::{self, Detection};
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "helm-values-credential",
        title: "Credential in a Helm values file",
        severity: Severity::High,
        category: Category::Secrets,
        controls: &[common::NSA_SECRETS, common::MITRE_CREDS_IN_FILES],
        rationale: "Values files are committed with the chart and copied into every environment's \
            repository; a password or token written there is in Git history, in every clone and \
            CI log, and in the Helm release record (a Secret of type helm.sh/release.v1, readable \
            by anyone who can read Secrets in the namespace, and shown by `helm get values`).",
        remediation: "Leave credentials out of values files: point the chart at an existing \
            Secret (most charts offer `existingSecret`), created from an external secret manager \
            (External Secrets Operator, Secrets Store CSI driver), or keep the values file \
            encrypted (helm-secrets with SOPS). Rotate the exposed credential.",
        kinds: &[VALUES_KIND],
        example_fail: "# values.yaml\npostgresql:\n  auth:\n    password: hunter2\n",
        example_pass: "# values.yaml\npostgresql:\n  auth:\n    existingSecret: postgres-credentials\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if ctx.kind() != VALUES_KIND {
        return;
    }
    let Some(values) = ctx.raw().get(VALUES_FIELD) else {
        return;
    };
    let mut found = Vec::new();
    walk(values, &Pointer::root().join(VALUES_FIELD), "", "", &mut found);
    for (ptr, path, d) in found {
        out.emit(
            ptr,
            format!("{path} holds a credential ({d}); reference a Secret instead"),
        );
    }
}

/// Collects the credentials among the strings of `v` (at `ptr`, dotted key path `path`), each
/// judged with its key `name`.
fn walk(
    v: &Value,
    ptr: &Pointer,
    path: &str,
    name: &str,
    out: &mut Vec<(Pointer, String, Detection)>,
) {
    match v {
        Value::String(s) => {
            if let Some(d) = credential::detect(name, s) {
                out.push((ptr.clone(), path.to_string(), d));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &ptr.join(i), &format!("{path}[{i}]"), name, out);
            }
        }
        Value::Object(map) => {
            let entry_name = map.get("name").and_then(Value::as_str);
            for (k, child) in map {
                let child_name = match (k.as_str(), entry_name) {
                    ("value", Some(n)) => n,
                    _ => k.as_str(),
                };
                let child_path = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(child, &ptr.join(k), &child_path, child_name, out);
            }
        }
        _ => {}
    }
}
