//! `unsafe-sysctls`: the pod sets a sysctl outside the Pod Security Standards' safe set.
//!
//! The safe set is the one the Pod Security Standards baseline policy allows at its latest version
//! (`rampart_model::k8s::sysctls`, shared with the PSS evaluator).

use rampart_model::k8s::sysctls;
use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "unsafe-sysctls",
        title: "Pod sets an unsafe sysctl",
        severity: Severity::Medium,
        category: Category::PodSecurity,
        controls: &[
            common::pss_baseline("Sysctls"),
            common::NIST_RUNTIME_CONFIG,
        ],
        rationale: "Sysctls outside the safe set are either not isolated per pod, so they change \
            the kernel behaviour for every workload on the node, or can exhaust node resources \
            (e.g. `kernel.msgmax`, `net.core.somaxconn`, `vm.*`). The kubelet refuses them unless \
            explicitly allowed, and allowing them lets one pod degrade its neighbours.",
        remediation: "Remove the sysctl from `spec.securityContext.sysctls`, or tune it on the \
            node for dedicated node pools. Only the safe sysctls (e.g. \
            `net.ipv4.ip_local_port_range`, `net.ipv4.tcp_syncookies`) belong in pod specs.",
        kinds: common::POD_KINDS,
        example_fail: "securityContext:\n  sysctls:\n  - name: kernel.msgmax\n    value: \"65536\"\n",
        example_pass: "securityContext:\n  sysctls:\n  - name: net.ipv4.ip_local_port_range\n    value: \"1024 65535\"\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    let Some(sc) = w.get("securityContext") else {
        return;
    };
    for (ptr, s) in common::items(sc, &w.ptr("securityContext"), "sysctls") {
        let Some(name) = s.get("name").and_then(Value::as_str) else {
            continue;
        };
        if !sysctls::is_safe(name) {
            out.emit(
                ptr.join("name"),
                format!("the pod sets sysctl {name}, which is not in the safe set"),
            );
        }
    }
}
