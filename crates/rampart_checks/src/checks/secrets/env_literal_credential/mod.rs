//! `env-literal-credential`: an environment variable whose name looks like a credential has a
//! literal value in the manifest.
//!
//! Names are matched on words such as PASSWORD, SECRET, TOKEN, API_KEY or PRIVATE_KEY; names that
//! refer to a credential without holding it (`*_FILE`, `*_PATH`, `*_NAME`, `*_ID`, `*_URL` ...)
//! and `$(VAR)` references are ignored, as are `valueFrom` sources.

use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "env-literal-credential",
        title: "Credential in a literal environment variable",
        severity: Severity::High,
        category: Category::Secrets,
        controls: &[common::NSA_SECRETS, common::MITRE_CREDS_IN_FILES],
        rationale: "A password, token or key written as a literal `value` lives in the manifest: \
            in Git history, CI logs, Helm release records and the object itself, readable by \
            anyone who can read the workload (`get deployments` is rarely treated as sensitive). \
            It cannot be rotated without a redeploy and is invisible to secret management.",
        remediation:
            "Move the value into a Secret (ideally synced from an external secret manager) \
            and mount it as a file, or reference it with `valueFrom.secretKeyRef`. Rotate the \
            exposed credential: it is already in the repository's history.",
        kinds: common::POD_KINDS,
        example_fail: "env:\n- name: DB_PASSWORD\n  value: hunter2\n",
        example_pass: "env:\n- name: DB_PASSWORD_FILE\n  value: /var/run/secrets/db/password\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for c in &w.containers {
        for (ptr, e) in common::items(c.value, &c.ptr, "env") {
            let Some(name) = e.get("name").and_then(Value::as_str) else {
                continue;
            };
            let Some(value) = common::non_empty_str(e.get("value")) else {
                continue;
            };
            if common::looks_like_credential(name) && !common::is_var_reference(value) {
                out.emit(
                    ptr.join("value"),
                    format!(
                        "{} sets {name} to a literal value; credentials belong in a Secret",
                        c.label()
                    ),
                );
            }
        }
    }
}
