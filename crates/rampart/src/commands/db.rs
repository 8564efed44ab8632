//! `rampart db`: the local vulnerability database built from OSV records (`rampart_vuln` does
//! the work).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use rampart_vuln::{Db, Query};

/// Arguments of `rampart db`.
#[derive(clap::Args, Debug)]
pub struct DbArgs {
    #[command(subcommand)]
    pub command: DbCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum DbCommand {
    /// Build the local index from OSV records: directories of JSON files, JSON files, or the
    /// per-ecosystem `all.zip` exports. Replaces any index in --db.
    Import(ImportArgs),
    /// Look one package version up in the index.
    Query(QueryArgs),
}

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// OSV directories, JSON files or all.zip exports.
    #[arg(required = true, value_name = "OSV_DIR_OR_ZIP")]
    pub inputs: Vec<PathBuf>,
    /// The database directory to write.
    #[arg(long, value_name = "DIR")]
    pub db: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct QueryArgs {
    /// The database directory (built by `rampart db import`).
    #[arg(long, value_name = "DIR")]
    pub db: PathBuf,
    /// OSV ecosystem, with or without release: `Debian:12`, `Alpine:v3.20`, `npm`, `PyPI`, `Go`.
    #[arg(long)]
    pub ecosystem: String,
    /// Package name.
    #[arg(long)]
    pub name: String,
    /// Installed version.
    #[arg(long)]
    pub version: String,
    /// Source package (Debian, Ubuntu) or origin (Alpine): advisories name these.
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,
    /// The source package's version (default: --version).
    #[arg(long, value_name = "VERSION", requires = "source")]
    pub source_version: Option<String>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
}

pub fn run(args: &DbArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        DbCommand::Import(a) => import(a),
        DbCommand::Query(a) => query(a),
    }
}

fn import(a: &ImportArgs) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let (loaded, stats) = rampart_vuln::import(&a.inputs, &a.db)?;
    for e in &loaded.errors {
        eprintln!("warning: {e}");
    }
    println!(
        "imported {} records into {} in {:.2}s ({} withdrawn skipped, {} rejected)",
        loaded.records.len(),
        a.db.display(),
        start.elapsed().as_secs_f64(),
        loaded.withdrawn,
        loaded.errors.len()
    );
    for s in stats {
        println!(
            "  {:<20} {:>8} records {:>8} packages",
            s.ecosystem, s.records, s.packages
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn query(a: &QueryArgs) -> anyhow::Result<ExitCode> {
    let db = Db::open(&a.db)?;
    let q = Query {
        ecosystem: a.ecosystem.clone(),
        name: a.name.clone(),
        version: a.version.clone(),
        source: a.source.clone().map(|s| {
            let v = a
                .source_version
                .clone()
                .unwrap_or_else(|| a.version.clone());
            (s, v)
        }),
    };
    let vulns = db.query(&q);
    match a.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&vulns)?),
        Format::Table => {
            if vulns.is_empty() {
                println!(
                    "no known vulnerabilities for {} {} ({})",
                    q.name, q.version, q.ecosystem
                );
            }
            for v in &vulns {
                let score = v.score.map_or("-".to_string(), |s| format!("{s:.1}"));
                let fixed = if v.fixed.is_empty() {
                    "not fixed".into()
                } else {
                    v.fixed.join(", ")
                };
                println!(
                    "{}  {} {}  fixed in: {}",
                    v.id,
                    v.level.as_str(),
                    score,
                    fixed
                );
                if !v.aliases.is_empty() {
                    println!("    aliases: {}", v.aliases.join(", "));
                }
                if v.via_source {
                    println!("    via source package {} {}", v.package, v.version);
                }
                if !v.summary.is_empty() {
                    println!("    {}", v.summary);
                }
                for r in &v.ranges {
                    println!("    affected: {r}");
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
