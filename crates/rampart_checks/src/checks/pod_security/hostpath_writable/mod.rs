//! `hostpath-writable`: a container mounts a hostPath volume without `readOnly: true`.
//!
//! Each mount of a hostPath volume is judged on its own (`volumeMounts[].readOnly`); the finding
//! points at the mount. `hostpath-volume` reports the volume itself.

use std::collections::HashSet;

use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "hostpath-writable",
        title: "Container mounts a hostPath volume writable",
        severity: Severity::High,
        category: Category::PodSecurity,
        controls: &[
            common::cis("5.2.12"),
            common::NIST_HOST_FS,
            common::NSA_IMMUTABLE_FS,
            common::MITRE_ESCAPE,
        ],
        rationale: "A writable hostPath mount lets the container change the node's files: plant \
            a binary or a cron job the host runs, edit the kubelet's configuration or static pod \
            manifests, replace another pod's data, or fill the node's disk. Read-only mounts \
            still expose data but cannot change the host.",
        remediation: "Set `readOnly: true` on every mount of a hostPath volume; if the workload \
            must write, give it a dedicated directory and keep it in a restricted namespace.",
        kinds: common::POD_KINDS,
        example_fail: "volumes:\n- name: logs\n  hostPath: {path: /var/log}\ncontainers:\n- name: app\n  volumeMounts:\n  - {name: logs, mountPath: /logs}\n",
        example_pass: "volumes:\n- name: logs\n  hostPath: {path: /var/log}\ncontainers:\n- name: app\n  volumeMounts:\n  - {name: logs, mountPath: /logs, readOnly: true}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    let host_volumes: HashSet<&str> = w
        .volumes()
        .filter(|(_, v)| v.get("hostPath").is_some_and(Value::is_object))
        .filter_map(|(_, v)| v.get("name").and_then(Value::as_str))
        .collect();
    if host_volumes.is_empty() {
        return;
    }
    for c in &w.containers {
        for (ptr, m) in common::items(c.value, &c.ptr, "volumeMounts") {
            let Some(name) = m.get("name").and_then(Value::as_str) else {
                continue;
            };
            if !host_volumes.contains(name) || common::is_true(m.get("readOnly")) {
                continue;
            }
            let path = m.get("mountPath").and_then(Value::as_str).unwrap_or("?");
            out.emit(
                common::field_or_parent(m, &ptr, "readOnly"),
                format!("{} mounts hostPath volume {name:?} writable at {path}", c.label()),
            );
        }
    }
}
