//! `hostpath-sensitive`: the pod mounts a sensitive directory of the node, such as `/etc`,
//! `/proc`, `/var/lib/kubelet` or `/var/log`, a path inside one, or a parent of one (`/var`).
//!
//! Paths are compared after normalisation (`//`, `.`, `..` and trailing slashes). The host root
//! `/` and container runtime sockets have their own, critical, checks: `hostpath-host-root` and
//! `hostpath-runtime-socket`.

use rampart_model::{Category, Meta, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

/// Container runtime sockets, and the runtime directories that hold them.
const RUNTIME_SOCKETS: &[&str] = &[
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/cri-dockerd.sock",
    "/run/cri-dockerd.sock",
    "/var/run/dockershim.sock",
    "/run/dockershim.sock",
    "/var/run/containerd",
    "/run/containerd",
    "/var/run/crio",
    "/run/crio",
    "/run/k3s/containerd",
    "/var/run/podman",
    "/run/podman",
];

/// Sensitive host directories.
const SENSITIVE: &[&str] = &[
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/root",
    "/home",
    "/lib/modules",
    "/var/lib/kubelet",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/etcd",
    "/var/run",
    "/run",
    "/var/log",
];

/// Files under sensitive directories that are harmless to share.
const HARMLESS: &[&str] = &["/etc/localtime", "/etc/timezone"];

/// What a hostPath path gives access to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HostPathClass {
    /// The node's root filesystem.
    Root,
    /// A container runtime socket (or its directory).
    RuntimeSocket,
    /// A sensitive directory, a path inside it, or a parent of it.
    Sensitive,
    Other,
}

/// `/var//run/./docker.sock/` -> `/var/run/docker.sock`. `None` for relative paths.
pub(crate) fn normalise(path: &str) -> Option<String> {
    let path = path.trim();
    if !path.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

fn inside(path: &str, dir: &str) -> bool {
    path == dir
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

pub(crate) fn classify(path: &str) -> HostPathClass {
    let Some(p) = normalise(path) else {
        return HostPathClass::Other;
    };
    if p == "/" {
        return HostPathClass::Root;
    }
    if RUNTIME_SOCKETS.iter().any(|s| inside(&p, s)) {
        return HostPathClass::RuntimeSocket;
    }
    if HARMLESS.contains(&p.as_str()) {
        return HostPathClass::Other;
    }
    // Inside a sensitive directory, or a parent of one (mounting /var exposes /var/lib/kubelet).
    if SENSITIVE.iter().any(|s| inside(&p, s) || inside(s, &p)) {
        return HostPathClass::Sensitive;
    }
    HostPathClass::Other
}

/// The hostPath volumes whose path falls in `class`: (pointer to `hostPath/path`, volume, path).
pub(crate) fn volumes_of_class<'a>(
    w: &'a rampart_model::Workload<'a>,
    class: HostPathClass,
) -> impl Iterator<Item = (Pointer, &'a str, &'a str)> + 'a {
    w.volumes().filter_map(move |(ptr, v)| {
        let path = v.get("hostPath")?.get("path")?.as_str()?;
        (classify(path) == class).then(|| {
            let name = v.get("name").and_then(Value::as_str).unwrap_or("");
            (ptr.join("hostPath").join("path"), name, path)
        })
    })
}

pub static CHECK: Check = Check {
    meta: Meta {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_paths() {
        use HostPathClass::*;
        assert_eq!(classify("/"), Root);
        assert_eq!(classify("//"), Root);
        assert_eq!(classify("/etc/.."), Root);
        assert_eq!(classify("/var/run/docker.sock"), RuntimeSocket);
        assert_eq!(classify("/var/run/docker.sock/"), RuntimeSocket);
        assert_eq!(classify("/run/containerd/containerd.sock"), RuntimeSocket);
        assert_eq!(classify("/etc/"), Sensitive);
        assert_eq!(classify("/etc/kubernetes"), Sensitive);
        assert_eq!(classify("/var"), Sensitive);
        assert_eq!(classify("/var/run"), Sensitive);
        assert_eq!(classify("/etc/localtime"), Other);
        assert_eq!(classify("/etcetera"), Other);
        assert_eq!(classify("/data"), Other);
        assert_eq!(classify("relative"), Other);
    }
}
