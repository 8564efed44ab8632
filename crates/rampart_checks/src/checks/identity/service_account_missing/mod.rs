//! `service-account-missing`: a pod runs as a ServiceAccount the input does not define.
//!
//! Judged only in namespaces where the input defines ServiceAccounts other than `default` (see
//! `checks::references`): a chart that creates its accounts must create the one its pods name.

use std::collections::HashSet;

use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::checks::references::{namespace, DEFAULT_NAMESPACE};
use crate::inventory::Kept;
use crate::{Check, Inventory, InventoryEmitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "service-account-missing",
        title: "Pod names a ServiceAccount the input does not define",
        severity: Severity::Low,
        category: Category::Identity,
        controls: &[common::NSA_AUTHZ, common::NIST_RUNTIME_CONFIG],
        rationale: "The API server refuses pods whose service account does not exist, so the \
            workload never starts; the usual fix under pressure is to point it at an existing, \
            broader account (`default`, or another workload's) and inherit that account's RBAC. \
            When the account is created later by someone else, it comes with permissions \
            nobody reviewed together with the workload. Judged only in namespaces where the input defines ServiceAccounts other \
            than `default`.",
        remediation: "Define the ServiceAccount next to the workload (same chart or \
            kustomization), with only the RBAC the workload needs, or fix the name in \
            `serviceAccountName`.",
        kinds: common::POD_KINDS,
        example_fail: "kind: ServiceAccount\nmetadata: {name: web}\n---\nkind: Deployment\nspec:\n  template:\n    spec:\n      serviceAccountName: web-sa\n",
        example_pass: "kind: ServiceAccount\nmetadata: {name: web}\n---\nkind: Deployment\nspec:\n  template:\n    spec:\n      serviceAccountName: web\n",
    },
    run: Run::Inventory(run),
};

fn run(inv: &Inventory, out: &mut InventoryEmitter) {
    let mut covered = HashSet::new();
    let mut defined = HashSet::new();
    for k in inv.objects.iter().filter(|k| k.kind() == "ServiceAccount") {
        let ns = namespace(k);
        defined.insert((ns, k.id().name.as_str()));
        if k.id().name != DEFAULT_NAMESPACE {
            covered.insert(ns);
        }
    }
    if covered.is_empty() {
        return;
    }
    for (i, k) in inv.objects.iter().enumerate() {
        let Kept::Pod(pod) = k else { continue };
        let ns = namespace(k);
        if !covered.contains(ns) {
            continue;
        }
        let f = &pod.facts;
        let (field, name) = match (&f.service_account_name, &f.service_account) {
            (Some(n), _) => ("serviceAccountName", n.trim()),
            (None, Some(n)) => ("serviceAccount", n.trim()),
            (None, None) => continue,
        };
        if name == "default" || defined.contains(&(ns, name)) {
            continue;
        }
        out.emit(
            i,
            f.ptr(field),
            format!(
                "ServiceAccount `{name}` is not defined in namespace `{ns}` of the input, which defines others"
            ),
        );
    }
}
