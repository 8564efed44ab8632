//! `service-account-unused`: a ServiceAccount that no pod of the input runs as.
//!
//! Judged only in namespaces where the input holds pod-bearing objects (see
//! `checks::references`). The `default` account of every namespace and the namespaces
//! Kubernetes' own components use (`kube-system`, ...) are skipped: controllers there act as
//! accounts no pod names. The message says when bindings of the input still grant the account
//! permissions.

use std::collections::HashSet;

use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::checks::references::{self, in_system_namespace, name_ptr, namespace, Pods};
use crate::{Check, Inventory, InventoryEmitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "service-account-unused",
        title: "ServiceAccount no pod uses",
        severity: Severity::Info,
        category: Category::Identity,
        controls: &[
            common::NSA_AUTHZ,
            common::MITRE_VALID_ACCOUNTS,
        ],
        rationale: "An account nothing runs as is an identity without an owner: its RBAC \
            bindings stay in place, and anyone allowed to create tokens or pods in the namespace \
            can act as it unnoticed, since no workload's behaviour explains its requests. Left \
            over from removed or renamed workloads, such accounts widen the attack surface for \
            no benefit. Judged only in namespaces where the input holds pod-bearing objects, so a chart scanned \
            alone is not reported for what another repository deploys. The `default` account and \
            Kubernetes' own namespaces (`kube-system`, `kube-public`, `kube-node-lease`) are skipped.",
        remediation: "Delete the ServiceAccount and its bindings if nothing uses it, or point \
            the workload meant to use it at it (`serviceAccountName`). Accounts used from \
            outside the cluster (CI tokens) can be waived with a reason.",
        kinds: &["ServiceAccount"],
        example_fail: "kind: ServiceAccount\nmetadata: {name: old-worker}\n---\nkind: Deployment\nspec:\n  template:\n    spec:\n      serviceAccountName: web\n",
        example_pass: "kind: ServiceAccount\nmetadata: {name: web}\n---\nkind: Deployment\nspec:\n  template:\n    spec:\n      serviceAccountName: web\n",
    },
    run: Run::Inventory(run),
};

fn run(inv: &Inventory, out: &mut InventoryEmitter) {
    let pods = Pods::of(inv);
    // (namespace, name) of every account bound by a binding of the input.
    let mut bound: HashSet<(String, String)> = HashSet::new();
    for kind in ["RoleBinding", "ClusterRoleBinding"] {
        for (b, r) in references::whole_of(inv, kind) {
            let subjects = r.raw.get("subjects").and_then(Value::as_array);
            for s in subjects.into_iter().flatten() {
                if s.get("kind").and_then(Value::as_str) != Some("ServiceAccount") {
                    continue;
                }
                let Some(name) = s.get("name").and_then(Value::as_str) else {
                    continue;
                };
                let ns = s
                    .get("namespace")
                    .and_then(Value::as_str)
                    .unwrap_or_else(|| namespace(&inv.objects[b]));
                bound.insert((ns.to_owned(), name.to_owned()));
            }
        }
    }
    for (i, _) in references::whole_of(inv, "ServiceAccount") {
        let k = &inv.objects[i];
        let name = k.id().name.as_str();
        let ns = namespace(k);
        if name == "default" || in_system_namespace(k) {
            continue;
        }
        let candidates = pods.in_namespace(ns);
        if candidates.is_empty() || candidates.iter().any(|p| p.service_account() == name) {
            continue;
        }
        let grants = if bound.contains(&(ns.to_owned(), name.to_owned())) {
            "; bindings of the input still grant it permissions"
        } else {
            ""
        };
        out.emit(
            i,
            name_ptr(),
            format!(
                "none of the {} pod template(s) in namespace `{ns}` runs as this account{grants}",
                candidates.len()
            ),
        );
    }
}
