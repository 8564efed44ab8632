//! `kubernetes-dashboard-deployed`: a container runs the Kubernetes Dashboard.
//!
//! Recognised by the image repository: `kubernetesui/dashboard` (and its `-api`, `-web` and
//! `-auth` parts since v3) or `kubernetes-dashboard*` (the old `k8s.gcr.io` images), on any
//! registry. The metrics scraper alone is not the Dashboard.

use rampart_model::k8s::image_ref::ImageReference;
use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

/// Repositories (their last two path components, or the last one) of the Dashboard's images.
const DASHBOARD_REPOS: &[&str] = &[
    "kubernetesui/dashboard",
    "kubernetesui/dashboard-api",
    "kubernetesui/dashboard-web",
    "kubernetesui/dashboard-auth",
];

pub static CHECK: Check = Check {
    meta: meta! {
        id: "kubernetes-dashboard-deployed",
        title: "Kubernetes Dashboard is deployed",
        severity: Severity::Medium,
        category: Category::Images,
        controls: &[common::NSA_AUTHZ, common::MITRE_PUBLIC_APP, common::MITRE_STEAL_TOKEN],
        rationale: "The Dashboard is a web front end to the API with its own service account. \
            Exposed dashboards, often with the skip-login option or a service account bound to \
            cluster-admin, have been a classic way in: the 2018 cryptojacking of Tesla's cloud \
            started from an unauthenticated Kubernetes Dashboard. Every deployment widens the \
            attack surface of the API with a second, browser-facing door.",
        remediation: "Remove the Dashboard if it is not needed (kubectl and the cloud \
            provider's console cover most uses). Otherwise keep it off any Ingress, reach it \
            through `kubectl proxy` or port-forward, never pass `--enable-skip-login`, and give \
            its service account read-only rights at most.",
        kinds: common::POD_KINDS,
        example_fail: "containers:\n- name: dashboard\n  image: kubernetesui/dashboard:v2.7.0\n",
        example_pass: "containers:\n- name: scraper\n  image: kubernetesui/metrics-scraper:v1.0.9\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for c in &w.containers {
        let Some(image) = c.image() else { continue };
        let r = ImageReference::parse(image);
        let mut parts = r.name.rsplit('/');
        let last = parts.next().unwrap_or_default();
        let owner = parts.next().unwrap_or_default();
        let dashboard = last.starts_with("kubernetes-dashboard")
            || DASHBOARD_REPOS.contains(&format!("{owner}/{last}").as_str());
        if dashboard {
            out.emit(
                c.ptr.join("image"),
                format!("{} runs the Kubernetes Dashboard ({image})", c.label()),
            );
        }
    }
}
