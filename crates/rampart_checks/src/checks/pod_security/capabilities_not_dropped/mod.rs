//! `capabilities-not-dropped`: a container keeps the runtime's default capabilities.
//!
//! Not checked on Windows pods (`spec.os.name: windows`), which have no Linux capabilities.

use rampart_model::k8s::capabilities::{self, normalise};
use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitted, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "capabilities-not-dropped",
        title: "Container does not drop all capabilities",
        severity: Severity::Low,
        category: Category::PodSecurity,
        controls: &[
            common::pss_restricted("Capabilities"),
            common::cis("5.2.10"),
            common::NIST_RUNTIME_CONFIG,
        ],
        rationale: "Container runtimes grant a default set of capabilities (CHOWN, DAC_OVERRIDE, \
            FOWNER, SETUID, SETGID, NET_RAW with some runtimes, and more). Few applications need \
            any of them, and each one widens what an attacker can do after gaining code \
            execution, such as spoofing packets with NET_RAW or bypassing file permissions with \
            DAC_OVERRIDE.",
        remediation: "Set `securityContext.capabilities.drop: [ALL]` on every container and add \
            back only the capabilities the process needs (typically at most `NET_BIND_SERVICE`).",
        kinds: common::POD_KINDS,
        example_fail: "securityContext:\n  capabilities:\n    drop: [NET_RAW]\n",
        example_pass: "securityContext:\n  capabilities:\n    drop: [ALL]\n",
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
        let drops_all = caps
            .and_then(|caps| caps.get("drop"))
            .and_then(Value::as_array)
            .is_some_and(|d| {
                d.iter()
                    .filter_map(Value::as_str)
                    .any(|s| normalise(s) == capabilities::ALL)
            });
        if drops_all {
            continue;
        }
        let ptr = match caps {
            Some(caps) => common::field_or_parent(caps, &c.sc_ptr("capabilities"), "drop"),
            None => common::sc_or_container(c),
        };
        let fix = rampart_model::Fix {
            description: "add ALL to securityContext.capabilities.drop".into(),
            safe: false,
            edits: vec![common::append(
                caps,
                &c.sc_ptr("capabilities"),
                "drop",
                Value::String("ALL".into()),
            )],
        };
        out.result(Emitted::fail(ptr, format!("{} does not drop ALL capabilities", c.label())).with_fix(fix));
    }
}
