//! `apparmor-unconfined`: the pod or a container explicitly disables AppArmor.
//!
//! Covers `appArmorProfile.type: Unconfined` at pod and container level and the beta annotation
//! `container.apparmor.security.beta.kubernetes.io/<container>: unconfined`.

use rampart_model::k8s::profiles;
use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "apparmor-unconfined",
        title: "AppArmor is explicitly disabled",
        severity: Severity::Medium,
        category: Category::PodSecurity,
        controls: &[
            common::pss_baseline("AppArmor"),
            common::cis("5.7.3"),
            common::NIST_RUNTIME_CONFIG,
        ],
        rationale: "On nodes with AppArmor, the runtime's default profile denies containers \
            dangerous operations such as mounting filesystems and writing to sensitive parts of \
            `/proc` and `/sys`. `Unconfined` removes that layer, so a compromised or \
            over-privileged container has one barrier less between it and the node.",
        remediation: "Remove the `Unconfined` setting: use `appArmorProfile.type: RuntimeDefault` \
            (or a `Localhost` profile), or leave it unset to get the runtime default. Replace the \
            beta annotation with the `appArmorProfile` field (Kubernetes 1.30+).",
        kinds: common::POD_KINDS,
        example_fail: "securityContext:\n  appArmorProfile:\n    type: Unconfined\n",
        example_pass: "securityContext:\n  appArmorProfile:\n    type: RuntimeDefault\n",
    },
    run: Run::Object(run),
};

fn unconfined(profile: Option<&Value>) -> bool {
    profile.and_then(|p| p.get("type")).and_then(Value::as_str) == Some(profiles::UNCONFINED)
}

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    if unconfined(w.pod_sc("appArmorProfile")) {
        out.emit(
            w.pod_sc_ptr("appArmorProfile").join("type"),
            "the pod's AppArmor profile is Unconfined",
        );
    }
    for c in &w.containers {
        if unconfined(c.sc("appArmorProfile")) {
            out.emit(
                c.sc_ptr("appArmorProfile").join("type"),
                format!("{} sets AppArmor profile Unconfined", c.label()),
            );
        }
    }
    let annotations = w.meta_ptr.join("annotations");
    if let Some(Value::Object(map)) = w.meta.get("annotations") {
        for (key, v) in map {
            let Some(name) = key.strip_prefix(profiles::APPARMOR_CONTAINER_ANNOTATION_PREFIX)
            else {
                continue;
            };
            if v.as_str().map(str::trim) == Some(profiles::ANNOTATION_UNCONFINED) {
                let label = w
                    .containers
                    .iter()
                    .find(|c| c.name() == name)
                    .map(|c| c.label())
                    .unwrap_or_else(|| format!("container \"{name}\""));
                out.emit(
                    annotations.join(key),
                    format!("the AppArmor annotation of {label} is unconfined"),
                );
            }
        }
    }
}
