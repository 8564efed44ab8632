//! `duplicate-container-port`: two port entries of a pod declare the same port and protocol, or
//! the same port name.
//!
//! Every container of the pod shares one network namespace, so ports are compared across
//! containers. Ephemeral containers cannot declare ports and are skipped.

use std::collections::HashMap;

use rampart_model::{meta, Category, ContainerKind, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "duplicate-container-port",
        title: "A pod declares the same port twice",
        severity: Severity::Low,
        category: Category::Hygiene,
        controls: &[common::NIST_RUNTIME_CONFIG, common::NSA_NETWORK],
        rationale: "The containers of a pod share one network namespace: two entries with the \
            same `containerPort` and protocol cannot both be served, and two ports with the same \
            `name` make named-port references (Services' `targetPort`, NetworkPolicy ports) \
            resolve to whichever comes first. Traffic, and the policy meant to filter it, reach \
            another port than the one reviewed.",
        remediation: "Declare each port once per pod and give each named port a distinct name.",
        kinds: common::POD_KINDS,
        example_fail: "containers:\n- name: app\n  ports:\n  - {name: http, containerPort: 8080}\n- name: proxy\n  ports:\n  - {name: http, containerPort: 8080}\n",
        example_pass: "containers:\n- name: app\n  ports:\n  - {name: http, containerPort: 8080}\n- name: proxy\n  ports:\n  - {name: proxy, containerPort: 9090}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    let mut ports: HashMap<(i64, String), String> = HashMap::new();
    let mut names: HashMap<&str, String> = HashMap::new();
    for c in &w.containers {
        if c.kind == ContainerKind::Ephemeral {
            continue;
        }
        for (ptr, p) in common::items(c.value, &c.ptr, "ports") {
            if let Some(port) = p.get("containerPort").and_then(Value::as_i64) {
                let proto = p
                    .get("protocol")
                    .and_then(Value::as_str)
                    .unwrap_or("TCP")
                    .to_ascii_uppercase();
                if let Some(first) = ports.insert((port, proto.clone()), c.label()) {
                    out.emit(
                        ptr.join("containerPort"),
                        format!(
                            "{} declares {port}/{proto}, already declared by {first}",
                            c.label()
                        ),
                    );
                    continue;
                }
            }
            if let Some(name) = common::non_empty_str(p.get("name")) {
                if let Some(first) = names.insert(name, c.label()) {
                    out.emit(
                        ptr.join("name"),
                        format!(
                            "{} names a port {name:?}, a name already used by {first}",
                            c.label()
                        ),
                    );
                }
            }
        }
    }
}
