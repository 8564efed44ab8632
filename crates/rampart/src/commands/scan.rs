//! `rampart scan`: the command line of the scan pipeline (`rampart_scan`), and the choice of
//! reporter.

use std::path::PathBuf;
use std::process::ExitCode;

use rampart_model::Severity;
use rampart_scan::sink::{Collect, JsonStream};
use rampart_scan::{ConfigSource, ScanOptions, Scanner};

/// Arguments of `rampart scan`.
#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// Files, directories (searched recursively for *.yaml, *.yml, *.json), or `-` for stdin.
    /// Not needed with --cluster or --snapshot.
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub cluster: super::cluster::ClusterArgs,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,

    /// Exit 1 when an open finding has at least this severity [default: high, or the config's].
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,

    /// Config file [default: .rampart.yaml found upward from the first path].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Ignore any .rampart.yaml.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,

    /// Report only findings absent from this earlier JSON report.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Run only these checks (ids, categories, `framework:NAME`; comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "TERMS")]
    pub select: Vec<String>,

    /// Skip these checks (ids, categories, `framework:NAME`; comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "TERMS")]
    pub ignore: Vec<String>,

    /// The Kubernetes release (1.N) that removed-api and deprecated-api judge API versions
    /// against [default: the config's `kubernetes-version`, else the newest rampart knows].
    #[arg(long, value_name = "VERSION", value_parser = parse_kubernetes_version)]
    pub kubernetes_version: Option<u32>,

    /// User policies (repeatable; files or directories): Gatekeeper ConstraintTemplates with
    /// their constraints, and Rego modules. Each constraint runs as a check of the `policies`
    /// category (`--select policies` runs them alone).
    #[arg(long = "policy", value_name = "PATH")]
    pub policies: Vec<PathBuf>,

    #[command(flatten)]
    pub render: RenderArgs,

    /// Keep this scan in the history store: a SQLite file (*.db), sqlite:PATH or
    /// postgres://...; alone (or `--store=`) the default store ($RAMPART_STORE, else
    /// $XDG_STATE_HOME/rampart/history.db, else ~/.local/state/rampart/history.db).
    /// See `rampart history` and `rampart diff`.
    #[arg(long, value_name = "URL", num_args = 0..=1, default_missing_value = "",
          value_parser = super::history::parse_store_arg)]
    pub store: Option<String>,

    /// The target name the scan is kept under [default: `cluster CONTEXT` for cluster scans,
    /// `files PATH...` for files].
    #[arg(long, value_name = "NAME", requires = "store")]
    pub store_target: Option<String>,

    #[command(flatten)]
    pub images: super::image::WorkloadImagesArgs,
}

/// How Helm charts and Kustomize overlays among the paths are rendered. A directory holding
/// Chart.yaml is rendered with `helm template`, one holding kustomization.yaml with
/// `kustomize build` (also when found below a scanned directory); findings point at the
/// template, values, base or patch line that wrote the field.
#[derive(clap::Args, Debug, Default)]
pub struct RenderArgs {
    /// Values file for charts (repeatable; later ones win), as `helm template --values`.
    #[arg(long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,

    /// Set a chart value (repeatable), as `helm template --set key=value`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,

    /// Release name charts are rendered with [default: helm's `release-name`].
    #[arg(long, value_name = "NAME")]
    pub release: Option<String>,

    /// The helm binary [default: helm on PATH].
    #[arg(long, value_name = "PATH")]
    pub helm: Option<PathBuf>,

    /// The kustomize binary [default: kustomize on PATH, else `kubectl kustomize`].
    #[arg(long, value_name = "PATH")]
    pub kustomize: Option<PathBuf>,

    /// Stop a render that takes longer than this many seconds [default: 120].
    #[arg(long, value_name = "SECONDS")]
    pub render_timeout: Option<u64>,
}

/// `1.N`, `v1.N` or `v1.N.P` as N.
fn parse_kubernetes_version(s: &str) -> Result<u32, String> {
    rampart_model::k8s::api_versions::parse_minor(s)
        .ok_or_else(|| format!("expected a Kubernetes version such as 1.29, found `{s}`"))
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Sarif,
    Junit,
    /// One self-contained HTML file: posture score, frameworks, findings.
    Html,
}

impl ScanArgs {
    /// With paths holding a chart or an overlay and no other cluster flag, `--namespace NS` is
    /// the namespace charts are rendered into (`helm template --namespace`), not a cluster read.
    fn namespace_is_for_charts(&self) -> bool {
        let c = &self.cluster;
        c.connect.namespaces.len() == 1
            && !c.cluster
            && c.snapshot.is_none()
            && c.connect.kubeconfig.is_none()
            && c.connect.context.is_none()
            && c.connect.exclude_namespaces.is_empty()
            && !rampart_render::plan(&self.paths).targets.is_empty()
    }

