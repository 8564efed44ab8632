//! User policies as rampart checks: object checks when a policy judges each object alone,
//! inventory checks when it reads other objects (`data.inventory`, namespace selectors).

use std::borrow::Cow;
use std::sync::Arc;

use rampart_checks::{
    Check, Ctx, Emitted, Emitter, Inventory, InventoryEmitter, InventoryRule, ObjectRule, Rule, Run,
};
use rampart_model::{Category, Evidence, Meta, Pointer, Severity, Status};

use crate::review::{ClusterData, Review};
use crate::{Policy, Verdict, VerdictKind};

/// The check of one policy.
pub(crate) fn check_of(policy: &Policy) -> Check {
    let meta = meta_of(policy);
    let rule = Arc::new(PolicyRule(policy.clone()));
    let run = if policy.needs_cluster() {
        Run::InventoryRule(Rule::Shared(rule))
    } else {
        Run::ObjectRule(Rule::Shared(rule))
    };
    Check { meta, run }
}

fn meta_of(policy: &Policy) -> Meta {
    let (id, title, severity, rationale): (String, String, Severity, String) = match policy {
        Policy::Constraint(c) => (
            c.id.clone(),
            format!("{} constraint {}", c.template.kind, c.name),
            c.severity,
            c.template.description.clone().unwrap_or_else(|| {
                format!(
                    "User policy: Gatekeeper constraint `{}` of ConstraintTemplate `{}` (enforcementAction {}).",
                    c.name,
                    c.template.name,
                    c.action.as_str()
                )
            }),
        ),
        Policy::Rego(m) => (
            m.id.clone(),
            m.title.clone(),
            m.severity,
            m.description
                .clone()
                .unwrap_or_else(|| format!("User policy: Rego module `{}`.", m.title)),
        ),
        Policy::Vap(v) => (
            v.id.clone(),
            format!(
                "ValidatingAdmissionPolicy {} with binding {}",
                v.policy_name, v.binding_name
            ),
            v.severity,
            v.description.clone().unwrap_or_else(|| {
                format!(
                    "User policy: ValidatingAdmissionPolicy `{}` with binding `{}` (validationActions {}).",
                    v.policy_name,
                    v.binding_name,
                    v.actions.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", ")
                )
            }),
        ),
    };
    Meta {
        id: Cow::Owned(id),
        title: Cow::Owned(title),
        severity,
        category: Category::Policies,
        controls: &[],
        rationale: Cow::Owned(rationale),
        remediation: Cow::Borrowed(
            "Change the object so that the policy admits it, or waive the finding with a reason.",
        ),
        kinds: &[],
        example_fail: Cow::Borrowed(""),
        example_pass: Cow::Borrowed(""),
    }
}

struct PolicyRule(Policy);

/// The result a verdict becomes (as a scan reports it); public so that an admission webhook
/// evaluating a policy with the whole request reports it in the same words.
pub fn emitted(v: Verdict) -> Emitted {
    let message = if v.message.is_empty() {
        format!("violates policy `{}`", v.policy)
    } else {
        v.message
    };
    let mut e = Emitted::fail(Pointer::root(), message);
    if v.kind == VerdictKind::Error {
        e = e.with_status(Status::Error);
    }
    let empty = |d: &serde_json::Value| d.is_null() || d.as_object().is_some_and(|m| m.is_empty());
    if let Some(d) = v.details.filter(|d| !empty(d)) {
        e = e.with_evidence(Evidence::new("details", Some(d.to_string())));
    }
    e
}

impl ObjectRule for PolicyRule {
    fn check(&self, ctx: &Ctx, out: &mut Emitter) {
        for v in self.0.evaluate(&Review::of(&ctx.res.raw), None) {
            out.result(emitted(v));
        }
    }
}

/// The cluster as user policies see it, made once per inventory.
struct Derived(ClusterData);

impl InventoryRule for PolicyRule {
    fn check(&self, inv: &Inventory, out: &mut InventoryEmitter) {
        let made;
        let data = match inv.derived(|inv| {
            Derived(ClusterData::from_objects(
                inv.objects.iter().filter_map(|k| k.whole()).map(|r| &r.raw),
            ))
        }) {
            Some(d) => &d.0,
            None => {
                made = ClusterData::from_objects(
                    inv.objects.iter().filter_map(|k| k.whole()).map(|r| &r.raw),
                );
                &made
            }
        };
        let mut engine = match &self.0 {
            Policy::Constraint(c) if c.template.uses_inventory => {
                Some(c.template.engine_with(data))
            }
            _ => None,
        };
        for (i, kept) in inv.objects.iter().enumerate() {
            let Some(res) = kept.whole() else { continue };
            let review = Review::of(&res.raw);
            let verdicts = match (&self.0, engine.as_mut()) {
                (Policy::Constraint(c), Some(e)) => c.evaluate_with(e, &review, Some(data)),
                (p, _) => p.evaluate(&review, Some(data)),
            };
            for v in verdicts {
                out.emit_result(i, emitted(v));
            }
        }
    }

    fn needs_whole_objects(&self) -> bool {
        true
    }
}
