//! `hpa-target-missing`: a HorizontalPodAutoscaler scales a workload the input does not define.
//!
//! Judged for targets of the built-in kinds (Deployment, StatefulSet, ReplicaSet,
//! ReplicationController) in namespaces where the input holds pod-bearing objects (see
//! `checks::references`); custom resources (Argo Rollouts and the like) are skipped.

use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::checks::references::{self, namespace, Pods};
use crate::{Check, Inventory, InventoryEmitter, Run};

/// The built-in kinds an HPA can scale.
pub const SCALABLE_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
];

pub static CHECK: Check = Check {
    meta: meta! {
        id: "hpa-target-missing",
        title: "HorizontalPodAutoscaler targets a workload that does not exist",
        severity: Severity::Low,
        category: Category::Hygiene,
        controls: &[common::NIST_RUNTIME_CONFIG, common::MITRE_DOS],
        rationale: "An autoscaler whose `scaleTargetRef` names a missing workload scales \
            nothing: the workload it was meant for (often renamed) runs at a fixed size and \
            falls over under the load the autoscaler was there to absorb, and a workload created \
            later under the old name is scaled by limits nobody reviewed for it. Judged only in namespaces where the input holds pod-bearing objects, so a chart scanned \
            alone is not reported for what another repository deploys.",
        remediation: "Point `spec.scaleTargetRef` at the workload's current kind and name, or \
            delete the autoscaler.",
        kinds: &["HorizontalPodAutoscaler"],
        example_fail: "kind: HorizontalPodAutoscaler\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web-old}\n---\nkind: Deployment\nmetadata: {name: web}\n",
        example_pass: "kind: HorizontalPodAutoscaler\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n---\nkind: Deployment\nmetadata: {name: web}\n",
    },
    run: Run::Inventory(run),
};

fn run(inv: &Inventory, out: &mut InventoryEmitter) {
    let pods = Pods::of(inv);
    for (i, hpa) in references::whole_of(inv, "HorizontalPodAutoscaler") {
        let Some((kind, name)) = target(&hpa.raw) else {
            continue;
        };
        let ns = namespace(&inv.objects[i]);
        let candidates = pods.in_namespace(ns);
        if candidates.is_empty()
            || candidates
                .iter()
                .any(|p| p.pod.id.kind == kind && p.pod.id.name == name)
        {
            continue;
        }
        out.emit(
            i,
            Pointer::from_raw("/spec/scaleTargetRef/name"),
            format!("the scale target {kind}/{name} is not defined in namespace `{ns}` of the input"),
        );
    }
}

/// The kind and name of an HPA's target, when it is a built-in scalable kind.
pub fn target(raw: &Value) -> Option<(&str, &str)> {
    let r = raw.pointer("/spec/scaleTargetRef")?;
    let kind = r.get("kind").and_then(Value::as_str)?;
    let name = r.get("name").and_then(Value::as_str).filter(|n| !n.is_empty())?;
    SCALABLE_KINDS.contains(&kind).then_some((kind, name))
}
