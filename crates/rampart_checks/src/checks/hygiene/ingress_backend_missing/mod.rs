//! `ingress-backend-missing`: an Ingress routes to a Service the input does not define.
//!
//! Reads `spec.defaultBackend` and every `rules[].http.paths[].backend` (and the
//! `extensions/v1beta1` form, `serviceName`). Judged only in namespaces where the input holds at
//! least one Service (see `checks::references`); resource backends are skipped.

use std::collections::HashSet;

use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::checks::references::{self, namespace};
use crate::{Check, Inventory, InventoryEmitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "ingress-backend-missing",
        title: "Ingress routes to a Service that does not exist",
        severity: Severity::Low,
        category: Category::Hygiene,
        controls: &[common::NIST_RUNTIME_CONFIG, common::MITRE_PUBLIC_APP],
        rationale: "An Ingress exposes a host and path to the internet. When its backend \
            Service does not exist, the route answers with errors today, and whoever creates a \
            Service of that name in the namespace later (a test deployment, another team) is \
            published on the public host at once, without anyone reviewing that exposure. Judged only in namespaces where the input defines Services, so a chart \
            scanned alone is not reported for Services another repository provides.",
        remediation: "Point the backend at the Service that should serve the path, or remove \
            the rule (or the Ingress) when the application is gone.",
        kinds: &["Ingress"],
        example_fail: "kind: Ingress\nspec:\n  defaultBackend:\n    service: {name: old-web, port: {number: 80}}\n---\nkind: Service\nmetadata: {name: web}\n",
        example_pass: "kind: Ingress\nspec:\n  defaultBackend:\n    service: {name: web, port: {number: 80}}\n---\nkind: Service\nmetadata: {name: web}\n",
    },
    run: Run::Inventory(run),
};

fn run(inv: &Inventory, out: &mut InventoryEmitter) {
    let (covered, services) = references::names_of(inv, "Service");
    if covered.is_empty() {
        return;
    }
    for (i, ing) in references::whole_of(inv, "Ingress") {
        let ns = namespace(&inv.objects[i]);
        if !covered.contains(ns) {
            continue;
        }
        let mut reported = HashSet::new();
        for (ptr, name) in backends(&ing.raw) {
            if services.contains(&(ns.to_owned(), name.to_owned())) || !reported.insert(ptr.clone())
            {
                continue;
            }
            out.emit(
                i,
                ptr,
                format!("backend Service `{name}` is not defined in namespace `{ns}` of the input"),
            );
        }
    }
}

/// Every backend Service name with the pointer of the name.
fn backends<'a>(raw: &'a Value) -> Vec<(Pointer, &'a str)> {
    let mut out = Vec::new();
    let mut backend = |b: Option<&'a Value>, at: Pointer| {
        let Some(b) = b else { return };
        if let Some(n) = b.pointer("/service/name").and_then(Value::as_str) {
            out.push((at.join("service").join("name"), n));
        } else if let Some(n) = b.get("serviceName").and_then(Value::as_str) {
            out.push((at.join("serviceName"), n));
        }
    };
    backend(
        raw.pointer("/spec/defaultBackend"),
        Pointer::from_raw("/spec/defaultBackend"),
    );
    backend(raw.pointer("/spec/backend"), Pointer::from_raw("/spec/backend"));
    let rules = raw.pointer("/spec/rules").and_then(Value::as_array);
    for (r, rule) in rules.into_iter().flatten().enumerate() {
        let paths = rule.pointer("/http/paths").and_then(Value::as_array);
        for (p, path) in paths.into_iter().flatten().enumerate() {
            backend(
                path.get("backend"),
                Pointer::from_raw("/spec/rules")
                    .join(r)
                    .join("http")
                    .join("paths")
                    .join(p)
                    .join("backend"),
            );
        }
    }
    out.retain(|(_, n)| !n.is_empty());
    out
}
