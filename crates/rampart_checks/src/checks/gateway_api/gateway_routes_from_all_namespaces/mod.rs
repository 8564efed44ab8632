//! `gateway-routes-from-all-namespaces`: a Gateway API listener accepts routes from every
//! namespace (`allowedRoutes.namespaces.from: All`).

use rampart_model::k8s::addons::gateway_api;
use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "gateway-routes-from-all-namespaces",
        title: "Gateway API listener accepts routes from every namespace",
        severity: Severity::Medium,
        category: Category::Addons,
        controls: &[common::NSA_NAMESPACES, common::NIST_ORCH_NETWORK, common::MITRE_AITM],
        rationale: "Which namespaces may attach routes is the Gateway owner's control over what \
            it exposes. With `from: All`, anyone who can create an HTTPRoute in any namespace \
            (a CI job, a compromised team namespace) can publish a workload on the shared \
            gateway, or claim a path or hostname of another team's site and receive its \
            traffic and credentials.",
        remediation: "Use `from: Same`, or `from: Selector` with a label that only the platform \
            team sets on namespaces (for example `kubernetes.io/metadata.name` values or a \
            label enforced by admission policy).",
        kinds: &["Gateway"],
        example_fail: "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nspec:\n  listeners:\n  - name: https\n    allowedRoutes:\n      namespaces:\n        from: All\n",
        example_pass: "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nspec:\n  listeners:\n  - name: https\n    allowedRoutes:\n      namespaces:\n        from: Selector\n        selector:\n          matchLabels:\n            gateway-access: shared\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if !ctx.is(gateway_api::GATEWAY) {
        return;
    }
    let Some(spec) = ctx.raw().get("spec") else {
        return;
    };
    for (ptr, l) in common::items(spec, &Pointer::root().join("spec"), "listeners") {
        let from = l
            .pointer("/allowedRoutes/namespaces/from")
            .and_then(Value::as_str);
        if from == Some("All") {
            let name = l.get("name").and_then(Value::as_str).unwrap_or("?");
            out.emit(
                ptr.join("allowedRoutes").join("namespaces").join("from"),
                format!("listener {name} accepts routes from every namespace"),
            );
        }
    }
}
