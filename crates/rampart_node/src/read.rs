//! Reading a node: processes from `ROOT/proc`, static pod manifests, the kubelet's unit and
//! config file, the configuration files the flags name, and the owners and modes of files.
//!
//! Every path a component names is a host path; it is looked up under the root
//! (`ROOT/etc/kubernetes/pki/ca.crt`), so a prepared tree stands in for a node in tests. Reads are
//! capped ([`MAX_CONFIG_BYTES`], [`MAX_CMDLINE_BYTES`]); unreadable files, symlink loops, binary
//! or oversized files and garbage command lines become [`InputError`]s or
//! [`FileFacts::Unreadable`], never a panic.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rampart_model::{InputError, Location, Pos};
use serde_json::Value;

use crate::flags::{Flags, Origin};
use crate::input::{Component, ComponentKind, Configs, Doc, FileFacts, Node, Source};

/// Largest configuration file read (bytes).
pub const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;
/// Largest `/proc/PID/cmdline` read (bytes).
pub const MAX_CMDLINE_BYTES: u64 = 1024 * 1024;
/// Most files taken from the paths given to `benchmark cis PATH...` and most entries listed per
/// directory.
pub const MAX_ENTRIES: usize = 10_000;

/// Where the static pod manifests are, on a kubeadm node.
pub const MANIFEST_DIR: &str = "/etc/kubernetes/manifests";
/// The kubelet's systemd drop-ins (kubeadm's) and unit files, in the order looked at.
pub const KUBELET_UNITS: &[&str] = &[
    "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
    "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
    "/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
    "/etc/systemd/system/kubelet.service",
    "/usr/lib/systemd/system/kubelet.service",
    "/lib/systemd/system/kubelet.service",
];
/// Environment files kubeadm writes for the kubelet.
const KUBELET_ENV_FILES: &[&str] = &[
    "/var/lib/kubelet/kubeadm-flags.env",
    "/etc/default/kubelet",
    "/etc/sysconfig/kubelet",
];
/// The kubelet config file kubeadm writes.
pub const KUBELET_CONFIG: &str = "/var/lib/kubelet/config.yaml";

/// How to read a node.
#[derive(Clone, Debug, Default)]
pub struct NodeOptions {
    /// The root of the node's file system (`/` on a live node).
    pub root: PathBuf,
    /// Only these processes (when not empty): to pick one control plane when several run on one
    /// host.
    pub pids: Vec<u32>,
    /// Do not look at processes (a prepared tree, or a node described by its files only).
    pub no_processes: bool,
}

/// True when something is at `path`, even a dangling link or a link loop (which must be reported,
/// not taken for an absent file).
fn present(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// The host path `path` under `root`.
pub fn under(root: &Path, path: &Path) -> PathBuf {
    match path.strip_prefix("/") {
        Ok(rel) => root.join(rel),
        Err(_) => root.join(path),
    }
}

/// Reads a live node (or a prepared tree): processes first; a control-plane component that runs
/// no process but has a static pod manifest is read from the manifest; a kubelet that runs no
/// process is read from its systemd unit and config file.
pub fn read_node(opts: &NodeOptions) -> Node {
    let mut node = Node {
        root: opts.root.clone(),
        live: !opts.no_processes,
        ..Node::default()
    };
    node.hostname = read_small(&under(&opts.root, Path::new("/etc/hostname")))
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty() && s.len() < 256);
    if !opts.no_processes {
        read_processes(&mut node, &opts.pids);
    }
    // Control-plane components without a process: their static pod manifests.
    for kind in ComponentKind::ALL {
        if node.component(kind).is_some() {
            continue;
        }
        if let Some(m) = kind.manifest_path() {
            let full = under(&opts.root, Path::new(m));
            if present(&full) {
                read_manifest_file(&mut node, &full, Path::new(m));
            }
        }
    }
    // The kubelet without a process: its unit and config file.
    if node.component(ComponentKind::Kubelet).is_none() {
        read_kubelet_unit(&mut node);
    }
    finish(&mut node);
    node
}

