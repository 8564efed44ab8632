//! What a node read yields: the components found, their resolved flags, the configuration files
//! they name (parsed), and the owners and permission bits of the files the benchmark asks about.
//! Pure data: [`crate::read`] fills it, [`crate::eval`] judges it.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rampart_model::{InputError, Pos, PosTree};
use serde::Serialize;
use serde_json::Value;

use crate::flags::Flags;

/// The components the benchmark knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ComponentKind {
    KubeApiserver,
    Etcd,
    KubeControllerManager,
    KubeScheduler,
    Kubelet,
    KubeProxy,
}

impl ComponentKind {
    pub const ALL: [ComponentKind; 6] = [
        ComponentKind::KubeApiserver,
        ComponentKind::Etcd,
        ComponentKind::KubeControllerManager,
        ComponentKind::KubeScheduler,
        ComponentKind::Kubelet,
        ComponentKind::KubeProxy,
    ];

    /// The binary's (and the static pod's) name.
    pub fn name(self) -> &'static str {
        match self {
            ComponentKind::KubeApiserver => "kube-apiserver",
            ComponentKind::Etcd => "etcd",
            ComponentKind::KubeControllerManager => "kube-controller-manager",
            ComponentKind::KubeScheduler => "kube-scheduler",
            ComponentKind::Kubelet => "kubelet",
            ComponentKind::KubeProxy => "kube-proxy",
        }
    }

    /// The component whose binary is `program` (a path or a bare name).
    pub fn from_program(program: &str) -> Option<ComponentKind> {
        let base = program.rsplit('/').next().unwrap_or(program);
        ComponentKind::ALL.into_iter().find(|k| k.name() == base)
    }

    /// Where kubeadm writes its static pod manifest, for control-plane components.
    pub fn manifest_path(self) -> Option<&'static str> {
        match self {
            ComponentKind::KubeApiserver => Some("/etc/kubernetes/manifests/kube-apiserver.yaml"),
            ComponentKind::Etcd => Some("/etc/kubernetes/manifests/etcd.yaml"),
            ComponentKind::KubeControllerManager => {
                Some("/etc/kubernetes/manifests/kube-controller-manager.yaml")
            }
            ComponentKind::KubeScheduler => Some("/etc/kubernetes/manifests/kube-scheduler.yaml"),
            ComponentKind::Kubelet | ComponentKind::KubeProxy => None,
        }
    }
}

impl fmt::Display for ComponentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a component's command line was read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Source {
    /// A running process (`/proc/PID/cmdline`).
    Process { pid: u32 },
    /// A static pod manifest.
    Manifest { path: PathBuf },
    /// A systemd unit and its drop-ins (the kubelet's `KUBELET_*_ARGS`).
    Unit { path: PathBuf },
    /// Only a configuration file (a KubeletConfiguration or KubeProxyConfiguration given alone).
    Config { path: PathBuf },
}

/// A parsed YAML/JSON configuration file.
#[derive(Clone, Debug)]
pub struct Doc {
    /// The path as the component names it (host path).
    pub path: PathBuf,
    pub value: Value,
    pub positions: PosTree,
}

impl Doc {
    /// The line of the field at `pointer` (or of its nearest existing ancestor).
    pub fn pos(&self, pointer: &str) -> Pos {
        self.positions.locate(&self.value, pointer)
    }

    pub fn kind(&self) -> &str {
        self.value.get("kind").and_then(Value::as_str).unwrap_or("")
    }
}

/// One component found on the node (or in the files given).
#[derive(Clone, Debug, Serialize)]
pub struct Component {
    pub kind: ComponentKind,
    pub source: Source,
    /// The command line as read (program name excluded).
    pub args: Vec<String>,
    /// Resolved settings: command-line flags over the component's config file.
    pub flags: Flags,
    /// The static pod manifest that defines it, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest: Option<PathBuf>,
    /// The `--config` file it reads (kubelet, kube-proxy), when read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_file: Option<PathBuf>,
}

/// Owner, group and permission bits of a file, or why they are unknown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum FileFacts {
    Present {
        /// Permission bits (`mode & 0o7777`).
        mode: u32,
        uid: u32,
        gid: u32,
        /// Names from the node's /etc/passwd and /etc/group, when found.
        #[serde(skip_serializing_if = "Option::is_none")]
        user: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        group: Option<String>,
        is_dir: bool,
    },
    Missing,
    /// The file exists (or may) but could not be examined: permission denied, a symlink loop.
    Unreadable {
        error: String,
    },
}

impl FileFacts {
    /// `root:root` style owner text.
    pub fn owner(&self) -> Option<String> {
        match self {
            FileFacts::Present {
                uid,
                gid,
                user,
                group,
                ..
            } => Some(format!(
                "{}:{}",
                user.clone().unwrap_or_else(|| uid.to_string()),
                group.clone().unwrap_or_else(|| gid.to_string())
            )),
            _ => None,
        }
    }
}

/// The configuration documents the control plane names, parsed.
#[derive(Clone, Debug, Default)]
pub struct Configs {
    /// `--audit-policy-file` (audit.k8s.io Policy).
    pub audit_policy: Option<Arc<Doc>>,
    /// `--encryption-provider-config` (apiserver.config.k8s.io EncryptionConfiguration).
    pub encryption: Option<Arc<Doc>>,
    /// `--admission-control-config-file` (AdmissionConfiguration).
    pub admission: Option<Arc<Doc>>,
    /// A kubeadm ClusterConfiguration given among the files: it stands for the control-plane
    /// components no static pod manifest or process defines (kubeadm's flags with its
    /// `extraArgs` over them; see `read::read_files`).
    pub cluster_configuration: Option<Arc<Doc>>,
}

/// Everything read from a node, or from files describing one.
#[derive(Clone, Debug, Default)]
pub struct Node {
    /// The root the node was read under (`/` on a live node).
    pub root: PathBuf,
    /// The node's host name, when known.
    pub hostname: Option<String>,
    /// True when read from a live node (processes), false for files given.
    pub live: bool,
    pub components: Vec<Component>,
    pub configs: Configs,
    /// Facts of the files the checks ask about, by host path.
    pub files: BTreeMap<PathBuf, FileFacts>,
    /// Entries of the directories the checks ask about (PKI), by host path of the directory.
    pub dirs: BTreeMap<PathBuf, Result<Vec<PathBuf>, String>>,
    /// Problems met while reading: unreadable files, bad YAML, garbage command lines.
    pub errors: Vec<InputError>,
    /// The files given on the command line (`benchmark cis PATH...`), absolute: their facts are
    /// read where they are, not under the root.
    pub given: std::collections::BTreeSet<PathBuf>,
}

impl Node {
    /// The first component of this kind.
    pub fn component(&self, kind: ComponentKind) -> Option<&Component> {
        self.components.iter().find(|c| c.kind == kind)
    }

    /// Every component of this kind (several control planes may run on one host).
    pub fn components_of(&self, kind: ComponentKind) -> impl Iterator<Item = &Component> {
        self.components.iter().filter(move |c| c.kind == kind)
    }

    /// The facts of a host path, if it was examined.
    pub fn file(&self, path: &Path) -> Option<&FileFacts> {
        self.files.get(path)
    }
}
