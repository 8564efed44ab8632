//! `seccomp-unconfined`: the pod or a container explicitly disables seccomp.
//!
//! Covers `seccompProfile.type: Unconfined` at pod and container level and the deprecated
//! annotations `seccomp.security.alpha.kubernetes.io/pod` and
//! `container.seccomp.security.alpha.kubernetes.io/<container>` set to `unconfined`.

use rampart_model::k8s::profiles;
use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

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

fn unconfined(sc_profile: Option<&Value>) -> bool {
    sc_profile
        .and_then(|p| p.get("type"))
        .and_then(Value::as_str)
        == Some(profiles::UNCONFINED)
}

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    if unconfined(w.pod_sc("seccompProfile")) {
        out.emit(
            w.pod_sc_ptr("seccompProfile").join("type"),
            "the pod's seccomp profile is Unconfined",
        );
    }
    for c in &w.containers {
        if unconfined(c.sc("seccompProfile")) {
            out.emit(
                c.sc_ptr("seccompProfile").join("type"),
                format!("{} sets seccomp profile Unconfined", c.label()),
            );
        }
    }
    let annotations = w.meta_ptr.join("annotations");
    if let Some(Value::Object(map)) = w.meta.get("annotations") {
        for (key, v) in map {
            if v.as_str().map(str::trim) != Some(profiles::ANNOTATION_UNCONFINED) {
                continue;
            }
            if key == profiles::SECCOMP_POD_ANNOTATION {
                out.emit(
                    annotations.join(key),
                    "the pod's seccomp annotation is unconfined",
                );
            } else if let Some(name) =
                key.strip_prefix(profiles::SECCOMP_CONTAINER_ANNOTATION_PREFIX)
            {
                out.emit(
                    annotations.join(key),
                    format!("the seccomp annotation of container \"{name}\" is unconfined"),
                );
            }
        }
    }
}
