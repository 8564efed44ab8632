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
    /// The pipeline's options for these arguments.
    fn options(&self) -> ScanOptions {
        ScanOptions {
            paths: self.paths.clone(),
            cluster: self.cluster.source(),
            config: match (&self.config, self.no_config) {
                (_, true) => ConfigSource::None,
                (Some(p), false) => ConfigSource::File(p.clone()),
                (None, false) => ConfigSource::Discover,
            },
            select: self.select.clone(),
            ignore: self.ignore.clone(),
            fail_on: self.fail_on,
            baseline: self.baseline.clone(),
            snippets: matches!(self.format, Format::Table | Format::Html),
            kubernetes_version: self.kubernetes_version,
            checks: Vec::new(),
            policies: self.policies.clone(),
        }
    }
}

pub fn run(args: &ScanArgs) -> anyhow::Result<ExitCode> {
    let scanner = Scanner::new(args.options())?;
    let sources = scanner.sources()?;
    if let Some(loaded) = &sources.cluster {
        super::cluster::warn_partial(&loaded.coverage);
    }
    let mut outcome = None;
    super::output::with_writer(args.output.as_deref(), |w| {
        let mut done = match args.format {
            // JSON is written as the results come; the other formats need them all first.
            Format::Json => {
                let mut sink = JsonStream::begin(w)?;
                scanner.run(sources, &mut sink)
            }
            other => {
                let mut sink = Collect::new();
                let mut done = scanner.run(sources, &mut sink);
                if let (Some(report), None) = (sink.into_report(), &done.write_error) {
                    let format = match other {
                        Format::Sarif => rampart_report::Format::Sarif,
                        Format::Junit => rampart_report::Format::Junit,
                        Format::Html => rampart_report::Format::Html,
                        _ => rampart_report::Format::Table,
                    };
                    done.write_error = rampart_report::write(&report, format, w).err();
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
    Ok(ExitCode::from(outcome.exit_code()))
}
