//! `legacy-service-account-token`: a Secret of type `kubernetes.io/service-account-token`.
//!
//! Such a Secret makes the token controller mint a token that never expires.

use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "legacy-service-account-token",
        title: "Long-lived service account token Secret",
        severity: Severity::Medium,
        category: Category::Identity,
        controls: &[
            common::cis("5.1.6"),
            common::NSA_SA_TOKENS,
            common::MITRE_STEAL_TOKEN,
        ],
        rationale: "A Secret of type `kubernetes.io/service-account-token` holds a token for its \
            service account that never expires and is not bound to a pod. Anyone who reads the \
            Secret once (a backup, a `get secrets` grant, a leaked manifest) keeps the account's \
            permissions until the Secret is deleted. Since Kubernetes 1.24 pods get short-lived, \
            audience-bound projected tokens instead, and 1.29 starts to remove unused legacy \
            tokens.",
        remediation: "Delete the Secret and use projected tokens (`TokenRequest`, `kubectl \
            create token`, or a `serviceAccountToken` projected volume with a short \
            `expirationSeconds`). For a client outside the cluster, prefer workload identity \
            federation or short-lived tokens issued on demand.",
        kinds: &["Secret"],
        example_fail: "kind: Secret\ntype: kubernetes.io/service-account-token\nmetadata:\n  name: ci-token\n  annotations:\n    kubernetes.io/service-account.name: ci\n",
        example_pass: "kind: Secret\ntype: Opaque\nmetadata:\n  name: app-config\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if ctx.kind() != "Secret"
        || ctx.raw().get("type").and_then(Value::as_str)
            != Some("kubernetes.io/service-account-token")
    {
        return;
    }
    let account = ctx
        .res
        .annotation("kubernetes.io/service-account.name")
        .unwrap_or("?");
    out.emit(
        Pointer::root().join("type"),
        format!("Secret holds a non-expiring token of service account {account:?}"),
    );
}
