//! `istio-destination-rule-tls`: a DestinationRule turns Istio mutual TLS off (DISABLE) or
//! replaces it with one-way TLS (SIMPLE) toward a service inside the cluster.
//!
//! Hosts count as in the cluster when they are short names or end in `.svc` or `.cluster.local`
//! (`rampart_model::k8s::addons::istio::is_in_mesh_host`); rules for external hosts are not judged.

use rampart_model::k8s::addons::istio;
use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "istio-destination-rule-tls",
        title: "Istio DestinationRule disables mutual TLS toward an in-mesh service",
        severity: Severity::Medium,
        category: Category::Addons,
        controls: &[common::NSA_ENCRYPTION, common::NIST_ORCH_NETWORK, common::MITRE_AITM],
        rationale: "Toward services of the mesh, sidecars use Istio mutual TLS by default (automatic \
            mTLS, or `ISTIO_MUTUAL`). A DestinationRule whose `trafficPolicy.tls.mode` (or a \
            port's or subset's) is `DISABLE` sends the traffic in plain text, and `SIMPLE` uses \
            one-way TLS without a client certificate: either way the server sees no workload \
            identity, so STRICT PeerAuthentication rejects the calls or, when it is PERMISSIVE, \
            principal-based authorization is bypassed.",
        remediation: "Remove the `tls` block (automatic mTLS applies) or set `mode: ISTIO_MUTUAL` \
            for services of the mesh; keep `DISABLE`/`SIMPLE` for external hosts defined by a \
            ServiceEntry.",
        kinds: &["DestinationRule"],
        example_fail: "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: reviews, namespace: shop}\nspec:\n  host: reviews.shop.svc.cluster.local\n  trafficPolicy:\n    tls: {mode: DISABLE}\n",
        example_pass: "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: reviews, namespace: shop}\nspec:\n  host: reviews.shop.svc.cluster.local\n  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n",
    },
    run: Run::Object(run),
};

/// Reports a weak `tls.mode` in one traffic policy (and its port-level settings).
fn traffic_policy(tp: &Value, ptr: &Pointer, host: &str, out: &mut Emitter) {
    let mut one = |tls: Option<&Value>, ptr: Pointer, place: String| {
        if let Some(m) = super::mode(tls).filter(|m| m == "DISABLE" || m == "SIMPLE") {
            let what = if m == "DISABLE" {
                "plain text"
            } else {
                "one-way TLS without a workload certificate"
            };
            out.emit(
                ptr.join("tls").join("mode"),
                format!("traffic to in-mesh host {host}{place} uses {what} (tls.mode {m}) instead of Istio mutual TLS"),
            );
        }
    };
    one(tp.get("tls"), ptr.clone(), String::new());
    for (pp, setting) in common::items(tp, ptr, "portLevelSettings") {
        let port = setting
            .pointer("/port/number")
            .map(|n| format!(" port {n}"))
            .unwrap_or_default();
        one(setting.get("tls"), pp, port);
    }
}

fn run(ctx: &Ctx, out: &mut Emitter) {
    if !ctx.is(istio::DESTINATION_RULE) {
        return;
    }
    let Some(spec) = ctx.raw().get("spec") else {
        return;
    };
    let Some(host) = spec.get("host").and_then(Value::as_str) else {
        return;
    };
    if !istio::is_in_mesh_host(host) {
        return;
    }
    let sp = Pointer::root().join("spec");
    if let Some(tp) = spec.get("trafficPolicy") {
        traffic_policy(tp, &sp.join("trafficPolicy"), host, out);
    }
    for (subset_ptr, subset) in common::items(spec, &sp, "subsets") {
        if let Some(tp) = subset.get("trafficPolicy") {
            traffic_policy(tp, &subset_ptr.join("trafficPolicy"), host, out);
        }
    }
}
