//! `cert-manager-weak-key`: a cert-manager Certificate asks for a private key too small to be safe.
//!
//! RSA keys under 2048 bits and ECDSA keys under 256 bits (`spec.privateKey.size`) are reported.
//! An unset size takes cert-manager's default (2048 for RSA, 256 for ECDSA) and is not reported;
//! Ed25519 has a fixed size.

use rampart_model::k8s::addons::cert_manager;
use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "cert-manager-weak-key",
        title: "cert-manager Certificate with a weak private key",
        severity: Severity::High,
        category: Category::Addons,
        controls: &[common::NSA_ENCRYPTION, common::MITRE_AITM],
        rationale: "A certificate is only as strong as its key. RSA keys under 2048 bits and \
            ECDSA keys under 256 bits are below the 112-bit security level NIST SP 800-57 \
            requires: 1024-bit RSA is within reach of well-funded attackers, and public CAs refuse \
            such keys. Whoever factors the key can impersonate the service and decrypt recorded \
            traffic that did not use forward secrecy.",
        remediation: "Set `spec.privateKey.size` to at least 2048 for RSA (3072 or 4096 for \
            long-lived or CA certificates) or 256 for ECDSA, or drop the field to take \
            cert-manager's default; set `rotationPolicy: Always` so the next renewal makes a \
            new key.",
        kinds: &["Certificate"],
        example_fail: "apiVersion: cert-manager.io/v1\nkind: Certificate\nspec:\n  privateKey:\n    algorithm: RSA\n    size: 1024\n",
        example_pass: "apiVersion: cert-manager.io/v1\nkind: Certificate\nspec:\n  privateKey:\n    algorithm: ECDSA\n    size: 256\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if !ctx.is(cert_manager::CERTIFICATE) {
        return;
    }
    let Some(key) = ctx.raw().pointer("/spec/privateKey") else {
        return;
    };
    let Some(size) = key.get("size").and_then(Value::as_i64) else {
        return;
    };
    let algorithm = key
        .get("algorithm")
        .and_then(Value::as_str)
        .unwrap_or("RSA")
        .to_ascii_uppercase();
    let min = match algorithm.as_str() {
        "RSA" => cert_manager::MIN_RSA_BITS,
        "ECDSA" => cert_manager::MIN_ECDSA_BITS,
        _ => return,
    };
    if size < min {
        out.emit(
            Pointer::from_raw("/spec/privateKey/size"),
            format!("{algorithm} key of {size} bits (at least {min} needed)"),
        );
    }
}
