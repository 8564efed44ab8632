//! `pdb-selects-nothing`: a PodDisruptionBudget whose selector matches no pod template in the
//! input.
//!
//! Judged only in namespaces where the input holds pod-bearing objects (see
//! `checks::references`). Empty selectors (every pod in `policy/v1`) and malformed ones (left to
//! the API server) are skipped.

use rampart_model::k8s::selector::Selector;
use rampart_model::{meta, Category, Pointer, Severity};

use crate::checks::common;
use crate::checks::references::{self, namespace, Pods};
use crate::{Check, Inventory, InventoryEmitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "pdb-selects-nothing",
        title: "PodDisruptionBudget selects no pod in the input",
        severity: Severity::Low,
        category: Category::Hygiene,
        controls: &[common::MITRE_DOS, common::NIST_RUNTIME_CONFIG],
        rationale: "A PodDisruptionBudget protects the pods its selector matches from voluntary \
            evictions (node drains for patching, autoscaler scale-downs). One that matches \
            nothing protects nothing: the workload it was written for can lose every replica \
            at once during the next node upgrade, while the budget suggests it is covered. Judged only in namespaces where the input holds pod-bearing objects, so a chart scanned \
            alone is not reported for what another repository deploys.",
        remediation: "Make `spec.selector` match the pod template labels of the workload the \
            budget is for, or delete the budget.",
        kinds: &["PodDisruptionBudget"],
        example_fail: "kind: PodDisruptionBudget\nspec:\n  selector:\n    matchLabels: {app: web}\n---\nkind: Deployment\nspec:\n  template:\n    metadata:\n      labels: {app: frontend}\n",
        example_pass: "kind: PodDisruptionBudget\nspec:\n  selector:\n    matchLabels: {app: web}\n---\nkind: Deployment\nspec:\n  template:\n    metadata:\n      labels: {app: web}\n",
    },
    run: Run::Inventory(run),
};

fn run(inv: &Inventory, out: &mut InventoryEmitter) {
    let pods = Pods::with_labels(inv);
    let ptr = Pointer::from_raw("/spec/selector");
    for (i, pdb) in references::whole_of(inv, "PodDisruptionBudget") {
        let Some(value) = pdb.raw.pointer("/spec/selector") else {
            continue;
        };
        let (selector, problems) = Selector::read(value, &ptr);
        if !problems.is_empty() || selector.is_invalid() || selector.is_empty() {
            continue;
        }
        let ns = namespace(&inv.objects[i]);
        let candidates = pods.in_namespace(ns);
        if candidates.is_empty() || candidates.iter().any(|p| selector.matches(&p.labels)) {
            continue;
        }
        out.emit(
            i,
            ptr.clone(),
            format!(
                "the selector matches none of the {} pod template(s) in namespace `{ns}`: the budget protects nothing",
                candidates.len()
            ),
        );
    }
}
