//! `secret-subpath-mount`: a Secret (or projected Secret) volume is mounted with `subPath`.

use std::collections::HashSet;

use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "secret-subpath-mount",
        title: "Secret volume mounted with subPath never sees rotation",
        severity: Severity::Low,
        category: Category::Secrets,
        controls: &[common::NSA_SECRETS, common::cis("5.4.1")],
        rationale: "The kubelet updates Secret volumes in place when the Secret changes, but a \
            `subPath` mount is a bind mount of one file taken at container start: it never \
            receives updates. After a credential is rotated or revoked, the container keeps \
            using (and exposing) the old value until it restarts, and rotation appears to work \
            while it does not.",
        remediation: "Mount the whole Secret volume at a directory (use `items` to pick keys and \
            file names) instead of a `subPath`, or restart the workload on every rotation (for \
            example with a checksum annotation of the Secret).",
        kinds: common::POD_KINDS,
        example_fail: "volumeMounts:\n- {name: creds, mountPath: /etc/app/key.pem, subPath: key.pem}\nvolumes:\n- name: creds\n  secret: {secretName: app-tls}\n",
        example_pass: "volumeMounts:\n- {name: creds, mountPath: /etc/app/tls}\nvolumes:\n- name: creds\n  secret: {secretName: app-tls}\n",
    },
    run: Run::Object(run),
};

fn is_secret_volume(v: &Value) -> bool {
    v.get("secret").is_some_and(Value::is_object)
        || v.pointer("/projected/sources")
            .and_then(Value::as_array)
            .is_some_and(|s| s.iter().any(|s| s.get("secret").is_some()))
}

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    let secret_volumes: HashSet<&str> = w
        .volumes()
        .filter(|(_, v)| is_secret_volume(v))
        .filter_map(|(_, v)| v.get("name").and_then(Value::as_str))
        .collect();
    if secret_volumes.is_empty() {
        return;
    }
    for c in &w.containers {
        for (ptr, m) in common::items(c.value, &c.ptr, "volumeMounts") {
            let Some(name) = m.get("name").and_then(Value::as_str) else {
                continue;
            };
            let sub = ["subPath", "subPathExpr"]
                .into_iter()
                .find(|f| common::non_empty_str(m.get(*f)).is_some());
            if let (true, Some(field)) = (secret_volumes.contains(name), sub) {
                out.emit(
                    ptr.join(field),
                    format!(
                        "{} mounts Secret volume {name:?} with {field}: it will not see a rotated value",
                        c.label()
                    ),
                );
            }
        }
    }
}
