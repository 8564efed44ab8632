//! hostPath paths: the node's root, container runtime sockets and sensitive directories.
//!
//! Paths are compared after normalisation (`//`, `.`, `..` and trailing slashes).

use serde_json::Value;

use crate::{Pointer, Workload};

/// Container runtime sockets, and the runtime directories that hold them.
pub const RUNTIME_SOCKETS: &[&str] = &[
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
    // Docker's state directory (older Docker keeps its containerd socket there).
    "/var/run/docker",
    "/run/docker",
    "/run/k3s/containerd",
    "/var/run/podman",
    "/run/podman",
];

/// Sensitive host directories.
pub const SENSITIVE: &[&str] = &[
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
pub const HARMLESS: &[&str] = &["/etc/localtime", "/etc/timezone"];

/// What a hostPath path gives access to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostPathClass {
    /// The node's root filesystem.
    Root,
    /// A container runtime socket (or its directory).
    RuntimeSocket,
    /// A sensitive directory, a path inside it, or a parent of it.
    Sensitive,
    Other,
}

/// `/var//run/./docker.sock/` -> `/var/run/docker.sock`. `None` for relative paths.
pub fn normalise(path: &str) -> Option<String> {
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

/// Whether normalised `path` is `dir` or inside it.
fn inside(path: &str, dir: &str) -> bool {
    path == dir
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// For a directory that holds a runtime socket (`/var/run`, `/run`, `/run/k3s`): the first socket
/// (or socket directory) under it. Top-level directories other than `/run` do not count (`/var`
/// holds `/var/run` only on nodes where it is not a link to `/run`; it is a sensitive path anyway).
/// `path` must be normalised.
pub fn runtime_socket_in(path: &str) -> Option<&'static str> {
    let depth = path.split('/').filter(|s| !s.is_empty()).count();
    if path == "/" || (depth < 2 && path != "/run") {
        return None;
    }
    RUNTIME_SOCKETS
        .iter()
        .copied()
        .find(|s| *s != path && inside(s, path))
}

/// What a hostPath `path` gives access to.
pub fn classify(path: &str) -> HostPathClass {
    let Some(p) = normalise(path) else {
        return HostPathClass::Other;
    };
    if p == "/" {
        return HostPathClass::Root;
    }
    if RUNTIME_SOCKETS.iter().any(|s| inside(&p, s)) || runtime_socket_in(&p).is_some() {
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

/// The hostPath volumes of a pod whose path falls in `class`: (pointer to `hostPath/path`,
/// volume name, path).
pub fn volumes_of_class<'a>(
    w: &'a Workload<'a>,
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
        // Directories that hold runtime sockets expose them.
        assert_eq!(classify("/var/run"), RuntimeSocket);
        assert_eq!(classify("/run/"), RuntimeSocket);
        assert_eq!(classify("/run/k3s"), RuntimeSocket);
        assert_eq!(classify("/var/run/docker"), RuntimeSocket);
        assert_eq!(runtime_socket_in("/var/run"), Some("/var/run/docker.sock"));
        assert_eq!(runtime_socket_in("/var"), None);
        assert_eq!(runtime_socket_in("/var/run/docker.sock"), None);
        assert_eq!(classify("/run/user"), Sensitive);
        assert_eq!(classify("/etc/localtime"), Other);
        assert_eq!(classify("/etcetera"), Other);
        assert_eq!(classify("/data"), Other);
        assert_eq!(classify("relative"), Other);
    }
}
