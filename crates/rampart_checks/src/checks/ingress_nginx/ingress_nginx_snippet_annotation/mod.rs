//! `ingress-nginx-snippet-annotation`: an Ingress carries an ingress-nginx snippet annotation
//! (`nginx.ingress.kubernetes.io/*-snippet`: `configuration-snippet`, `server-snippet`,
//! `auth-snippet`, `stream-snippet`...), raw nginx configuration copied into the controller's
//! nginx.conf.

use rampart_model::k8s::addons::ingress_nginx;
use rampart_model::{meta, Category, Pointer, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "ingress-nginx-snippet-annotation",
        title: "Ingress with an ingress-nginx snippet annotation",
        severity: Severity::High,
        category: Category::Addons,
        controls: &[common::NSA_AUTHZ, common::NIST_APP_VULNS, common::MITRE_PUBLIC_APP, common::MITRE_STEAL_TOKEN],
        rationale: "A snippet annotation is nginx configuration written by whoever may edit the \
            Ingress, run by the controller, which serves every host of the cluster and holds a \
            token that reads every Secret (CVE-2021-25742, CVE-2025-1974). With it one tenant can \
            read other sites' TLS keys and the controller's token, or route and log other \
            tenants' traffic. ingress-nginx refuses snippets by default since 1.9 for this \
            reason.",
        remediation: "Replace the snippet with the dedicated annotations (headers, rewrites, \
            CORS, rate limits) or a controller-wide setting in its ConfigMap; if snippets are \
            unavoidable, let only the platform team write them and keep \
            `allow-snippet-annotations` off for tenant controllers.",
        kinds: &["Ingress"],
        example_fail: "kind: Ingress\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/configuration-snippet: |\n      more_set_headers \"X-Frame-Options: DENY\";\n",
        example_pass: "kind: Ingress\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/enable-cors: \"true\"\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if ctx.kind() != "Ingress" {
        return;
    }
    let Some(annotations) = ctx
        .raw()
        .pointer("/metadata/annotations")
        .and_then(serde_json::Value::as_object)
    else {
        return;
    };
    let base = Pointer::root().join("metadata").join("annotations");
    for key in annotations.keys() {
        if ingress_nginx::is_snippet(key) {
            let short = key.trim_start_matches(ingress_nginx::ANNOTATION_PREFIX);
            out.emit(
                base.join(key),
                format!("{short} writes raw nginx configuration into the shared controller"),
            );
        }
    }
}
