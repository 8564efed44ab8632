//! `istio-mtls-not-strict`: a PeerAuthentication lets workloads accept plain-text traffic.

use rampart_model::k8s::addons::istio;
use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "istio-mtls-not-strict",
        title: "Istio PeerAuthentication accepts plain-text traffic (PERMISSIVE or DISABLE)",
        severity: Severity::Medium,
        category: Category::Addons,
        controls: &[common::NSA_ENCRYPTION, common::NIST_ORCH_NETWORK, common::MITRE_SNIFFING],
        rationale: "A PeerAuthentication in `PERMISSIVE` mode lets the selected workloads accept \
            plain-text connections beside mutual TLS, and `DISABLE` turns mutual TLS off: any pod \
            (or anything that reaches the pod network) can then talk to them without a workload \
            identity, so authorization policies that match on principals or namespaces cannot be \
            enforced, and traffic can be read on the wire. The same holds for a port listed in \
            `portLevelMtls` with either mode. PERMISSIVE is meant for a migration, not as a \
            resting state.",
        remediation: "Set `spec.mtls.mode: STRICT` (and `STRICT` or no entry in `portLevelMtls`) \
            once every client has a sidecar or ambient ztunnel; keep exceptions to single ports \
            of single workloads, with a selector.",
        kinds: &["PeerAuthentication"],
        example_fail: "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: istio-system}\nspec:\n  mtls: {mode: PERMISSIVE}\n",
        example_pass: "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: istio-system}\nspec:\n  mtls: {mode: STRICT}\n",
    },
    run: Run::Object(run),
};

fn weak(mode: Option<String>) -> Option<String> {
    mode.filter(|m| m == "PERMISSIVE" || m == "DISABLE")
}

fn run(ctx: &Ctx, out: &mut Emitter) {
    if !ctx.is(istio::PEER_AUTHENTICATION) {
        return;
    }
    let Some(spec) = ctx.raw().get("spec") else {
        return;
    };
    let sp = Pointer::root().join("spec");
    let scope = if spec.get("selector").is_some() {
        "the selected workloads"
    } else if ctx.res.id.namespace.as_deref() == Some(istio::ROOT_NAMESPACE) {
        "the whole mesh"
    } else {
        "every workload of the namespace"
    };
    if let Some(m) = weak(super::mode(spec.get("mtls"))) {
        out.emit(
            sp.join("mtls").join("mode"),
            format!("mutual TLS mode {m} for {scope}: plain-text connections are accepted"),
        );
    }
    if let Some(ports) = spec.get("portLevelMtls").and_then(Value::as_object) {
        for (port, settings) in ports {
            if let Some(m) = weak(super::mode(Some(settings))) {
                out.emit(
                    sp.join("portLevelMtls").join(port).join("mode"),
                    format!("mutual TLS mode {m} on port {port} for {scope}"),
                );
            }
        }
    }
}
