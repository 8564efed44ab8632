//! `webhook-exempts-nothing`: an admission webhook that fails closed intercepts pods (or every
//! resource) in every namespace, its own and kube-system included.
//!
//! The rule, for each webhook of a `ValidatingWebhookConfiguration` or
//! `MutatingWebhookConfiguration` (`admissionregistration.k8s.io/v1` or `v1beta1`):
//!
//! 1. it fails closed: `failurePolicy: Fail`, or unset in `v1` (where Fail is the default; unset
//!    in `v1beta1` means Ignore, which `webhook-fail-open` reports);
//! 2. a rule intercepts `CREATE`, `UPDATE` or `*` of pods or of every resource (`resources` has
//!    `*`, `*/*`, `pods` or `pods/*` for `apiGroups` `""` or `*`) at namespaced scope (`scope`
//!    unset, `*` or `Namespaced`);
//! 3. it has no `objectSelector` requirement and no `matchConditions` (either can exempt
//!    requests, and rampart cannot see which labels or requests they leave out);
//! 4. its `namespaceSelector` selects `kube-system`, or the namespace of its own service
//!    (`clientConfig.service.namespace`). A namespace is judged by the label every namespace
//!    carries, `kubernetes.io/metadata.name: <name>`: an empty selector selects it; a requirement
//!    on that label selects it or not; `In`/`Exists`/`matchLabels` on another label do not select
//!    it (it is assumed not to carry the label); `NotIn`/`DoesNotExist` on another label are an
//!    opt-out label the cluster may have put on it, so such a webhook is not reported.

use rampart_model::k8s::labels::NAMESPACE_NAME_LABEL;
use rampart_model::k8s::selector::{Operator, Requirement, Selector};
use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::{Map, Value};

use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "webhook-exempts-nothing",
        title: "Admission webhook fails closed for every namespace, kube-system included",
        severity: Severity::Medium,
        category: Category::Hygiene,
        controls: &[
            crate::checks::common::NSA_ADMISSION,
            crate::checks::common::MITRE_DOS,
        ],
        rationale: "A webhook with `failurePolicy: Fail` (the default in \
            admissionregistration.k8s.io/v1) rejects every request it intercepts while its backend \
            is unreachable. When its rules cover pods (or every resource) in all namespaces and its \
            selectors exempt neither kube-system nor the namespace its own service runs in, one \
            outage of the webhook blocks the repairs that would end it: its own pods cannot be \
            recreated, and neither can CoreDNS, kube-proxy or the CNI in kube-system, so a node \
            failure or a bad rollout of the webhook turns into a cluster-wide outage that only \
            deleting the webhook configuration ends. Reported when the webhook fails closed, a rule \
            intercepts CREATE or UPDATE of pods or of `*` at namespaced scope, there is no \
            `objectSelector` or `matchConditions`, and the `namespaceSelector` selects kube-system \
            or the webhook's service namespace, judged by their `kubernetes.io/metadata.name` label.",
        remediation: "Keep `failurePolicy: Fail` for policy webhooks, but exempt what the cluster \
            needs to heal: add a `namespaceSelector` such as `matchExpressions: [{key: \
            kubernetes.io/metadata.name, operator: NotIn, values: [kube-system, <webhook \
            namespace>]}]`, narrow `rules` to the resources the policy is about, set a short \
            `timeoutSeconds`, and run the webhook with several replicas and a PodDisruptionBudget.",
        kinds: &[
            "ValidatingWebhookConfiguration",
            "MutatingWebhookConfiguration",
        ],
        example_fail: "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nwebhooks:\n- name: policy.example.com\n  failurePolicy: Fail\n  rules:\n  - {apiGroups: [\"*\"], apiVersions: [\"*\"], operations: [CREATE, UPDATE], resources: [\"*\"]}\n",
        example_pass: "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nwebhooks:\n- name: policy.example.com\n  failurePolicy: Fail\n  namespaceSelector:\n    matchExpressions:\n    - {key: kubernetes.io/metadata.name, operator: NotIn, values: [kube-system, policy]}\n  rules:\n  - {apiGroups: [\"*\"], apiVersions: [\"*\"], operations: [CREATE, UPDATE], resources: [\"*\"]}\n",
    },
    run: Run::Object(run),
};

