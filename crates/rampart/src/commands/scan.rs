//! `rampart scan`: load manifests, run the checks, report.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use rampart_checks::config::{apply_waivers, Config};
use rampart_checks::{validate, Engine, Selection};
use rampart_model::{Finding, InputError, Severity, Workload};
use rampart_report::{Report, Scanned};
use rampart_source::{Input, Lines};
use rayon::prelude::*;

/// Arguments of `rampart scan`.
#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// Files, directories (searched recursively for *.yaml, *.yml, *.json), or `-` for stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,

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
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Sarif,
    Junit,
}

/// What one file gave.
#[derive(Default)]
struct FileOutcome {
    findings: Vec<Finding>,
    errors: Vec<InputError>,
    objects: usize,
}

pub fn run(args: &ScanArgs) -> anyhow::Result<ExitCode> {
    let (config, config_errors) = load_config(args)?;
    let mut selection = Selection::from_config(&config).map_err(anyhow::Error::msg)?;
    if !args.select.is_empty() {
        selection.checks = Selection::matching(&args.select).map_err(anyhow::Error::msg)?;
    }
    if !args.ignore.is_empty() {
        let ignored = Selection::matching(&args.ignore).map_err(anyhow::Error::msg)?;
        selection
            .checks
            .retain(|c| !ignored.iter().any(|i| i.meta.id == c.meta.id));
    }
    let fail_on = args.fail_on.or(config.fail_on).unwrap_or(Severity::High);
    let baseline = match &args.baseline {
        Some(p) => Some(load_baseline(p)?),
        None => None,
    };

    let engine = Engine::new(selection);
    let snippets = args.format == Format::Table;
    let (inputs, mut errors) = rampart_source::discover(&args.paths);
    let outcomes: Vec<FileOutcome> = inputs
        .par_iter()
        .map(|input| scan_input(&engine, input, snippets))
        .collect();

    let mut findings = Vec::new();
    let mut objects = 0;
    errors.extend(config_errors);
    for o in outcomes {
        findings.extend(o.findings);
        errors.extend(o.errors);
        objects += o.objects;
    }
    let today = jiff::ZonedDateTime::now().date();
    apply_waivers(&mut findings, &config.waivers(), today);
    let mut baselined = 0;
    if let Some(known) = &baseline {
        let before = findings.len();
        findings.retain(|f| !known.contains(&f.fingerprint()));
        baselined = before - findings.len();
    }
    let rules: Vec<_> = engine.selection.checks.iter().map(|c| &c.meta).collect();
    let scanned = Scanned {
        files: inputs.len(),
        objects,
        checks: rules.len(),
    };
    let report = Report::new(findings, errors, scanned, rules, fail_on, baselined);
    let format = match args.format {
        Format::Table => rampart_report::Format::Table,
        Format::Json => rampart_report::Format::Json,
        Format::Sarif => rampart_report::Format::Sarif,
        Format::Junit => rampart_report::Format::Junit,
    };
    super::output::with_writer(args.output.as_deref(), |w| {
        rampart_report::write(&report, format, w)
    })?;
    if args.output.is_some() && args.format != Format::Table {
        // Keep a human line on stderr when the report goes to a file.
        eprintln!(
            "rampart: {} findings ({} at or above {}), {} input errors",
            report.summary.open,
            report
                .findings
                .iter()
                .filter(|f| f.is_open() && f.severity >= fail_on)
                .count(),
            fail_on,
            report.errors.len()
        );
    }
    Ok(ExitCode::from(report.exit_code()))
}

/// Reads, parses and checks one file.
fn scan_input(engine: &Engine, input: &Input, snippets: bool) -> FileOutcome {
    let parsed = rampart_source::read_and_parse(input);
    let mut out = FileOutcome {
        errors: parsed.errors,
        objects: parsed.resources.len(),
        ..FileOutcome::default()
    };
    let lines = match (&parsed.text, snippets) {
        (Some(t), true) => Some(Lines::new(t)),
        _ => None,
    };
    for res in &parsed.resources {
        if let Some(w) = Workload::of(res.kind(), &res.raw) {
            for e in validate::workload_types(&w) {
                let pos = res.locate(e.pointer.as_str()).unwrap_or_default();
                out.errors
                    .push(InputError::at(input.path(), pos, e.message));
            }
        }
        let mut f = engine.run(res);
        rampart_source::locate_findings(res, &mut f, lines.as_ref());
        out.findings.extend(f);
    }
    out
}

/// Finds and reads the config. Problems in it are input errors with file:line (exit 2); the scan
/// still runs with the defaults.
fn load_config(args: &ScanArgs) -> anyhow::Result<(Config, Vec<InputError>)> {
    if args.no_config {
        return Ok((Config::default(), Vec::new()));
    }
    let path = match &args.config {
        Some(p) => Some(p.clone()),
        None => args.paths.first().and_then(|p| find_config(p)),
    };
    let Some(path) = path else {
        return Ok((Config::default(), Vec::new()));
    };
    let text = rampart_source::read_input(&Input::File(path.clone()))
        .map_err(|e| anyhow::anyhow!("config: {e}"))?;
    let stream = rampart_source::yaml::parse_stream(&text);
    let mut errors: Vec<InputError> = stream
        .errors
        .iter()
        .map(|e| InputError::at(&path, e.pos, e.message.clone()))
        .collect();
    let Some(doc) = stream.docs.into_iter().next() else {
        return Ok((Config::default(), errors));
    };
    match Config::from_value(doc.value.clone()) {
        Ok(cfg) => Ok((cfg, errors)),
        Err(e) => {
            let pos = doc.positions.locate(&doc.value, &e.pointer);
            errors.push(InputError::at(
                &path,
                pos,
                format!("invalid config: {}", e.message),
            ));
            Ok((Config::default(), errors))
        }
    }
}

/// `.rampart.yaml` in the directory of `start` or any parent.
fn find_config(start: &Path) -> Option<PathBuf> {
    if start.as_os_str() == "-" {
        return None;
    }
    let abs = std::fs::canonicalize(start).ok()?;
    let mut dir = if abs.is_dir() {
        Some(abs.as_path())
    } else {
        abs.parent()
    };
    while let Some(d) = dir {
        let candidate = d.join(".rampart.yaml");
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

/// The fingerprints of the findings in an earlier JSON report.
fn load_baseline(path: &Path) -> anyhow::Result<HashSet<String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read baseline {}", path.display()))?;
    #[derive(serde::Deserialize)]
    struct Earlier {
        findings: Vec<Finding>,
    }
    let earlier: Earlier = serde_json::from_str(&text).with_context(|| {
        format!(
            "baseline {} is not a rampart JSON report (`rampart scan --format json`)",
            path.display()
        )
    })?;
    Ok(earlier.findings.iter().map(Finding::fingerprint).collect())
}
