//! `job-ttl-missing`: a Job without `ttlSecondsAfterFinished`.
//!
//! Jobs of a CronJob are cleaned up by its history limits and are not judged; only Job objects
//! are (a live Job with an owner, such as a CronJob's, is skipped too).

use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "job-ttl-missing",
        title: "Job is never cleaned up",
        severity: Severity::Info,
        category: Category::Hygiene,
        controls: &[common::NIST_RUNTIME_CONFIG, common::MITRE_CREDS_IN_FILES],
        rationale: "Without `ttlSecondsAfterFinished` a finished Job and its pods stay in the \
            cluster until someone deletes them: their logs, environment (often credentials for \
            the migration or backup the Job ran) and Secret references remain readable by \
            anyone who can list pods, and thousands of leftover pods slow down the API server \
            and every controller that lists them.",
        remediation: "Set `spec.ttlSecondsAfterFinished` (for example 3600) so the TTL \
            controller deletes the Job and its pods some time after it finishes; keep logs in \
            the cluster's log pipeline instead.",
        kinds: &["Job"],
        example_fail: "kind: Job\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n",
        example_pass: "kind: Job\nspec:\n  ttlSecondsAfterFinished: 3600\n  template:\n    spec:\n      restartPolicy: Never\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if ctx.kind() != "Job" {
        return;
    }
    let raw = ctx.raw();
    let owned = raw
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .is_some_and(|o| !o.is_empty());
    let spec = raw.get("spec");
    if owned
        || spec
            .and_then(|s| s.get("ttlSecondsAfterFinished"))
            .is_some_and(Value::is_number)
    {
        return;
    }
    let ptr = if spec.is_some() {
        Pointer::from_raw("/spec")
    } else {
        Pointer::root()
    };
    out.emit(
        ptr,
        "spec.ttlSecondsAfterFinished is not set: the finished Job and its pods stay until deleted by hand",
    );
}
