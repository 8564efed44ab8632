//! `argocd-anonymous-access`: Argo CD lets unauthenticated users in
//! (`users.anonymous.enabled: "true"` in the `argocd-cm` ConfigMap).

use rampart_model::k8s::addons::argocd;
use rampart_model::{meta, Category, Pointer, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "argocd-anonymous-access",
        title: "Argo CD allows anonymous access",
        severity: Severity::High,
        category: Category::Addons,
        controls: &[common::NSA_AUTHZ, common::NIST_ORCH_UNAUTHORIZED, common::MITRE_VALID_ACCOUNTS],
        rationale: "With anonymous access every request without a token gets the role in \
            `policy.default` of `argocd-rbac-cm`. Even read-only, that shows every Application's \
            manifests, parameters, repositories and cluster addresses to anyone who reaches the \
            UI or API; with a broader default role it hands out deployments.",
        remediation: "Remove `users.anonymous.enabled` from `argocd-cm` (or set it to \"false\") \
            and sign users in through SSO (`dex.config` or `oidc.config`).",
        kinds: &["ConfigMap"],
        example_fail: "kind: ConfigMap\nmetadata: {name: argocd-cm, namespace: argocd}\ndata:\n  users.anonymous.enabled: \"true\"\n",
        example_pass: "kind: ConfigMap\nmetadata: {name: argocd-cm, namespace: argocd}\ndata:\n  users.anonymous.enabled: \"false\"\n",
    },
    run: Run::Object(run),
};

const KEY: &str = "users.anonymous.enabled";

fn run(ctx: &Ctx, out: &mut Emitter) {
    if ctx.kind() != "ConfigMap" || ctx.res.id.name != argocd::CM {
        return;
    }
    let value = ctx
        .raw()
        .get("data")
        .and_then(|d| d.get(KEY))
        .and_then(serde_json::Value::as_str);
    if value.is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) {
        out.emit(
            Pointer::root().join("data").join(KEY),
            "Argo CD accepts unauthenticated requests (users.anonymous.enabled)",
        );
    }
}
