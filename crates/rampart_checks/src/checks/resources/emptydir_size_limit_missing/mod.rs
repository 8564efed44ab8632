//! `emptydir-size-limit-missing`: an `emptyDir` volume has no `sizeLimit`.
//!
//! A memory-backed emptyDir (`medium: Memory`) counts against the container's memory limit on
//! recent kubelets, yet a size limit still makes the intent explicit; both are reported.

use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "emptydir-size-limit-missing",
        title: "emptyDir volume has no size limit",
        severity: Severity::Low,
        category: Category::Resources,
        controls: &[common::NSA_RESOURCE_POLICIES, common::MITRE_DOS],
        rationale: "An `emptyDir` lives on the node's disk (or in its memory with `medium: \
            Memory`). Without `sizeLimit` a container that writes without bound (a runaway log, \
            an attacker filling a scratch directory) exhausts the node's ephemeral storage or \
            memory, and the kubelet evicts other pods to recover.",
        remediation: "Set `emptyDir.sizeLimit` on every emptyDir volume, and give containers \
            `ephemeral-storage` requests and limits.",
        kinds: common::POD_KINDS,
        example_fail: "volumes:\n- name: tmp\n  emptyDir: {}\n",
        example_pass: "volumes:\n- name: tmp\n  emptyDir: {sizeLimit: 256Mi}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for (ptr, v) in w.volumes() {
        let Some(dir) = v.get("emptyDir") else {
            continue;
        };
        if !(dir.is_object() || dir.is_null()) {
            continue;
        }
        let limited = match dir.get("sizeLimit") {
            Some(Value::String(s)) => !s.trim().is_empty(),
            Some(Value::Number(_)) => true,
            _ => false,
        };
        if limited {
            continue;
        }
        let name = v.get("name").and_then(Value::as_str).unwrap_or("?");
        let medium = if dir.get("medium").and_then(Value::as_str) == Some("Memory") {
            " (memory-backed)"
        } else {
            ""
        };
        out.emit(
            ptr.join("emptyDir"),
            format!("emptyDir volume {name:?}{medium} has no sizeLimit"),
        );
    }
}
