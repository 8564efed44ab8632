//! `prometheus-credentials-plain-http`: a ServiceMonitor or PodMonitor endpoint sends
//! credentials (a bearer token, basic auth, an `authorization` header or OAuth2) over plain
//! HTTP (`scheme` unset or `http`).

use rampart_model::k8s::addons::prometheus_operator as po;
use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "prometheus-credentials-plain-http",
        title: "Prometheus scrape sends credentials over plain HTTP",
        severity: Severity::Medium,
        category: Category::Addons,
        controls: &[common::NSA_ENCRYPTION, common::MITRE_SNIFFING, common::MITRE_STEAL_TOKEN],
        rationale: "Prometheus sends the endpoint's credentials with every scrape, every few \
            seconds. Over plain HTTP anyone who can watch the pod network, or a compromised \
            target that logs its request headers, collects them; with `bearerTokenFile` pointing \
            at the service account token, that is Prometheus's own Kubernetes identity, usually \
            allowed to list every pod and endpoint of the cluster.",
        remediation: "Set `scheme: https` with a `tlsConfig` that verifies the target, or drop \
            the credentials when the endpoint does not need them; prefer a dedicated token in a \
            Secret (`authorization.credentials`) over Prometheus's service account token.",
        kinds: &["ServiceMonitor", "PodMonitor"],
        example_fail: "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nspec:\n  endpoints:\n  - port: metrics\n    bearerTokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token\n",
        example_pass: "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nspec:\n  endpoints:\n  - port: metrics\n    scheme: https\n    bearerTokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    // Most objects are of none of these kinds: leave before any lookup.
    if !CHECK.meta.kinds.contains(&ctx.kind()) {
        return;
    }
    let Some(spec) = ctx.raw().get("spec") else {
        return;
    };
    let sp = Pointer::root().join("spec");
    for (gk, list) in po::ENDPOINT_LISTS {
        if !ctx.is(*gk) {
            continue;
        }
        for (ptr, ep) in common::items(spec, &sp, list) {
            let scheme = ep.get("scheme").and_then(Value::as_str).unwrap_or("http");
            if !scheme.eq_ignore_ascii_case("http") {
                continue;
            }
            for field in po::CREDENTIAL_FIELDS {
                if ep.get(*field).is_some_and(|v| !v.is_null()) {
                    out.emit(
                        ptr.join(field),
                        format!("{field} is sent over plain HTTP with every scrape"),
                    );
                }
            }
        }
    }
}
