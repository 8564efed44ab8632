//! `secret-in-env`: a container receives a Secret through environment variables.

use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "secret-in-env",
        title: "Secret exposed as environment variables",
        severity: Severity::Info,
        category: Category::Secrets,
        controls: &[common::cis("5.4.1")],
        rationale:
            "Environment variables leak more easily than files: they are inherited by every \
            child process, dumped by crash reporters and debug endpoints, printed by `env` in \
            support sessions, and readable from `/proc/<pid>/environ`. They are also fixed at \
            start, so a rotated Secret needs a restart. Secrets mounted as files avoid all this.",
        remediation: "Mount the Secret as a volume (`secret:` volume, ideally read-only with \
            narrow `items`) and have the application read the file, e.g. through a `*_FILE` \
            variable pointing at it.",
        kinds: common::POD_KINDS,
        example_fail:
            "env:\n- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef: {name: db, key: password}\n",
        example_pass: "env:\n- name: DB_PASSWORD_FILE\n  value: /var/run/secrets/db/password\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for c in &w.containers {
        for (ptr, e) in common::items(c.value, &c.ptr, "env") {
            let Some(r) = e.get("valueFrom").and_then(|v| v.get("secretKeyRef")) else {
                continue;
            };
            let name = e.get("name").and_then(Value::as_str).unwrap_or("?");
            let secret = r.get("name").and_then(Value::as_str).unwrap_or("?");
            out.emit(
                ptr.join("valueFrom").join("secretKeyRef"),
                format!(
                    "{} reads Secret \"{secret}\" into environment variable {name}",
                    c.label()
                ),
            );
        }
        for (ptr, e) in common::items(c.value, &c.ptr, "envFrom") {
            let Some(r) = e.get("secretRef") else {
                continue;
            };
            let secret = r.get("name").and_then(Value::as_str).unwrap_or("?");
            out.emit(
                ptr.join("secretRef"),
                format!(
                    "{} loads every key of Secret \"{secret}\" as environment variables",
                    c.label()
                ),
            );
        }
    }
}
