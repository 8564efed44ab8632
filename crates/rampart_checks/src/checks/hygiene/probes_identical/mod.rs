//! `probes-identical`: a container's liveness probe is the same as its readiness probe.
//!
//! Compared as written (the same handler, port, path and timings).

use rampart_model::{meta, Category, Severity};

use super::probes::long_running;
use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "probes-identical",
        title: "Liveness probe identical to the readiness probe",
        severity: Severity::Low,
        category: Category::Hygiene,
        controls: &[common::MITRE_DOS, common::NIST_RUNTIME_CONFIG],
        rationale: "Readiness says \"send me no traffic for now\"; liveness says \"kill and \
            restart me\". When both are the same check, a container that is merely overloaded \
            or waiting for a dependency fails readiness and, at the same moment, liveness: \
            instead of shedding load it is restarted, and under a traffic spike (or a small \
            denial-of-service attack) the restarts cascade across every replica.",
        remediation: "Make the liveness probe check only that the process is alive (a cheap \
            endpoint that does not call dependencies) with a higher `failureThreshold` than \
            readiness; keep dependency checks in the readiness probe.",
        kinds: common::POD_KINDS,
        example_fail: "containers:\n- name: app\n  livenessProbe: {httpGet: {path: /health, port: 8080}}\n  readinessProbe: {httpGet: {path: /health, port: 8080}}\n",
        example_pass: "containers:\n- name: app\n  livenessProbe: {httpGet: {path: /alive, port: 8080}, failureThreshold: 6}\n  readinessProbe: {httpGet: {path: /ready, port: 8080}}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for c in long_running(w) {
        let (Some(live), Some(ready)) = (c.value.get("livenessProbe"), c.value.get("readinessProbe"))
        else {
            continue;
        };
        if live.is_object() && live == ready {
            out.emit(
                c.ptr.join("livenessProbe"),
                format!(
                    "{}: the liveness probe is the readiness probe, so an overloaded container is restarted instead of taken out of rotation",
                    c.label()
                ),
            );
        }
    }
}
