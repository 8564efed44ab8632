//! `service-nodeport`: a Service of type NodePort opens a port on every node.

use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "service-nodeport",
        title: "Service of type NodePort",
        severity: Severity::Info,
        category: Category::Network,
        controls: &[common::NSA_NETWORK, common::MITRE_PUBLIC_APP],
        rationale: "A NodePort Service listens on a port of every node's addresses, reachable by \
            anything that can reach the nodes, including networks outside the cluster when nodes \
            have public or broadly routed addresses. It bypasses the Ingress layer, where TLS, \
            authentication and rate limits usually live.",
        remediation: "Use a ClusterIP Service and expose it through an Ingress or Gateway, or a \
            LoadBalancer restricted with `loadBalancerSourceRanges`. If NodePort is required, \
            firewall the node port range to the load balancer's addresses.",
        kinds: &["Service"],
        example_fail: "kind: Service\nspec:\n  type: NodePort\n",
        example_pass: "kind: Service\nspec:\n  type: ClusterIP\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if ctx.kind() != "Service" {
        return;
    }
    let t = ctx.raw().pointer("/spec/type").and_then(Value::as_str);
    if t == Some("NodePort") {
        out.emit(
            Pointer::root().join_all(["spec", "type"]),
            format!(
                "Service \"{}\" is of type NodePort: it listens on every node",
                ctx.res.id.name
            ),
        );
    }
}
