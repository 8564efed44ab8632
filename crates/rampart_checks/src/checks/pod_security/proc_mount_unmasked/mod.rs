//! `proc-mount-unmasked`: a container mounts `/proc` without the default masks.

use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitted, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "proc-mount-unmasked",
        title: "Container /proc is unmasked",
        severity: Severity::Medium,
        category: Category::PodSecurity,
        controls: &[
            common::pss_baseline("/proc Mount Type"),
            common::cis("5.7.3"),
            common::NIST_RUNTIME_CONFIG,
        ],
        rationale: "By default the runtime masks and makes read-only sensitive paths of `/proc` \
            (such as `/proc/kcore`, `/proc/sys`, `/proc/sysrq-trigger`). `procMount: Unmasked` \
            removes those protections, exposing kernel memory and tunables to the container.",
        remediation:
            "Remove `securityContext.procMount` or set it to `Default`. `Unmasked` is only \
            meant for nested container runtimes inside user-namespaced pods.",
        kinds: common::POD_KINDS,
        example_fail: "securityContext:\n  procMount: Unmasked\n",
        example_pass: "securityContext:\n  procMount: Default\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for c in &w.containers {
        if let Some(m) = c.sc("procMount").and_then(Value::as_str) {
            if m != "Default" {
                // Unsafe: a container that runs nested containers may need the unmasked /proc.
                out.result(
                    Emitted::fail(
                        c.sc_ptr("procMount"),
                        format!("{} sets procMount: {m}", c.label()),
                    )
                    .with_fix(common::set_fix(
                        "set securityContext.procMount: Default",
                        false,
                        c.sc_ptr("procMount"),
                        Value::String("Default".into()),
                    )),
                );
            }
        }
    }
}
