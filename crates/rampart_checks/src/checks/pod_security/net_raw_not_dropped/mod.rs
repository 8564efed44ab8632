//! `net-raw-not-dropped`: a container keeps `NET_RAW` (drops neither `NET_RAW` nor `ALL`).
//!
//! Not checked on Windows pods. A container that adds `NET_RAW` back is reported by
//! `dangerous-capabilities`; this check reports the default grant left in place.

use rampart_model::k8s::capabilities::normalise;
use rampart_model::{meta, Category, Control, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitted, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "net-raw-not-dropped",
        title: "Container keeps the NET_RAW capability",
        severity: Severity::Medium,
        category: Category::PodSecurity,
        controls: &[
            common::cis("5.2.8"),
            common::NSA_HARDENING,
            common::NIST_RUNTIME_CONFIG,
            Control::MitreAttack { id: "T1557", name: "Adversary-in-the-Middle" },
        ],
        rationale: "Docker and containerd grant `NET_RAW` by default. With it a compromised \
            container opens raw sockets: it can forge packets, spoof ARP and DNS answers to other \
            pods on the same node, and reach services in ways NetworkPolicies written for TCP and \
            UDP do not expect. Almost no application needs it (`ping` is the usual exception, and \
            the `net.ipv4.ping_group_range` sysctl covers that).",
        remediation: "Add `NET_RAW` (or better, `ALL`) to `securityContext.capabilities.drop` of \
            every container, and add back only what the process needs.",
        kinds: common::POD_KINDS,
        example_fail: "containers:\n- name: app\n  image: app:1\n  securityContext:\n    capabilities:\n      drop: [SYS_ADMIN]\n",
        example_pass: "containers:\n- name: app\n  image: app:1\n  securityContext:\n    capabilities:\n      drop: [NET_RAW]\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    if common::is_windows(w) {
        return;
    }
    for c in &w.containers {
        let caps = c.sc("capabilities").filter(|v| v.is_object());
        let dropped = caps
            .and_then(|caps| caps.get("drop"))
            .and_then(Value::as_array)
            .is_some_and(|d| {
                d.iter()
                    .filter_map(Value::as_str)
                    .map(normalise)
                    .any(|s| s == "ALL" || s == "NET_RAW")
            });
        if dropped {
            continue;
        }
        let ptr = match caps {
            Some(caps) => common::field_or_parent(caps, &c.sc_ptr("capabilities"), "drop"),
            None => common::sc_or_container(c),
        };
        let fix = rampart_model::Fix {
            description: "add NET_RAW to securityContext.capabilities.drop".into(),
            safe: true,
            edits: vec![common::append(
                caps,
                &c.sc_ptr("capabilities"),
                "drop",
                Value::String("NET_RAW".into()),
            )],
        };
        out.result(Emitted::fail(ptr,
            format!("{} does not drop NET_RAW (nor ALL)", c.label())).with_fix(fix));
    }
}
