//! `cpu-request-missing`: a container has no CPU request.
//!
//! Init and regular containers are checked; ephemeral containers cannot set resources. A pod-level
//! `spec.resources.requests.cpu` covers every container. A limit without a request
//! counts as a request, as Kubernetes then sets the request to the limit. A LimitRange may fill in
//! defaults at admission, which a manifest scan cannot see; set the value explicitly.

use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::checks::resources::{missing, Res, Section};
use crate::{Check, Ctx, Emitted, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "cpu-request-missing",
        title: "Container has no CPU request",
        severity: Severity::Low,
        category: Category::Resources,
        controls: &[common::NSA_RESOURCE_POLICIES],
        rationale: "The scheduler places pods by their requests. A container without a CPU request is treated as needing none: nodes get overcommitted, and under contention the container gets only a minimal share of CPU, which makes latency unpredictable and masks capacity problems until they become outages.",
        remediation: "Set `resources.requests.cpu` on every container to its typical usage (or enforce a default with a LimitRange in the namespace).",
        kinds: common::POD_KINDS,
        example_fail: "containers:\n- name: app\n  image: app:1.0\n  resources:\n    limits: {memory: 256Mi}\n",
        example_pass: "containers:\n- name: app\n  image: app:1.0\n  resources:\n    requests: {cpu: 100m}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for (c, ptr) in missing(w, Section::Requests, Res::Cpu) {
        out.result(Emitted::fail(ptr, format!("{} has no CPU request", c.label())).with_fix(super::fix(c, Section::Requests, Res::Cpu)));
    }
}
