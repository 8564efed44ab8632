//! `service-external-ips`: a Service sets `externalIPs` (CVE-2020-8554).

use rampart_model::{meta, Category, Control, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "service-external-ips",
        title: "Service sets externalIPs",
        severity: Severity::Medium,
        category: Category::Network,
        controls: &[
            common::NSA_NETWORK,
            Control::MitreAttack {
                id: "T1557",
                name: "Adversary-in-the-Middle",
            },
        ],
        rationale: "kube-proxy routes traffic for a Service's `externalIPs` to its pods, for any \
            address the Service claims, without checking ownership. Anyone allowed to create or \
            edit Services can therefore intercept traffic that pods and nodes send to an arbitrary \
            IP address (CVE-2020-8554, unfixed by design).",
        remediation:
            "Remove `spec.externalIPs`; use a LoadBalancer or an Ingress instead. Block the \
            field cluster-wide with the `DenyServiceExternalIPs` admission plugin or a policy, \
            allowing it only for reviewed exceptions.",
        kinds: &["Service"],
        example_fail: "kind: Service\nspec:\n  externalIPs: [203.0.113.10]\n",
        example_pass: "kind: Service\nspec:\n  type: ClusterIP\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if ctx.kind() != "Service" {
        return;
    }
    let Some(Value::Array(ips)) = ctx.raw().pointer("/spec/externalIPs") else {
        return;
    };
    let ips: Vec<&str> = ips.iter().filter_map(Value::as_str).collect();
    if !ips.is_empty() {
        out.emit(
            Pointer::root().join_all(["spec", "externalIPs"]),
            format!(
                "Service \"{}\" claims external IPs {} (CVE-2020-8554)",
                ctx.res.id.name,
                ips.join(", ")
            ),
        );
    }
}
