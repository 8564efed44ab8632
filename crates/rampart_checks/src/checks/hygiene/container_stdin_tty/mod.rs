//! `container-stdin-tty`: a container keeps stdin open or allocates a TTY.
//!
//! Ephemeral containers (`kubectl debug`) are interactive by design and skipped.

use rampart_model::{meta, Category, Control, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitted, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "container-stdin-tty",
        title: "Container keeps stdin open or allocates a TTY",
        severity: Severity::Low,
        category: Category::Hygiene,
        controls: &[
            common::NIST_RUNTIME_CONFIG,
            Control::MitreAttack { id: "T1609", name: "Container Administration Command" },
        ],
        rationale: "`stdin: true` and `tty: true` are for interactive debugging sessions. Left in \
            a workload they keep a shell-like channel open: anyone allowed `pods/attach` gets an \
            interactive session to the main process (often a shell when the image's entrypoint is \
            one), without the `pods/exec` permission that audits and policies usually watch.",
        remediation: "Remove `stdin`, `stdinOnce` and `tty` from workload containers; debug with \
            `kubectl debug` and ephemeral containers instead.",
        kinds: common::POD_KINDS,
        example_fail: "containers:\n- name: app\n  image: app:1\n  stdin: true\n  tty: true\n",
        example_pass: "containers:\n- name: app\n  image: app:1\n",
    },
    run: Run::Object(run),
};


fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for c in w.app_containers() {
        for field in ["stdin", "tty"] {
            if common::is_true(c.value.get(field)) {
                out.result(
                    Emitted::fail(
                        c.ptr.join(field),
                        format!("{} sets {field}: true", c.label()),
                    )
                    .with_fix(common::set_fix(
                        format!("set {field}: false"),
                        true,
                        c.ptr.join(field),
                        serde_json::Value::Bool(false),
                    )),
                );
            }
        }
    }
}
