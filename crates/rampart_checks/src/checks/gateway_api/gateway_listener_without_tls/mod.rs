//! `gateway-listener-without-tls`: a Gateway API Gateway listener serves a hostname in plain text
//! (protocol `HTTP`, `TCP` or `UDP`) while no TLS listener (`HTTPS` or `TLS`) of the same
//! Gateway serves that hostname.
//!
//! A plain HTTP listener next to an HTTPS listener for the same hostname is the usual
//! redirect-to-HTTPS setup and is not reported (whether its routes redirect is the routes'
//! business). Hostnames compare exactly; a listener without a hostname matches every hostname.

use rampart_model::k8s::addons::gateway_api;
use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "gateway-listener-without-tls",
        title: "Gateway API listener without TLS",
        severity: Severity::Medium,
        category: Category::Addons,
        controls: &[common::NSA_ENCRYPTION, common::MITRE_SNIFFING],
        rationale: "A listener without TLS carries requests, credentials and session cookies in \
            clear text between clients and the gateway, readable and modifiable by anyone on \
            the path. Without an HTTPS listener for the same hostname, clients have no \
            encrypted way in at all.",
        remediation: "Add an `HTTPS` (or `TLS`) listener for the hostname with \
            `tls.certificateRefs` (e.g. issued by cert-manager), and keep the `HTTP` listener \
            only for an HTTPRoute that redirects to HTTPS.",
        kinds: &["Gateway"],
        example_fail: "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nspec:\n  listeners:\n  - name: http\n    hostname: shop.example.com\n    port: 80\n    protocol: HTTP\n",
        example_pass: "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nspec:\n  listeners:\n  - name: https\n    hostname: shop.example.com\n    port: 443\n    protocol: HTTPS\n    tls:\n      certificateRefs:\n      - name: shop-tls\n",
    },
    run: Run::Object(run),
};

fn host(l: &Value) -> Option<&str> {
    l.get("hostname").and_then(Value::as_str).map(str::trim)
}

fn run(ctx: &Ctx, out: &mut Emitter) {
    if !ctx.is(gateway_api::GATEWAY) {
        return;
    }
    let Some(spec) = ctx.raw().get("spec") else {
        return;
    };
    let listeners: Vec<(Pointer, &Value)> =
        common::items(spec, &Pointer::root().join("spec"), "listeners").collect();
    let proto = |l: &Value| {
        l.get("protocol")
            .and_then(Value::as_str)
            .map(str::to_ascii_uppercase)
    };
    for (ptr, l) in &listeners {
        let Some(p) = proto(l) else { continue };
        if !gateway_api::PLAIN_PROTOCOLS.contains(&p.as_str()) {
            continue;
        }
        let covered = listeners.iter().any(|(_, other)| {
            proto(other).is_some_and(|op| gateway_api::TLS_PROTOCOLS.contains(&op.as_str()))
                && (host(other).is_none() || host(other) == host(l))
        });
        if covered {
            continue;
        }
        let name = l.get("name").and_then(Value::as_str).unwrap_or("?");
        let hostname = host(l).unwrap_or("every hostname");
        out.emit(
            ptr.join("protocol"),
            format!("listener {name} serves {hostname} over {p} without TLS, and no TLS listener serves it"),
        );
    }
}
