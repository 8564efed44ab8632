//! `gateway-reference-grant-all-secrets`: a Gateway API ReferenceGrant lets objects of other
//! namespaces use every Secret of its namespace (a `to` entry of kind `Secret` without `name`).

use rampart_model::k8s::addons::gateway_api;
use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "gateway-reference-grant-all-secrets",
        title: "ReferenceGrant shares every Secret of its namespace",
        severity: Severity::Medium,
        category: Category::Addons,
        controls: &[common::NSA_SECRETS, common::NIST_ORCH_UNAUTHORIZED, common::MITRE_CREDS_IN_FILES],
        rationale: "A ReferenceGrant is the namespace owner's consent to cross-namespace \
            references. A `to` entry of kind Secret without a name consents for every Secret, \
            present and future: a Gateway in the granted namespace can then serve any of them \
            as its certificate, so whoever controls that Gateway's listeners reads TLS keys and \
            other credentials they were never meant to have.",
        remediation: "Name the certificate Secret each `to` entry grants (`name: shop-tls`), one \
            entry per Secret, and keep the `from` list to the namespaces of the Gateways that \
            need them.",
        kinds: &["ReferenceGrant"],
        example_fail: "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nspec:\n  from:\n  - {group: gateway.networking.k8s.io, kind: Gateway, namespace: infra}\n  to:\n  - {group: '', kind: Secret}\n",
        example_pass: "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nspec:\n  from:\n  - {group: gateway.networking.k8s.io, kind: Gateway, namespace: infra}\n  to:\n  - {group: '', kind: Secret, name: shop-tls}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if !ctx.is(gateway_api::REFERENCE_GRANT) {
        return;
    }
    let Some(spec) = ctx.raw().get("spec") else {
        return;
    };
    let sp = Pointer::root().join("spec");
    let from: Vec<&str> = common::items(spec, &sp, "from")
        .filter_map(|(_, f)| f.get("namespace").and_then(Value::as_str))
        .collect();
    for (ptr, to) in common::items(spec, &sp, "to") {
        let group = to.get("group").and_then(Value::as_str).unwrap_or("");
        let kind = to.get("kind").and_then(Value::as_str);
        let named = common::non_empty_str(to.get("name")).is_some();
        if group.is_empty() && kind == Some("Secret") && !named {
            out.emit(
                ptr,
                format!(
                    "every Secret of namespace {} may be referenced from {}",
                    ctx.res.id.namespace.as_deref().unwrap_or("default"),
                    if from.is_empty() {
                        "other namespaces".to_string()
                    } else {
                        format!("namespace {}", from.join(", "))
                    }
                ),
            );
        }
    }
}
