//! `istio-envoy-filter`: an EnvoyFilter patches the generated Envoy configuration.

use rampart_model::k8s::addons::istio;
use rampart_model::{meta, Category, Pointer, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "istio-envoy-filter",
        title: "Istio EnvoyFilter in use: review it (high blast radius)",
        severity: Severity::Low,
        category: Category::Addons,
        controls: &[common::NSA_AUTHZ, common::NIST_ORCH_ADMIN],
        rationale: "An EnvoyFilter patches the Envoy configuration Istio generates, below every \
            Istio API: it can add Lua or Wasm code to every request, remove authentication or \
            authorization filters, or change TLS settings, and a wrong patch breaks traffic. One \
            in the root namespace without a workload selector applies to every proxy of the \
            mesh. Istio documents it as a break-glass API whose patches may stop working on \
            upgrade. Review each one and keep who may write them small.",
        remediation: "Prefer the Istio APIs (Telemetry, WasmPlugin, AuthorizationPolicy, \
            DestinationRule) where they cover the need; otherwise limit the filter with a \
            `workloadSelector` or `targetRefs`, pin it to the proxy version with `match.proxy`, \
            and record its review with an ignore annotation.",
        kinds: &["EnvoyFilter"],
        example_fail: "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: lua-headers, namespace: istio-system}\nspec:\n  configPatches:\n  - applyTo: HTTP_FILTER\n    patch: {operation: INSERT_BEFORE}\n",
        example_pass: "apiVersion: networking.istio.io/v1\nkind: Telemetry\nmetadata: {name: mesh-default, namespace: istio-system}\nspec:\n  accessLogging:\n  - providers: [{name: envoy}]\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if !ctx.is(istio::ENVOY_FILTER) {
        return;
    }
    let spec = ctx.raw().get("spec");
    let scoped = spec.is_some_and(|s| {
        s.get("workloadSelector").is_some()
            || s.get("targetRefs").is_some()
            || s.get("targetRef").is_some()
    });
    let scope = if scoped {
        "the selected workloads"
    } else if ctx.res.id.namespace.as_deref() == Some(istio::ROOT_NAMESPACE) {
        "every proxy of the mesh"
    } else {
        "every proxy of the namespace"
    };
    let ptr = if spec.is_some_and(|s| s.get("configPatches").is_some()) {
        Pointer::from_raw("/spec/configPatches")
    } else {
        Pointer::from_raw("/kind")
    };
    out.emit(
        ptr,
        format!("EnvoyFilter patches the Envoy configuration of {scope}: review it"),
    );
}
