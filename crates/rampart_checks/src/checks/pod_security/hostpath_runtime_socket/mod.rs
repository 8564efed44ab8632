//! `hostpath-runtime-socket`: the pod mounts a container runtime socket (Docker, containerd,
//! CRI-O, podman) or the runtime directory that holds it.

use rampart_model::k8s::host_paths::{
    normalise, runtime_socket_in, volumes_of_class, HostPathClass,
};
use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "hostpath-runtime-socket",
        title: "Pod mounts the container runtime socket",
        severity: Severity::Critical,
        category: Category::PodSecurity,
        controls: &[
            common::pss_baseline("HostPath Volumes"),
            common::cis("5.2.12"),
            common::NSA_PRIVILEGES,
            common::NIST_RUNTIME_CONFIG,
            common::MITRE_ESCAPE,
            rampart_model::Control::MitreAttack {
                id: "T1610",
                name: "Deploy Container",
            },
        ],
        rationale: "Whoever can talk to the container runtime's socket (`docker.sock`, \
            `containerd.sock`, `crio.sock`) can start a privileged container that mounts the \
            node's root filesystem, and read or alter every container on the node, bypassing \
            Kubernetes admission entirely. Mounting it is equivalent to root on the node, and \
            so is mounting a directory that holds it (`/var/run`, `/run`, `/run/containerd`, \
            `/var/run/docker`).",
        remediation:
            "Remove the volume. Build images with a daemonless builder (BuildKit rootless, \
            Kaniko, Buildah) and collect container metadata through the Kubernetes API or the \
            kubelet instead of the runtime socket.",
        kinds: common::POD_KINDS,
        example_fail: "volumes:\n- name: docker\n  hostPath:\n    path: /var/run/docker.sock\n",
        example_pass: "volumes:\n- name: cache\n  emptyDir: {}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for (ptr, name, path) in volumes_of_class(w, HostPathClass::RuntimeSocket) {
        let held = normalise(path).and_then(|p| runtime_socket_in(&p));
        let message = match held {
            Some(socket) => format!(
                "volume \"{name}\" mounts {path}, which holds the container runtime socket {socket}"
            ),
            None => format!("volume \"{name}\" mounts the container runtime socket {path}"),
        };
        out.emit(ptr, message);
    }
}
