//! `cpu-limit-missing`: a container has no CPU limit.
//!
//! Init and regular containers are checked; ephemeral containers cannot set resources. A pod-level
//! `spec.resources.limits.cpu` covers every container. A LimitRange may fill in
//! defaults at admission, which a manifest scan cannot see; set the value explicitly.

use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::checks::resources::{missing, Res, Section};
use crate::{Check, Ctx, Emitted, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "cpu-limit-missing",
        title: "Container has no CPU limit",
        severity: Severity::Low,
        category: Category::Resources,
        controls: &[common::NSA_RESOURCE_POLICIES, common::MITRE_DOS],
        rationale: "Without a CPU limit a container can use every idle CPU of the node. A busy loop, a compromised process mining cryptocurrency or a traffic spike then starves its neighbours of the CPU time above their requests and degrades the node's system daemons.",
        remediation: "Set `resources.limits.cpu` on every container, sized from observed usage (or enforce a default with a LimitRange in the namespace).",
        kinds: common::POD_KINDS,
        example_fail: "containers:\n- name: app\n  image: app:1.0\n  resources:\n    requests: {cpu: 100m}\n",
        example_pass: "containers:\n- name: app\n  image: app:1.0\n  resources:\n    requests: {cpu: 100m}\n    limits: {cpu: 500m}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for (c, ptr) in missing(w, Section::Limits, Res::Cpu) {
        out.result(Emitted::fail(ptr, format!("{} has no CPU limit", c.label())).with_fix(super::fix(c, Section::Limits, Res::Cpu)));
    }
}
