//! `run-as-gid-zero`: the pod or a container explicitly runs with the root group
//! (`runAsGroup: 0`), or the pod sets `fsGroup: 0`.

use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "run-as-gid-zero",
        title: "Container runs with the root group (gid 0)",
        severity: Severity::Low,
        category: Category::PodSecurity,
        controls: &[common::NSA_NON_ROOT, common::NIST_RUNTIME_CONFIG],
        rationale:
            "A process in group 0 can read and write every file of the image and of mounted \
            volumes that is group-owned by root, which many images leave group-writable. With \
            `fsGroup: 0`, every volume the pod mounts becomes owned by the root group. It weakens \
            a non-root user considerably.",
        remediation: "Set `runAsGroup` (and `fsGroup`) to a non-zero gid such as 10001, and make \
            the image's files owned by that group where the process must write them.",
        kinds: common::POD_KINDS,
        example_fail: "securityContext:\n  runAsUser: 10001\n  runAsGroup: 0\n",
        example_pass: "securityContext:\n  runAsUser: 10001\n  runAsGroup: 10001\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for field in ["runAsGroup", "fsGroup"] {
        if w.pod_sc(field).and_then(Value::as_i64) == Some(0) {
            out.emit(
                w.pod_sc_ptr(field),
                format!("the pod's securityContext sets {field}: 0 (root group)"),
            );
        }
    }
    for c in &w.containers {
        if c.sc("runAsGroup").and_then(Value::as_i64) == Some(0) {
            out.emit(
                c.sc_ptr("runAsGroup"),
                format!("{} sets runAsGroup: 0 (root group)", c.label()),
            );
        }
    }
}
