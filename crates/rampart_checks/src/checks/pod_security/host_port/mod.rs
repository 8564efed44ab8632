//! `host-port`: a container binds a port of the node (`hostPort`).

use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "host-port",
        title: "Container binds a host port",
        severity: Severity::Medium,
        category: Category::PodSecurity,
        controls: &[
            common::pss_baseline("Host Ports"),
            common::cis("5.2.13"),
            common::NIST_RUNTIME_CONFIG,
        ],
        rationale: "A `hostPort` publishes the container directly on every node it is scheduled \
            to, outside Services and often outside NetworkPolicies. It exposes the workload on the \
            node's addresses, limits scheduling to one replica per node and port, and can shadow \
            ports the node itself uses.",
        remediation: "Remove `hostPort` and expose the container through a Service (ClusterIP, or \
            an Ingress / LoadBalancer for external traffic).",
        kinds: common::POD_KINDS,
        example_fail: "containers:\n- name: web\n  image: web:1.0\n  ports:\n  - containerPort: 8080\n    hostPort: 80\n",
        example_pass: "containers:\n- name: web\n  image: web:1.0\n  ports:\n  - containerPort: 8080\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for c in &w.containers {
        for (ptr, port) in common::items(c.value, &c.ptr, "ports") {
            let Some(hp) = port.get("hostPort").and_then(Value::as_i64) else {
                continue;
            };
            if hp != 0 {
                out.emit(
                    ptr.join("hostPort"),
                    format!("{} binds port {hp} of the node (hostPort)", c.label()),
                );
            }
        }
    }
}
