//! `host-users-not-disabled`: the pod does not use a user namespace (`hostUsers: false`).
//!
//! Informational: user namespaces need Kubernetes 1.33 or later (beta, on by default) and a
//! supporting runtime and filesystem. Pods on the host network, PID or IPC namespace cannot use
//! them and are left to those checks; Windows pods are skipped.

use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitted, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "host-users-not-disabled",
        title: "Pod does not run in a user namespace",
        severity: Severity::Info,
        category: Category::PodSecurity,
        controls: &[common::NSA_NON_ROOT, common::NIST_RUNTIME_CONFIG, common::MITRE_ESCAPE],
        rationale: "With `hostUsers: false` the pod gets its own user namespace: root in the \
            container is an unprivileged user on the node, and capabilities count only inside \
            the namespace. Most container escapes (writing host files, abusing a kernel bug \
            that checks for root) then land as nobody. Without it, a container's UID 0 is the \
            node's UID 0.",
        remediation: "Set `spec.hostUsers: false` on pods that do not need the host's user \
            namespace (Kubernetes 1.33+ with a runtime that supports idmap mounts).",
        kinds: common::POD_KINDS,
        example_fail: "spec:\n  containers:\n  - name: app\n    image: app:1\n",
        example_pass: "spec:\n  hostUsers: false\n  containers:\n  - name: app\n    image: app:1\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    if common::is_windows(w) || common::is_false(w.get("hostUsers")) {
        return;
    }
    if ["hostNetwork", "hostPID", "hostIPC"]
        .iter()
        .any(|f| common::is_true(w.get(f)))
    {
        return;
    }
    // Unsafe: user namespaces need node support (Linux 6.3+, a runtime that supports them), and
    // volumes or processes that rely on host IDs may break.
    out.result(
        Emitted::fail(
            common::field_or_parent(w.spec, &w.spec_ptr, "hostUsers"),
            "the pod shares the node's user namespace (set hostUsers: false)",
        )
        .with_fix(common::set_fix(
            "set hostUsers: false",
            false,
            w.spec_ptr.join("hostUsers"),
            serde_json::Value::Bool(false),
        )),
    );
}
