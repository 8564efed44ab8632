//! `args-literal-credential`: a container's command or arguments carry a literal credential.
//!
//! Each `command` and `args` item is judged by the shared detector (`secrets::credential`):
//! `--password=VALUE` and `-Ddb.password=VALUE` flags (the flag name judged like an environment
//! variable name), a credential-named flag followed by its value as the next item
//! (`--token`, `VALUE`), and anywhere in an item (a `sh -c` script) the value shapes that are
//! credentials whatever their name: known token formats, JWTs, private keys, URLs with a password
//! and `password=...` settings. `$(VAR)` references, file paths and placeholders pass. Messages
//! name the kind of credential, never its value.

use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::checks::secrets::credential;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "args-literal-credential",
        title: "Credential in a container's command or arguments",
        severity: Severity::High,
        category: Category::Secrets,
        controls: &[common::NSA_SECRETS, common::MITRE_CREDS_IN_FILES],
        rationale: "Command lines are the least private place for a credential: besides living in \
            the manifest (Git history, CI logs, Helm release records), they are visible to every \
            process on the node through `/proc/<pid>/cmdline` and `ps`, shown by `kubectl \
            describe pod`, and recorded by runtime audit and process-monitoring tools.",
        remediation: "Put the credential in a Secret mounted as a file and pass the file's path \
            (`--password-file=/var/run/secrets/db/password`), or read it from an environment \
            variable set with `valueFrom.secretKeyRef` (`--password=$(DB_PASSWORD)` expands it \
            without writing it in the manifest, though it still shows in the process's command \
            line). Rotate the exposed credential.",
        kinds: common::POD_KINDS,
        example_fail: "containers:\n- name: app\n  image: app:1\n  args: [\"--db-password=hunter2\"]\n",
        example_pass: "containers:\n- name: app\n  image: app:1\n  args: [\"--db-password-file=/var/run/secrets/db/password\"]\n",
    },
    run: Run::Object(run),
};

/// The flag name of a `--name=value` / `-Dname=value` item, and its value.
fn flag_setting(item: &str) -> Option<(&str, &str)> {
    let (flag, value) = item.split_once('=')?;
    if !flag.starts_with('-') || flag.contains(char::is_whitespace) {
        return None;
    }
    let name = flag.trim_start_matches('-');
    // `-Ddb.password`: a Java system property.
    let name = name.strip_prefix('D').filter(|n| n.contains('.')).unwrap_or(name);
    Some((name, value))
}

/// A flag without a value (`--token`), whose value is the next item.
fn bare_flag(item: &str) -> Option<&str> {
    (item.starts_with("--") && !item.contains(['=', ' '])).then(|| item.trim_start_matches('-'))
}

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for c in &w.containers {
        for field in ["command", "args"] {
            let Some(Value::Array(items)) = c.value.get(field) else {
                continue;
            };
            let mut skip_next = false;
            for (i, item) in items.iter().enumerate() {
                if std::mem::take(&mut skip_next) {
                    continue;
                }
                let Some(item) = item.as_str() else { continue };
                let ptr = c.ptr.join(field).join(i);
                let found = if let Some((name, value)) = flag_setting(item) {
                    credential::detect(name, value)
                        .map(|d| (ptr, format!("flag --{name}"), d))
                } else if let (Some(name), Some(next)) =
                    (bare_flag(item), items.get(i + 1).and_then(Value::as_str))
                {
                    match credential::detect(name, next).filter(|_| !next.starts_with('-')) {
                        Some(d) => {
                            skip_next = true;
                            Some((c.ptr.join(field).join(i + 1), format!("the value of --{name}"), d))
                        }
                        None => credential::detect_text(item).map(|d| (ptr, format!("item {i}"), d)),
                    }
                } else {
                    credential::detect_text(item).map(|d| (ptr, format!("item {i}"), d))
                };
                if let Some((ptr, what, d)) = found {
                    out.emit(
                        ptr,
                        format!(
                            "{} passes a literal credential in its {field} ({what}: {d}); \
                             credentials belong in a Secret",
                            c.label()
                        ),
                    );
                }
            }
        }
    }
}
