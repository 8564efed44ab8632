//! `read-only-root-filesystem`: a container's root filesystem is writable.
//!
//! Not checked on Windows pods (`spec.os.name: windows`), which do not support the setting.

use rampart_model::{meta, Category, Container, Fix, Severity, Workload};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitted, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "read-only-root-filesystem",
        title: "Container root filesystem is writable",
        severity: Severity::Medium,
        category: Category::PodSecurity,
        controls: &[
            common::cis("5.7.3"),
            common::NSA_IMMUTABLE_FS,
            common::NIST_APP_VULNS,
        ],
        rationale: "A writable root filesystem lets an attacker who gets code execution drop tools, \
            modify binaries and configuration of the running application, and persist until the \
            container is restarted. An immutable root filesystem confines writes to the volumes \
            you declare, which are easier to monitor.",
        remediation: "Set `securityContext.readOnlyRootFilesystem: true` on the container and \
            mount an `emptyDir` at the paths the process must write (e.g. `/tmp`, caches).",
        kinds: common::POD_KINDS,
        example_fail: "containers:\n- name: app\n  image: app:1.0\n  securityContext:\n    readOnlyRootFilesystem: false\n",
        example_pass: "containers:\n- name: app\n  image: app:1.0\n  securityContext:\n    readOnlyRootFilesystem: true\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    if common::is_windows(w) {
        return;
    }
    // The first fix of the pod adds the /tmp volume; the others mount it.
    let mut volume_added = false;
    for c in &w.containers {
        let ptr = match c.sc("readOnlyRootFilesystem").and_then(Value::as_bool) {
            Some(true) => continue,
            Some(false) => c.sc_ptr("readOnlyRootFilesystem"),
            None => common::sc_or_container(c),
        };
        let message = if ptr == common::sc_or_container(c) {
            format!(
                "{} does not set readOnlyRootFilesystem: true (its root filesystem is writable)",
                c.label()
            )
        } else {
            format!("{} has a writable root filesystem", c.label())
        };
        out.result(Emitted::fail(ptr, message).with_fix(fix(w, c, &mut volume_added)));
    }
}

/// Name and size of the emptyDir the fix mounts at /tmp, where most programs write.
const TMP_VOLUME: &str = "tmp";
const TMP_VOLUME_FALLBACK: &str = "rampart-tmp";
const TMP_SIZE: &str = "256Mi";

/// Sets `readOnlyRootFilesystem: true` and, unless the container already mounts something at
/// `/tmp`, mounts an emptyDir there. Unsafe: a program that writes elsewhere will fail.
fn fix(w: &Workload, c: &Container, volume_added: &mut bool) -> Fix {
    let mut edits = vec![common::set(
        c.sc_ptr("readOnlyRootFilesystem"),
        Value::Bool(true),
    )];
    let mounts_tmp = c
        .value
        .get("volumeMounts")
        .and_then(Value::as_array)
        .is_some_and(|m| {
            m.iter().any(|m| {
                m.get("mountPath")
                    .and_then(Value::as_str)
                    .is_some_and(|p| p.trim_end_matches('/') == "/tmp")
            })
        });
    if !mounts_tmp {
        let volumes: Vec<&Value> = w.volumes().map(|(_, v)| v).collect();
        let named = |n: &str| {
            volumes
                .iter()
                .find(|v| v.get("name").and_then(Value::as_str) == Some(n))
        };
        // Reuse an emptyDir called `tmp`; pick another name when `tmp` is something else.
        let (name, exists) = match named(TMP_VOLUME) {
            None => (TMP_VOLUME, false),
            Some(v) if v.get("emptyDir").is_some() => (TMP_VOLUME, true),
            Some(_) => (TMP_VOLUME_FALLBACK, named(TMP_VOLUME_FALLBACK).is_some()),
        };
        if !exists && !*volume_added {
            *volume_added = true;
            edits.push(common::append(
                Some(w.spec),
                &w.spec_ptr,
                "volumes",
                serde_json::json!({"name": name, "emptyDir": {"sizeLimit": TMP_SIZE}}),
            ));
        }
        edits.push(common::append(
            Some(c.value),
            &c.ptr,
            "volumeMounts",
            serde_json::json!({"name": name, "mountPath": "/tmp"}),
        ));
    }
    Fix {
        description: "set securityContext.readOnlyRootFilesystem: true and mount an emptyDir at /tmp"
            .into(),
        safe: false,
        edits,
    }
}
