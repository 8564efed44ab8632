//! `mount-propagation-bidirectional`: a volume mount propagates mounts back to the host.

use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "mount-propagation-bidirectional",
        title: "Volume mount propagates mounts to the host",
        severity: Severity::High,
        category: Category::PodSecurity,
        controls: &[common::NIST_HOST_FS, common::NSA_PRIVILEGES, common::MITRE_ESCAPE],
        rationale: "`mountPropagation: Bidirectional` makes mounts made inside the container \
            appear on the node and in every other pod that mounts the same path. A compromised \
            container can then shadow host directories or other pods' volumes with its own \
            content. Kubernetes allows it only in privileged containers, which it also needs.",
        remediation: "Remove `mountPropagation: Bidirectional` (use `HostToContainer` when the \
            container only needs to see mounts the host makes). Keep storage drivers that need \
            it in a dedicated, restricted namespace.",
        kinds: common::POD_KINDS,
        example_fail: "volumeMounts:\n- name: kubelet\n  mountPath: /var/lib/kubelet\n  mountPropagation: Bidirectional\n",
        example_pass: "volumeMounts:\n- name: kubelet\n  mountPath: /var/lib/kubelet\n  mountPropagation: HostToContainer\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for c in &w.containers {
        for (ptr, m) in common::items(c.value, &c.ptr, "volumeMounts") {
            if m.get("mountPropagation").and_then(Value::as_str) == Some("Bidirectional") {
                let name = m.get("name").and_then(Value::as_str).unwrap_or("?");
                out.emit(
                    ptr.join("mountPropagation"),
                    format!(
                        "{} mounts volume {name:?} with Bidirectional propagation",
                        c.label()
                    ),
                );
            }
        }
    }
}
