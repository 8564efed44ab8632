//! `istio-authz-allow-all`: an ALLOW AuthorizationPolicy with a rule that matches every request.
//!
//! An empty rule (`rules: [{}]`, or a rule whose `from`, `to` and `when` are all empty) matches
//! every request. A policy with no rules at all is the opposite (allow-nothing: it denies every
//! request to the selected workloads) and is not reported.

use rampart_model::k8s::addons::istio;
use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "istio-authz-allow-all",
        title: "Istio AuthorizationPolicy allows every request",
        severity: Severity::High,
        category: Category::Addons,
        controls: &[common::NSA_AUTHZ, common::NIST_ORCH_UNAUTHORIZED, common::MITRE_PUBLIC_APP],
        rationale: "An ALLOW AuthorizationPolicy whose rule is empty (`rules: [{}]`) matches every \
            request from every source, authenticated or not. Because any matching ALLOW policy \
            admits a request, such a policy silently overrides every narrower ALLOW policy on the \
            same workloads, and in the root namespace without a selector it opens the whole mesh. \
            It is often left behind from debugging.",
        remediation: "Replace the empty rule with rules naming the allowed sources (`principals`, \
            `namespaces`), operations (`methods`, `paths`, `ports`) or conditions; to deny \
            everything, use a policy with no rules at all (`spec: {}`).",
        kinds: &["AuthorizationPolicy"],
        example_fail: "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: allow-all, namespace: shop}\nspec:\n  action: ALLOW\n  rules:\n  - {}\n",
        example_pass: "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: frontend, namespace: shop}\nspec:\n  action: ALLOW\n  rules:\n  - from:\n    - source: {principals: [cluster.local/ns/shop/sa/frontend]}\n",
    },
    run: Run::Object(run),
};

/// True when a rule matches every request: a mapping whose `from`, `to` and `when` are absent,
/// null or empty lists.
pub(crate) fn matches_everything(rule: &Value) -> bool {
    let Some(map) = rule.as_object() else {
        return false;
    };
    ["from", "to", "when"].iter().all(|k| match map.get(*k) {
        None | Some(Value::Null) => true,
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    })
}

fn run(ctx: &Ctx, out: &mut Emitter) {
    if !ctx.is(istio::AUTHORIZATION_POLICY) {
        return;
    }
    let Some(spec) = ctx.raw().get("spec") else {
        return;
    };
    let action = spec
        .get("action")
        .and_then(Value::as_str)
        .unwrap_or("ALLOW");
    if !action.eq_ignore_ascii_case("ALLOW") {
        return;
    }
    let scope = if spec.get("selector").is_some()
        || spec.get("targetRef").is_some()
        || spec.get("targetRefs").is_some()
    {
        "the selected workloads"
    } else if ctx.res.id.namespace.as_deref() == Some(istio::ROOT_NAMESPACE) {
        "every workload of the mesh"
    } else {
        "every workload of the namespace"
    };
    for (ptr, rule) in common::items(spec, &Pointer::root().join("spec"), "rules") {
        if matches_everything(rule) {
            out.emit(
                ptr,
                format!("an empty ALLOW rule admits every request to {scope}"),
            );
        }
    }
}
