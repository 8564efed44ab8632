//! `duplicate-container-name`: two containers of a pod share a name.
//!
//! Names are unique across init, regular and ephemeral containers.

use std::collections::HashSet;

use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "duplicate-container-name",
        title: "Two containers of a pod share a name",
        severity: Severity::Low,
        category: Category::Hygiene,
        controls: &[common::NIST_RUNTIME_CONFIG],
        rationale: "Container names must be unique across a pod's init, regular and ephemeral \
            containers: the API server rejects the pod, so the workload never runs (its \
            controller retries forever). In a manifest, tools that merge by container name \
            (strategic merge patches, Kustomize) apply a patch meant for one container to the \
            other, so a security context can land on the wrong one.",
        remediation: "Give every container of the pod template a distinct name.",
        kinds: common::POD_KINDS,
        example_fail: "containers:\n- {name: app, image: app:1}\n- {name: app, image: proxy:1}\n",
        example_pass: "containers:\n- {name: app, image: app:1}\n- {name: proxy, image: proxy:1}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    let mut seen = HashSet::new();
    for c in &w.containers {
        let name = c.name();
        if name.is_empty() {
            continue;
        }
        if !seen.insert(name) {
            out.emit(
                c.ptr.join("name"),
                format!("{} reuses a name already taken in the pod", c.label()),
            );
        }
    }
}