fn strings(v: Option<&Value>) -> impl Iterator<Item = &str> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// True when a rule intercepts CREATE or UPDATE of pods or of every resource, namespaced.
fn broad_rule(rule: &Value) -> bool {
    let ops = strings(rule.get("operations")).any(|o| matches!(o, "*" | "CREATE" | "UPDATE"));
    let groups = strings(rule.get("apiGroups")).any(|g| matches!(g, "*" | ""));
    let resources =
        strings(rule.get("resources")).any(|r| matches!(r, "*" | "*/*" | "pods" | "pods/*"));
    let scope = match rule.get("scope") {
        None | Some(Value::Null) => true,
        Some(s) => matches!(s.as_str(), Some("*" | "Namespaced")),
    };
    ops && groups && resources && scope
}

/// Whether a selector selects a namespace that carries only its automatic name label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Selects {
    Yes,
    No,
    /// Depends on labels rampart cannot see (an opt-out label), or the selector is malformed.
    Unknown,
}

fn selects(selector: Option<&Value>, ns: &str) -> Selects {
    let Some(v) = selector else {
        return Selects::Yes;
    };
    let (sel, _) = Selector::read(v, &Pointer::root());
    if sel.is_invalid() {
        return Selects::Unknown;
    }
    if sel
        .match_labels()
        .iter()
        .any(|(k, v)| k != NAMESPACE_NAME_LABEL || v != ns)
    {
        return Selects::No;
    }
    let mut unknown = false;
    for r in sel.requirements() {
        match requirement(r, ns) {
            Selects::No => return Selects::No,
            Selects::Unknown => unknown = true,
            Selects::Yes => {}
        }
    }
    if unknown {
        Selects::Unknown
    } else {
        Selects::Yes
    }
}

fn requirement(r: &Requirement, ns: &str) -> Selects {
    let verdict = |b: bool| if b { Selects::Yes } else { Selects::No };
    if r.key == NAMESPACE_NAME_LABEL {
        let listed = r.values.iter().any(|v| v == ns);
        match r.operator {
            Operator::In => verdict(listed),
            Operator::NotIn => verdict(!listed),
            Operator::Exists => Selects::Yes,
            Operator::DoesNotExist => Selects::No,
        }
    } else {
        match r.operator {
            // The namespace is assumed not to carry other labels.
            Operator::In | Operator::Exists => Selects::No,
            // An opt-out label: the cluster may have put it on the namespace.
            Operator::NotIn | Operator::DoesNotExist => Selects::Unknown,
        }
    }
}

/// True when a selector has at least one requirement.
fn has_requirements(selector: Option<&Value>) -> bool {
    let Some(Value::Object(sel)) = selector else {
        return selector.is_some_and(|s| !s.is_null());
    };
    let non_empty = |v: Option<&Value>| match v {
        Some(Value::Object(m)) => !m.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        None | Some(Value::Null) => false,
        Some(_) => true,
    };
    non_empty(sel.get("matchLabels")) || non_empty(sel.get("matchExpressions"))
}

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some((hooks, v1beta1)) = super::webhooks(ctx) else {
        return;
    };
    for (i, hook) in hooks.iter().enumerate() {
        let Value::Object(hook) = hook else {
            continue;
        };
        check_hook(i, hook, v1beta1, out);
    }
}