/// Reads the files and directories given (`benchmark cis PATH...`): static pod manifests,
/// KubeletConfiguration, KubeProxyConfiguration, EncryptionConfiguration, audit Policy,
/// AdmissionConfiguration and kubeadm ClusterConfiguration documents, told apart by their kind.
/// Files their flags name are looked up under `root`.
pub fn read_files(paths: &[PathBuf], root: &Path) -> Node {
    let mut node = Node {
        root: root.to_path_buf(),
        ..Node::default()
    };
    let mut files = Vec::new();
    for p in paths {
        // Absolute, so that a manifest's own path is a path on this machine.
        let p = std::path::absolute(p).unwrap_or_else(|_| p.clone());
        collect_yaml(&p, &mut files, &mut node.errors, 0);
    }
    files.sort();
    files.dedup();
    node.given = files.iter().cloned().collect();
    for f in files {
        let Some(docs) = load_docs(&mut node.errors, &f, &f) else {
            continue;
        };
        for doc in docs {
            classify(&mut node, doc);
        }
    }
    apply_cluster_configuration(&mut node);
    finish(&mut node);
    node
}

/// The control-plane components of a kubeadm ClusterConfiguration, where its extra arguments
/// are, and the flags kubeadm writes into their static pod manifests before them.
///
/// The flags are those of kubeadm 1.32-1.34's manifests that do not depend on the node (its
/// addresses, name and networks are left out); `/etc/kubernetes/pki` stands for the
/// ClusterConfiguration's `certificatesDir`, `/var/lib/etcd` for its `etcd.local.dataDir`.
const KUBEADM_COMPONENTS: &[(ComponentKind, &str, &[&str])] = &[
    (
        ComponentKind::KubeApiserver,
        "/apiServer/extraArgs",
        &[
            "allow-privileged=true",
            "authorization-mode=Node,RBAC",
            "client-ca-file=/etc/kubernetes/pki/ca.crt",
            "enable-admission-plugins=NodeRestriction",
            "enable-bootstrap-token-auth=true",
            "etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt",
            "etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt",
            "etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key",
            "etcd-servers=https://127.0.0.1:2379",
            "kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt",
            "kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key",
            "kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
            "proxy-client-cert-file=/etc/kubernetes/pki/front-proxy-client.crt",
            "proxy-client-key-file=/etc/kubernetes/pki/front-proxy-client.key",
            "requestheader-allowed-names=front-proxy-client",
            "requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt",
            "requestheader-extra-headers-prefix=X-Remote-Extra-",
            "requestheader-group-headers=X-Remote-Group",
            "requestheader-username-headers=X-Remote-User",
            "secure-port=6443",
            "service-account-issuer=https://kubernetes.default.svc.cluster.local",
            "service-account-key-file=/etc/kubernetes/pki/sa.pub",
            "service-account-signing-key-file=/etc/kubernetes/pki/sa.key",
            "tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
            "tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
        ],
    ),
    (
        ComponentKind::KubeControllerManager,
        "/controllerManager/extraArgs",
        &[
            "authentication-kubeconfig=/etc/kubernetes/controller-manager.conf",
            "authorization-kubeconfig=/etc/kubernetes/controller-manager.conf",
            "bind-address=127.0.0.1",
            "client-ca-file=/etc/kubernetes/pki/ca.crt",
            "cluster-name=kubernetes",
            "cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt",
            "cluster-signing-key-file=/etc/kubernetes/pki/ca.key",
            "controllers=*,bootstrapsigner,tokencleaner",
            "kubeconfig=/etc/kubernetes/controller-manager.conf",
            "leader-elect=true",
            "requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt",
            "root-ca-file=/etc/kubernetes/pki/ca.crt",
            "service-account-private-key-file=/etc/kubernetes/pki/sa.key",
            "use-service-account-credentials=true",
        ],
    ),
    (
        ComponentKind::KubeScheduler,
        "/scheduler/extraArgs",
        &[
            "authentication-kubeconfig=/etc/kubernetes/scheduler.conf",
            "authorization-kubeconfig=/etc/kubernetes/scheduler.conf",
            "bind-address=127.0.0.1",
            "kubeconfig=/etc/kubernetes/scheduler.conf",
            "leader-elect=true",
        ],
    ),
    (
        ComponentKind::Etcd,
        "/etcd/local/extraArgs",
        &[
            "cert-file=/etc/kubernetes/pki/etcd/server.crt",
            "client-cert-auth=true",
            "data-dir=/var/lib/etcd",
            "key-file=/etc/kubernetes/pki/etcd/server.key",
            "peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt",
            "peer-client-cert-auth=true",
            "peer-key-file=/etc/kubernetes/pki/etcd/peer.key",
            "peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
            "snapshot-count=10000",
            "trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
        ],
    ),
];

