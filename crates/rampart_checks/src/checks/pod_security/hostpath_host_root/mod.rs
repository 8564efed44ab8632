//! `hostpath-host-root`: the pod mounts the node's root filesystem (`hostPath: /`).

use rampart_model::k8s::host_paths::{volumes_of_class, HostPathClass};
use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "hostpath-host-root",
        title: "Pod mounts the host root filesystem",
        severity: Severity::Critical,
        category: Category::PodSecurity,
        controls: &[
            common::pss_baseline("HostPath Volumes"),
            common::cis("5.2.12"),
            common::NSA_PRIVILEGES,
            common::NIST_HOST_FS,
            common::MITRE_ESCAPE,
        ],
        rationale: "Mounting `/` of the node gives the container every file of the host: \
            credentials of the kubelet and of every pod on the node, the runtime socket, SSH keys, \
            and, when writable, the ability to change any binary or configuration. A `chroot` \
            into the mount is a complete escape.",
        remediation: "Remove the volume. A node agent should mount only the specific files it \
            needs, read-only; node maintenance belongs to node-level tooling, not pods.",
        kinds: common::POD_KINDS,
        example_fail: "volumes:\n- name: host\n  hostPath:\n    path: /\n",
        example_pass: "volumes:\n- name: scratch\n  emptyDir: {}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for (ptr, name, path) in volumes_of_class(w, HostPathClass::Root) {
        out.emit(
            ptr,
            format!("volume \"{name}\" mounts the host's root filesystem ({path})"),
        );
    }
}
