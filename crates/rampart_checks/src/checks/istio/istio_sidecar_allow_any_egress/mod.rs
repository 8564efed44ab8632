//! `istio-sidecar-allow-any-egress`: a Sidecar lets its workloads reach any external host.

use rampart_model::k8s::addons::istio;
use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "istio-sidecar-allow-any-egress",
        title: "Istio Sidecar allows egress to any host (outboundTrafficPolicy ALLOW_ANY)",
        severity: Severity::Low,
        category: Category::Addons,
        controls: &[common::NSA_NETWORK, common::NIST_ORCH_NETWORK],
        rationale: "`outboundTrafficPolicy.mode: ALLOW_ANY` passes connections to hosts the mesh \
            does not know straight through the sidecar: a compromised workload can reach any \
            address on the internet, and egress is neither logged by host nor subject to \
            authorization policies at an egress gateway.",
        remediation: "Use `REGISTRY_ONLY` and declare the external hosts the workloads need with \
            ServiceEntries (or route them through an egress gateway).",
        kinds: &["Sidecar"],
        example_fail: "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: shop}\nspec:\n  outboundTrafficPolicy: {mode: ALLOW_ANY}\n",
        example_pass: "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: shop}\nspec:\n  outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if !ctx.is(istio::SIDECAR) {
        return;
    }
    let mode = ctx
        .raw()
        .pointer("/spec/outboundTrafficPolicy/mode")
        .and_then(Value::as_str);
    if mode.is_some_and(|m| m.eq_ignore_ascii_case("ALLOW_ANY")) {
        out.emit(
            rampart_model::Pointer::from_raw("/spec/outboundTrafficPolicy/mode"),
            "outboundTrafficPolicy ALLOW_ANY lets the workloads reach any external host",
        );
    }
}
