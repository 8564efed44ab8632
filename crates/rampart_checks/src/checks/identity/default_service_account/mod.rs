//! `default-service-account`: the pod runs as its namespace's `default` service account.
//!
//! Reads `serviceAccountName`, and the deprecated `serviceAccount` when the former is absent.

use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "default-service-account",
        title: "Pod uses the default service account",
        severity: Severity::Low,
        category: Category::Identity,
        controls: &[common::cis("5.1.5"), common::NSA_AUTHZ],
        rationale: "Every pod that names no service account runs as the namespace's `default` \
            account. Permissions granted to it for one workload silently apply to all the others, \
            and audit logs cannot tell the workloads apart, which defeats least privilege.",
        remediation:
            "Create a ServiceAccount per workload, grant it only the RBAC it needs, and set \
            `serviceAccountName` in the pod spec.",
        kinds: common::POD_KINDS,
        example_fail: "spec:\n  containers:\n  - name: app\n    image: app:1.0\n",
        example_pass:
            "spec:\n  serviceAccountName: app\n  containers:\n  - name: app\n    image: app:1.0\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    let field = ["serviceAccountName", "serviceAccount"]
        .into_iter()
        .find_map(|f| common::non_empty_str(w.get(f)).map(|v| (f, v.trim())));
    match field {
        Some((_, name)) if name != "default" => {}
        Some((f, _)) => out.emit(
            w.ptr(f),
            "the pod runs as the namespace's default service account",
        ),
        None => out.emit(
            w.spec_ptr.clone(),
            "the pod names no service account, so it runs as the namespace's default one",
        ),
    }
}
