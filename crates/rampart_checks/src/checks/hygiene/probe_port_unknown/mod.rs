//! `probe-port-unknown`: a probe names a port (`port: http`) that its container does not
//! declare.
//!
//! Reads the `httpGet` and `tcpSocket` handlers of the liveness, readiness and startup probes
//! (and of `lifecycle` hooks) of every container; numeric ports need no declaration.

use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "probe-port-unknown",
        title: "Probe uses a port name the container does not declare",
        severity: Severity::Medium,
        category: Category::Hygiene,
        controls: &[common::MITRE_DOS, common::NIST_RUNTIME_CONFIG],
        rationale: "A named probe port resolves only against the container's own `ports`. \
            When the name is missing (renamed, or declared on another container) the kubelet \
            cannot run the probe: a liveness probe then fails forever and restarts the \
            container in a loop, a readiness probe keeps it out of every Service, and a startup \
            probe never lets it start.",
        remediation: "Declare the port with that `name` in the container's `ports`, or give the \
            probe the port number.",
        kinds: common::POD_KINDS,
        example_fail: "containers:\n- name: app\n  ports:\n  - {name: web, containerPort: 8080}\n  livenessProbe: {httpGet: {path: /health, port: http}}\n",
        example_pass: "containers:\n- name: app\n  ports:\n  - {name: http, containerPort: 8080}\n  livenessProbe: {httpGet: {path: /health, port: http}}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for c in &w.containers {
        let declared: Vec<&str> = c
            .value
            .get("ports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| p.get("name").and_then(Value::as_str))
            .collect();
        let handlers = [
            ("livenessProbe", None),
            ("readinessProbe", None),
            ("startupProbe", None),
            ("lifecycle", Some("postStart")),
            ("lifecycle", Some("preStop")),
        ];
        for (field, sub) in handlers {
            let mut ptr = c.ptr.join(field);
            let mut v = c.value.get(field);
            if let Some(sub) = sub {
                ptr = ptr.join(sub);
                v = v.and_then(|v| v.get(sub));
            }
            let Some(v) = v else { continue };
            for handler in ["httpGet", "tcpSocket"] {
                let Some(port) = v.pointer(&format!("/{handler}/port")).and_then(Value::as_str)
                else {
                    continue;
                };
                if port.is_empty() || port.parse::<u32>().is_ok() || declared.contains(&port) {
                    continue;
                }
                out.emit(
                    ptr.join(handler).join("port"),
                    format!(
                        "{} does not declare a port named `{port}`, so its {} cannot run",
                        c.label(),
                        sub.unwrap_or(field)
                    ),
                );
            }
        }
    }
}
