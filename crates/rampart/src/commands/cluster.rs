//! Cluster and snapshot input shared by `scan`, `inventory` and `snapshot`: the flags, and
//! [`load`], which reads a live cluster or a snapshot file into resources plus coverage.

use std::path::PathBuf;

use rampart_checks::cluster_info;
use rampart_cluster::{
    AnonymousProbe, ConnectOptions, Coverage, NamespaceFilter, ReadOptions, Snapshot,
};
use rampart_model::{Origin, Resource};
use serde_json::{json, Map, Value};

/// How to reach a cluster (kubeconfig, context) and which namespaces to read.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ConnectArgs {
    /// Kubeconfig file [default: KUBECONFIG, ~/.kube/config, else the in-cluster service account].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// Kubeconfig context [default: the current context].
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// Read only this namespace (repeatable). Cluster-scoped objects are always read.
    #[arg(long = "namespace", value_name = "NS")]
    pub namespaces: Vec<String>,

    /// Do not read these namespaces (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "NS,...")]
    pub exclude_namespaces: Vec<String>,
}

impl ConnectArgs {
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions {
            connect: ConnectOptions {
                kubeconfig: self.kubeconfig.clone(),
                context: self.context.clone(),
                ..Default::default()
            },
            namespaces: NamespaceFilter {
                include: self.namespaces.clone(),
                exclude: self.exclude_namespaces.clone(),
            },
            ..Default::default()
        }
    }

    fn any(&self) -> bool {
        self.kubeconfig.is_some()
            || self.context.is_some()
            || !self.namespaces.is_empty()
            || !self.exclude_namespaces.is_empty()
    }
}

/// Cluster input flags, flattened into commands that can read a cluster or a snapshot.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ClusterArgs {
    /// Read the live cluster of the kubeconfig context (or the in-cluster service account).
    #[arg(long, conflicts_with = "snapshot")]
    pub cluster: bool,

    #[command(flatten)]
    pub connect: ConnectArgs,

    /// Read a snapshot file written by `rampart snapshot` instead of a live cluster.
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
}

impl ClusterArgs {
    /// True when these flags ask for cluster or snapshot input (`--cluster`, `--snapshot`, or any
    /// connection flag, which implies `--cluster`).
    pub fn requested(&self) -> bool {
        self.cluster || self.snapshot.is_some() || self.connect.any()
    }
}

/// Objects read from a cluster or a snapshot, and what the read covered.
#[derive(Debug)]
pub struct Loaded {
    /// The objects, each with `Origin::Cluster { context }`.
    pub resources: Vec<Resource>,
    /// Types read and not read; `partial` when anything is missing.
    pub coverage: Coverage,
    /// `gitVersion` of the API server (`v1.37.2`).
    pub server_version: String,
    /// `major` and `minor` of the API server's `/version` (empty when an older snapshot lacks them).
    pub server_major: String,
    pub server_minor: String,
    /// What the server answered to `/api` and `/version` without credentials.
    pub anonymous: AnonymousProbe,
    /// The kubeconfig context (`in-cluster` for the service account), as recorded in a snapshot.
    pub context: String,
    /// The API server URL.
    pub server: String,
    /// RFC 3339 time of the read (of the snapshot, for `--snapshot`).
    pub taken_at: String,
}

impl From<Snapshot> for Loaded {
    fn from(mut s: Snapshot) -> Self {
        let resources = s.take_resources();
        Loaded {
            resources,
            coverage: s.coverage,
            server_version: s.server_version,
            server_major: s.server_major,
            server_minor: s.server_minor,
            anonymous: s.anonymous,
            context: s.context,
            server: s.server,
            taken_at: s.taken_at,
        }
    }
}

impl Loaded {
    /// The `rampart.dev/v1` `ClusterInfo` object of this read: the facts about the cluster that
    /// are not Kubernetes objects (server version, the anonymous probe, when it was read), for the
    /// cluster-level checks. The same for a live read and its snapshot. See
    /// `docs/cluster-info.md`.
    pub fn cluster_info(&self) -> Resource {
        let name = [&self.context, &self.server]
            .into_iter()
            .find(|s| !s.is_empty())
            .map_or_else(|| "cluster".to_owned(), |s| s.to_owned());
        let mut version = Map::new();
        for (key, value) in [
            ("gitVersion", &self.server_version),
            ("major", &self.server_major),
            ("minor", &self.server_minor),
        ] {
            if !value.is_empty() {
                version.insert(key.into(), Value::String(value.clone()));
            }
        }
        let obj = json!({
            "apiVersion": cluster_info::API_VERSION,
            "kind": cluster_info::KIND,
            "metadata": {"name": name},
            "context": self.context,
            "server": self.server,
            "takenAt": self.taken_at,
            "serverVersion": version,
            "anonymous": serde_json::to_value(&self.anonymous).unwrap_or_default(),
        });
        Resource::new(
            obj,
            Origin::Cluster {
                context: self.context.clone(),
            },
        )
    }
}

