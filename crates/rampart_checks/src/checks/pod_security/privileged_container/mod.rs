//! `privileged-container`: a container runs privileged.
//!
//! A privileged container has every capability and access to all host devices; it is root on the
//! node in all but name.

use rampart_model::{meta, Category, Control, Severity};

use crate::checks::common::{self, is_true};
use crate::{Check, Ctx, Emitted, Emitter, Run};
use serde_json::Value;

pub static CHECK: Check = Check {
    meta: meta! {
        id: "privileged-container",
        title: "Container runs privileged",
        severity: Severity::Critical,
        category: Category::PodSecurity,
        controls: &[
            Control::Pss {
                level: "baseline",
                control: "Privileged Containers",
            },
            Control::Cis {
                version: "1.10",
                id: "5.2.2",
            },
            common::NSA_PRIVILEGES,
            common::NIST_RUNTIME_CONFIG,
            common::MITRE_ESCAPE,
        ],
        rationale: "A privileged container gets all Linux capabilities, every host device and no \
            seccomp or AppArmor confinement. Anyone who can run code in it controls the node and every \
            other pod on it.",
        remediation: "Remove `securityContext.privileged: true`. Grant only the specific capabilities \
            the process needs under `securityContext.capabilities.add`, or move the work to a \
            node-level agent outside Kubernetes.",
        kinds: common::POD_KINDS,
        example_fail: "containers:\n- name: app\n  image: app:1.0\n  securityContext:\n    privileged: true\n",
        example_pass: "containers:\n- name: app\n  image: app:1.0\n  securityContext:\n    privileged: false\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for c in &w.containers {
        if is_true(c.sc("privileged")) {
            out.result(
                Emitted::fail(
                    c.sc_ptr("privileged"),
                    format!("{} runs privileged", c.label()),
                )
                .with_fix(common::set_fix(
                    "set securityContext.privileged: false",
                    false,
                    c.sc_ptr("privileged"),
                    Value::Bool(false),
                )),
            );
        }
    }
}
