//! Admission control checks: Pod Security Admission labels and admission webhooks.

// The checks: one folder per check, `admission/<id>/mod.rs` (see build.rs).
include!(concat!(env!("OUT_DIR"), "/checks/admission.rs"));

use serde_json::Value;

use crate::Ctx;

/// The webhooks of a ValidatingWebhookConfiguration or MutatingWebhookConfiguration
/// (`admissionregistration.k8s.io`), and whether the object is v1beta1 (where `failurePolicy`
/// defaults to Ignore; v1 defaults it to Fail). `None` for any other object.
pub(crate) fn webhooks<'a>(ctx: &Ctx<'a>) -> Option<(&'a [Value], bool)> {
    let api_version = &ctx.res.id.api_version;
    if !matches!(
        ctx.kind(),
        "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration"
    ) || !api_version.starts_with("admissionregistration.k8s.io/")
    {
        return None;
    }
    let hooks = ctx.raw().get("webhooks")?.as_array()?;
    Some((hooks, api_version.ends_with("/v1beta1")))
}
