//! `pdb-blocks-eviction`: a PodDisruptionBudget that allows no voluntary disruption at all:
//! `maxUnavailable: 0` (or `0%`) or `minAvailable: 100%`.
//!
//! A `minAvailable` number equal to the replica count blocks evictions too, but depends on the
//! workload's size at run time and is not judged.

use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "pdb-blocks-eviction",
        title: "PodDisruptionBudget allows no disruption",
        severity: Severity::Medium,
        category: Category::Hygiene,
        controls: &[common::NSA_UPGRADES, common::NIST_RUNTIME_CONFIG],
        rationale: "A budget that allows zero disruptions makes every voluntary eviction of \
            its pods fail: `kubectl drain` hangs, and node upgrades, kernel patches and \
            autoscaler scale-downs stall until someone deletes the budget by hand. Clusters \
            then stay on unpatched nodes, which is the opposite of what a budget is for.",
        remediation: "Allow at least one pod to be disrupted: `maxUnavailable: 1` (or a \
            percentage above zero), or a `minAvailable` below the replica count, with enough \
            replicas to keep serving meanwhile.",
        kinds: &["PodDisruptionBudget"],
        example_fail: "kind: PodDisruptionBudget\nspec:\n  maxUnavailable: 0\n",
        example_pass: "kind: PodDisruptionBudget\nspec:\n  maxUnavailable: 1\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if ctx.kind() != "PodDisruptionBudget" {
        return;
    }
    let spec = ctx.raw().get("spec");
    let field = |f: &str| spec.and_then(|s| s.get(f));
    let zero = match field("maxUnavailable") {
        Some(Value::Number(n)) => n.as_u64() == Some(0),
        Some(Value::String(s)) => s.trim().trim_end_matches('%').trim().parse::<f64>() == Ok(0.0),
        _ => false,
    };
    if zero {
        out.emit(
            Pointer::from_raw("/spec/maxUnavailable"),
            "maxUnavailable is zero: no pod may ever be evicted, so node drains block",
        );
    }
    if let Some(Value::String(s)) = field("minAvailable") {
        let full = s
            .trim()
            .strip_suffix('%')
            .and_then(|p| p.trim().parse::<f64>().ok())
            .is_some_and(|p| p >= 100.0);
        if full {
            out.emit(
                Pointer::from_raw("/spec/minAvailable"),
                format!("minAvailable is {s}: no pod may ever be evicted, so node drains block"),
            );
        }
    }
}
