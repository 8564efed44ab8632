//! `memory-limit-missing`: a container has no memory limit.
//!
//! Init and regular containers are checked; ephemeral containers cannot set resources. A pod-level
//! `spec.resources.limits.memory` covers every container. A LimitRange may fill in
//! defaults at admission, which a manifest scan cannot see; set the value explicitly.

use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::checks::resources::{missing, Res, Section};
use crate::{Check, Ctx, Emitted, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "memory-limit-missing",
        title: "Container has no memory limit",
        severity: Severity::Medium,
        category: Category::Resources,
        controls: &[common::NSA_RESOURCE_POLICIES, common::MITRE_DOS],
        rationale: "Without a memory limit a leaking or malicious container can consume all of the node's memory. The kernel's out-of-memory killer then kills processes across the node, and the kubelet evicts other pods: one workload takes down its neighbours.",
        remediation: "Set `resources.limits.memory` on every container, sized from observed peak usage (or enforce a default with a LimitRange in the namespace).",
        kinds: common::POD_KINDS,
        example_fail: "containers:\n- name: app\n  image: app:1.0\n  resources:\n    requests: {memory: 128Mi}\n",
        example_pass: "containers:\n- name: app\n  image: app:1.0\n  resources:\n    requests: {memory: 128Mi}\n    limits: {memory: 256Mi}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for (c, ptr) in missing(w, Section::Limits, Res::Memory) {
        out.result(Emitted::fail(ptr, format!("{} has no memory limit", c.label())).with_fix(super::fix(c, Section::Limits, Res::Memory)));
    }
}
