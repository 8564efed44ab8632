//! `liveness-probe-missing`: a long-running container has no liveness probe.
//!
//! Only regular containers of long-running workloads are checked: not Jobs or CronJobs, not pods
//! with `restartPolicy: Never` or `OnFailure`, not init or ephemeral containers.

use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::checks::hygiene::probes::long_running;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "liveness-probe-missing",
        title: "Container has no liveness probe",
        severity: Severity::Low,
        category: Category::Hygiene,
        controls: &[common::MITRE_DOS],
        rationale: "Without a liveness probe Kubernetes restarts a container only when its process exits. A deadlocked or wedged process (exhausted thread pool, stuck event loop, corrupted state after an attack) stays up and keeps receiving traffic until someone notices, turning a fault into a lasting outage.",
        remediation: "Add a `livenessProbe` (httpGet, tcpSocket, grpc or exec) that fails only when the process cannot recover by itself, with a generous `failureThreshold`; add a `startupProbe` for slow starters.",
        kinds: rampart_model::k8s::kinds::LONG_RUNNING_POD_KINDS,
        example_fail: "containers:\n- name: web\n  image: web:1.0\n",
        example_pass: "containers:\n- name: web\n  image: web:1.0\n  livenessProbe:\n    httpGet: {path: /healthz, port: 8080}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for c in long_running(w) {
        if c.value.get("livenessProbe").is_none_or(|p| p.is_null()) {
            out.emit(
                c.ptr.clone(),
                format!("{} has no liveness probe", c.label()),
            );
        }
    }
}
