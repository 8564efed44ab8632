//! `prometheus-admin-api-enabled`: a Prometheus Operator `Prometheus` turns on the TSDB admin API
//! (`spec.enableAdminAPI: true`).

use rampart_model::k8s::addons::prometheus_operator;
use rampart_model::{meta, Category, Pointer, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "prometheus-admin-api-enabled",
        title: "Prometheus admin API enabled",
        severity: Severity::High,
        category: Category::Addons,
        controls: &[common::NSA_AUTHZ, common::NIST_ORCH_UNAUTHORIZED, common::MITRE_DOS],
        rationale: "Prometheus has no authentication of its own: anyone who reaches its port \
            (every pod, without a NetworkPolicy) can call the admin API to delete series, \
            wipe the tombstones or write snapshots that fill the disk. Metrics and alerts are \
            then gone exactly when an intruder would want them gone.",
        remediation: "Remove `spec.enableAdminAPI` (it defaults to false); when an operator needs \
            it for a one-off deletion, enable it briefly behind a NetworkPolicy and an \
            authenticating proxy.",
        kinds: &["Prometheus"],
        example_fail: "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nspec:\n  enableAdminAPI: true\n",
        example_pass: "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nspec:\n  enableAdminAPI: false\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if !ctx.is(prometheus_operator::PROMETHEUS) {
        return;
    }
    if common::is_true(ctx.raw().pointer("/spec/enableAdminAPI")) {
        out.emit(
            Pointer::from_raw("/spec/enableAdminAPI"),
            "the TSDB admin API lets any client that reaches Prometheus delete its data",
        );
    }
}
