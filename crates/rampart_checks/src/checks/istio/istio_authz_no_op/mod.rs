//! `istio-authz-no-op`: a DENY or CUSTOM AuthorizationPolicy without rules, which matches nothing.

use rampart_model::k8s::addons::istio;
use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "istio-authz-no-op",
        title: "Istio DENY or CUSTOM AuthorizationPolicy without rules has no effect",
        severity: Severity::Medium,
        category: Category::Addons,
        controls: &[common::NSA_AUTHZ, common::NIST_ORCH_UNAUTHORIZED],
        rationale: "A DENY (or CUSTOM) AuthorizationPolicy applies only to requests that match one \
            of its rules; with no rules it matches nothing, so it denies nothing. It reads like a \
            deny-all policy while every request still goes through. (For ALLOW the opposite \
            holds: no rules deny everything.)",
        remediation: "To deny every request to the selected workloads, give the DENY policy one \
            empty rule (`rules: [{}]`) or use an ALLOW policy without rules (`spec: {}`); \
            otherwise write the rules the policy was meant to have, or delete it.",
        kinds: &["AuthorizationPolicy"],
        example_fail: "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: deny-legacy, namespace: legacy}\nspec:\n  action: DENY\n",
        example_pass: "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: deny-legacy, namespace: legacy}\nspec:\n  action: DENY\n  rules:\n  - {}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if !ctx.is(istio::AUTHORIZATION_POLICY) {
        return;
    }
    let Some(spec) = ctx.raw().get("spec").filter(|s| s.is_object()) else {
        return;
    };
    let Some(action) = spec.get("action").and_then(Value::as_str) else {
        return;
    };
    let action = action.to_ascii_uppercase();
    if action != "DENY" && action != "CUSTOM" {
        return;
    }
    let no_rules = match spec.get("rules") {
        None | Some(Value::Null) => true,
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    };
    if no_rules {
        let sp = Pointer::root().join("spec");
        out.emit(
            if spec.get("rules").is_some() {
                sp.join("rules")
            } else {
                sp.join("action")
            },
            format!("a {action} policy without rules matches no request: it has no effect"),
        );
    }
}
