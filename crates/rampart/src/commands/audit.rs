//! `rampart audit`: detection over API-server audit events (`rampart_audit` does the work).

use std::path::PathBuf;
use std::process::ExitCode;

use rampart_audit::{report, Engine, Posture, RuleSet};
use rampart_model::Severity;

/// Arguments of `rampart audit`.
#[derive(clap::Args, Debug)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum AuditCommand {
    /// Replay audit logs (JSON lines, EventList documents, gzip, rotated files, `-` for stdin)
    /// through the threat rules.
    Scan(ScanArgs),
    /// List the audit rules in force (built-in and --rules).
    Rules(RulesArgs),
}

#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// Audit log files, directories of them, or `-` for stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,

    /// Directories (or files) of rule and library YAML added to the built-in pack; a rule with a
    /// built-in's id replaces it.
    #[arg(long, value_name = "DIR")]
    pub rules: Vec<PathBuf>,

    /// A posture to correlate with: a rampart JSON scan report, a snapshot, or manifests.
    #[arg(long, value_name = "FILE")]
    pub posture: Option<PathBuf>,

    /// Exit 1 when an alert has at least this severity.
    #[arg(long, value_name = "SEVERITY", default_value_t = Severity::High)]
    pub fail_on: Severity,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write the output to this file instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct RulesArgs {
    /// Rule directories added to the built-in pack.
    #[arg(long, value_name = "DIR")]
    pub rules: Vec<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Jsonl,
}

pub fn run(args: &AuditArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        AuditCommand::Scan(a) => scan(a),
        AuditCommand::Rules(a) => rules(a),
    }
}

pub(crate) fn rule_set(dirs: &[PathBuf]) -> RuleSet {
    let mut set = RuleSet::builtin();
    for d in dirs {
        set.add_path(d);
    }
    set
}

pub(crate) fn posture(path: &std::path::Path) -> anyhow::Result<Posture> {
    // A snapshot first (it is JSON with a schemaVersion, maybe zstd-compressed), then a report
    // or manifests.
    if let Ok(snap) = rampart_cluster::read_snapshot(path) {
        return Ok(Posture::from_resources(
            &snap.resources(),
            &path.display().to_string(),
        ));
    }
    let (p, errors) = Posture::load(path).map_err(anyhow::Error::msg)?;
    for e in errors {
        eprintln!("rampart: warning: posture: {e}");
    }
    Ok(p)
}

fn scan(args: &ScanArgs) -> anyhow::Result<ExitCode> {
    let set = rule_set(&args.rules);
    let mut engine = Engine::new(&set);
    if let Some(p) = &args.posture {
        engine = engine.with_posture(posture(p)?);
    }
    let result = rampart_audit::scan(&args.paths, engine);
    let format = match args.format {
        Format::Table => report::Format::Table,
        Format::Json => report::Format::Json,
        Format::Jsonl => report::Format::Jsonl,
    };
    super::output::with_writer(args.output.as_deref(), |w| {
        report::write(&result, format, args.fail_on, w)
    })?;
    if format == report::Format::Jsonl {
        for e in &result.errors {
            eprintln!("rampart: warning: {e}");
        }
    }
    let failing = result.alerts.iter().any(|a| a.severity >= args.fail_on);
    Ok(ExitCode::from(u8::from(failing)))
}

fn rules(args: &RulesArgs) -> anyhow::Result<ExitCode> {
    let set = rule_set(&args.rules);
    let engine = Engine::new(&set);
    let mut text = String::new();
    for r in engine.rules() {
        text.push_str(&format!(
            "{:<40} {:<9} {:<14} {}\n",
            r.id,
            r.severity.to_string(),
            r.mitre.join(","),
            r.title
        ));
    }
    for e in &engine.errors {
        text.push_str(&format!("error: {e}\n"));
    }
    super::output::write(None, &text)?;
    Ok(ExitCode::from(u8::from(!engine.errors.is_empty()) * 2))
}
