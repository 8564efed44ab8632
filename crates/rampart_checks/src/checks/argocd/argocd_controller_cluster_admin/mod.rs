//! `argocd-controller-cluster-admin`: Argo CD's application controller holds cluster-admin.
//!
//! Reported on a ClusterRoleBinding that binds the controller's service account
//! (`argocd-application-controller`, also with a Helm release prefix) to `cluster-admin`, and on
//! the controller's own ClusterRole when a rule grants every verb on every resource of every
//! group (what the upstream install ships).

use rampart_model::k8s::addons::argocd;
use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "argocd-controller-cluster-admin",
        title: "Argo CD application controller is cluster-admin",
        severity: Severity::Medium,
        category: Category::Addons,
        controls: &[common::cis("5.1.1"), common::NSA_AUTHZ, common::NIST_ORCH_ADMIN, common::MITRE_VALID_ACCOUNTS],
        rationale: "The application controller applies whatever the Applications' repositories \
            hold. With cluster-admin, a write to any of those repositories, an AppProject that \
            is too broad, or a stolen controller token is full control of the cluster. The \
            upstream install grants it `*` on everything for convenience; multi-tenant and \
            production installs should not.",
        remediation: "Install Argo CD with namespaced permissions (the `namespace-install` \
            manifests or `controller.clusterRoleRules` in the Helm chart) and grant the \
            controller only the kinds and namespaces it manages; keep AppProjects' destinations \
            and `clusterResourceWhitelist` narrow as a second line.",
        kinds: &["ClusterRoleBinding", "ClusterRole"],
        example_fail: "kind: ClusterRoleBinding\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects:\n- {kind: ServiceAccount, name: argocd-application-controller, namespace: argocd}\n",
        example_pass: "kind: ClusterRole\nmetadata: {name: argocd-application-controller}\nrules:\n- apiGroups: [apps]\n  resources: [deployments]\n  verbs: [get, list, watch, patch]\n",
    },
    run: Run::Object(run),
};

/// The controller's service account or role name, with or without a Helm release prefix.
fn is_controller(name: &str) -> bool {
    name == argocd::CONTROLLER_SERVICE_ACCOUNT
        || name.ends_with(&format!("-{}", argocd::CONTROLLER_SERVICE_ACCOUNT))
}

fn all_star(rule: &Value, field: &str) -> bool {
    rule.get(field)
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|v| v.as_str() == Some("*")))
}

fn run(ctx: &Ctx, out: &mut Emitter) {
    let raw = ctx.raw();
    let rbac = ctx
        .res
        .id
        .api_version
        .starts_with("rbac.authorization.k8s.io/");
    if !rbac {
        return;
    }
    match ctx.kind() {
        "ClusterRoleBinding" => {
            let role = raw.pointer("/roleRef/name").and_then(Value::as_str);
            let kind = raw.pointer("/roleRef/kind").and_then(Value::as_str);
            if role != Some("cluster-admin") || kind != Some("ClusterRole") {
                return;
            }
            for (ptr, s) in common::items(raw, &Pointer::root(), "subjects") {
                let sa = s.get("kind").and_then(Value::as_str) == Some("ServiceAccount");
                let name = s.get("name").and_then(Value::as_str).unwrap_or("");
                if sa && is_controller(name) {
                    out.emit(
                        ptr,
                        format!("service account {name} of Argo CD's application controller is bound to cluster-admin"),
                    );
                }
            }
        }
        "ClusterRole" if is_controller(&ctx.res.id.name) => {
            for (ptr, rule) in common::items(raw, &Pointer::root(), "rules") {
                if all_star(rule, "apiGroups")
                    && all_star(rule, "resources")
                    && all_star(rule, "verbs")
                {
                    out.emit(
                        ptr,
                        "the application controller's role grants every verb on every resource (cluster-admin)",
                    );
                }
            }
        }
        _ => {}
    }
}
