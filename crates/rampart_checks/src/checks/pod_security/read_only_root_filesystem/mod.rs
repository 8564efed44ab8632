//! `read-only-root-filesystem`: a container's root filesystem is writable.
//!
//! Not checked on Windows pods (`spec.os.name: windows`), which do not support the setting.

use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "read-only-root-filesystem",
        title: "Container root filesystem is writable",
        severity: Severity::Medium,
        category: Category::PodSecurity,
        controls: &[
            common::cis("5.7.3"),
            common::NSA_IMMUTABLE_FS,
            common::NIST_APP_VULNS,
        ],
        rationale: "A writable root filesystem lets an attacker who gets code execution drop tools, \
            modify binaries and configuration of the running application, and persist until the \
            container is restarted. An immutable root filesystem confines writes to the volumes \
            you declare, which are easier to monitor.",
        remediation: "Set `securityContext.readOnlyRootFilesystem: true` on the container and \
            mount an `emptyDir` at the paths the process must write (e.g. `/tmp`, caches).",
        kinds: common::POD_KINDS,
        example_fail: "containers:\n- name: app\n  image: app:1.0\n  securityContext:\n    readOnlyRootFilesystem: false\n",
        example_pass: "containers:\n- name: app\n  image: app:1.0\n  securityContext:\n    readOnlyRootFilesystem: true\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    if common::is_windows(w) {
        return;
    }
    for c in &w.containers {
        match c.sc("readOnlyRootFilesystem").and_then(Value::as_bool) {
            Some(true) => {}
            Some(false) => out.emit(
                c.sc_ptr("readOnlyRootFilesystem"),
                format!("{} has a writable root filesystem", c.label()),
            ),
            None => out.emit(
                common::sc_or_container(c),
                format!(
                    "{} does not set readOnlyRootFilesystem: true (its root filesystem is writable)",
                    c.label()
                ),
            ),
        }
    }
}
