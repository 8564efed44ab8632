//! `privileged-port`: a container declares a port below 1024.
//!
//! Pods on the host network are left to `host-network`, Windows pods are skipped.

use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "privileged-port",
        title: "Container listens on a privileged port",
        severity: Severity::Low,
        category: Category::PodSecurity,
        controls: &[common::NSA_NON_ROOT, common::NIST_RUNTIME_CONFIG],
        rationale: "Binding a port below 1024 needs root or the `NET_BIND_SERVICE` capability \
            in the container (unless the node lowers `net.ipv4.ip_unprivileged_port_start`). A \
            `containerPort` of 80 or 443 therefore usually means an image that runs as root or \
            keeps capabilities, which is what an attacker inherits. A Service can expose port 80 \
            while the container listens on 8080.",
        remediation: "Make the process listen on a port of 1024 or above and map the well-known \
            port in the Service (`port: 80`, `targetPort: 8080`); then run it as a non-root user \
            with every capability dropped.",
        kinds: common::POD_KINDS,
        example_fail: "ports:\n- containerPort: 80\n",
        example_pass: "ports:\n- containerPort: 8080\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    if common::is_windows(w) || common::is_true(w.get("hostNetwork")) {
        return;
    }
    for c in w.app_containers() {
        for (ptr, p) in common::items(c.value, &c.ptr, "ports") {
            let Some(port) = p.get("containerPort").and_then(Value::as_i64) else {
                continue;
            };
            if (1..1024).contains(&port) {
                out.emit(
                    ptr.join("containerPort"),
                    format!(
                        "{} listens on privileged port {port}: binding it needs root or NET_BIND_SERVICE",
                        c.label()
                    ),
                );
            }
        }
    }
}