fn check_hook(i: usize, hook: &Map<String, Value>, v1beta1: bool, out: &mut Emitter) {
    let fails_closed = match hook.get("failurePolicy") {
        None | Some(Value::Null) => !v1beta1,
        Some(p) => p.as_str() == Some("Fail"),
    };
    if !fails_closed {
        return;
    }
    let Some(rule) = hook
        .get("rules")
        .and_then(Value::as_array)
        .and_then(|rules| rules.iter().find(|r| broad_rule(r)))
    else {
        return;
    };
    if has_requirements(hook.get("objectSelector")) {
        return;
    }
    if hook
        .get("matchConditions")
        .and_then(Value::as_array)
        .is_some_and(|c| !c.is_empty())
    {
        return;
    }
    let selector = hook.get("namespaceSelector");
    let own = hook
        .get("clientConfig")
        .and_then(|c| c.get("service"))
        .and_then(|s| s.get("namespace"))
        .and_then(Value::as_str)
        .filter(|ns| !ns.is_empty() && *ns != "kube-system");
    let mut intercepted = Vec::new();
    let mut blocked = Vec::new();
    if selects(selector, "kube-system") == Selects::Yes {
        intercepted.push("kube-system".to_string());
        blocked.push("the add-ons in kube-system (DNS, network, proxy)".to_string());
    }
    if let Some(ns) = own {
        if selects(selector, ns) == Selects::Yes {
            intercepted.push(format!("its own namespace {ns}"));
            blocked.push("the webhook's own pods".to_string());
        }
    }
    if intercepted.is_empty() {
        return;
    }
    let name = hook.get("name").and_then(Value::as_str).unwrap_or("");
    let what = if strings(rule.get("resources")).any(|r| r.starts_with('*')) {
        "every resource"
    } else {
        "pods"
    };
    let base = Pointer::root().join("webhooks").join(i);
    let ptr = match selector {
        Some(s) if !s.is_null() => base.join("namespaceSelector"),
        _ => base,
    };
    let exempts = match intercepted.as_slice() {
        [one] => format!("does not exempt {one}"),
        many => format!("exempts neither {}", many.join(" nor ")),
    };
    out.emit(
        ptr,
        format!(
            "webhook {name:?} fails closed on {what} and {exempts}: while its backend is down, {} cannot be restored",
            blocked.join(" and ")
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selector_evaluation() {
        let ks = "kube-system";
        assert_eq!(selects(None, ks), Selects::Yes);
        assert_eq!(selects(Some(&json!({})), ks), Selects::Yes);
        assert_eq!(
            selects(
                Some(
                    &json!({"matchExpressions": [{"key": NAMESPACE_NAME_LABEL, "operator": "NotIn", "values": ["kube-system"]}]})
                ),
                ks
            ),
            Selects::No
        );
        assert_eq!(
            selects(
                Some(
                    &json!({"matchExpressions": [{"key": NAMESPACE_NAME_LABEL, "operator": "NotIn", "values": ["other"]}]})
                ),
                ks
            ),
            Selects::Yes
        );
        assert_eq!(
            selects(Some(&json!({"matchLabels": {"policy": "on"}})), ks),
            Selects::No
        );
        assert_eq!(
            selects(
                Some(&json!({"matchExpressions": [{"key": "ignore", "operator": "DoesNotExist"}]})),
                ks
            ),
            Selects::Unknown
        );
        assert_eq!(selects(Some(&json!("x")), ks), Selects::Unknown);
        assert_eq!(
            selects(Some(&json!({"matchExpressions": [5]})), ks),
            Selects::Unknown
        );
        assert!(!has_requirements(Some(&json!({}))));
        assert!(!has_requirements(Some(&json!({"matchLabels": {}}))));
        assert!(has_requirements(Some(&json!({"matchLabels": {"a": "b"}}))));
    }

    #[test]
    fn broad_rules() {
        assert!(broad_rule(
            &json!({"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods"]})
        ));
        assert!(!broad_rule(
            &json!({"apiGroups": ["apps"], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["*"]})
        ));
        assert!(!broad_rule(
            &json!({"apiGroups": ["*"], "operations": ["DELETE"], "resources": ["*"]})
        ));
        assert!(!broad_rule(
            &json!({"apiGroups": ["*"], "operations": ["*"], "resources": ["*"], "scope": "Cluster"})
        ));
        assert!(!broad_rule(&json!("nonsense")));
    }
}
