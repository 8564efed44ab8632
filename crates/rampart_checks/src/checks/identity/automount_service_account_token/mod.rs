//! `automount-service-account-token`: the pod does not opt out of mounting its service account
//! token.
//!
//! The pod-level `automountServiceAccountToken` wins over the ServiceAccount's; a scan of one
//! object cannot see the ServiceAccount, so only `false` in the pod spec passes.

use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitted, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "automount-service-account-token",
        title: "Service account token is mounted into the pod",
        severity: Severity::Medium,
        category: Category::Identity,
        controls: &[
            common::cis("5.1.6"),
            common::NSA_SA_TOKENS,
            common::MITRE_STEAL_TOKEN,
        ],
        rationale: "Unless told otherwise, Kubernetes mounts a token of the pod's service account \
            into every container. Most applications never call the Kubernetes API, but anyone who \
            compromises them can read the token and act with its permissions, often more than \
            intended because roles accumulate on shared service accounts.",
        remediation: "Set `automountServiceAccountToken: false` in the pod spec. Pods that do call \
            the API should use a dedicated service account with minimal RBAC, and can mount a \
            short-lived, audience-bound token through a projected volume.",
        kinds: common::POD_KINDS,
        example_fail: "spec:\n  containers:\n  - name: app\n    image: app:1.0\n",
        example_pass: "spec:\n  automountServiceAccountToken: false\n  containers:\n  - name: app\n    image: app:1.0\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    // Unsafe: a workload that talks to the API server needs its token.
    let fix = common::set_fix(
        "set automountServiceAccountToken: false in the pod spec",
        false,
        w.ptr("automountServiceAccountToken"),
        Value::Bool(false),
    );
    let result = match w
        .get("automountServiceAccountToken")
        .and_then(Value::as_bool)
    {
        Some(false) => return,
        Some(true) => Emitted::fail(
            w.ptr("automountServiceAccountToken"),
            "the pod mounts its service account token (automountServiceAccountToken: true)",
        ),
        None => Emitted::fail(
            w.spec_ptr.clone(),
            "the pod does not set automountServiceAccountToken: false, so the service account \
             token is mounted unless its ServiceAccount disables it",
        ),
    };
    out.result(result.with_fix(fix));
}
