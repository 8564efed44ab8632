//! `workload-selector-mismatch`: a controller's `spec.selector` does not match its own pod
//! template's labels.
//!
//! Deployments, ReplicaSets, StatefulSets and DaemonSets always; Jobs only with
//! `manualSelector: true` (otherwise the API server generates the selector); ReplicationControllers
//! when they set a selector (a plain label map). Malformed selectors are left to the API server.

use rampart_model::k8s::labels::{read_labels, Labels};
use rampart_model::k8s::selector::Selector;
use rampart_model::{meta, Category, Pointer, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "workload-selector-mismatch",
        title: "Workload selector does not match its pod template",
        severity: Severity::Medium,
        category: Category::Hygiene,
        controls: &[common::NIST_RUNTIME_CONFIG],
        rationale: "A controller manages the pods its `spec.selector` matches. When the selector \
            does not match the labels of its own pod template, the API server rejects the object \
            (`selector does not match template labels`), so the change never rolls out and the \
            old, possibly vulnerable, pods keep running; a ReplicationController or a manual Job \
            selector can instead adopt other pods that happen to carry the labels.",
        remediation: "Make every `matchLabels` pair and `matchExpressions` requirement of \
            `spec.selector` hold for `spec.template.metadata.labels`.",
        kinds: &["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "ReplicationController"],
        example_fail: "kind: Deployment\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: api}\n",
        example_pass: "kind: Deployment\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web, tier: front}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let raw = ctx.raw();
    let spec = raw.get("spec");
    let Some(sel_value) = spec.and_then(|s| s.get("selector")) else {
        return;
    };
    let sel_ptr = Pointer::from_raw("/spec/selector");
    let selector = match ctx.kind() {
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" => {
            Selector::read(sel_value, &sel_ptr).0
        }
        "Job" => {
            if !common::is_true(spec.and_then(|s| s.get("manualSelector"))) {
                return;
            }
            Selector::read(sel_value, &sel_ptr).0
        }
        "ReplicationController" => {
            // A plain map of labels: the same as `matchLabels`.
            let map = serde_json::json!({ "matchLabels": sel_value });
            Selector::read(&map, &sel_ptr).0
        }
        _ => return,
    };
    if selector.is_invalid() || selector.is_empty() {
        return;
    }
    let labels: Labels = read_labels(
        raw.pointer("/spec/template/metadata/labels"),
        &Pointer::from_raw("/spec/template/metadata/labels"),
        &mut Vec::new(),
    );
    if selector.matches(&labels) {
        return;
    }
    let shown = if labels.is_empty() {
        "no labels".to_string()
    } else {
        labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    out.emit(
        sel_ptr,
        format!("spec.selector does not match the pod template's labels ({shown})"),
    );
}
