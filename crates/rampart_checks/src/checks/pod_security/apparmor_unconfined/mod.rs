//! `apparmor-unconfined`: the pod or a container explicitly disables AppArmor.
//!
//! Covers `appArmorProfile.type: Unconfined` at pod and container level and the beta annotation
//! `container.apparmor.security.beta.kubernetes.io/<container>: unconfined`, resolved as they take
//! effect (see `rampart_model::k8s::profiles`): for each container, its own field, then its
//! annotation (the API server copies it into an empty field), then the pod's field (AppArmor has
//! no pod annotation); the first one set is the profile. A container that
//! sets `RuntimeDefault` is not reported because its pod says `Unconfined`; a pod-level
//! `Unconfined` is reported once, when some container inherits it.

use rampart_model::k8s::profiles::{self, ProfileKind, ProfileSource};
use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitted, Emitter, Run};

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

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    // The profile each container ends up with (field over annotation, container over pod): a
    // pod-level Unconfined is reported once, and only when some container inherits it.
    let mut pod_reported = false;
    for c in &w.containers {
        let Some(p) = w.profile(c, ProfileKind::AppArmor) else {
            continue;
        };
        if p.ty != profiles::UNCONFINED {
            continue;
        }
        let message = match p.source {
            ProfileSource::ContainerField => {
                format!("{} sets AppArmor profile Unconfined", c.label())
            }
            ProfileSource::ContainerAnnotation => {
                format!("the AppArmor annotation of {} is unconfined", c.label())
            }
            ProfileSource::PodField if pod_reported => continue,
            ProfileSource::PodField => "the pod's AppArmor profile is Unconfined".to_string(),
        };
        pod_reported |= p.source.is_pod_level();
        // Unsafe: the application may make a system call the runtime's default profile blocks.
        let (value, what) = match p.source {
            ProfileSource::ContainerAnnotation => (profiles::ANNOTATION_RUNTIME_DEFAULT, "the annotation"),
            _ => (profiles::RUNTIME_DEFAULT, "the profile type"),
        };
        let fix = common::set_fix(
            format!("set AppArmor {what} to {value}"),
            false,
            p.ptr.clone(),
            serde_json::Value::String(value.into()),
        );
        out.result(Emitted::fail(p.ptr, message).with_fix(fix));
    }
}
