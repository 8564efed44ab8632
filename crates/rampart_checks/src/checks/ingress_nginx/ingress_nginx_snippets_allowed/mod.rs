//! `ingress-nginx-snippets-allowed`: the ingress-nginx controller's ConfigMap lets Ingresses
//! carry snippet annotations (`allow-snippet-annotations: "true"`, or
//! `annotations-risk-level: Critical`, which 1.12 and later also require for snippets).
//!
//! The controller's ConfigMap is recognised by these keys, whatever its name.

use rampart_model::k8s::addons::ingress_nginx;
use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "ingress-nginx-snippets-allowed",
        title: "ingress-nginx accepts snippet annotations",
        severity: Severity::High,
        category: Category::Addons,
        controls: &[common::NSA_AUTHZ, common::NIST_APP_VULNS, common::MITRE_PUBLIC_APP],
        rationale: "With snippets allowed, anyone who may create or edit an Ingress in any \
            namespace writes raw nginx configuration into the controller, which serves every \
            tenant and can read every Secret of the cluster (CVE-2021-25742): namespace \
            isolation ends at the ingress. That is why the setting is off by default since \
            ingress-nginx 1.9 and snippets need the `Critical` risk level since 1.12.",
        remediation: "Set `allow-snippet-annotations: \"false\"` and leave \
            `annotations-risk-level` at its default (`High`); put shared configuration in the \
            ConfigMap's own keys (`server-snippet`, `http-snippet`) that only the platform team \
            edits.",
        kinds: &["ConfigMap"],
        example_fail: "kind: ConfigMap\nmetadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\ndata:\n  allow-snippet-annotations: \"true\"\n",
        example_pass: "kind: ConfigMap\nmetadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\ndata:\n  allow-snippet-annotations: \"false\"\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if ctx.kind() != "ConfigMap" {
        return;
    }
    let Some(data) = ctx.raw().get("data") else {
        return;
    };
    let get = |k: &str| data.get(k).and_then(Value::as_str).map(str::trim);
    let base = Pointer::root().join("data");
    if get(ingress_nginx::ALLOW_SNIPPETS_KEY).is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        out.emit(
            base.join(ingress_nginx::ALLOW_SNIPPETS_KEY),
            "the controller accepts snippet annotations from every Ingress",
        );
    }
    if get(ingress_nginx::RISK_LEVEL_KEY).is_some_and(|v| v.eq_ignore_ascii_case("Critical")) {
        out.emit(
            base.join(ingress_nginx::RISK_LEVEL_KEY),
            "annotations-risk-level Critical accepts every annotation, snippets included",
        );
    }
}
