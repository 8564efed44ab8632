//! `service-externalname`: a Service of type ExternalName.

use rampart_model::{meta, Category, Control, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "service-externalname",
        title: "Service of type ExternalName",
        severity: Severity::Low,
        category: Category::Network,
        controls: &[
            common::NSA_NETWORK,
            Control::MitreAttack { id: "T1557", name: "Adversary-in-the-Middle" },
        ],
        rationale: "An ExternalName Service is a DNS CNAME that anyone allowed to create \
            Services in the namespace controls. Ingress controllers and meshes that route to it \
            send traffic, and sometimes their own credentials, wherever it points: another \
            namespace's service, the node's loopback, a cloud metadata endpoint or the \
            internet (CVE-2021-25740 and similar). It also bypasses NetworkPolicies written \
            with pod selectors.",
        remediation: "Prefer a Service with a selector or explicit EndpointSlices. If an alias to \
            an external name is needed, keep it in a namespace few can write to, and configure \
            ingress controllers not to route to ExternalName Services.",
        kinds: &["Service"],
        example_fail: "kind: Service\nspec:\n  type: ExternalName\n  externalName: db.example.com\n",
        example_pass: "kind: Service\nspec:\n  type: ClusterIP\n  selector: {app: db}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if ctx.kind() != "Service"
        || ctx.raw().pointer("/spec/type").and_then(Value::as_str) != Some("ExternalName")
    {
        return;
    }
    let target = ctx
        .raw()
        .pointer("/spec/externalName")
        .and_then(Value::as_str)
        .unwrap_or("?");
    out.emit(
        Pointer::from_raw("/spec/type"),
        format!("the Service is a DNS alias (ExternalName) for {target}"),
    );
}
