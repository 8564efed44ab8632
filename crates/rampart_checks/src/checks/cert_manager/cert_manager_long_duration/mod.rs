//! `cert-manager-long-duration`: a cert-manager Certificate for a server or client lives longer
//! than 398 days.
//!
//! `spec.duration` (a Go duration such as `8760h`) over 398 days is reported, except for CA
//! certificates (`isCA: true`), whose lifetime is a separate decision. A duration that is not a
//! valid Go duration is rejected by cert-manager and left to it.

use rampart_model::k8s::addons::cert_manager;
use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "cert-manager-long-duration",
        title: "cert-manager Certificate valid for more than 398 days",
        severity: Severity::Low,
        category: Category::Addons,
        controls: &[common::NSA_ENCRYPTION, common::MITRE_AITM],
        rationale: "A leaf certificate's lifetime bounds how long a stolen key stays useful, \
            since revocation is rarely checked inside a cluster. Browsers and the CA/Browser Forum \
            refuse public leaf certificates valid for more than 398 days, and shorter lifetimes \
            force the automated renewal cert-manager exists for. Multi-year leaf certificates are \
            usually a workaround for renewal that does not work.",
        remediation: "Set `spec.duration` to 90 days (`2160h`, cert-manager's default) or less, \
            with `renewBefore` a third of it, and make sure the workloads reload renewed \
            certificates.",
        kinds: &["Certificate"],
        example_fail: "apiVersion: cert-manager.io/v1\nkind: Certificate\nspec:\n  duration: 87600h\n",
        example_pass: "apiVersion: cert-manager.io/v1\nkind: Certificate\nspec:\n  duration: 2160h\n  renewBefore: 720h\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if !ctx.is(cert_manager::CERTIFICATE) {
        return;
    }
    let Some(spec) = ctx.raw().get("spec") else {
        return;
    };
    if common::is_true(spec.get("isCA")) {
        return;
    }
    let Some(duration) = spec.get("duration").and_then(Value::as_str) else {
        return;
    };
    let Some(hours) = cert_manager::duration_hours(duration) else {
        return;
    };
    if hours > cert_manager::MAX_LEAF_DURATION_HOURS {
        out.emit(
            Pointer::from_raw("/spec/duration"),
            format!(
                "duration {duration} is {:.0} days (at most {:.0})",
                hours / 24.0,
                cert_manager::MAX_LEAF_DURATION_HOURS / 24.0
            ),
        );
    }
}