/// A scalar of a configuration document as a flag value; `None` for maps, lists and null.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The `extraArgs` at `ptr`: kubeadm v1beta3's map (`{name: value}`) or v1beta4's list
/// (`[{name, value}]`, a name may repeat), in order, with the pointer of each value.
fn extra_args(errors: &mut Vec<InputError>, doc: &Doc, ptr: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let bad = |errors: &mut Vec<InputError>, at: &str, what: &str| {
        errors.push(InputError::at(&doc.path, doc.pos(at), what.to_owned()));
    };
    match doc.value.pointer(ptr) {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                let at = format!("{ptr}/{}", k.replace('~', "~0").replace('/', "~1"));
                match scalar_text(v) {
                    Some(t) => out.push((k.clone(), t, at)),
                    None => bad(
                        errors,
                        &at,
                        "extraArgs value is not a string; expected `name: value`",
                    ),
                }
            }
        }
        Some(Value::Array(items)) => {
            for (i, e) in items.iter().enumerate() {
                let at = format!("{ptr}/{i}");
                let name = e
                    .get("name")
                    .and_then(Value::as_str)
                    .filter(|n| !n.is_empty());
                let value = e.get("value").map_or(Some(String::new()), scalar_text);
                match (name, value) {
                    (Some(n), Some(v)) => out.push((n.to_owned(), v, format!("{at}/value"))),
                    _ => bad(
                        errors,
                        &at,
                        "extraArgs entry is not `{name: ..., value: ...}` with a string name and value",
                    ),
                }
            }
        }
        Some(_) => bad(
            errors,
            ptr,
            "extraArgs is neither a map (kubeadm v1beta3) nor a list of {name, value} (v1beta4)",
        ),
    }
    out
}

/// A kubeadm ClusterConfiguration given among the files stands for the static pod manifests
/// kubeadm generates from it: for each control-plane component, kubeadm's own flags
/// ([`KUBEADM_COMPONENTS`]) with the component's `extraArgs` replacing those of the same name
/// (then resolved as the component resolves its command line). Precedence: a component that a
/// static pod manifest (or a process) given alongside defines is judged by that manifest alone,
/// the configuration running rather than the one it may once have been generated from. An
/// external etcd (`etcd.external`) is no component of this node.
fn apply_cluster_configuration(node: &mut Node) {
    let Some(doc) = node.configs.cluster_configuration.clone() else {
        return;
    };
    let path: Arc<Path> = Arc::from(doc.path.as_path());
    let pki = doc
        .value
        .pointer("/certificatesDir")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("/etc/kubernetes/pki")
        .trim_end_matches('/')
        .to_owned();
    let data_dir = doc
        .value
        .pointer("/etcd/local/dataDir")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    for (kind, ptr, defaults) in KUBEADM_COMPONENTS {
        if node.component(*kind).is_some() {
            continue;
        }
        if *kind == ComponentKind::Etcd && doc.value.pointer("/etcd/external").is_some() {
            continue;
        }
        let extra = extra_args(&mut node.errors, &doc, ptr);
        let mut args = Vec::new();
        let mut locs = Vec::new();
        for d in defaults.iter() {
            let (name, _) = d.split_once('=').unwrap_or((d, ""));
            if extra.iter().any(|(n, _, _)| n == name) {
                continue;
            }
            let mut d = d.replace("/etc/kubernetes/pki", &pki);
            let mut loc = None;
            if name == "data-dir" {
                if let Some(dir) = data_dir {
                    d = format!("data-dir={dir}");
                    loc = Some(location(&path, doc.pos("/etcd/local/dataDir")));
                }
            }
            args.push(format!("--{d}"));
            locs.push(loc);
        }
        for (name, value, at) in extra {
            args.push(format!("--{name}={value}"));
            locs.push(Some(location(&path, doc.pos(&at))));
        }
        let flags = Flags::parse(&args, &locs);
        node.components.push(Component {
            kind: *kind,
            source: Source::Config {
                path: doc.path.clone(),
            },
            args,
            flags,
            manifest: None,
            config_file: None,
        });
    }
}

fn collect_yaml(p: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<InputError>, depth: usize) {
    if out.len() >= MAX_ENTRIES {
        return;
    }
    match fs::metadata(p) {
        Ok(m) if m.is_dir() => {
            if depth > 8 {
                return;
            }
            match fs::read_dir(p) {
                Ok(rd) => {
                    let mut entries: Vec<PathBuf> =
                        rd.flatten().map(|e| e.path()).take(MAX_ENTRIES).collect();
                    entries.sort();
                    for e in entries {
                        let yaml = e
                            .extension()
                            .is_some_and(|x| x == "yaml" || x == "yml" || x == "json");
                        if yaml || e.is_dir() {
                            collect_yaml(&e, out, errors, depth + 1);
                        }
                    }
                }
                Err(e) => errors.push(InputError::file(p, format!("cannot list directory: {e}"))),
            }
        }
        Ok(_) => out.push(p.to_path_buf()),
        Err(e) => errors.push(InputError::file(p, format!("cannot read: {e}"))),
    }
}

