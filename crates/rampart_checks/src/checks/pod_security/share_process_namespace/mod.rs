//! `share-process-namespace`: the containers of the pod share one process namespace.

use rampart_model::{meta, Category, Severity};

use crate::checks::common::{self, is_true};
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "share-process-namespace",
        title: "Pod containers share a process namespace",
        severity: Severity::Low,
        category: Category::PodSecurity,
        controls: &[common::NIST_RUNTIME_CONFIG],
        rationale: "With `shareProcessNamespace: true` every container of the pod sees the \
            processes of the others, can signal them, and can read their environment and their \
            filesystem through `/proc/<pid>/root`. A compromised sidecar then reaches the \
            application's secrets, and the reverse.",
        remediation: "Remove `shareProcessNamespace: true` unless a sidecar must manage the main \
            process (e.g. reload signals); for debugging, use `kubectl debug` with an ephemeral \
            container targeting one container instead.",
        kinds: common::POD_KINDS,
        example_fail: "spec:\n  shareProcessNamespace: true\n",
        example_pass: "spec:\n  shareProcessNamespace: false\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    if is_true(w.get("shareProcessNamespace")) {
        out.emit(
            w.ptr("shareProcessNamespace"),
            "the pod's containers share one process namespace (shareProcessNamespace)",
        );
    }
}
