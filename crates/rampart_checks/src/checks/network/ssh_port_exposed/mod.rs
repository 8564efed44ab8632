//! `ssh-port-exposed`: a container declares port 22 (SSH).

use rampart_model::{meta, Category, Control, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "ssh-port-exposed",
        title: "Container exposes the SSH port",
        severity: Severity::Medium,
        category: Category::Network,
        controls: &[
            common::NSA_NETWORK,
            Control::MitreAttack { id: "T1021.004", name: "Remote Services: SSH" },
        ],
        rationale: "A container serving SSH on port 22 is a remote shell into the cluster \
            network: its keys or passwords become cluster credentials, brute-force attempts land \
            inside the network perimeter, and it escapes the audit trail of `kubectl exec`, \
            which the API server logs and RBAC controls.",
        remediation: "Remove the SSH server from the image and use `kubectl exec` or `kubectl \
            debug` for interactive access. If SSH is the product (a Git server, a bastion), \
            restrict it with a NetworkPolicy and document it with a waiver.",
        kinds: common::POD_KINDS,
        example_fail: "ports:\n- name: ssh\n  containerPort: 22\n",
        example_pass: "ports:\n- name: http\n  containerPort: 8080\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for c in w.app_containers() {
        for (ptr, p) in common::items(c.value, &c.ptr, "ports") {
            let tcp = p
                .get("protocol")
                .and_then(Value::as_str)
                .is_none_or(|s| s.eq_ignore_ascii_case("TCP"));
            if tcp && p.get("containerPort").and_then(Value::as_i64) == Some(22) {
                out.emit(
                    ptr.join("containerPort"),
                    format!("{} serves port 22 (SSH)", c.label()),
                );
            }
        }
    }
}
