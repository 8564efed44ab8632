//! `istio-service-entry-wildcard`: a ServiceEntry with `resolution: NONE` for wildcard hosts lets
//! workloads reach any address on its ports.

use rampart_model::k8s::addons::istio;
use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "istio-service-entry-wildcard",
        title: "Istio ServiceEntry passes traffic to any address (wildcard host, resolution NONE)",
        severity: Severity::Medium,
        category: Category::Addons,
        controls: &[
            common::NSA_NETWORK,
            common::NIST_ORCH_NETWORK,
            rampart_model::Control::MitreAttack {
                id: "T1041",
                name: "Exfiltration Over C2 Channel",
            },
        ],
        rationale: "With `resolution: NONE` the sidecar forwards connections to the original \
            destination address without resolving the host; for a wildcard host (`*` or \
            `*.example.com`) the host is not checked either, so the entry turns a mesh with \
            `outboundTrafficPolicy: REGISTRY_ONLY` into one that reaches any address on the \
            entry's ports, defeating egress control and easing data exfiltration.",
        remediation: "List the external hosts by name with `resolution: DNS`, or route wildcard \
            egress through an egress gateway with an AuthorizationPolicy; if the entry is \
            deliberate, record the reason with an ignore annotation.",
        kinds: &["ServiceEntry"],
        example_fail: "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: any-https, namespace: shop}\nspec:\n  hosts: [\"*\"]\n  ports: [{number: 443, name: tls, protocol: TLS}]\n  location: MESH_EXTERNAL\n  resolution: NONE\n",
        example_pass: "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: payments, namespace: shop}\nspec:\n  hosts: [api.payments.example.com]\n  ports: [{number: 443, name: tls, protocol: TLS}]\n  location: MESH_EXTERNAL\n  resolution: DNS\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if !ctx.is(istio::SERVICE_ENTRY) {
        return;
    }
    let Some(spec) = ctx.raw().get("spec") else {
        return;
    };
    let resolution = spec
        .get("resolution")
        .and_then(Value::as_str)
        .unwrap_or("NONE");
    if !resolution.eq_ignore_ascii_case("NONE") {
        return;
    }
    // Addresses pin the entry to known ranges: the host is then only a name.
    let has_addresses = spec
        .get("addresses")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    if has_addresses {
        return;
    }
    for (ptr, host) in common::items(spec, &Pointer::root().join("spec"), "hosts") {
        let Some(h) = host.as_str() else { continue };
        if h == "*" || h.starts_with("*.") {
            out.emit(
                ptr,
                format!("host `{h}` with resolution NONE and no addresses passes traffic to any destination address"),
            );
        }
    }
}
