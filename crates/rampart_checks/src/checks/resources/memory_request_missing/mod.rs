//! `memory-request-missing`: a container has no memory request.
//!
//! Init and regular containers are checked; ephemeral containers cannot set resources. A pod-level
//! `spec.resources.requests.memory` covers every container. A limit without a request
//! counts as a request, as Kubernetes then sets the request to the limit. A LimitRange may fill in
//! defaults at admission, which a manifest scan cannot see; set the value explicitly.

use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::checks::resources::{missing, Res, Section};
use crate::{Check, Ctx, Emitted, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "memory-request-missing",
        title: "Container has no memory request",
        severity: Severity::Low,
        category: Category::Resources,
        controls: &[common::NSA_RESOURCE_POLICIES],
        rationale: "The scheduler places pods by their requests. A container without a memory request is treated as needing none: nodes get overcommitted, and when memory runs short the kubelet evicts pods using more than they requested first, causing restarts that look random.",
        remediation: "Set `resources.requests.memory` on every container to its typical usage (or enforce a default with a LimitRange in the namespace).",
        kinds: common::POD_KINDS,
        example_fail: "containers:\n- name: app\n  image: app:1.0\n  resources:\n    limits: {cpu: 500m}\n",
        example_pass: "containers:\n- name: app\n  image: app:1.0\n  resources:\n    requests: {memory: 128Mi}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for (c, ptr) in missing(w, Section::Requests, Res::Memory) {
        out.result(Emitted::fail(ptr, format!("{} has no memory request", c.label())).with_fix(super::fix(c, Section::Requests, Res::Memory)));
    }
}
