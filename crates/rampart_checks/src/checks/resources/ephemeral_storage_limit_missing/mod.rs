//! `ephemeral-storage-limit-missing`: a container has no ephemeral-storage limit.
//!
//! Init and regular containers are checked; a pod-level `spec.resources.limits` covers them all.
//! A LimitRange may fill in a default at admission, which a manifest scan cannot see.

use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::checks::resources::{missing, Res, Section};
use crate::{Check, Ctx, Emitted, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "ephemeral-storage-limit-missing",
        title: "Container has no ephemeral-storage limit",
        severity: Severity::Low,
        category: Category::Resources,
        controls: &[common::NSA_RESOURCE_POLICIES, common::MITRE_DOS],
        rationale: "Container logs, the writable layer and emptyDir volumes share the node's \
            ephemeral storage. Without a limit one container can fill the node's disk: the \
            kubelet then evicts pods by the dozen (DiskPressure), and the node stops accepting \
            new ones. A limit makes the kubelet evict the offender alone.",
        remediation: "Set `resources.limits.ephemeral-storage` (and a request) on every \
            container, or enforce defaults with a LimitRange in the namespace.",
        kinds: common::POD_KINDS,
        example_fail: "resources:\n  limits: {memory: 256Mi}\n",
        example_pass: "resources:\n  limits: {memory: 256Mi, ephemeral-storage: 1Gi}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for (c, ptr) in missing(w, Section::Limits, Res::EphemeralStorage) {
        out.result(Emitted::fail(ptr, format!("{} has no ephemeral-storage limit", c.label())).with_fix(super::fix(c, Section::Limits, Res::EphemeralStorage)));
    }
}