/// Files a node is judged by: takes a parsed document and files it where it belongs.
fn classify(node: &mut Node, doc: Doc) {
    let kind = doc.kind().to_owned();
    match kind.as_str() {
        "Pod" => {
            let path = doc.path.clone();
            if let Some(c) = component_from_pod(&mut node.errors, &doc, &path) {
                node.components.push(c);
            }
        }
        "KubeletConfiguration" | "KubeProxyConfiguration" => {
            let ck = if kind == "KubeletConfiguration" {
                ComponentKind::Kubelet
            } else {
                ComponentKind::KubeProxy
            };
            let path = doc.path.clone();
            let c = match node.components.iter_mut().find(|c| c.kind == ck) {
                Some(c) => c,
                None => {
                    node.components.push(Component {
                        kind: ck,
                        source: Source::Config { path: path.clone() },
                        args: Vec::new(),
                        flags: Flags::default(),
                        manifest: None,
                        config_file: None,
                    });
                    let n = node.components.len() - 1;
                    &mut node.components[n]
                }
            };
            c.config_file = Some(path);
            apply_config(c, &doc);
        }
        "Policy" => node.configs.audit_policy = Some(Arc::new(doc)),
        "EncryptionConfiguration" => node.configs.encryption = Some(Arc::new(doc)),
        "AdmissionConfiguration" => node.configs.admission = Some(Arc::new(doc)),
        "ClusterConfiguration" => node.configs.cluster_configuration = Some(Arc::new(doc)),
        _ => {}
    }
}

