//! `cert-manager-key-not-rotated`: a cert-manager Certificate keeps its private key across
//! renewals (`spec.privateKey.rotationPolicy: Never`).
//!
//! Only the explicit `Never` is reported: since cert-manager 1.18 an unset policy means `Always`.

use rampart_model::k8s::addons::cert_manager;
use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "cert-manager-key-not-rotated",
        title: "cert-manager Certificate reuses its private key on renewal",
        severity: Severity::Low,
        category: Category::Addons,
        controls: &[common::NSA_ENCRYPTION, common::MITRE_AITM],
        rationale: "With `rotationPolicy: Never` every renewal signs the same private key again, \
            so a key that leaked once (a copied Secret, a backup, a debug dump) stays valid \
            through every future certificate; renewing then changes nothing for an attacker \
            holding it.",
        remediation: "Set `spec.privateKey.rotationPolicy: Always` (the default since \
            cert-manager 1.18) so each renewal makes a new key; pin the key only where a \
            consumer needs it (HPKP-style pinning) and document why.",
        kinds: &["Certificate"],
        example_fail: "apiVersion: cert-manager.io/v1\nkind: Certificate\nspec:\n  privateKey:\n    rotationPolicy: Never\n",
        example_pass: "apiVersion: cert-manager.io/v1\nkind: Certificate\nspec:\n  privateKey:\n    rotationPolicy: Always\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if !ctx.is(cert_manager::CERTIFICATE) {
        return;
    }
    let policy = ctx
        .raw()
        .pointer("/spec/privateKey/rotationPolicy")
        .and_then(Value::as_str);
    if policy == Some("Never") {
        out.emit(
            Pointer::from_raw("/spec/privateKey/rotationPolicy"),
            "rotationPolicy Never keeps the same private key across renewals",
        );
    }
}
