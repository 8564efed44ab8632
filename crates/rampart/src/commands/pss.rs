//! `rampart pss`: Pod Security Standards evaluation, exactly as pod-security-admission.
//!
//! Every pod-bearing object (Pod, Deployment, CronJob, ...) is evaluated at one level and policy
//! version with `rampart_pss`; one record per object says whether the pod-security-admission
//! controller would admit its pod, and which checks it fails, with the file line of each offending
//! field.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use rampart_model::{InputError, Resource, Workload};
use rampart_pss::{Level, Version};
use rayon::prelude::*;
use serde::Serialize;

/// Arguments of `rampart pss`.
#[derive(clap::Args, Debug)]
pub struct PssArgs {
    /// Files, directories (searched recursively for *.yaml, *.yml, *.json), or `-` for stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,

    /// Pod Security Standards level: baseline or restricted (privileged allows everything).
    #[arg(long, value_name = "LEVEL")]
    pub level: Level,

    /// Policy version: v1.0 ... v1.37, or latest (v1.37).
    #[arg(long = "pss-version", value_name = "VERSION", default_value = "latest")]
    pub pss_version: Version,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
}

/// The JSON report (`--format json`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    schema_version: u32,
    level: Level,
    version: Version,
    /// The policy version the checks were selected for (`latest` resolved).
    resolved_version: Version,
    results: Vec<ObjectResult>,
    errors: Vec<InputError>,
}

/// The evaluation of one pod-bearing object.
#[derive(Serialize)]
struct ObjectResult {
    file: PathBuf,
    line: Option<u32>,
    kind: String,
    namespace: Option<String>,
    name: String,
    level: Level,
    version: Version,
    allowed: bool,
    violations: Vec<ViolationRecord>,
}

#[derive(Serialize)]
struct ViolationRecord {
    check: &'static str,
    reason: String,
    detail: String,
    pointers: Vec<rampart_model::Pointer>,
    /// Line of the first offending field.
    line: Option<u32>,
}

pub fn run(args: &PssArgs) -> anyhow::Result<ExitCode> {
    let (inputs, mut errors) = rampart_source::discover(&args.paths);
    let per_file: Vec<(Vec<ObjectResult>, Vec<InputError>)> = inputs
        .par_iter()
        .map(|input| {
            let parsed = rampart_source::read_and_parse(input);
            let results = parsed
                .resources
                .iter()
                .filter_map(|res| evaluate_object(args, res))
                .collect();
            (results, parsed.errors)
        })
        .collect();
    let mut results = Vec::new();
    for (r, e) in per_file {
        results.extend(r);
        errors.extend(e);
    }
    let report = Report {
        schema_version: 1,
        level: args.level,
        version: args.pss_version,
        resolved_version: Version::V1(args.pss_version.resolved_minor()),
        results,
        errors,
    };
    let text = match args.format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&report)?;
            s.push('\n');
            s
        }
        Format::Table => table(&report),
    };
    super::output::write(args.output.as_deref(), &text)?;
    let denied = report.results.iter().filter(|r| !r.allowed).count();
    if args.output.is_some() && args.format == Format::Json {
        eprintln!(
            "rampart pss: {} objects, {} not allowed, {} input errors",
            report.results.len(),
            denied,
            report.errors.len()
        );
    }
    let code = if !report.errors.is_empty() {
        2
    } else if denied > 0 {
        1
    } else {
        0
    };
    Ok(ExitCode::from(code))
}

/// Evaluates one object, when it carries a pod template.
fn evaluate_object(args: &PssArgs, res: &Resource) -> Option<ObjectResult> {
    let w = Workload::of(res.kind(), &res.raw)?;
    let violations = rampart_pss::evaluate(args.level, args.pss_version, &w);
    let line = |ptr: &str| res.locate(ptr).map(|p| p.line);
    Some(ObjectResult {
        file: res
            .origin
            .path()
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("-")),
        line: line(""),
        kind: res.id.kind.clone(),
        namespace: res.id.namespace.clone(),
        name: res.id.name.clone(),
        level: args.level,
        version: args.pss_version,
        allowed: violations.is_empty(),
        violations: violations
            .into_iter()
            .map(|v| ViolationRecord {
                line: v.pointers.first().and_then(|p| line(p.as_str())),
                check: v.check,
                reason: v.reason,
                detail: v.detail,
                pointers: v.pointers,
            })
            .collect(),
    })
}

fn file_line(file: &std::path::Path, line: Option<u32>) -> String {
    match line {
        Some(l) => format!("{}:{l}", file.display()),
        None => file.display().to_string(),
    }
}

/// The readable report: one line per object, its violations indented below it.
fn table(report: &Report) -> String {
    let mut out = String::new();
    let version = if report.version == report.resolved_version {
        report.version.to_string()
    } else {
        format!("{} ({})", report.version, report.resolved_version)
    };
    let _ = writeln!(
        out,
        "Pod Security Standards: level {}, version {version}",
        report.level
    );
    let _ = writeln!(out);
    for r in &report.results {
        let name = match &r.namespace {
            Some(ns) => format!("{}/{ns}/{}", r.kind, r.name),
            None => format!("{}/{}", r.kind, r.name),
        };
        let verdict = if r.allowed { "ALLOWED" } else { "DENIED " };
        let _ = writeln!(out, "{verdict}  {name}  {}", file_line(&r.file, r.line));
        for v in &r.violations {
            let _ = writeln!(
                out,
                "    {} ({}): {}  [{}]",
                v.check,
                v.reason,
                v.detail,
                file_line(&r.file, v.line)
            );
        }
    }
    if report.results.is_empty() {
        let _ = writeln!(out, "No pod-bearing objects found.");
    }
    if !report.errors.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Input errors:");
        for e in &report.errors {
            let _ = writeln!(out, "    {e}");
        }
    }
    let denied = report.results.iter().filter(|r| !r.allowed).count();
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{} {}: {} allowed, {} not allowed; {} input {}",
        report.results.len(),
        if report.results.len() == 1 {
            "object"
        } else {
            "objects"
        },
        report.results.len() - denied,
        denied,
        report.errors.len(),
        if report.errors.len() == 1 {
            "error"
        } else {
            "errors"
        },
    );
    out
}
