//! `argocd-project-cluster-resources`: an Argo CD AppProject lets its Applications create every
//! kind of cluster-scoped object (`clusterResourceWhitelist` with group `*` and kind `*`).

use rampart_model::k8s::addons::argocd;
use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "argocd-project-cluster-resources",
        title: "Argo CD project may create any cluster-scoped object",
        severity: Severity::High,
        category: Category::Addons,
        controls: &[common::NSA_AUTHZ, common::NIST_ORCH_ADMIN, common::MITRE_VALID_ACCOUNTS],
        rationale: "Cluster-scoped objects are shared by every tenant: ClusterRoles and \
            ClusterRoleBindings, CustomResourceDefinitions, admission webhooks, Namespaces, \
            PersistentVolumes. A project whose `clusterResourceWhitelist` allows every group and \
            kind lets its Applications bind themselves to cluster-admin or intercept every API \
            request through a webhook, whatever its destinations say.",
        remediation: "Leave `clusterResourceWhitelist` empty for application teams, or list \
            the few cluster-scoped kinds the project really manages (for example only \
            `Namespace`).",
        kinds: &["AppProject"],
        example_fail: "apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nspec:\n  clusterResourceWhitelist:\n  - group: '*'\n    kind: '*'\n",
        example_pass: "apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nspec:\n  clusterResourceWhitelist:\n  - group: ''\n    kind: Namespace\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if !ctx.is(argocd::APP_PROJECT) {
        return;
    }
    let Some(spec) = ctx.raw().get("spec") else {
        return;
    };
    let sp = Pointer::root().join("spec");
    for (ptr, entry) in common::items(spec, &sp, "clusterResourceWhitelist") {
        let field = |k: &str| entry.get(k).and_then(Value::as_str).map(str::trim);
        if field("group") == Some("*") && field("kind") == Some("*") {
            out.emit(
                ptr,
                format!(
                    "project \"{}\" may create every cluster-scoped kind (ClusterRoleBindings, webhooks, CRDs)",
                    ctx.res.id.name
                ),
            );
        }
    }
}