    /// The pipeline's options for these arguments.
    fn options(&self) -> ScanOptions {
        let for_charts = self.namespace_is_for_charts();
        ScanOptions {
            paths: self.paths.clone(),
            cluster: if for_charts {
                None
            } else {
                self.cluster.source()
            },
            config: match (&self.config, self.no_config) {
                (_, true) => ConfigSource::None,
                (Some(p), false) => ConfigSource::File(p.clone()),
                (None, false) => ConfigSource::Discover,
            },
            select: self.select.clone(),
            ignore: self
                .ignore
                .iter()
                .cloned()
                .chain(super::image::unused_image_checks(&self.images))
                .collect(),
            fail_on: self.fail_on,
            baseline: self.baseline.clone(),
            snippets: matches!(self.format, Format::Table | Format::Html),
            kubernetes_version: self.kubernetes_version,
            // The image checks: selected, waived and baselined like the others (their
            // findings come from rampart_imagescan, with --images).
            checks: super::image::workload_image_checks(),
            policies: self.policies.clone(),
            render: rampart_render::RenderOptions {
                values: self.render.values.clone(),
                set: self.render.set.clone(),
                release: self.render.release.clone(),
                namespace: if for_charts {
                    self.cluster.connect.namespaces.first().cloned()
                } else {
                    None
                },
                helm: self.render.helm.clone(),
                kustomize: self.render.kustomize.clone(),
                // The pipeline renders for --kubernetes-version (else the config's, else the
                // newest release rampart knows).
                kube_version: None,
                timeout: self
                    .render
                    .render_timeout
                    .map(std::time::Duration::from_secs),
            },
        }
    }

    /// What the history store keeps of the options.
    fn store_meta(&self) -> rampart_store::ScanMeta {
        let paths: Vec<String> = self.paths.iter().map(|p| p.display().to_string()).collect();
        rampart_store::ScanMeta {
            target: self.store_target.clone().or_else(|| {
                (!self.cluster.requested() || self.namespace_is_for_charts())
                    .then(|| super::history::files_target(&self.paths))
            }),
            options: serde_json::json!({
                "paths": paths,
                "select": self.select,
                "ignore": self.ignore,
                "failOn": self.fail_on.map(|s| s.as_str()),
                "config": self.config.as_ref().map(|p| p.display().to_string()),
                "noConfig": self.no_config,
                "baseline": self.baseline.as_ref().map(|p| p.display().to_string()),
                "kubernetesVersion": self.kubernetes_version,
                "policies": self.policies.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            }),
            started_at: jiff::Timestamp::now(),
        }
    }
}

pub fn run(args: &ScanArgs) -> anyhow::Result<ExitCode> {
    // The store is opened first: a wrong URL or a newer schema fails before a long scan.
    let store = match &args.store {
        Some(s) => Some(super::history::open(Some(s.as_str()))?),
        None => None,
    };
    // A report that gathers every result hands them to the recorder once it is written (one
    // copy of a large scan, not two); the JSON stream lets them go, so the recorder keeps its
    // own.
    let mut recorder = store.as_ref().map(|_| match args.format {
        Format::Json => rampart_store::Recorder::new(args.store_meta()),
        _ => rampart_store::Recorder::results_later(args.store_meta()),
    });
    // One scan per process: what it keeps to the end is left for the system to take back.
    let scanner = Scanner::new(args.options())?.exiting();
    // The images of the workloads, scanned first (the sources below are consumed by the scan);
    // their findings then go through the pipeline with the others.
    let extra = super::image::scan_workload_images(
        &args.images,
        &args.paths,
        &args.cluster,
        &scanner.rules(),
    )?;
    let sources = scanner.sources()?;
    if let Some(loaded) = &sources.cluster {
        super::cluster::warn_partial(&loaded.coverage);
    }
    // Runs the scan into a sink, through the history recorder when there is one.
    let run_into = |sink: &mut dyn rampart_scan::Sink| match recorder.as_mut() {
        Some(r) => scanner.run_with(sources, extra, &mut r.tee(sink)),
        None => scanner.run_with(sources, extra, sink),
    };
    let mut outcome = None;
    let mut results = None;
    super::output::with_writer(args.output.as_deref(), |w| {
        let mut done = match args.format {
            // JSON is written as the results come; the other formats need them all first.
            Format::Json => {
                let mut sink = JsonStream::begin(w)?;
                run_into(&mut sink)
            }
            other => {
                let mut sink = if other == Format::Html {
                    Collect::with_views()
                } else {
                    Collect::new()
                };
                let mut done = run_into(&mut sink);
                if let Some(report) = sink.into_report() {
                    if done.write_error.is_none() {
                        let format = super::image::report_format(other);
                        done.write_error = rampart_report::write(&report, format, w).err();
                    }
                    results = Some(report.findings);
                }
                done
            }
        };
        let written = done.write_error.take().map_or(Ok(()), Err);
        outcome = Some(done);
        written
    })?;
    let Some(outcome) = outcome else {
        anyhow::bail!("the scan did not run");
    };
    if args.output.is_some() && args.format != Format::Table {
        // Keep a human line on stderr when the report goes to a file.
        eprintln!(
            "rampart: {} findings ({} at or above {}), {} input errors",
            outcome.summary.open,
            outcome.summary.at_or_above_threshold(),
            scanner.fail_on(),
            outcome.errors
        );
    }
    if outcome.interrupted {
        eprintln!(
            "rampart: error: the API server stopped answering during the read: the results are partial"
        );
    }
    if let (Some(r), Some(results)) = (recorder.as_mut(), results) {
        r.set_results(results);
    }
    let views = recorder
        .as_ref()
        .map(|r| r.stored_views())
        .unwrap_or_default();
    if let (Some(store), Some(scan)) = (store, recorder.and_then(|r| r.into_scan())) {
        let id = store.save(&scan)?;
        store.save_views(id, &views)?;
        eprintln!(
            "rampart: scan {id} kept in {} ({} results, target `{}`)",
            store.name(),
            scan.rows.len(),
            scan.target
        );
        store.close();
    }
    Ok(ExitCode::from(outcome.exit_code()))
}
