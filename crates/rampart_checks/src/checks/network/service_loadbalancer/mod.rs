//! `service-loadbalancer`: a Service of type LoadBalancer gets an external load balancer.
//!
//! Services annotated as internal load balancers on AWS, GCP, Azure or OCI are not reported.

use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

/// Annotations (key, value) that make a cloud provider create an internal load balancer.
const INTERNAL: &[(&str, &str)] = &[
    (
        "service.beta.kubernetes.io/aws-load-balancer-internal",
        "true",
    ),
    (
        "service.beta.kubernetes.io/aws-load-balancer-scheme",
        "internal",
    ),
    ("networking.gke.io/load-balancer-type", "Internal"),
    ("cloud.google.com/load-balancer-type", "Internal"),
    (
        "service.beta.kubernetes.io/azure-load-balancer-internal",
        "true",
    ),
    (
        "service.beta.kubernetes.io/oci-load-balancer-internal",
        "true",
    ),
];

pub static CHECK: Check = Check {
    meta: meta! {
        id: "service-loadbalancer",
        title: "Service of type LoadBalancer",
        severity: Severity::Info,
        category: Category::Network,
        controls: &[common::NSA_NETWORK, common::MITRE_PUBLIC_APP],
        rationale: "A LoadBalancer Service asks the cloud provider for a load balancer, usually \
            with a public address, that forwards straight to the pods. Each one is an entry point \
            from the internet that bypasses the Ingress layer, where TLS, authentication and rate \
            limits usually live, and that is easy to forget in reviews.",
        remediation: "Expose HTTP services through an Ingress or Gateway instead. When a \
            LoadBalancer is needed, make it internal with the provider's annotation or restrict \
            clients with `loadBalancerSourceRanges`, and record the exposure as intended.",
        kinds: &["Service"],
        example_fail: "kind: Service\nspec:\n  type: LoadBalancer\n",
        example_pass: "kind: Service\nmetadata:\n  annotations:\n    networking.gke.io/load-balancer-type: Internal\nspec:\n  type: LoadBalancer\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if ctx.kind() != "Service" {
        return;
    }
    let t = ctx.raw().pointer("/spec/type").and_then(Value::as_str);
    if t != Some("LoadBalancer") {
        return;
    }
    let internal = INTERNAL.iter().any(|(k, v)| {
        ctx.res
            .annotation(k)
            .is_some_and(|a| a.trim().eq_ignore_ascii_case(v))
    });
    if !internal {
        out.emit(
            Pointer::root().join_all(["spec", "type"]),
            format!(
                "Service \"{}\" is of type LoadBalancer: it gets an external load balancer",
                ctx.res.id.name
            ),
        );
    }
}
