//! `duplicate-env-var`: a container defines the same environment variable twice.
//!
//! Only `env` entries are compared (names from `envFrom` may be overridden on purpose).

use std::collections::HashMap;

use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "duplicate-env-var",
        title: "Container defines an environment variable twice",
        severity: Severity::Low,
        category: Category::Hygiene,
        controls: &[common::NIST_RUNTIME_CONFIG],
        rationale: "When `env` names a variable twice the API server keeps both entries and the \
            last one wins, silently. Reviewers read the first value, tools that merge patches \
            (kubectl apply, Kustomize, Helm) may keep either, and a security setting (a TLS \
            switch, a feature flag, a credential reference) ends up other than the one approved.",
        remediation: "Keep one entry per variable name in each container's `env`.",
        kinds: common::POD_KINDS,
        example_fail: "env:\n- {name: TLS_VERIFY, value: \"true\"}\n- {name: TLS_VERIFY, value: \"false\"}\n",
        example_pass: "env:\n- {name: TLS_VERIFY, value: \"true\"}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for c in &w.containers {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, (ptr, e)) in common::items(c.value, &c.ptr, "env").enumerate() {
            let Some(name) = e.get("name").and_then(Value::as_str) else {
                continue;
            };
            if let Some(first) = seen.insert(name, i) {
                out.emit(
                    ptr,
                    format!(
                        "{} sets {name} again (first at env[{first}]); the last entry wins",
                        c.label()
                    ),
                );
            }
        }
    }
}
