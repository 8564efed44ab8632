//! The scan pipeline as a library. Every entry point that judges objects calls it: `rampart scan`
//! over files, stdin, a live cluster or a snapshot, and (through [`Scanner::check_object`]) a
//! server judging one object at a time.
//!
//! - [`ScanOptions`]: what to scan and how, independent of any command line.
//! - [`Scanner::new`]: reads the config, selects the checks, loads the baseline.
//! - [`Scanner::run`]: reads every source, parses and validates, runs the object checks file by
//!   file (in parallel, in bounded batches), applies annotations, waivers and the baseline, hands
//!   each file's results to a [`Sink`] in input order, then runs the inventory checks (RBAC,
//!   NetworkPolicy) over everything kept and hands their results over last.
//! - [`sink`]: where results go: streamed JSON, or collected into a [`rampart_report::Report`]
//!   for the formats that need every result first.
//!
//! Only the sources ([`rampart_source`], [`rampart_cluster`]) do I/O on inputs; only the sinks
//! write. The pipeline itself prints nothing.

mod baseline;
pub mod cluster;
mod config;
mod pipeline;
pub mod sink;

use std::path::PathBuf;

use rampart_model::Severity;

pub use cluster::{Checked, ClusterSource, Loaded};
pub use config::find_config;
pub use pipeline::{Extra, Outcome, Scanner};
pub use sink::Sink;

/// What to scan and how.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Files and directories (searched recursively for *.yaml, *.yml, *.json), `-` for stdin.
    pub paths: Vec<PathBuf>,
    /// A live cluster or a snapshot, scanned before the files.
    pub cluster: Option<ClusterSource>,
    /// Which `.rampart.yaml` to read.
    pub config: ConfigSource,
    /// Only these checks (ids, categories, `framework:NAME`); replaces the config's `select`.
    pub select: Vec<String>,
    /// Skip these checks, on top of the config's `ignore`.
    pub ignore: Vec<String>,
    /// The failure threshold [default: the config's, else high].
    pub fail_on: Option<Severity>,
    /// An earlier JSON report: results whose fingerprint it holds are not reported.
    pub baseline: Option<PathBuf>,
    /// Attach each finding's source line (for the table).
    pub snippets: bool,
    /// The Kubernetes minor release (1.N) that `removed-api` and `deprecated-api` judge against
    /// [default: the config's `kubernetes-version`, else the newest release rampart knows].
    pub kubernetes_version: Option<u32>,
    /// Checks added to the built-in ones for this scan (user policies, template instances made
    /// at run time). Their ids must be new; they are selected like built-in checks.
    pub checks: Vec<rampart_checks::Check>,
    /// User policies to load (files or directories: Gatekeeper ConstraintTemplates and
    /// constraints, Rego modules); each becomes a check of the `policies` category. Problems in
    /// them are input errors (exit 2); the rest still runs.
    pub policies: Vec<PathBuf>,
    /// How Helm charts and Kustomize overlays among the paths are rendered (see
    /// [`rampart_render`]: they are detected, rendered, scanned, and their findings mapped back
    /// to template, values, base and patch lines).
    pub render: rampart_render::RenderOptions,
}

/// Where the config comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ConfigSource {
    /// `.rampart.yaml` found upward from the first path.
    #[default]
    Discover,
    /// This file.
    File(PathBuf),
    /// No config: every check at its own severity.
    None,
}

/// Errors that stop a scan before it starts (bad options, an unreadable baseline, a cluster that
/// cannot be read). Problems with the inputs themselves are not errors: they are
/// [`rampart_model::InputError`]s in the results, and the rest is still scanned.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(
        "nothing to scan: give manifests (PATH..., or - for stdin), --cluster, or --snapshot FILE"
    )]
    NothingToScan,
    #[error("{0}")]
    Selection(String),
    #[error("config: {0}")]
    Config(String),
    #[error("{0}")]
    Baseline(String),
    #[error(transparent)]
    Cluster(#[from] rampart_cluster::ClusterError),
    #[error("--snapshot reads a file: drop --kubeconfig/--context")]
    SnapshotWithConnection,
}
