//! `deprecated-service-account-field`: the pod spec uses the deprecated `serviceAccount` field.
//!
//! Reported when `serviceAccount` is set without `serviceAccountName`, or differs from it. Both set
//! to the same name is silent: the API server writes exactly that into every object it stores.

use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "deprecated-service-account-field",
        title: "Pod uses the deprecated serviceAccount field",
        severity: Severity::Low,
        category: Category::Hygiene,
        controls: &[common::NSA_AUTHZ],
        rationale: "`spec.serviceAccount` is a deprecated alias of `serviceAccountName`. When both \
            are set and differ, the API server keeps `serviceAccountName`, so reviewers and \
            tools that read the old field misjudge which identity, and which RBAC permissions, \
            the pod gets; when only the old field is set, tools that read the new one see the \
            default account.",
        remediation: "Replace `serviceAccount` with `serviceAccountName`.",
        kinds: common::POD_KINDS,
        example_fail: "spec:\n  serviceAccount: app\n",
        example_pass: "spec:\n  serviceAccountName: app\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    let Some(old) = common::non_empty_str(w.get("serviceAccount")) else {
        return;
    };
    let message = match common::non_empty_str(w.get("serviceAccountName")) {
        Some(new) if new != old => format!(
            "serviceAccount {old:?} differs from serviceAccountName {new:?}, which wins"
        ),
        // What the API server itself writes: it copies serviceAccountName into the deprecated
        // field of every pod and template it stores, so a live object always has both.
        Some(_) => return,
        None => format!("serviceAccount {old:?} is deprecated: use serviceAccountName"),
    };
    out.emit(w.ptr("serviceAccount"), message);
}
