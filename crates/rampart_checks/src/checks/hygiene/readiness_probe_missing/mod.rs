//! `readiness-probe-missing`: a long-running container has no readiness probe.
//!
//! Only regular containers of long-running workloads are checked: not Jobs or CronJobs, not pods
//! with `restartPolicy: Never` or `OnFailure`, not init or ephemeral containers.

use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::checks::hygiene::probes::long_running;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "readiness-probe-missing",
        title: "Container has no readiness probe",
        severity: Severity::Low,
        category: Category::Hygiene,
        controls: &[common::MITRE_DOS],
        rationale: "Without a readiness probe a container receives Service traffic as soon as it starts and keeps receiving it while it is overloaded or its dependencies are down. Rollouts then send requests to pods that cannot serve them, and one failing replica drags down the whole Service.",
        remediation: "Add a `readinessProbe` that checks the container can serve requests (e.g. `httpGet` on a health endpoint), so Services only route to ready pods and rollouts wait for them.",
        kinds: rampart_model::k8s::kinds::LONG_RUNNING_POD_KINDS,
        example_fail: "containers:\n- name: web\n  image: web:1.0\n",
        example_pass: "containers:\n- name: web\n  image: web:1.0\n  readinessProbe:\n    httpGet: {path: /healthz, port: 8080}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for c in long_running(w) {
        if c.value.get("readinessProbe").is_none_or(|p| p.is_null()) {
            out.emit(
                c.ptr.clone(),
                format!("{} has no readiness probe", c.label()),
            );
        }
    }
}
