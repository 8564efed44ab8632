//! `prometheus-tls-insecure-skip-verify`: Prometheus Operator resources that turn off
//! certificate verification (`tlsConfig.insecureSkipVerify: true`).
//!
//! Read: the endpoints of ServiceMonitors (`spec.endpoints`) and PodMonitors
//! (`spec.podMetricsEndpoints`), a Probe's `spec.tlsConfig`, and a Prometheus or
//! PrometheusAgent's `remoteWrite`, `remoteRead` and `alerting.alertmanagers`.

use rampart_model::k8s::addons::prometheus_operator as po;
use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "prometheus-tls-insecure-skip-verify",
        title: "Prometheus Operator TLS without certificate verification",
        severity: Severity::Medium,
        category: Category::Addons,
        controls: &[common::NSA_ENCRYPTION, common::MITRE_AITM],
        rationale: "With `insecureSkipVerify` Prometheus accepts any certificate, so TLS no longer \
            proves who is on the other side: whoever can redirect the traffic reads the \
            credentials sent with each scrape or remote write (often Prometheus's own service \
            account token) and can feed it forged metrics that silence alerts.",
        remediation: "Remove `insecureSkipVerify` and give the CA that signed the target's \
            certificate in `tlsConfig.ca` (a Secret or ConfigMap key), with `serverName` when \
            the certificate does not name the address scraped.",
        kinds: &["ServiceMonitor", "PodMonitor", "Probe", "Prometheus", "PrometheusAgent"],
        example_fail: "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nspec:\n  endpoints:\n  - port: https\n    scheme: https\n    tlsConfig:\n      insecureSkipVerify: true\n",
        example_pass: "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nspec:\n  endpoints:\n  - port: https\n    scheme: https\n    tlsConfig:\n      ca:\n        configMap: {name: serving-ca, key: ca.crt}\n",
    },
    run: Run::Object(run),
};

fn check_tls(holder: &Value, ptr: &Pointer, what: &str, out: &mut Emitter) {
    if common::is_true(holder.pointer("/tlsConfig/insecureSkipVerify")) {
        out.emit(
            ptr.join("tlsConfig").join("insecureSkipVerify"),
            format!("{what} accepts any certificate (insecureSkipVerify)"),
        );
    }
}

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
        if ctx.is(*gk) {
            for (ptr, ep) in common::items(spec, &sp, list) {
                check_tls(ep, &ptr, "scrape endpoint", out);
            }
        }
    }
    if ctx.is(po::PROBE) {
        check_tls(spec, &sp, "probe", out);
    }
    if ctx.is(po::PROMETHEUS) || ctx.is(po::PROMETHEUS_AGENT) {
        for (ptr, rw) in common::items(spec, &sp, "remoteWrite") {
            check_tls(rw, &ptr, "remote write", out);
        }
        for (ptr, rr) in common::items(spec, &sp, "remoteRead") {
            check_tls(rr, &ptr, "remote read", out);
        }
        if let Some(alerting) = spec.get("alerting") {
            for (ptr, am) in common::items(alerting, &sp.join("alerting"), "alertmanagers") {
                check_tls(am, &ptr, "Alertmanager endpoint", out);
            }
        }
    }
}
