//! `ingress-without-tls`: an Ingress routes traffic without TLS.
//!
//! An Ingress with `rules` and no (or an empty) `tls` section is reported. TLS terminated by an
//! external load balancer in front of the controller is invisible to a manifest scan; record
//! such cases with an ignore annotation.

use rampart_model::{meta, Category, Control, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "ingress-without-tls",
        title: "Ingress without TLS",
        severity: Severity::Medium,
        category: Category::Network,
        controls: &[
            common::NSA_ENCRYPTION,
            Control::MitreAttack {
                id: "T1040",
                name: "Network Sniffing",
            },
        ],
        rationale: "Without a `tls` section the Ingress serves its hosts over plain HTTP: \
            credentials, session cookies and data cross the network in clear text, readable and \
            modifiable by anyone on the path.",
        remediation: "Add a `tls` section listing the hosts and a certificate Secret (e.g. issued by \
            cert-manager), and have the controller redirect HTTP to HTTPS.",
        kinds: &["Ingress"],
        example_fail: "kind: Ingress\nspec:\n  rules:\n  - host: shop.example.com\n",
        example_pass: "kind: Ingress\nspec:\n  tls:\n  - hosts: [shop.example.com]\n    secretName: shop-tls\n  rules:\n  - host: shop.example.com\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if ctx.kind() != "Ingress" {
        return;
    }
    let Some(spec) = ctx.raw().get("spec") else {
        return;
    };
    let has_rules = spec
        .get("rules")
        .and_then(Value::as_array)
        .is_some_and(|r| !r.is_empty());
    let has_tls = spec
        .get("tls")
        .and_then(Value::as_array)
        .is_some_and(|t| !t.is_empty());
    if has_rules && !has_tls {
        out.emit(
            common::field_or_parent(spec, &Pointer::root().join("spec"), "tls"),
            format!("Ingress \"{}\" has no TLS section", ctx.res.id.name),
        );
    }
}
