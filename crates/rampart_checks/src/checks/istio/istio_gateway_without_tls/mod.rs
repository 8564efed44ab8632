//! `istio-gateway-without-tls`: an Istio Gateway serves HTTP in plain text without redirecting
//! to HTTPS.

use rampart_model::k8s::addons::istio;
use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "istio-gateway-without-tls",
        title: "Istio Gateway server accepts plain HTTP without redirecting to HTTPS",
        severity: Severity::Medium,
        category: Category::Addons,
        controls: &[common::NSA_ENCRYPTION, common::MITRE_SNIFFING],
        rationale: "A Gateway server with protocol HTTP, HTTP2 or GRPC and no \
            `tls.httpsRedirect: true` serves its hosts in clear text at the edge of the mesh: \
            credentials, cookies and data cross the network readable and modifiable by anyone \
            on the path.",
        remediation: "Serve the hosts on an HTTPS server with `tls.mode: SIMPLE` (or MUTUAL) and a \
            `credentialName`, and keep the HTTP server only with `tls.httpsRedirect: true`.",
        kinds: &["Gateway"],
        example_fail: "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: shop, namespace: shop}\nspec:\n  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [shop.example.com]\n",
        example_pass: "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: shop, namespace: shop}\nspec:\n  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [shop.example.com]\n    tls: {httpsRedirect: true}\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [shop.example.com]\n    tls: {mode: SIMPLE, credentialName: shop-tls}\n",
    },
    run: Run::Object(run),
};

const PLAIN: &[&str] = &["HTTP", "HTTP2", "GRPC"];

fn run(ctx: &Ctx, out: &mut Emitter) {
    if !ctx.is(istio::GATEWAY) {
        return;
    }
    let Some(spec) = ctx.raw().get("spec") else {
        return;
    };
    for (ptr, server) in common::items(spec, &Pointer::root().join("spec"), "servers") {
        let Some(proto) = server.pointer("/port/protocol").and_then(Value::as_str) else {
            continue;
        };
        let proto = proto.to_ascii_uppercase();
        if !PLAIN.contains(&proto.as_str()) {
            continue;
        }
        if common::is_true(server.pointer("/tls/httpsRedirect")) {
            continue;
        }
        let port = server
            .pointer("/port/number")
            .map(|n| format!(" on port {n}"))
            .unwrap_or_default();
        let at = if server.pointer("/tls/httpsRedirect").is_some() {
            ptr.join("tls").join("httpsRedirect")
        } else {
            ptr.join("port").join("protocol")
        };
        out.emit(
            at,
            format!(
                "server {proto}{port} serves its hosts in plain text without redirecting to HTTPS"
            ),
        );
    }
}
