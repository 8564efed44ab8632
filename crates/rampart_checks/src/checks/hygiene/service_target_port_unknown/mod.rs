//! `service-target-port-unknown`: a Service port's named `targetPort` is declared by none of the
//! pods the Service selects in the input.
//!
//! Only named target ports are judged (a number needs no declaration), and only when the
//! Service selects at least one pod template of the input (`service-selects-nothing` reports
//! the others).

use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::checks::references::{self, namespace, plain_selector, Pods};
use crate::{Check, Inventory, InventoryEmitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "service-target-port-unknown",
        title: "Service targets a port name its pods do not declare",
        severity: Severity::Low,
        category: Category::Hygiene,
        controls: &[common::NIST_RUNTIME_CONFIG],
        rationale: "A named `targetPort` resolves, pod by pod, against the names of the \
            containers' ports. When no selected pod declares the name, the Service has no \
            endpoint for that port and its traffic fails; when only some do (after a rename), \
            traffic silently goes to the old pods only. Such drift also hides which port of a \
            workload is really exposed, which reviews of network exposure rely on. Judged only for Services that select pods of the input.",
        remediation: "Name the container port as the Service's `targetPort` says (or use the \
            port number), and keep both in the same chart or kustomization.",
        kinds: &["Service"],
        example_fail: "kind: Service\nspec:\n  selector: {app: web}\n  ports:\n  - {port: 80, targetPort: http}\n---\nkind: Deployment\nspec:\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        ports:\n        - {name: web, containerPort: 8080}\n",
        example_pass: "kind: Service\nspec:\n  selector: {app: web}\n  ports:\n  - {port: 80, targetPort: http}\n---\nkind: Deployment\nspec:\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        ports:\n        - {name: http, containerPort: 8080}\n",
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
        let selected = pods.matching(ns, &selector);
        if selected.is_empty() {
            continue;
        }
        let ports = svc.raw.pointer("/spec/ports").and_then(Value::as_array);
        for (j, port) in ports.into_iter().flatten().enumerate() {
            let Some(name) = port.get("targetPort").and_then(Value::as_str) else {
                continue;
            };
            // A number written as a string ("8080") is a number to the API server.
            if name.is_empty() || name.parse::<u32>().is_ok() {
                continue;
            }
            if selected
                .iter()
                .any(|p| p.pod.facts.named_ports.iter().any(|d| d.name == name))
            {
                continue;
            }
            let names: Vec<String> = selected.iter().map(|p| p.name()).collect();
            out.emit(
                i,
                rampart_model::Pointer::from_raw("/spec/ports")
                    .join(j)
                    .join("targetPort"),
                format!(
                    "targetPort `{name}` is a port name that none of the selected pods declares ({})",
                    names.join(", ")
                ),
            );
        }
    }
}
