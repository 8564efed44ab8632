//! `service-selects-nothing`: a Service whose selector matches no pod template in the input.
//!
//! Judged only in namespaces where the input holds pod-bearing objects (see
//! `checks::references`): a chart's Service whose pods come from elsewhere is not reported.
//! Services without a selector (their Endpoints are managed by hand) and `ExternalName` Services
//! are skipped.

use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::checks::references::{self, namespace, plain_selector, Pods};
use crate::{Check, Inventory, InventoryEmitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "service-selects-nothing",
        title: "Service selects no pod in the input",
        severity: Severity::Low,
        category: Category::Hygiene,
        controls: &[common::NIST_RUNTIME_CONFIG, common::NSA_NETWORK],
        rationale: "A Service whose selector matches no pod has no endpoints: clients get \
            connection errors, and the name stays reserved for whatever pod later carries the \
            labels, including one deployed by someone else in the namespace, which then \
            receives the traffic (and the credentials in it) meant for the intended backend. \
            It usually means the labels of the Service and the workload drifted apart. Judged only in namespaces where the input holds pod-bearing objects, so a chart scanned \
            alone is not reported for what another repository deploys.",
        remediation: "Make `spec.selector` match the pod template labels of the workload it \
            fronts, or delete the Service if nothing should serve it.",
        kinds: &["Service"],
        example_fail: "kind: Service\nspec:\n  selector: {app: web}\n---\nkind: Deployment\nspec:\n  template:\n    metadata:\n      labels: {app: api}\n",
        example_pass: "kind: Service\nspec:\n  selector: {app: web}\n---\nkind: Deployment\nspec:\n  template:\n    metadata:\n      labels: {app: web}\n",
    },
    run: Run::Inventory(run),
};

fn run(inv: &Inventory, out: &mut InventoryEmitter) {
    let pods = Pods::with_labels(inv);
    for (i, svc) in references::whole_of(inv, "Service") {
        if svc.raw.pointer("/spec/type").and_then(Value::as_str) == Some("ExternalName") {
            continue;
        }
        let Some(selector) = plain_selector(svc.raw.pointer("/spec/selector")) else {
            continue;
        };
        let ns = namespace(&inv.objects[i]);
        let candidates = pods.in_namespace(ns);
        if candidates.is_empty() || !pods.matching(ns, &selector).is_empty() {
            continue;
        }
        let shown: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
        out.emit(
            i,
            Pointer::from_raw("/spec/selector"),
            format!(
                "selector {} matches none of the {} pod template(s) in namespace `{ns}`: the Service has no endpoints",
                shown.join(","),
                candidates.len()
            ),
        );
    }
}
