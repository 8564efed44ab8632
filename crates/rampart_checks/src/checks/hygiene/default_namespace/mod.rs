//! `default-namespace`: the object is explicitly placed in the `default` namespace.
//!
//! A manifest without `metadata.namespace` is not flagged: its namespace is chosen at deploy time
//! (`kubectl -n`, Helm `--namespace`, a Kustomize `namespace:`), so only an explicit `default`
//! says where it will run.

use rampart_model::{meta, Category, Pointer, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "default-namespace",
        title: "Object is placed in the default namespace",
        severity: Severity::Low,
        category: Category::Hygiene,
        controls: &[common::cis("5.7.4"), common::NSA_NAMESPACES],
        rationale: "The `default` namespace is where everything lands that nobody placed \
            deliberately. Workloads there share one set of RBAC bindings, quotas, NetworkPolicies \
            and Pod Security labels with unrelated objects, so it is hard to isolate them or to \
            grant least privilege.",
        remediation: "Create a namespace per application or team, with its own RBAC, \
            ResourceQuota, NetworkPolicies and Pod Security labels, and set `metadata.namespace` \
            to it (or leave it unset and choose it at deploy time).",
        kinds: &[],
        example_fail: "metadata:\n  name: web\n  namespace: default\n",
        example_pass: "metadata:\n  name: web\n  namespace: shop\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let ns = ctx
        .raw()
        .get("metadata")
        .and_then(|m| m.get("namespace"))
        .and_then(serde_json::Value::as_str);
    if ns.map(str::trim) == Some("default") {
        out.emit(
            Pointer::root().join_all(["metadata", "namespace"]),
            format!("{} is placed in the default namespace", ctx.kind()),
        );
    }
}
