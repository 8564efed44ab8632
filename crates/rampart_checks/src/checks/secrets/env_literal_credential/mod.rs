//! `env-literal-credential`: an environment variable holds a literal credential in the manifest.
//!
//! The shared detector (`secrets::credential`) judges each name and literal value: values that are
//! credentials whatever the name (PEM private keys, AWS/GitHub/Slack/Stripe/Google keys, JWTs,
//! URLs with a password, `password=...` inside a longer value), and names such as PASSWORD, PWD,
//! SECRET, TOKEN, API_KEY or `*_KEY` with a literal value. Names that refer to a credential without
//! holding it (`*_FILE`, `*_URL`, `PUBLIC_KEY` ...), references (`$(VAR)`, `${VAR}`), file paths,
//! placeholders and `valueFrom` sources are ignored.

use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::checks::secrets::credential;
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
            if let Some(found) = credential::detect(name, value) {
                out.emit(
                    ptr.join("value"),
                    format!(
                        "{} sets {name} to a literal credential ({found}); credentials belong \
                         in a Secret",
                        c.label()
                    ),
                );
            }
        }
    }
}
