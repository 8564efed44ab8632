//! `argocd-default-role-admin`: every Argo CD user is an administrator (`policy.default:
//! role:admin` in the `argocd-rbac-cm` ConfigMap).

use rampart_model::k8s::addons::argocd;
use rampart_model::{meta, Category, Pointer, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "argocd-default-role-admin",
        title: "Argo CD gives every user the admin role",
        severity: Severity::High,
        category: Category::Addons,
        controls: &[common::NSA_AUTHZ, common::NIST_ORCH_ADMIN, common::MITRE_VALID_ACCOUNTS],
        rationale: "`policy.default` is the role of every authenticated user (and of anonymous \
            ones when anonymous access is on) that no policy line names. `role:admin` lets each \
            of them create projects, add clusters and repositories, and sync any Application: \
            with the controller's usual cluster-admin, that is cluster-admin for everyone who \
            can sign in.",
        remediation: "Set `policy.default` to `role:readonly` or to nothing, and grant \
            `role:admin` to named SSO groups in `policy.csv` (`g, platform-admins, role:admin`).",
        kinds: &["ConfigMap"],
        example_fail: "kind: ConfigMap\nmetadata: {name: argocd-rbac-cm, namespace: argocd}\ndata:\n  policy.default: role:admin\n",
        example_pass: "kind: ConfigMap\nmetadata: {name: argocd-rbac-cm, namespace: argocd}\ndata:\n  policy.default: role:readonly\n  policy.csv: |\n    g, platform-admins, role:admin\n",
    },
    run: Run::Object(run),
};

const KEY: &str = "policy.default";

fn run(ctx: &Ctx, out: &mut Emitter) {
    if ctx.kind() != "ConfigMap" || ctx.res.id.name != argocd::RBAC_CM {
        return;
    }
    let value = ctx
        .raw()
        .get("data")
        .and_then(|d| d.get(KEY))
        .and_then(serde_json::Value::as_str);
    if value.is_some_and(|v| v.trim() == argocd::ADMIN_ROLE) {
        out.emit(
            Pointer::root().join("data").join(KEY),
            "policy.default role:admin makes every Argo CD user an administrator",
        );
    }
}
