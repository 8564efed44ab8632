//! `run-as-non-root`: nothing guarantees that a container runs as a non-root user.
//!
//! A container passes when its effective `runAsNonRoot` is `true` (container level, else pod
//! level) or its effective `runAsUser` is a non-zero uid. An explicit `runAsUser: 0` is reported
//! by `run-as-uid-zero`.

use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitted, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "run-as-non-root",
        title: "Container may run as root",
        severity: Severity::Medium,
        category: Category::PodSecurity,
        controls: &[
            common::pss_restricted("Running as Non-root"),
            common::cis("5.2.7"),
            common::NSA_NON_ROOT,
            common::NIST_RUNTIME_CONFIG,
        ],
        rationale: "Without `runAsNonRoot: true` or a non-zero `runAsUser`, the container runs as \
            whatever user its image declares, which is root for most images. Root in a container \
            owns every file of the image, keeps the default capabilities, and turns any kernel or \
            runtime escape into root on the node.",
        remediation: "Set `securityContext.runAsNonRoot: true` in the pod spec (or on each \
            container), and give the image a numeric non-root `USER` or set `runAsUser` to a \
            non-zero uid, e.g. 10001.",
        kinds: common::POD_KINDS,
        example_fail: "spec:\n  containers:\n  - name: app\n    image: app:1.0\n",
        example_pass: "spec:\n  securityContext:\n    runAsNonRoot: true\n  containers:\n  - name: app\n    image: app:1.0\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for c in &w.containers {
        let non_root = common::effective_bool(w, c, "runAsNonRoot");
        if matches!(non_root, Some((true, _))) {
            continue;
        }
        // A non-zero uid passes; uid 0 is run-as-uid-zero's finding.
        if common::effective_i64(w, c, "runAsUser").is_some() {
            continue;
        }
        // Unsafe: an image whose user is root will not start.
        let fix = |ptr: Pointer| {
            common::set_fix(
                "set securityContext.runAsNonRoot: true (the image must run as a non-root user)",
                false,
                ptr,
                Value::Bool(true),
            )
        };
        match non_root {
            Some((_, ptr)) => out.result(
                Emitted::fail(
                    ptr.clone(),
                    format!(
                        "{} sets runAsNonRoot: false and no non-root runAsUser",
                        c.label()
                    ),
                )
                .with_fix(fix(ptr)),
            ),
            None => out.result(
                Emitted::fail(
                    common::sc_or_container(c),
                    format!(
                        "{} sets neither runAsNonRoot: true nor a non-root runAsUser, so it runs as \
                         the image's user, often root",
                        c.label()
                    ),
                )
                .with_fix(fix(c.sc_ptr("runAsNonRoot"))),
            ),
        }
    }
}
