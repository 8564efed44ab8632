//! `cert-manager-acme-skip-tls-verify`: a cert-manager Issuer or ClusterIssuer talks to its ACME
//! server without verifying the server's certificate (`spec.acme.skipTLSVerify: true`), or over
//! plain HTTP.

use rampart_model::k8s::addons::cert_manager;
use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "cert-manager-acme-skip-tls-verify",
        title: "cert-manager ACME issuer does not verify its server",
        severity: Severity::Medium,
        category: Category::Addons,
        controls: &[common::NSA_ENCRYPTION, common::MITRE_AITM],
        rationale: "cert-manager sends its ACME account key signatures and receives the issued \
            certificates over this connection. Without verification (or over plain HTTP) anyone \
            on the path can pose as the CA: hand out certificates of their own, learn which \
            names are being issued, and stall renewals until certificates expire.",
        remediation: "Remove `skipTLSVerify`, use the `https://` directory URL, and when the ACME \
            server uses a private CA give its certificate in `spec.acme.caBundle`.",
        kinds: &["Issuer", "ClusterIssuer"],
        example_fail: "apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nspec:\n  acme:\n    server: https://acme.internal/directory\n    skipTLSVerify: true\n",
        example_pass: "apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nspec:\n  acme:\n    server: https://acme.internal/directory\n    caBundle: LS0tLS1CRUdJTi...\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if !ctx.is(cert_manager::ISSUER) && !ctx.is(cert_manager::CLUSTER_ISSUER) {
        return;
    }
    let Some(acme) = ctx.raw().pointer("/spec/acme") else {
        return;
    };
    if common::is_true(acme.get("skipTLSVerify")) {
        out.emit(
            Pointer::from_raw("/spec/acme/skipTLSVerify"),
            "skipTLSVerify accepts any certificate from the ACME server",
        );
    }
    if let Some(server) = acme.get("server").and_then(Value::as_str) {
        if server.trim().to_ascii_lowercase().starts_with("http://") {
            out.emit(
                Pointer::from_raw("/spec/acme/server"),
                format!("ACME server {server} is reached over plain HTTP"),
            );
        }
    }
}
