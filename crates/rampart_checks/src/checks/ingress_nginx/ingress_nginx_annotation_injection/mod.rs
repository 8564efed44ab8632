//! `ingress-nginx-annotation-injection`: an ingress-nginx annotation (other than a snippet)
//! whose value would break out of the nginx directive it is copied into.
//!
//! Values holding `{`, `}`, `;`, quotes, a backslash or a line break, or the words `_by_lua`,
//! `load_module` or `lua_package` (the controller's default `annotation-value-word-blocklist`)
//! are reported. Snippet annotations are `ingress-nginx-snippet-annotation`'s business.

use rampart_model::k8s::addons::ingress_nginx;
use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "ingress-nginx-annotation-injection",
        title: "ingress-nginx annotation value injects nginx configuration",
        severity: Severity::High,
        category: Category::Addons,
        controls: &[common::NIST_APP_VULNS, common::MITRE_PUBLIC_APP, common::MITRE_STEAL_TOKEN],
        rationale: "ingress-nginx copies annotation values into nginx.conf. A value that ends the \
            directive (`;`, `}`) or opens a block adds configuration of its choosing: the \
            technique of CVE-2021-25742, CVE-2023-5044 (permanent-redirect), CVE-2025-1097 \
            (auth-tls-match-cn), CVE-2025-1098 (mirror-target) and CVE-2025-24514 (auth-url). \
            The injected configuration runs in the controller, which can read every Secret of \
            the cluster. Legitimate values never need these characters.",
        remediation: "Fix the value (a URL, a header name, a CIDR list) so that it holds no \
            nginx syntax; keep ingress-nginx patched and its annotation validation \
            (`--enable-annotation-validation`, the default since 1.12) and \
            `annotation-value-word-blocklist` on.",
        kinds: &["Ingress"],
        example_fail: "kind: Ingress\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/auth-url: \"http://auth.svc/;}\\nlocation /x {\"\n",
        example_pass: "kind: Ingress\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/auth-url: http://auth.svc/oauth2/auth\n",
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
        .and_then(Value::as_object)
    else {
        return;
    };
    let base = Pointer::root().join("metadata").join("annotations");
    for (key, value) in annotations {
        let Some(short) = key.strip_prefix(ingress_nginx::ANNOTATION_PREFIX) else {
            continue;
        };
        if ingress_nginx::is_snippet(key) {
            continue;
        }
        let Some(value) = value.as_str() else {
            continue;
        };
        if let Some(what) = ingress_nginx::injection(value) {
            out.emit(
                base.join(key),
                format!("{short} holds {what}, which injects nginx configuration"),
            );
        }
    }
}
