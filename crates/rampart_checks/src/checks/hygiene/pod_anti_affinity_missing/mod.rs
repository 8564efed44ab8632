//! `pod-anti-affinity-missing`: a Deployment or StatefulSet with several replicas and nothing
//! that spreads them across nodes.
//!
//! Spreading is a `podAntiAffinity` term (required or preferred) or a
//! `topologySpreadConstraints` entry. Workloads without `spec.replicas` (one replica, or sized by
//! an autoscaler) are not judged.

use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "pod-anti-affinity-missing",
        title: "Replicas not spread across nodes",
        severity: Severity::Info,
        category: Category::Hygiene,
        controls: &[common::MITRE_DOS, common::NIST_RUNTIME_CONFIG],
        rationale: "Replicas exist so that losing one does not take the service down. Without \
            anti-affinity or topology spread constraints the scheduler may put every replica \
            on the same node, so one node failure, drain or compromised kubelet removes all of \
            them at once, and a node-level denial of service becomes a service outage.",
        remediation: "Add a `topologySpreadConstraints` entry on `kubernetes.io/hostname` (and \
            on the zone where there are several) with the workload's labels, or a preferred \
            `podAntiAffinity` term on the same key.",
        kinds: &["Deployment", "StatefulSet"],
        example_fail: "kind: Deployment\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: app\n",
        example_pass: "kind: Deployment\nspec:\n  replicas: 3\n  template:\n    spec:\n      topologySpreadConstraints:\n      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {app: web}}}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if !matches!(ctx.kind(), "Deployment" | "StatefulSet") {
        return;
    }
    let Some(w) = &ctx.workload else { return };
    let Some(replicas) = ctx.raw().pointer("/spec/replicas").and_then(Value::as_i64) else {
        return;
    };
    if replicas < 2 {
        return;
    }
    let anti = w
        .get("affinity")
        .and_then(|a| a.get("podAntiAffinity"))
        .and_then(Value::as_object)
        .is_some_and(|m| m.values().any(|v| v.as_array().is_some_and(|a| !a.is_empty())));
    let spread = w
        .get("topologySpreadConstraints")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    if anti || spread {
        return;
    }
    out.emit(
        Pointer::from_raw("/spec/replicas"),
        format!(
            "{replicas} replicas with no podAntiAffinity or topologySpreadConstraints: they may all land on one node"
        ),
    );
}
