//! `seccomp-unconfined`: the pod or a container explicitly disables seccomp.
//!
//! Covers `seccompProfile.type: Unconfined` at pod and container level, as it takes effect: a
//! container's own field overrides the pod's, so a container that sets `RuntimeDefault` is not
//! reported because its pod says `Unconfined`, and a pod-level `Unconfined` is reported once, when
//! some container inherits it. The deprecated annotations
//! (`seccomp.security.alpha.kubernetes.io/pod`, `container.seccomp.security.alpha.kubernetes.io/<name>`)
//! have had no effect since Kubernetes 1.27, so `unconfined` there unconfines nothing and is not
//! reported here (the Pod Security Standards checks still judge them, as upstream does); see
//! `rampart_model::k8s::profiles` for the rule every check follows.

use rampart_model::k8s::profiles::{self, ProfileKind, ProfileSource};
use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitted, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "seccomp-unconfined",
        title: "Seccomp is explicitly disabled",
        severity: Severity::Medium,
        category: Category::PodSecurity,
        controls: &[
            common::pss_baseline("Seccomp"),
            common::cis("5.7.2"),
            common::NSA_HARDENING,
            common::NIST_RUNTIME_CONFIG,
            common::MITRE_ESCAPE,
        ],
        rationale:
            "Seccomp filters the system calls a container may make. `Unconfined` removes the \
            filter and exposes the whole kernel interface, including calls such as `unshare`, \
            `keyctl` or `bpf` that many kernel privilege escalations and container escapes rely on.",
        remediation:
            "Remove the `Unconfined` profile and set `securityContext.seccompProfile.type: \
            RuntimeDefault` in the pod spec, or a `Localhost` profile tailored to the application. \
            Replace the deprecated seccomp annotations with the field.",
        kinds: common::POD_KINDS,
        example_fail: "securityContext:\n  seccompProfile:\n    type: Unconfined\n",
        example_pass: "securityContext:\n  seccompProfile:\n    type: RuntimeDefault\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    // The profile each container ends up with (field over annotation, container over pod): a
    // pod-level Unconfined is reported once, and only when some container inherits it.
    let mut pod_reported = false;
    for c in &w.containers {
        let Some(p) = w.profile(c, ProfileKind::Seccomp) else {
            continue;
        };
        if p.ty != profiles::UNCONFINED {
            continue;
        }
        let message = match p.source {
            ProfileSource::PodField if pod_reported => continue,
            ProfileSource::PodField => "the pod's seccomp profile is Unconfined".to_string(),
            _ => format!("{} sets seccomp profile Unconfined", c.label()),
        };
        pod_reported |= p.source.is_pod_level();
        // Unsafe: the application may make a system call the runtime's default profile blocks.
        let (value, what) = (profiles::RUNTIME_DEFAULT, "the profile type");
        let fix = common::set_fix(
            format!("set seccomp {what} to {value}"),
            false,
            p.ptr.clone(),
            serde_json::Value::String(value.into()),
        );
        out.result(Emitted::fail(p.ptr, message).with_fix(fix));
    }
}
