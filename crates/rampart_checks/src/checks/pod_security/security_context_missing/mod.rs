//! `security-context-missing`: a container has no `securityContext` at all, and neither has the
//! pod.
//!
//! Such a container runs with every runtime default; the other pod-security checks name each
//! setting, this one names the container nobody hardened. Windows pods are skipped.

use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "security-context-missing",
        title: "Container has no security context",
        severity: Severity::Medium,
        category: Category::PodSecurity,
        controls: &[
            common::NSA_HARDENING,
            common::NIST_RUNTIME_CONFIG,
            common::pss_restricted("Running as Non-root"),
        ],
        rationale: "A container with no `securityContext`, in a pod with none either, runs with \
            every default of the runtime: possibly as root, with privilege escalation allowed, \
            the default capabilities (NET_RAW included), a writable root filesystem and no \
            seccomp profile unless the cluster sets one. Nobody decided anything about its \
            isolation, which is why hardening guides ask for a security context on every \
            container.",
        remediation: "Add a `securityContext` to every container (at least `runAsNonRoot: \
            true`, `allowPrivilegeEscalation: false`, `readOnlyRootFilesystem: true`, \
            `capabilities.drop: [ALL]`) and a pod `securityContext` with `seccompProfile: \
            {type: RuntimeDefault}`.",
        kinds: common::POD_KINDS,
        example_fail: "containers:\n- name: app\n  image: app:1\n",
        example_pass: "containers:\n- name: app\n  image: app:1\n  securityContext:\n    allowPrivilegeEscalation: false\n    runAsNonRoot: true\n",
    },
    run: Run::Object(run),
};

fn non_empty(v: Option<&Value>) -> bool {
    v.and_then(Value::as_object).is_some_and(|m| !m.is_empty())
}

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    if common::is_windows(w) || non_empty(w.get("securityContext")) {
        return;
    }
    for c in w.app_containers() {
        if non_empty(c.value.get("securityContext")) {
            continue;
        }
        out.emit(
            common::sc_or_container(c),
            format!(
                "{} has no securityContext, and the pod none either: it runs with the runtime's defaults",
                c.label()
            ),
        );
    }
}