/// Reads the snapshot of `--snapshot`, or the live cluster. Errors are one line saying what to
/// check (the CLI exits 2 on them). A read that missed something succeeds with
/// `coverage.partial` set; see [`warn_partial`].
pub fn load(args: &ClusterArgs) -> anyhow::Result<Loaded> {
    Ok(read_snapshot_or_cluster(args)?.into())
}

/// Like [`load`], keeping the snapshot form (for `rampart snapshot`).
pub fn read_snapshot_or_cluster(args: &ClusterArgs) -> anyhow::Result<Snapshot> {
    match &args.snapshot {
        Some(path) => {
            if args.connect.kubeconfig.is_some() || args.connect.context.is_some() {
                anyhow::bail!("--snapshot reads a file: drop --kubeconfig/--context");
            }
            let mut s = rampart_cluster::read_snapshot(path)?;
            // Namespace filters apply to snapshots too.
            let filter = args.connect.read_options().namespaces;
            if !filter.include.is_empty() || !filter.exclude.is_empty() {
                s.objects.retain(|o| {
                    let ns = o.pointer("/metadata/namespace").and_then(|v| v.as_str());
                    let is_ns = o.get("kind").and_then(|k| k.as_str()) == Some("Namespace")
                        && o.get("apiVersion").and_then(|k| k.as_str()) == Some("v1");
                    match ns {
                        Some(ns) => filter.keeps(ns),
                        None if is_ns => filter.keeps(
                            o.pointer("/metadata/name")
                                .and_then(|v| v.as_str())
                                .unwrap_or(""),
                        ),
                        None => true,
                    }
                });
            }
            Ok(s)
        }
        None => Ok(rampart_cluster::read_cluster(&args.connect.read_options())?),
    }
}

/// One stderr line when the coverage is partial, so a partial read is never taken for a full one.
pub fn warn_partial(coverage: &Coverage) {
    if coverage.partial {
        eprintln!("rampart: warning: {}", coverage.summary());
        for g in coverage.gaps().take(10) {
            eprintln!(
                "rampart:   not read: {} ({}: {})",
                g.display_name(),
                g.reason,
                g.message
            );
        }
        let more = coverage.gaps().count().saturating_sub(10);
        if more > 0 {
            eprintln!("rampart:   ... and {more} more (see the coverage section)");
        }
    }
}

/// Exit code after results from a cluster read were written: 2 (with an error line) when the
/// server went away or stopped accepting the credentials during the read, so an interrupted read
/// never passes for a complete one; RBAC gaps alone are not an error.
pub fn exit_code(coverage: &Coverage) -> std::process::ExitCode {
    if coverage.interrupted() {
        eprintln!(
            "rampart: error: the API server stopped answering during the read ({}): the results above are partial",
            coverage.summary()
        );
        std::process::ExitCode::from(2)
    } else {
        std::process::ExitCode::SUCCESS
    }
}

/// Cluster input flags without namespace filters, for commands that analyse the whole cluster and
/// use `-n/--namespace` for their own question (`rbac who-can -n NS`).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct SourceArgs {
    /// Read the live cluster of the kubeconfig context (or the in-cluster service account).
    #[arg(long, conflicts_with = "snapshot")]
    pub cluster: bool,

    /// Kubeconfig file [default: KUBECONFIG, ~/.kube/config, else the in-cluster service account].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// Kubeconfig context [default: the current context].
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// Read a snapshot file written by `rampart snapshot` instead of a live cluster.
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
}

impl SourceArgs {
    /// The same request as full cluster flags (every namespace).
    pub fn to_cluster_args(&self) -> ClusterArgs {
        ClusterArgs {
            cluster: self.cluster,
            connect: ConnectArgs {
                kubeconfig: self.kubeconfig.clone(),
                context: self.context.clone(),
                ..ConnectArgs::default()
            },
            snapshot: self.snapshot.clone(),
        }
    }
}
