//! `hostpath-sensitive`: the pod mounts a sensitive directory of the node, such as `/etc`,
//! `/proc`, `/var/lib/kubelet` or `/var/log`, a path inside one, or a parent of one (`/var`).
//!
//! Paths are classified by `rampart_model::k8s::host_paths` (after normalisation of `//`, `.`,
//! `..` and trailing slashes). The host root `/` and container runtime sockets have their own,
//! critical, checks: `hostpath-host-root` and `hostpath-runtime-socket`.

use rampart_model::k8s::host_paths::{volumes_of_class, HostPathClass};
use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "hostpath-sensitive",
        title: "Pod mounts a sensitive host directory",
        severity: Severity::High,
        category: Category::PodSecurity,
        controls: &[
            common::pss_baseline("HostPath Volumes"),
            common::cis("5.2.12"),
            common::NSA_PRIVILEGES,
            common::NIST_HOST_FS,
            common::MITRE_ESCAPE,
        ],
        rationale: "Host directories such as `/etc`, `/proc`, `/sys`, `/dev`, `/root`, \
            `/var/lib/kubelet` (every pod's Secrets and tokens), `/var/lib/docker`, `/var/run` and \
            `/var/log` hold the node's configuration, credentials, devices and runtime state. A \
            container that can read them steals credentials; one that can write them takes over \
            the node (a cron entry, an SSH key, a kubelet config, a log symlink).",
        remediation:
            "Remove the hostPath volume. If a node agent must read such a path, mount the \
            narrowest file possible, read-only, and run the agent in a dedicated namespace with \
            a documented waiver.",
        kinds: common::POD_KINDS,
        example_fail: "volumes:\n- name: kubelet\n  hostPath:\n    path: /var/lib/kubelet\n",
        example_pass: "volumes:\n- name: scratch\n  emptyDir: {}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for (ptr, name, path) in volumes_of_class(w, HostPathClass::Sensitive) {
        out.emit(
            ptr,
            format!("volume \"{name}\" mounts the sensitive host path {path}"),
        );
    }
}
