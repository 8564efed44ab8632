//! `seccomp-profile-missing`: a container runs without a seccomp profile.
//!
//! A container passes when its effective `seccompProfile.type` (container level, else pod level)
//! is `RuntimeDefault` or `Localhost`. An explicit `Unconfined` is reported by
//! `seccomp-unconfined`. The deprecated seccomp annotations are not counted: they have had no effect
//! since Kubernetes 1.27 (see `rampart_model::k8s::profiles`), and the message says so when a
//! container relies on one. Not checked on Windows pods.

use rampart_model::k8s::profiles::{self, ProfileKind};
use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitted, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "seccomp-profile-missing",
        title: "Container has no seccomp profile",
        severity: Severity::Low,
        category: Category::PodSecurity,
        controls: &[
            common::pss_restricted("Seccomp"),
            common::cis("5.7.2"),
            common::NSA_HARDENING,
            common::NIST_RUNTIME_CONFIG,
        ],
        rationale: "Unless the kubelet runs with `--seccomp-default`, a container without a \
            seccomp profile runs Unconfined: every system call of the kernel is reachable, \
            including those most kernel privilege escalations and container escapes rely on. The \
            runtime's default profile blocks them at no cost for almost every application.",
        remediation: "Set `securityContext.seccompProfile.type: RuntimeDefault` in the pod spec \
            (it applies to every container), or a `Localhost` profile tailored to the application.",
        kinds: common::POD_KINDS,
        example_fail: "spec:\n  containers:\n  - name: app\n    image: app:1.0\n",
        example_pass: "spec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n  containers:\n  - name: app\n    image: app:1.0\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    if common::is_windows(w) {
        return;
    }
    for c in &w.containers {
        match w.profile(c, ProfileKind::Seccomp).map(|p| (p.ty, p.ptr)) {
            Some((profiles::RUNTIME_DEFAULT | profiles::LOCALHOST | profiles::UNCONFINED, _)) => {}
            Some((other, ptr)) => out.emit(
                ptr,
                format!(
                    "{} has an unknown seccomp profile type {other:?}",
                    c.label()
                ),
            ),
            None => {
                let relies_on_annotation = w
                    .annotation(&format!(
                        "{}{}",
                        profiles::SECCOMP_CONTAINER_ANNOTATION_PREFIX,
                        c.name()
                    ))
                    .or_else(|| w.annotation(profiles::SECCOMP_POD_ANNOTATION))
                    .is_some();
                let note = if relies_on_annotation {
                    "; the deprecated seccomp annotation has had no effect since Kubernetes 1.27"
                } else {
                    ""
                };
                out.result(
                    Emitted::fail(
                        common::sc_or_container(c),
                        format!(
                            "{} has no seccomp profile (set seccompProfile.type: RuntimeDefault){note}",
                            c.label()
                        ),
                    )
                    .with_fix(common::set_fix(
                        "set securityContext.seccompProfile.type: RuntimeDefault",
                        true,
                        c.sc_ptr("seccompProfile").join("type"),
                        serde_json::Value::String(profiles::RUNTIME_DEFAULT.into()),
                    )),
                )
            }
        }
    }
}
