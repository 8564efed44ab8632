//! `webhook-fail-open`: an admission webhook is ignored when it cannot be reached.

use rampart_model::{meta, Category, Control, Pointer, Severity};
use serde_json::Value;

use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "webhook-fail-open",
        title: "Admission webhook fails open (failurePolicy: Ignore)",
        severity: Severity::Medium,
        category: Category::Hygiene,
        controls: &[
            crate::checks::common::NSA_ADMISSION,
            Control::MitreAttack {
                id: "T1562.001",
                name: "Impair Defenses: Disable or Modify Tools",
            },
        ],
        rationale: "A webhook with `failurePolicy: Ignore` is skipped whenever it times out or its \
            service is down, so a policy engine enforced through it (image policy, Pod Security, \
            custom rules) can be bypassed by overloading or crashing it, and nothing records that \
            objects went through unchecked.",
        remediation: "Set `failurePolicy: Fail` on webhooks that enforce security policy, run the \
            webhook with several replicas and a PodDisruptionBudget, and exempt only the namespaces \
            it depends on (with `namespaceSelector`) so the cluster can still recover.",
        kinds: &[
            "ValidatingWebhookConfiguration",
            "MutatingWebhookConfiguration",
        ],
        example_fail: "kind: ValidatingWebhookConfiguration\nwebhooks:\n- name: policy.example.com\n  failurePolicy: Ignore\n",
        example_pass: "kind: ValidatingWebhookConfiguration\nwebhooks:\n- name: policy.example.com\n  failurePolicy: Fail\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some((hooks, v1beta1)) = super::webhooks(ctx) else {
        return;
    };
    for (i, hook) in hooks.iter().enumerate() {
        // admissionregistration.k8s.io/v1 defaults failurePolicy to Fail; v1beta1 to Ignore.
        let policy = hook.get("failurePolicy").and_then(Value::as_str);
        let ignores = match policy {
            Some(p) => p == "Ignore",
            None => v1beta1,
        };
        if ignores {
            let name = hook.get("name").and_then(Value::as_str).unwrap_or("");
            let base = Pointer::root().join("webhooks").join(i);
            let ptr = if policy.is_some() {
                base.join("failurePolicy")
            } else {
                base
            };
            out.emit(
                ptr,
                format!(
                    "webhook {name:?} is skipped when it cannot be reached (failurePolicy: Ignore)"
                ),
            );
        }
    }
}
