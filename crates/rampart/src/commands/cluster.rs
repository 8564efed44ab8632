//! Cluster and snapshot input shared by `scan`, `inventory` and `snapshot`: the flags, and
//! [`load`], which reads a live cluster or a snapshot file into resources plus coverage.

use std::path::PathBuf;

use rampart_cluster::{ConnectOptions, Coverage, NamespaceFilter, ReadOptions, Snapshot};
use rampart_scan::ClusterSource;
pub use rampart_scan::Loaded;

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

impl ClusterArgs {
    /// The pipeline's cluster source for these flags, if they ask for one.
    pub fn source(&self) -> Option<ClusterSource> {
        if !self.requested() {
            return None;
        }
        let read = self.connect.read_options();
        Some(match &self.snapshot {
            Some(path) => ClusterSource::Snapshot {
                path: path.clone(),
                read,
            },
            None => ClusterSource::Live(read),
        })
    }

    /// The source for commands that always read a cluster: the live one when no flag names one.
    fn source_or_live(&self) -> ClusterSource {
        self.source()
            .unwrap_or_else(|| ClusterSource::Live(self.connect.read_options()))
    }
}

/// Reads the snapshot of `--snapshot`, or the live cluster. Errors are one line saying what to
/// check (the CLI exits 2 on them). A read that missed something succeeds with
/// `coverage.partial` set; see [`warn_partial`].
pub fn load(args: &ClusterArgs) -> anyhow::Result<Loaded> {
    Ok(rampart_scan::cluster::load(&args.source_or_live())?)
}

/// Like [`load`], keeping the snapshot form (for `rampart snapshot`).
pub fn read_snapshot_or_cluster(args: &ClusterArgs) -> anyhow::Result<Snapshot> {
    Ok(rampart_scan::cluster::read(&args.source_or_live())?)
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
