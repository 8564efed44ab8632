//! `run-as-low-gid`: a container runs with a group id below 10000 (and above 0).
//!
//! The effective `runAsGroup` is judged (container, else pod). 0 is left to the root checks;
//! an unset value is left to `run-as-non-root`. Windows pods are skipped.

use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "run-as-low-gid",
        title: "Container runs with a low group id",
        severity: Severity::Low,
        category: Category::PodSecurity,
        controls: &[common::NSA_NON_ROOT, common::NIST_RUNTIME_CONFIG],
        rationale: "Without user namespaces a container's ids are the node's ids. Ids below 10000 \
            are where the node's own system groups live (daemons, `nobody` at 65534 aside): a \
            process that escapes the container, or reaches a host path, acts as that group and \
            gets whatever files and sockets it owns. A high, dedicated id owns nothing on the node.",
        remediation: "Set `securityContext.runAsGroup` to a dedicated id of 10000 or more (and build \
            the image with that group).",
        kinds: common::POD_KINDS,
        example_fail: "securityContext:\n  runAsGroup: 1000\n",
        example_pass: "securityContext:\n  runAsGroup: 10001\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    if common::is_windows(w) {
        return;
    }
    for c in &w.containers {
        let Some((id, ptr)) = common::effective_i64(w, c, "runAsGroup") else {
            continue;
        };
        if (1..10000).contains(&id) {
            out.emit(ptr, format!("{} runs as group id {id} (below 10000)", c.label()));
        }
    }
}
