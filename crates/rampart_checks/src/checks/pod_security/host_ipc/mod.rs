//! `host-ipc`: the pod shares the host's IPC namespace.

use rampart_model::{meta, Category, Severity};

use crate::checks::common::{self, is_true};
use crate::{Check, Ctx, Emitted, Emitter, Run};
use serde_json::Value;

pub static CHECK: Check = Check {
    meta: meta! {
        id: "host-ipc",
        title: "Pod shares the host IPC namespace",
        severity: Severity::High,
        category: Category::PodSecurity,
        controls: &[
            common::pss_baseline("Host Namespaces"),
            common::cis("5.2.4"),
            common::NSA_PRIVILEGES,
            common::NIST_RUNTIME_CONFIG,
        ],
        rationale: "With `hostIPC: true` the containers share the node's System V IPC objects and \
            POSIX message queues, and see `/dev/shm` of the host. They can read and tamper with the \
            shared memory of any process on the node, including other pods' and system daemons'.",
        remediation: "Remove `hostIPC: true` from the pod spec. Containers of one pod that must \
            share memory can do so through an `emptyDir` volume with `medium: Memory`.",
        kinds: common::POD_KINDS,
        example_fail: "spec:\n  hostIPC: true\n",
        example_pass: "spec:\n  hostIPC: false\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    if is_true(w.get("hostIPC")) {
        out.result(
            Emitted::fail(w.ptr("hostIPC"), "the pod shares the host's IPC namespace (hostIPC)").with_fix(
                common::set_fix(
                    "set hostIPC: false",
                    false,
                    w.ptr("hostIPC"),
                    Value::Bool(false),
                ),
            ),
        );
    }
}
