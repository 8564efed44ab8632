//! `cronjob-starting-deadline-missing`: a CronJob without `startingDeadlineSeconds`.

use rampart_model::{meta, Category, Pointer, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "cronjob-starting-deadline-missing",
        title: "CronJob has no starting deadline",
        severity: Severity::Low,
        category: Category::Hygiene,
        controls: &[common::NIST_RUNTIME_CONFIG, common::MITRE_DOS],
        rationale: "Without `startingDeadlineSeconds`, a CronJob that missed more than 100 \
            schedules (its controller was down, or `concurrencyPolicy: Forbid` kept skipping \
            runs) stops being scheduled for good, with only an event to say so: backups, \
            certificate renewals and secret rotations silently stop. After an outage it may \
            also start a long-overdue run at a bad moment.",
        remediation: "Set `spec.startingDeadlineSeconds` to how late a run may still start \
            (for example a few minutes for a frequent job, an hour for a nightly one).",
        kinds: &["CronJob"],
        example_fail: "kind: CronJob\nspec:\n  schedule: \"*/5 * * * *\"\n",
        example_pass: "kind: CronJob\nspec:\n  schedule: \"*/5 * * * *\"\n  startingDeadlineSeconds: 300\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if ctx.kind() != "CronJob" {
        return;
    }
    let spec = ctx.raw().get("spec");
    let set = spec
        .and_then(|s| s.get("startingDeadlineSeconds"))
        .is_some_and(|v| v.is_number());
    if set {
        return;
    }
    let ptr = if spec.is_some() {
        Pointer::from_raw("/spec")
    } else {
        Pointer::root()
    };
    out.emit(
        ptr,
        "spec.startingDeadlineSeconds is not set: after 100 missed schedules the CronJob stops running",
    );
}
