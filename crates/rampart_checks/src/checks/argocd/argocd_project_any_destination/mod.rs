//! `argocd-project-any-destination`: an Argo CD AppProject lets its Applications deploy into any
//! namespace of any cluster, or of the cluster Argo CD runs in.
//!
//! A destination whose `namespace` is `*` is reported when its `server` or `name` is `*` (every
//! cluster) or names the local cluster (`https://kubernetes.default.svc`, `in-cluster`), where
//! Argo CD's own namespace and the control plane's namespaces are then targets too.

use rampart_model::k8s::addons::argocd;
use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "argocd-project-any-destination",
        title: "Argo CD project may deploy into any namespace",
        severity: Severity::High,
        category: Category::Addons,
        controls: &[common::NSA_AUTHZ, common::NIST_ORCH_ADMIN, common::MITRE_DEPLOY_CONTAINER],
        rationale: "The application controller usually holds cluster-admin, so an AppProject's \
            destinations are what keeps a team's Applications in the team's namespaces. A \
            destination of `namespace: '*'` on every cluster (or on the local one) lets any \
            Application of the project deploy into `kube-system` or into `argocd` itself, e.g. \
            replace Argo CD's own RBAC ConfigMap or run privileged pods there: full control of \
            the cluster for anyone who can edit an Application.",
        remediation: "List each destination cluster and namespace explicitly in \
            `spec.destinations`, never `*` for both, and leave the Argo CD and system namespaces \
            out; use `sourceNamespaces` and project roles to decide who edits Applications.",
        kinds: &["AppProject"],
        example_fail: "apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nspec:\n  destinations:\n  - namespace: '*'\n    server: '*'\n",
        example_pass: "apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nspec:\n  destinations:\n  - namespace: payments\n    server: https://kubernetes.default.svc\n",
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
    for (ptr, dest) in common::items(spec, &Pointer::root().join("spec"), "destinations") {
        let field = |k: &str| dest.get(k).and_then(Value::as_str).map(str::trim);
        if field("namespace") != Some("*") {
            continue;
        }
        let server = field("server");
        let name = field("name");
        let what = if server == Some("*") || name == Some("*") {
            "any namespace of any cluster"
        } else if server.is_some_and(|s| s.trim_end_matches('/') == argocd::IN_CLUSTER_SERVER)
            || name == Some(argocd::IN_CLUSTER_NAME)
        {
            "any namespace of the cluster Argo CD runs in, its own included"
        } else {
            continue;
        };
        out.emit(
            ptr.join("namespace"),
            format!("project \"{}\" may deploy into {what}", ctx.res.id.name),
        );
    }
}
