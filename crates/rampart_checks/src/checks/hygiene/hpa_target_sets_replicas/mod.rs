//! `hpa-target-sets-replicas`: a workload that a HorizontalPodAutoscaler of the input scales
//! also sets `spec.replicas`.
//!
//! The finding is on the workload's `spec.replicas`, naming the autoscaler. Only manifests are
//! judged: a live workload always has `spec.replicas` (the API server defaults it, and the
//! autoscaler writes it).

use rampart_model::{meta, Category, Origin, Pointer, Severity};

use crate::checks::common;
use crate::checks::hygiene::hpa_target_missing::target;
use crate::checks::references::{self, namespace};
use crate::inventory::Kept;
use crate::{Check, Inventory, InventoryEmitter, RelatedIdx, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "hpa-target-sets-replicas",
        title: "Autoscaled workload also sets spec.replicas",
        severity: Severity::Low,
        category: Category::Hygiene,
        controls: &[common::MITRE_DOS, common::NIST_RUNTIME_CONFIG],
        rationale: "When a HorizontalPodAutoscaler manages a workload, `spec.replicas` in the \
            manifest fights it: every `kubectl apply` or GitOps sync resets the workload to the \
            written count, so a deployment during a traffic peak scales the application down \
            to that number at once, the self-inflicted denial of service the autoscaler was \
            meant to prevent. Only manifests are judged: a live workload always has \
            `spec.replicas`.",
        remediation: "Remove `spec.replicas` from the workload's manifest and let the \
            autoscaler's `minReplicas` set the floor.",
        kinds: &["Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"],
        example_fail: "kind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 3\n---\nkind: HorizontalPodAutoscaler\nspec:\n  scaleTargetRef: {kind: Deployment, name: web}\n",
        example_pass: "kind: Deployment\nmetadata: {name: web}\nspec: {}\n---\nkind: HorizontalPodAutoscaler\nspec:\n  scaleTargetRef: {kind: Deployment, name: web}\n",
    },
    run: Run::Inventory(run),
};

fn run(inv: &Inventory, out: &mut InventoryEmitter) {
    let mut wanted = std::collections::HashMap::new();
    for (i, hpa) in references::whole_of(inv, "HorizontalPodAutoscaler") {
        if let Some((kind, name)) = target(&hpa.raw) {
            wanted.insert((namespace(&inv.objects[i]), kind, name), i);
        }
    }
    if wanted.is_empty() {
        return;
    }
    for (i, k) in inv.objects.iter().enumerate() {
        let Kept::Pod(pod) = k else { continue };
        if pod.replicas.is_none() || matches!(pod.origin, Origin::Cluster { .. }) {
            continue;
        }
        let key = (namespace(k), pod.id.kind.as_str(), pod.id.name.as_str());
        let Some(&h) = wanted.get(&key) else { continue };
        out.emit_related(
            i,
            Pointer::from_raw("/spec/replicas"),
            format!(
                "HorizontalPodAutoscaler `{}` scales this workload: every apply resets it to spec.replicas",
                inv.objects[h].id().name
            ),
            vec![RelatedIdx {
                role: "autoscaler",
                object: h,
                pointer: Pointer::from_raw("/spec/scaleTargetRef"),
            }],
        );
    }
}
