//! `tiller-deployed`: a container runs Tiller, the server side of Helm 2.
//!
//! Recognised by the image repository's last path component, `tiller` (any registry), or by the
//! labels Helm 2 put on its pods (`app: helm`, `name: tiller`).

use rampart_model::k8s::image_ref::ImageReference;
use rampart_model::{meta, Category, Control, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "tiller-deployed",
        title: "Helm 2 Tiller is deployed",
        severity: Severity::High,
        category: Category::Images,
        controls: &[
            common::NSA_AUTHZ,
            common::NIST_STALE_IMAGES,
            Control::MitreAttack { id: "T1068", name: "Exploitation for Privilege Escalation" },
        ],
        rationale: "Tiller, the in-cluster half of Helm 2, listens on a gRPC port (44134) with \
            no authentication by default and usually runs with cluster-admin so it can install \
            any chart: any pod that reaches it can deploy anything, including privileged pods, \
            which is a one-step cluster takeover. Helm 2 reached its end of life in November \
            2020 and receives no security fixes.",
        remediation: "Migrate the releases to Helm 3 (the `helm-2to3` plugin), which needs no \
            in-cluster server, then delete the Tiller Deployment, its Service and its \
            cluster-admin binding.",
        kinds: common::POD_KINDS,
        example_fail: "containers:\n- name: tiller\n  image: gcr.io/kubernetes-helm/tiller:v2.16.12\n",
        example_pass: "containers:\n- name: app\n  image: registry.example.com/app:1.4.2\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    let mut found = false;
    for c in &w.containers {
        let Some(image) = c.image() else { continue };
        let r = ImageReference::parse(image);
        if r.name.rsplit('/').next() == Some("tiller") {
            found = true;
            out.emit(
                c.ptr.join("image"),
                format!("{} runs Tiller ({image}), Helm 2's unauthenticated in-cluster server", c.label()),
            );
        }
    }
    let label = |k: &str| w.meta.pointer(&format!("/labels/{k}")).and_then(Value::as_str);
    if !found && label("app") == Some("helm") && label("name") == Some("tiller") {
        out.emit(
            w.meta_ptr.join("labels"),
            "the pod carries Helm 2's Tiller labels (app: helm, name: tiller)",
        );
    }
}
