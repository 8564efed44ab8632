//! `selinux-options-unsafe`: the pod or a container sets an SELinux type outside the container
//! types, or sets an SELinux user or role.
//!
//! The allowed types are those of the Pod Security Standards baseline: `container_t`,
//! `container_init_t`, `container_kvm_t` and `container_engine_t` (allowed since Kubernetes 1.31).

use rampart_model::k8s::selinux;
use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "selinux-options-unsafe",
        title: "Unsafe SELinux options",
        severity: Severity::Medium,
        category: Category::PodSecurity,
        controls: &[
            common::pss_baseline("SELinux"),
            common::cis("5.7.3"),
            common::NIST_RUNTIME_CONFIG,
        ],
        rationale: "On SELinux nodes the `container_t` domain is what keeps a container away from \
            host files and other containers. Another type, such as `spc_t` (super-privileged \
            container) or `unconfined_t`, or a custom SELinux user or role, can lift that \
            confinement entirely.",
        remediation: "Remove `seLinuxOptions.type` (or use `container_t`, `container_init_t`, \
            `container_kvm_t` or `container_engine_t`) and remove `seLinuxOptions.user` and \
            `seLinuxOptions.role`; set only `level` when you need MCS categories.",
        kinds: common::POD_KINDS,
        example_fail: "securityContext:\n  seLinuxOptions:\n    type: spc_t\n",
        example_pass: "securityContext:\n  seLinuxOptions:\n    level: \"s0:c123,c456\"\n",
    },
    run: Run::Object(run),
};

fn check(opts: Option<&Value>, ptr: Pointer, who: &str, out: &mut Emitter) {
    let Some(opts) = opts else { return };
    if let Some(t) = opts.get("type").and_then(Value::as_str) {
        if !selinux::is_allowed_type(t) {
            out.emit(
                ptr.join("type"),
                format!("{who} sets SELinux type {t:?}, outside the container types"),
            );
        }
    }
    for field in ["user", "role"] {
        if let Some(v) = common::non_empty_str(opts.get(field)) {
            out.emit(ptr.join(field), format!("{who} sets SELinux {field} {v:?}"));
        }
    }
}

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    check(
        w.pod_sc("seLinuxOptions"),
        w.pod_sc_ptr("seLinuxOptions"),
        "the pod",
        out,
    );
    for c in &w.containers {
        check(
            c.sc("seLinuxOptions"),
            c.sc_ptr("seLinuxOptions"),
            &c.label(),
            out,
        );
    }
}