/// The component a static pod runs: its first container whose command names a component binary
/// (or, failing that, whose name is a component's).
fn component_from_pod(errors: &mut Vec<InputError>, doc: &Doc, path: &Path) -> Option<Component> {
    let containers = doc.value.pointer("/spec/containers")?.as_array()?;
    let arc_path: Arc<Path> = Arc::from(path);
    for (ci, c) in containers.iter().enumerate() {
        let strings = |field: &str| -> Vec<(String, String)> {
            c.get(field)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .enumerate()
                        .filter_map(|(i, v)| {
                            let s = match v {
                                Value::String(s) => s.clone(),
                                Value::Number(n) => n.to_string(),
                                Value::Bool(b) => b.to_string(),
                                _ => return None,
                            };
                            Some((s, format!("/spec/containers/{ci}/{field}/{i}")))
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut argv = strings("command");
        argv.extend(strings("args"));
        let name = c.get("name").and_then(Value::as_str).unwrap_or("");
        let kind = argv
            .first()
            .and_then(|(p, _)| ComponentKind::from_program(p))
            .or_else(|| ComponentKind::from_program(name));
        let Some(kind) = kind else {
            continue;
        };
        // The program itself is not an argument (when the command names it).
        let skip = usize::from(
            argv.first()
                .is_some_and(|(p, _)| ComponentKind::from_program(p).is_some()),
        );
        let rest = &argv[skip..];
        let args: Vec<String> = rest.iter().map(|(a, _)| a.clone()).collect();
        let locs: Vec<Option<Location>> = rest
            .iter()
            .map(|(_, ptr)| Some(location(&arc_path, doc.pos(ptr))))
            .collect();
        if args.is_empty() {
            errors.push(InputError::at(
                path,
                doc.pos(&format!("/spec/containers/{ci}")),
                format!("static pod of {kind} has no command or args; its flags are unknown"),
            ));
        }
        let flags = Flags::parse(&args, &locs);
        return Some(Component {
            kind,
            source: Source::Manifest {
                path: path.to_path_buf(),
            },
            args,
            flags,
            manifest: Some(path.to_path_buf()),
            config_file: None,
        });
    }
    None
}

fn location(path: &Arc<Path>, pos: Pos) -> Location {
    Location {
        path: path.clone(),
        line: pos.line,
        column: pos.col,
        snippet: None,
    }
}

fn read_manifest_file(node: &mut Node, full: &Path, host: &Path) {
    let Some(docs) = load_docs(&mut node.errors, full, host) else {
        return;
    };
    for doc in docs {
        if doc.kind() == "Pod" {
            if let Some(mut c) = component_from_pod(&mut node.errors, &doc, host) {
                c.manifest = Some(host.to_path_buf());
                node.components.push(c);
                return;
            }
        }
    }
}

/// Reads `ROOT/proc/*/cmdline` and keeps the processes of known components.
fn read_processes(node: &mut Node, only: &[u32]) {
    let proc_dir = under(&node.root, Path::new("/proc"));
    let Ok(rd) = fs::read_dir(&proc_dir) else {
        return;
    };
    let mut pids: Vec<u32> = rd
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|s| s.parse().ok()))
        .collect();
    pids.sort_unstable();
    for pid in pids {
        if !only.is_empty() && !only.contains(&pid) {
            continue;
        }
        let path = proc_dir.join(pid.to_string()).join("cmdline");
        let bytes = match read_capped(&path, MAX_CMDLINE_BYTES) {
            Ok(b) => b,
            // Processes come and go; a vanished or forbidden one is no component of ours.
            Err(_) => continue,
        };
        let argv = split_cmdline(&bytes);
        let Some(program) = argv.first() else {
            if !only.is_empty() {
                node.errors.push(InputError::file(
                    &path,
                    "empty or NUL-only command line (a kernel thread or a zombie); no flags to read",
                ));
            }
            continue;
        };
        let Some(kind) = ComponentKind::from_program(program) else {
            if !only.is_empty() {
                node.errors.push(InputError::file(
                    &path,
                    format!(
                        "process {pid} runs `{}`, not a Kubernetes component",
                        program.chars().take(80).collect::<String>()
                    ),
                ));
            }
            continue;
        };
        let args = argv[1..].to_vec();
        let flags = Flags::parse(&args, &[]);
        let manifest = kind
            .manifest_path()
            .map(PathBuf::from)
            .filter(|m| present(&under(&node.root, m)));
        node.components.push(Component {
            kind,
            source: Source::Process { pid },
            args,
            flags,
            manifest,
            config_file: None,
        });
    }
}

/// Splits a `/proc/PID/cmdline`: NUL-separated, with a trailing NUL; invalid UTF-8 is replaced.
/// Empty arguments are kept except at the end; a command line of NULs only is empty.
pub fn split_cmdline(bytes: &[u8]) -> Vec<String> {
    let mut argv: Vec<String> = bytes
        .split(|&b| b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    while argv.last().is_some_and(String::is_empty) {
        argv.pop();
    }
    if argv.iter().all(String::is_empty) {
        argv.clear();
    }
    argv
}

/// The kubelet from its systemd unit, drop-ins and environment files (kubeadm's
/// `KUBELET_KUBECONFIG_ARGS`, `KUBELET_CONFIG_ARGS`, `KUBELET_KUBEADM_ARGS`,
/// `KUBELET_EXTRA_ARGS`), or from its config file alone.
fn read_kubelet_unit(node: &mut Node) {
    let mut args = Vec::new();
    let mut unit = None;
    for u in KUBELET_UNITS.iter().chain(KUBELET_ENV_FILES) {
        let full = under(&node.root, Path::new(u));
        match read_small(&full) {
            Ok(text) => {
                if unit.is_none() && KUBELET_UNITS.contains(u) {
                    unit = Some(PathBuf::from(u));
                }
                args.extend(unit_args(&text));
            }
            Err(e) if present(&full) => node.errors.push(InputError::file(&full, e)),
            Err(_) => {}
        }
    }
    let config_default = under(&node.root, Path::new(KUBELET_CONFIG));
    if unit.is_none() && !present(&config_default) {
        return;
    }
    let flags = Flags::parse(&args, &[]);
    let source = match &unit {
        Some(u) => Source::Unit { path: u.clone() },
        None => Source::Config {
            path: PathBuf::from(KUBELET_CONFIG),
        },
    };
    let mut c = Component {
        kind: ComponentKind::Kubelet,
        source,
        args,
        flags,
        manifest: None,
        config_file: None,
    };
    if c.flags.get("config").is_none() && present(&config_default) {
        c.flags
            .set("config", KUBELET_CONFIG.to_owned(), Origin::Flag, None);
    }
    node.components.push(c);
}

/// The `--flag[=value]` words of a systemd unit's `Environment=` / `ExecStart=` lines or of an
/// environment file's `NAME="..."` lines.
pub fn unit_args(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let body = line
            .strip_prefix("Environment=")
            .or_else(|| line.strip_prefix("ExecStart="))
            .or_else(|| {
                let (k, _) = line.split_once('=')?;
                k.chars()
                    .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
                    .then_some(line)
            });
        let Some(body) = body else {
            continue;
        };
        for word in body.split_whitespace() {
            let word = word.trim_matches(|c| c == '"' || c == '\'');
            let word = match word.split_once('=') {
                // `KUBELET_CONFIG_ARGS=--config=...`: the flag after the variable name.
                Some((k, v)) if !k.starts_with('-') => v.trim_matches(|c| c == '"' || c == '\''),
                _ => word,
            };
            if word.starts_with("--") && word.len() > 2 {
                out.push(word.trim_matches(|c| c == '"' || c == '\'').to_owned());
            }
        }
    }
    out
}

/// Kubelet config fields and the flags they stand for.
const KUBELET_FIELDS: &[(&str, &str)] = &[
    ("anonymous-auth", "/authentication/anonymous/enabled"),
    (
        "authentication-token-webhook",
        "/authentication/webhook/enabled",
    ),
    ("authorization-mode", "/authorization/mode"),
    ("client-ca-file", "/authentication/x509/clientCAFile"),
    ("read-only-port", "/readOnlyPort"),
    (
        "streaming-connection-idle-timeout",
        "/streamingConnectionIdleTimeout",
    ),
    ("protect-kernel-defaults", "/protectKernelDefaults"),
    ("make-iptables-util-chains", "/makeIPTablesUtilChains"),
    ("event-qps", "/eventRecordQPS"),
    ("tls-cert-file", "/tlsCertFile"),
    ("tls-private-key-file", "/tlsPrivateKeyFile"),
    ("tls-cipher-suites", "/tlsCipherSuites"),
    ("rotate-certificates", "/rotateCertificates"),
    ("rotate-server-certificates", "/serverTLSBootstrap"),
    ("feature-gates", "/featureGates"),
    ("pod-max-pids", "/podPidsLimit"),
    ("seccomp-default", "/seccompDefault"),
    ("address", "/address"),
    ("port", "/port"),
];

/// What a KubeletConfiguration (kubelet.config.k8s.io/v1beta1) defaults to, where its default
/// differs from the flag's: a kubelet started with `--config` gets these.
const KUBELET_CONFIG_DEFAULTS: &[(&str, &str, &str)] = &[
    (
        "anonymous-auth",
        "false",
        "authentication.anonymous.enabled",
    ),
    (
        "authentication-token-webhook",
        "true",
        "authentication.webhook.enabled",
    ),
    ("authorization-mode", "Webhook", "authorization.mode"),
    ("read-only-port", "0", "readOnlyPort"),
];

/// KubeletConfiguration duration fields whose zero value the kubelet replaces with its default.
const DEFAULTED_ZERO: &[&str] = &["streaming-connection-idle-timeout"];

/// True for Go durations that are zero (`0`, `0s`, `0h0m0s`).
pub fn is_zero_duration(v: &str) -> bool {
    let v = v.trim();
    !v.is_empty()
        && v.chars().any(|c| c == '0')
        && v.chars()
            .all(|c| c == '0' || c == '.' || "hmsuµn".contains(c))
}

const KUBE_PROXY_FIELDS: &[(&str, &str)] = &[
    ("metrics-bind-address", "/metricsBindAddress"),
    ("hostname-override", "/hostnameOverride"),
    ("kubeconfig", "/clientConnection/kubeconfig"),
    ("feature-gates", "/featureGates"),
];

/// Applies a config file's fields as settings the command line overrides.
fn apply_config(c: &mut Component, doc: &Doc) {
    let fields = match c.kind {
        ComponentKind::Kubelet => KUBELET_FIELDS,
        ComponentKind::KubeProxy => KUBE_PROXY_FIELDS,
        _ => return,
    };
    let path: Arc<Path> = Arc::from(doc.path.as_path());
    for (flag, ptr) in fields {
        let Some(v) = doc.value.pointer(ptr) else {
            continue;
        };
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            Value::Array(items) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect::<Vec<_>>()
                .join(","),
            Value::Object(m) => m
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => format!("{k}={s}"),
                    other => format!("{k}={other}"),
                })
                .collect::<Vec<_>>()
                .join(","),
            Value::Null => continue,
        };
        let field = ptr.trim_start_matches('/').replace('/', ".");
        // A KubeletConfiguration's zero duration is "unset": the kubelet applies its default
        // (kubeadm writes `streamingConnectionIdleTimeout: 0s`, which means 4h).
        if c.kind == ComponentKind::Kubelet
            && DEFAULTED_ZERO.contains(flag)
            && is_zero_duration(&text)
        {
            continue;
        }
        c.flags
            .set_from_config(flag, text, &field, Some(location(&path, doc.pos(ptr))));
    }
    if c.kind == ComponentKind::Kubelet {
        for (flag, value, field) in KUBELET_CONFIG_DEFAULTS {
            if c.flags.get(flag).is_none() {
                c.flags.set_from_config(
                    flag,
                    (*value).to_owned(),
                    &format!("{field} (default)"),
                    None,
                );
            }
        }
    }
}

