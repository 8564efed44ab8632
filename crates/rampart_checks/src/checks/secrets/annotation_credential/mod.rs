//! `annotation-credential`: an annotation holds a credential.
//!
//! Every annotation of the object and of its pod template is judged by its value alone (the
//! value shapes of the shared detector, `secrets::credential`: known token formats, JWTs,
//! private keys, URLs with a password, `password=...` settings), since annotation names such as
//! `nginx.ingress.kubernetes.io/auth-secret` name Secrets rather than hold credentials.
//! `kubectl.kubernetes.io/last-applied-configuration` embeds a whole earlier version of the
//! object: its JSON is walked and every string judged with its field name (an `env` entry's
//! `name` for its `value`). A value equal to the object's own field at the same place is left to
//! the checks of that field (`env-literal-credential`, `configmap-credential` ...), and a
//! Secret's `data` and `stringData` to `secret-last-applied-data`.

use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::checks::secrets::credential::{self, Detection};
use crate::{Check, Ctx, Emitter, Run};

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

pub static CHECK: Check = Check {
    meta: meta! {
        id: "annotation-credential",
        title: "Credential in an annotation",
        severity: Severity::Medium,
        category: Category::Secrets,
        controls: &[common::NSA_SECRETS, common::MITRE_CREDS_IN_FILES],
        rationale: "Annotations are metadata: anyone who can list or watch the object sees them, \
            as do controllers, dashboards, audit logs at the Metadata level and every tool that \
            prints objects. A credential there is as exposed as the object's name. \
            `kubectl apply` copies the whole applied object into the \
            `last-applied-configuration` annotation, so a credential written in an earlier \
            version (or in a field later moved to a Secret) stays readable there.",
        remediation: "Keep credentials in Secrets and reference them; remove the annotation \
            (`kubectl annotate KIND NAME KEY-`), prefer `kubectl apply --server-side` (which \
            keeps no last-applied copy), and rotate the exposed credential.",
        kinds: &[],
        example_fail: "metadata:\n  annotations:\n    example.com/webhook: https://hooks.slack.com/services/T0000/B0000/abcdefghijklmnopqrstuvwx\n",
        example_pass: "metadata:\n  annotations:\n    nginx.ingress.kubernetes.io/auth-secret: basic-auth\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let mut sets = vec![(
        ctx.raw().get("metadata"),
        Pointer::root().join("metadata"),
    )];
    if let Some(w) = &ctx.workload {
        if !w.meta_ptr.as_str().is_empty() && w.meta_ptr.as_str() != "/metadata" {
            sets.push((Some(w.meta), w.meta_ptr.clone()));
        }
    }
    for (meta, meta_ptr) in sets {
        let Some(Value::Object(annotations)) = meta.and_then(|m| m.get("annotations")) else {
            continue;
        };
        let ptr = meta_ptr.join("annotations");
        for (key, value) in annotations {
            let Some(text) = value.as_str() else { continue };
            if key == LAST_APPLIED {
                if let Ok(applied) = serde_json::from_str::<Value>(text) {
                    let mut found = Vec::new();
                    walk(ctx, &applied, &Pointer::root(), "", &mut found);
                    if let Some((at, d)) = found.first() {
                        let more = if found.len() > 1 {
                            format!(" and {} more", found.len() - 1)
                        } else {
                            String::new()
                        };
                        out.emit(
                            ptr.join(key),
                            format!(
                                "the last-applied-configuration annotation holds a credential at \
                                 {at}{more} ({d})"
                            ),
                        );
                    }
                    continue;
                }
            }
            if let Some(d) = credential::detect_text(text) {
                out.emit(
                    ptr.join(key),
                    format!("annotation {key} holds a credential ({d})"),
                );
            }
        }
    }
}

/// Collects the credentials among the strings of the last-applied object `v` (at `at`), each
/// judged with its field name.
fn walk(ctx: &Ctx, v: &Value, at: &Pointer, name: &str, out: &mut Vec<(String, Detection)>) {
    match v {
        Value::String(s) => {
            // The object's own field: its own checks judge it.
            if ctx.raw().pointer(at.as_str()) == Some(v) {
                return;
            }
            if let Some(d) = credential::detect(name, s) {
                out.push((at.as_str().to_string(), d));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(ctx, item, &at.join(i), name, out);
            }
        }
        Value::Object(map) => {
            // A Secret's values: `secret-last-applied-data`.
            if at.as_str().is_empty() && ctx.kind() == "Secret" {
                for (k, child) in map {
                    if k != "data" && k != "stringData" {
                        walk(ctx, child, &at.join(k), k, out);
                    }
                }
                return;
            }
            // `{name: DB_PASSWORD, value: ...}` (env entries): the value is judged by the name.
            let entry_name = map.get("name").and_then(Value::as_str);
            for (k, child) in map {
                let child_name = match (k.as_str(), entry_name) {
                    ("value", Some(n)) => n,
                    _ => k.as_str(),
                };
                walk(ctx, child, &at.join(k), child_name, out);
            }
        }
        _ => {}
    }
}
