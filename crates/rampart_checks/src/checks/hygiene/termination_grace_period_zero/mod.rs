//! `termination-grace-period-zero`: the pod is killed without a chance to shut down.

use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "termination-grace-period-zero",
        title: "Pod has a termination grace period of zero",
        severity: Severity::Low,
        category: Category::Hygiene,
        controls: &[common::NIST_RUNTIME_CONFIG],
        rationale: "With `terminationGracePeriodSeconds: 0` the kubelet kills the containers at \
            once on every rollout, eviction or scale-down: requests in flight fail, buffered logs \
            and audit records are lost, and locks, leases and transactions are left behind. For \
            StatefulSets it also breaks the at-most-one guarantee, since the API server may \
            start a replacement while the old pod still runs.",
        remediation: "Remove the field (the default is 30 seconds) or set the time the process \
            needs to finish its work after SIGTERM.",
        kinds: common::POD_KINDS,
        example_fail: "spec:\n  terminationGracePeriodSeconds: 0\n",
        example_pass: "spec:\n  terminationGracePeriodSeconds: 30\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    if w.get("terminationGracePeriodSeconds").and_then(Value::as_i64) == Some(0) {
        out.emit(
            w.ptr("terminationGracePeriodSeconds"),
            "terminationGracePeriodSeconds is 0: containers are killed without a graceful shutdown",
        );
    }
}
