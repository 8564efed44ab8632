//! `rampart pss`: Pod Security Standards evaluation, exactly as pod-security-admission.
//!
//! Every pod-bearing object (Pod, Deployment, CronJob, ...) is evaluated at one level and policy
//! version with `rampart_pss`; one record per object says whether the pod-security-admission
//! controller would admit its pod, and which checks it fails, with the file line of each offending
//! field. The report and its renderings are `rampart_report::pss`.

use std::path::PathBuf;
use std::process::ExitCode;

use rampart_model::{InputError, Resource, Workload};
use rampart_pss::{Level, Version};
use rampart_report::pss::{self as render, ObjectResult, Report};
use rayon::prelude::*;

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
    let report = Report::new(args.level, args.pss_version, results, errors);
    let text = match args.format {
        Format::Json => render::json(&report)?,
        Format::Table => render::table(&report),
    };
    super::output::write(args.output.as_deref(), &text)?;
    if args.output.is_some() && args.format == Format::Json {
        eprintln!("rampart pss: {}", render::counts(&report));
    }
    let code = if !report.errors.is_empty() {
        2
    } else if report.denied() > 0 {
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
    Some(ObjectResult::new(
        res,
        args.level,
        args.pss_version,
        violations,
    ))
}
