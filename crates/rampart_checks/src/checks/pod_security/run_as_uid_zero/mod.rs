//! `run-as-uid-zero`: the pod or a container explicitly runs as uid 0 (`runAsUser: 0`).

use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "run-as-uid-zero",
        title: "Container runs as root (runAsUser: 0)",
        severity: Severity::High,
        category: Category::PodSecurity,
        controls: &[
            common::pss_restricted("Running as Non-root user"),
            common::cis("5.2.7"),
            common::NSA_NON_ROOT,
            common::NIST_RUNTIME_CONFIG,
        ],
        rationale: "`runAsUser: 0` forces the container to run as root, even when the image \
            declares a non-root user. Root in a container owns every file of the image, keeps the \
            default capabilities, and turns any kernel or runtime escape into root on the node.",
        remediation: "Remove `runAsUser: 0` or set a non-zero uid (e.g. 10001), together with \
            `runAsNonRoot: true`. If the process needs one privileged operation (binding a low \
            port, changing file ownership), grant just that capability instead.",
        kinds: common::POD_KINDS,
        example_fail:
            "containers:\n- name: app\n  image: app:1.0\n  securityContext:\n    runAsUser: 0\n",
        example_pass:
            "containers:\n- name: app\n  image: app:1.0\n  securityContext:\n    runAsUser: 10001\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    if w.pod_sc("runAsUser").and_then(Value::as_i64) == Some(0) {
        out.emit(
            w.pod_sc_ptr("runAsUser"),
            "the pod's securityContext sets runAsUser: 0 (root)",
        );
    }
    for c in &w.containers {
        if c.sc("runAsUser").and_then(Value::as_i64) == Some(0) {
            out.emit(
                c.sc_ptr("runAsUser"),
                format!("{} sets runAsUser: 0 (root)", c.label()),
            );
        }
    }
}
