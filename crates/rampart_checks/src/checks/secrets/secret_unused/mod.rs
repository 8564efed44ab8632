//! `secret-unused`: a Secret that nothing of the input reads.
//!
//! Read are: pod volumes (`secret`, projected `secret` sources, CSI `nodePublishSecretRef`),
//! container environment (`secretKeyRef`, `envFrom.secretRef`), `imagePullSecrets` of pods and
//! ServiceAccounts, a ServiceAccount's `secrets`, and Ingress `tls[].secretName`.
//!
//! Judged only in namespaces where the input holds pod-bearing objects (see
//! `checks::references`). Skipped: Secrets Kubernetes or tools manage (service-account and
//! bootstrap tokens, Helm release records, Secrets with `ownerReferences`; recognised by type,
//! or by their annotation and labels when a cluster gives metadata only), and the namespaces of
//! Kubernetes' own components. Secrets read by controllers through the API (cert-manager
//! issuers, operators) are not seen: waive those with a reason.

use std::collections::HashSet;

use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::checks::references::{self, in_system_namespace, name_ptr, namespace, Pods};
use crate::{Check, Inventory, InventoryEmitter, Run};

/// A Secret Kubernetes or a tool manages, by its type or, for Secrets read from a cluster as
/// metadata only (no `type`), by the annotation and labels that come with those types.
fn is_managed(raw: &Value) -> bool {
    let ty = raw.get("type").and_then(Value::as_str).unwrap_or("");
    let name = raw.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
    MANAGED_TYPES.contains(&ty)
        || raw
            .pointer("/metadata/annotations/kubernetes.io~1service-account.name")
            .is_some()
        || (name.starts_with("sh.helm.release.v1.")
            && raw.pointer("/metadata/labels/owner").and_then(Value::as_str) == Some("helm"))
}

/// Secret types that Kubernetes or a tool manages and reads without a reference in a pod.
const MANAGED_TYPES: &[&str] = &[
    "kubernetes.io/service-account-token",
    "bootstrap.kubernetes.io/token",
    "helm.sh/release.v1",
];

pub static CHECK: Check = Check {
    meta: meta! {
        id: "secret-unused",
        title: "Secret nothing mounts or references",
        severity: Severity::Info,
        category: Category::Secrets,
        controls: &[
            common::NSA_SECRETS,
            common::MITRE_CREDS_IN_FILES,
        ],
        rationale: "A Secret no workload reads still holds a live credential: anyone who can \
            read Secrets in the namespace can take it, and because nothing uses it, nobody \
            notices when it leaks and nobody rotates it. Leftover credentials of retired \
            services are a common find in incident reviews. Judged only in namespaces where the input holds pod-bearing objects, so a chart scanned \
            alone is not reported for what another repository deploys. Service-account and bootstrap \
            tokens, Helm release records, Secrets with owner references and Kubernetes' own \
            namespaces are skipped.",
        remediation: "Delete the Secret (and revoke the credential it holds) when nothing \
            needs it; otherwise reference it from the workload that uses it. Secrets read by \
            controllers through the API can be waived with a reason.",
        kinds: &["Secret"],
        example_fail: "kind: Secret\nmetadata: {name: old-db}\n---\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - envFrom:\n        - secretRef: {name: db}\n",
        example_pass: "kind: Secret\nmetadata: {name: db}\n---\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - envFrom:\n        - secretRef: {name: db}\n",
    },
    run: Run::Inventory(run),
};

fn run(inv: &Inventory, out: &mut InventoryEmitter) {
    let pods = Pods::of(inv);
    let mut used: HashSet<(&str, &str)> = HashSet::new();
    for k in &inv.objects {
        let ns = namespace(k);
        match k {
            crate::inventory::Kept::Pod(p) => {
                used.extend(p.facts.secret_refs.iter().map(|s| (ns, s.as_str())));
            }
            crate::inventory::Kept::Whole(r) => {
                let names: Vec<&str> = match r.kind() {
                    "ServiceAccount" => ["imagePullSecrets", "secrets"]
                        .iter()
                        .filter_map(|f| r.raw.get(*f).and_then(Value::as_array))
                        .flatten()
                        .filter_map(|s| s.get("name").and_then(Value::as_str))
                        .collect(),
                    "Ingress" => r
                        .raw
                        .pointer("/spec/tls")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|t| t.get("secretName").and_then(Value::as_str))
                        .collect(),
                    _ => Vec::new(),
                };
                used.extend(names.into_iter().map(|n| (ns, n)));
            }
            // A second definition of an object no analysis reads: refers to nothing.
            crate::inventory::Kept::Stub(_) => {}
        }
    }
    for (i, secret) in references::whole_of(inv, "Secret") {
        let k = &inv.objects[i];
        let ns = namespace(k);
        let name = secret.id.name.as_str();
        if name.is_empty() || in_system_namespace(k) || !pods.covers(ns) {
            continue;
        }
        if is_managed(&secret.raw)
            || secret
                .raw
                .pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
                .is_some_and(|o| !o.is_empty())
            || used.contains(&(ns, name))
        {
            continue;
        }
        out.emit(
            i,
            name_ptr(),
            format!(
                "no pod, ServiceAccount or Ingress in namespace `{ns}` of the input reads this Secret"
            ),
        );
    }
}