/// After the components: their config files, the documents the API server names, and the facts
/// of every file the checks ask about.
fn finish(node: &mut Node) {
    // Config files named by --config (kubelet, kube-proxy).
    for i in 0..node.components.len() {
        let c = &node.components[i];
        if !matches!(c.kind, ComponentKind::Kubelet | ComponentKind::KubeProxy)
            || c.config_file.is_some()
        {
            continue;
        }
        let Some(cfg) = c.flags.value("config").map(PathBuf::from) else {
            continue;
        };
        let full = under(&node.root, &cfg);
        if let Some(docs) = load_docs(&mut node.errors, &full, &cfg) {
            if let Some(doc) = docs.into_iter().next() {
                let c = &mut node.components[i];
                c.config_file = Some(cfg);
                apply_config(c, &doc);
            }
        }
    }
    // Documents the API server names.
    let wanted: Vec<(&str, PathBuf)> = node
        .component(ComponentKind::KubeApiserver)
        .map(|api| {
            [
                "audit-policy-file",
                "encryption-provider-config",
                "admission-control-config-file",
            ]
            .into_iter()
            .filter_map(|f| api.flags.value(f).map(|v| (f, PathBuf::from(v))))
            .collect()
        })
        .unwrap_or_default();
    for (flag, path) in wanted {
        let slot = match flag {
            "audit-policy-file" => &node.configs.audit_policy,
            "encryption-provider-config" => &node.configs.encryption,
            _ => &node.configs.admission,
        };
        if slot.is_some() {
            continue;
        }
        let full = under(&node.root, &path);
        let before = node.errors.len();
        let doc = load_docs(&mut node.errors, &full, &path).and_then(|d| d.into_iter().next());
        for e in &mut node.errors[before..] {
            e.message = format!("named by --{flag} of kube-apiserver: {}", e.message);
        }
        let configs: &mut Configs = &mut node.configs;
        let slot = match flag {
            "audit-policy-file" => &mut configs.audit_policy,
            "encryption-provider-config" => &mut configs.encryption,
            _ => &mut configs.admission,
        };
        *slot = doc.map(Arc::new);
    }
    // File facts.
    let names = IdNames::read(&node.root);
    for path in crate::eval::wanted_files(node) {
        // Files given on the command line are where they are, not under the root.
        let root = if node.given.contains(&path) {
            Path::new("/")
        } else {
            node.root.as_path()
        };
        let facts = stat(root, &path, &names);
        node.files.insert(path, facts);
    }
    for dir in crate::eval::wanted_dirs(node) {
        let entries = list_tree(&node.root, &dir);
        if let Ok(v) = &entries {
            for p in v {
                let facts = stat(&node.root, p, &names);
                node.files.insert(p.clone(), facts);
            }
        }
        let facts = stat(&node.root, &dir, &names);
        node.files.insert(dir.clone(), facts);
        node.dirs.insert(dir, entries);
    }
}

