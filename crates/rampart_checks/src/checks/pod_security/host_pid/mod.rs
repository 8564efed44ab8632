//! `host-pid`: the pod shares the host's process namespace.

use rampart_model::{meta, Category, Control, Severity};

use crate::checks::common::{self, is_true};
use crate::{Check, Ctx, Emitted, Emitter, Run};
use serde_json::Value;

pub static CHECK: Check = Check {
    meta: meta! {
        id: "host-pid",
        title: "Pod shares the host PID namespace",
        severity: Severity::High,
        category: Category::PodSecurity,
        controls: &[
            Control::Pss {
                level: "baseline",
                control: "Host Namespaces",
            },
            Control::Cis {
                version: "1.10",
                id: "5.2.3",
            },
            common::NSA_PRIVILEGES,
            common::NIST_RUNTIME_CONFIG,
            common::MITRE_ESCAPE,
        ],
        rationale: "With `hostPID: true` the containers see every process on the node, can read \
            their environment and memory through /proc, and can signal them. It is a common first \
            step of container escapes.",
        remediation: "Remove `hostPID: true` from the pod spec. Debugging tools that need it \
            should run as short-lived, separately authorised pods.",
        kinds: common::POD_KINDS,
        example_fail: "spec:\n  hostPID: true\n",
        example_pass: "spec:\n  hostPID: false\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    if is_true(w.get("hostPID")) {
        out.result(
            Emitted::fail(w.ptr("hostPID"), "the pod shares the host's process namespace (hostPID)").with_fix(
                common::set_fix(
                    "set hostPID: false",
                    false,
                    w.ptr("hostPID"),
                    Value::Bool(false),
                ),
            ),
        );
    }
}
