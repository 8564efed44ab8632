//! `rampart report`: compliance frameworks judged over a scan, from a JSON report written by
//! `rampart scan --format json` or from a scan run here; as a table, Markdown, JSON or one
//! self-contained HTML file.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use rampart_model::Meta;
use rampart_report::{framework, html, Report};
use rampart_scan::sink::Collect;
use rampart_scan::{ConfigSource, ScanOptions, Scanner};

/// Arguments of `rampart report`.
#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// A JSON report written by `rampart scan --format json`, or files and directories to scan
    /// (as `rampart scan` does; `-` for stdin).
    pub inputs: Vec<PathBuf>,

    #[command(flatten)]
    pub cluster: super::cluster::ClusterArgs,

    /// The framework (id or alias, see --list-frameworks) [default: a summary of every
    /// framework; with --format html, every framework in full].
    #[arg(long, value_name = "ID")]
    pub framework: Option<String>,

    /// List the frameworks and exit.
    #[arg(long)]
    pub list_frameworks: bool,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,

    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,

    /// Config file for a scan run here [default: .rampart.yaml found upward from the first path].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Ignore any .rampart.yaml.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Table,
    Json,
    Html,
    Markdown,
}

/// The checks a JSON report's scan ran, as far as the report shows: a JSON report does not
/// list them, so the built-in object and inventory checks count as run when the scan read
/// objects, and a node check when the report has a result of it.
fn rules_of_json_report(report: &Report) -> Vec<Meta> {
    let mut rules: Vec<Meta> = Vec::new();
    if report.scanned.objects > 0 {
        rules.extend(rampart_checks::all().iter().map(|c| c.meta.clone()));
    }
    let node: std::collections::HashSet<&str> =
        report.findings.iter().map(|f| f.check.as_ref()).collect();
    rules.extend(
        rampart_node::metas()
            .iter()
            .filter(|m| node.contains(m.id.as_ref()))
            .cloned(),
    );
    // Checks added at run time (policies) are known by their findings only.
    let mut known: std::collections::HashSet<String> =
        rules.iter().map(|m| m.id.to_string()).collect();
    for f in &report.findings {
        if known.insert(f.check.to_string()) {
            rules.push(Meta {
                id: f.check.clone(),
                title: "".into(),
                severity: f.severity,
                category: rampart_model::Category::Policies,
                controls: &[],
                rationale: "".into(),
                remediation: "".into(),
                kinds: &[],
                example_fail: "".into(),
                example_pass: "".into(),
            });
        }
    }
    rules
}

fn load(args: &ReportArgs) -> anyhow::Result<Report> {
    if let [one] = args.inputs.as_slice() {
        if one.as_os_str() != "-" && one.is_file() && !args.cluster.requested() {
            let text = std::fs::read_to_string(one)
                .with_context(|| format!("cannot read {}", one.display()))?;
            if rampart_report::read::is_report(&text) {
                let mut r = rampart_report::read::report(&text, Vec::new())
                    .map_err(|e| anyhow::anyhow!("{}: {e}", one.display()))?;
                r.rules = rules_of_json_report(&r);
                return Ok(r);
            }
        }
    }
    if args.inputs.is_empty() && !args.cluster.requested() {
        bail!("give a JSON report (`rampart scan --format json -o FILE`), paths to scan, --cluster or --snapshot");
    }
    let scanner = Scanner::new(ScanOptions {
        paths: args.inputs.clone(),
        cluster: args.cluster.source(),
        config: match (&args.config, args.no_config) {
            (_, true) => ConfigSource::None,
            (Some(p), false) => ConfigSource::File(p.clone()),
            (None, false) => ConfigSource::Discover,
        },
        select: Vec::new(),
        ignore: Vec::new(),
        fail_on: None,
        baseline: None,
        snippets: args.format == ReportFormat::Html,
        kubernetes_version: None,
        checks: Vec::new(),
        policies: Vec::new(),
        render: Default::default(),
    })?;
    let sources = scanner.sources()?;
    if let Some(loaded) = &sources.cluster {
        super::cluster::warn_partial(&loaded.coverage);
    }
    let mut sink = Collect::new();
    let done = scanner.run(sources, &mut sink);
    if done.interrupted {
        eprintln!(
            "rampart: error: the API server stopped answering during the read: the results are partial"
        );
    }
    sink.into_report().context("the scan produced no report")
}

pub fn run(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let catalog = rampart_frameworks::catalog();
    if args.list_frameworks {
        super::output::write(args.output.as_deref(), &framework::list(catalog))?;
        return Ok(ExitCode::SUCCESS);
    }
    let ids: Vec<&str> = match &args.framework {
        Some(name) => match catalog.get(name) {
            Some(f) => vec![f.id.as_str()],
            None => bail!(
                "no framework `{name}` (one of: {})",
                catalog
                    .frameworks
                    .iter()
                    .map(|f| f.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
        None => Vec::new(),
    };
    let report = load(args)?;
    for e in &report.errors {
        eprintln!(
            "rampart: {}: {}",
            rampart_report::text::file_line(&e.path, e.line),
            e.message
        );
    }
    if args.format == ReportFormat::Html {
        let opts = html::Options {
            frameworks: ids.iter().map(|s| (*s).to_owned()).collect(),
        };
        super::output::with_writer(args.output.as_deref(), |w| {
            html::write_with(&report, &opts, w)
        })?;
    } else {
        let evals = framework::evaluate(catalog, &report, &ids);
        let text = match (args.format, args.framework.is_some()) {
            (ReportFormat::Json, _) => framework::json(&evals, &report.findings),
            (ReportFormat::Markdown, true) => evals
                .iter()
                .map(|e| framework::markdown(e, &report.findings))
                .collect(),
            (ReportFormat::Markdown, false) => framework::markdown_summary(&evals),
            (_, true) => evals
                .iter()
                .map(|e| framework::table(e, &report.findings))
                .collect(),
            (_, false) => framework::summary_table(&evals),
        };
        super::output::write(args.output.as_deref(), &text)?;
    }
    Ok(if report.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