/// The entries of a host directory and of its sub-directories (as `find DIR` lists them, up to
/// [`MAX_DIR_DEPTH`] levels and [`MAX_ENTRIES`] entries; symbolic links are not followed into).
/// A missing directory has no entries.
fn list_tree(root: &Path, dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), 0usize)];
    let mut first = true;
    while let Some((d, depth)) = stack.pop() {
        let rd = match fs::read_dir(under(root, &d)) {
            Ok(rd) => rd,
            Err(e) if first && e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) if first => return Err(e.to_string()),
            // A sub-directory that cannot be listed: its own facts still say so.
            Err(_) => continue,
        };
        first = false;
        for e in rd.flatten() {
            if out.len() >= MAX_ENTRIES {
                break;
            }
            let host = d.join(e.file_name());
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            if is_dir && depth + 1 < MAX_DIR_DEPTH {
                stack.push((host.clone(), depth + 1));
            }
            out.push(host);
        }
    }
    out.sort();
    Ok(out)
}

/// How deep [`list_tree`] goes below a directory.
pub const MAX_DIR_DEPTH: usize = 4;

/// User and group names of the node (`ROOT/etc/passwd`, `ROOT/etc/group`).
#[derive(Default)]
struct IdNames {
    users: BTreeMap<u32, String>,
    groups: BTreeMap<u32, String>,
}

impl IdNames {
    fn read(root: &Path) -> IdNames {
        let parse = |p: &str| -> BTreeMap<u32, String> {
            read_small(&under(root, Path::new(p)))
                .map(|t| {
                    t.lines()
                        .filter_map(|l| {
                            let mut f = l.split(':');
                            let name = f.next()?;
                            let id = f.nth(1)?.parse().ok()?;
                            Some((id, name.to_owned()))
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut names = IdNames {
            users: parse("/etc/passwd"),
            groups: parse("/etc/group"),
        };
        names.users.entry(0).or_insert_with(|| "root".into());
        names.groups.entry(0).or_insert_with(|| "root".into());
        names
    }
}

fn stat(root: &Path, host: &Path, names: &IdNames) -> FileFacts {
    match fs::metadata(under(root, host)) {
        Ok(m) => FileFacts::Present {
            mode: m.mode() & 0o7777,
            uid: m.uid(),
            gid: m.gid(),
            user: names.users.get(&m.uid()).cloned(),
            group: names.groups.get(&m.gid()).cloned(),
            is_dir: m.is_dir(),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileFacts::Missing,
        Err(e) => FileFacts::Unreadable {
            error: e.to_string(),
        },
    }
}

/// Reads at most `cap` bytes; more is an error.
fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, String> {
    // Never open a FIFO, socket or device: reading one may block forever or never end.
    let meta = fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if meta.is_dir() {
        return Err("is a directory; expected a file".into());
    }
    if !meta.is_file() {
        return Err("not a regular file (a FIFO, socket or device); not read".into());
    }
    let mut bytes = Vec::new();
    fs::File::open(path)
        .and_then(|f| f.take(cap + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > cap {
        return Err(format!("larger than {} KiB; not read", cap / 1024));
    }
    Ok(bytes)
}

/// Reads a small text file (capped at [`MAX_CONFIG_BYTES`], UTF-8, no NUL bytes).
fn read_small(path: &Path) -> Result<String, String> {
    let bytes = read_capped(path, MAX_CONFIG_BYTES)?;
    if bytes.contains(&0) {
        return Err("binary file (contains NUL bytes); expected text".into());
    }
    String::from_utf8(bytes).map_err(|_| "not valid UTF-8; expected text".into())
}

/// Reads and parses a YAML/JSON file (`full` on disk, `host` as the component names it); problems
/// go to `errors`.
fn load_docs(errors: &mut Vec<InputError>, full: &Path, host: &Path) -> Option<Vec<Doc>> {
    let text = match read_small(full) {
        Ok(t) => t,
        Err(e) => {
            errors.push(InputError::file(full, e));
            return None;
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let stream = rampart_source::yaml::parse_stream(text);
    for e in stream.errors {
        errors.push(InputError::at(full, e.pos, e.message));
    }
    Some(
        stream
            .docs
            .into_iter()
            .filter(|d| d.value.is_object())
            .map(|d| Doc {
                path: host.to_path_buf(),
                value: d.value,
                positions: d.positions,
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmdlines_garbage_and_nul_only() {
        assert!(split_cmdline(b"").is_empty());
        assert!(split_cmdline(b"\0\0\0\0").is_empty());
        assert_eq!(split_cmdline(b"kubelet\0--v=2\0"), vec!["kubelet", "--v=2"]);
        let lossy = split_cmdline(b"\xff\xfe\0--x\0");
        assert_eq!(lossy.len(), 2);
    }

    #[test]
    fn unit_words() {
        let text = "[Service]\nEnvironment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf\"\nEnvironment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS\n";
        assert_eq!(
            unit_args(text),
            vec![
                "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf",
                "--kubeconfig=/etc/kubernetes/kubelet.conf",
                "--config=/var/lib/kubelet/config.yaml"
            ]
        );
        assert_eq!(
            unit_args("KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.10\"\n"),
            vec![
                "--container-runtime-endpoint=unix:///run/containerd/containerd.sock",
                "--pod-infra-container-image=registry.k8s.io/pause:3.10"
            ]
        );
    }
}
