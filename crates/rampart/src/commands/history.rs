//! `rampart history list|trend|prune`, `rampart diff`, and `scan --store`'s glue: the work is in
//! `rampart_store`.

use std::path::PathBuf;
use std::process::ExitCode;

use rampart_store::{Location, Prune, Store, TrendBy};

/// `--store`'s value on `rampart scan`: a store URL or a SQLite file; empty for the default
/// store. A path that does not look like a store is refused, so that `--store manifests/`
/// does not take the manifests for the store.
pub fn parse_store_arg(s: &str) -> Result<String, String> {
    let t = s.trim();
    let is_file = [".db", ".sqlite", ".sqlite3"]
        .iter()
        .any(|ext| t.to_ascii_lowercase().ends_with(ext));
    if t.is_empty()
        || t.starts_with("sqlite:")
        || t.starts_with("postgres://")
        || t.starts_with("postgresql://")
        || is_file
    {
        return Ok(t.to_owned());
    }
    Err(format!(
        "`{s}` is not a store (a *.db file, sqlite:PATH or postgres://...); to keep the scan in \
         the default store, write `--store=` or put --store after the paths"
    ))
}

/// Opens the store `--store` names (the default store when empty or absent).
pub fn open(store: Option<&str>) -> anyhow::Result<Store> {
    let location = Location::parse(store.unwrap_or("")).map_err(anyhow::Error::msg)?;
    Ok(Store::open(&location)?)
}

/// The target name of a file scan: the paths, made absolute.
pub fn files_target(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths
        .iter()
        .map(|p| {
            if p.as_os_str() == "-" {
                "stdin".to_owned()
            } else {
                std::path::absolute(p)
                    .unwrap_or_else(|_| p.clone())
                    .display()
                    .to_string()
            }
        })
        .collect();
    format!("files {}", names.join(" "))
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
}

/// The store option of the history commands.
#[derive(clap::Args, Debug)]
pub struct StoreArgs {
    /// The store: a SQLite file, sqlite:PATH or postgres://... [default: $RAMPART_STORE, else
    /// $XDG_STATE_HOME/rampart/history.db, else ~/.local/state/rampart/history.db].
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct HistoryArgs {
    #[command(subcommand)]
    pub command: HistoryCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum HistoryCommand {
    /// The kept scans, newest first, with their counts.
    List {
        #[command(flatten)]
        store: StoreArgs,
        /// Only scans of this target (as `list` shows it).
        #[arg(long)]
        target: Option<String>,
        /// At most this many scans.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Open findings per severity, namespace or check, or framework scores, over the last scans
    /// of one target.
    Trend {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long, value_enum, default_value_t = By::Severity)]
        by: By,
        /// How many scans, newest last.
        #[arg(long, default_value_t = 10)]
        last: usize,
        /// The target [default: the newest scan's].
        #[arg(long)]
        target: Option<String>,
        #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Remove old scans: keep the newest N of each target and/or drop those older than an age.
    #[command(group(clap::ArgGroup::new("rule").required(true).multiple(true).args(["keep", "older_than"])))]
    Prune {
        #[command(flatten)]
        store: StoreArgs,
        /// Keep the newest N scans of each target.
        #[arg(long, value_name = "N")]
        keep: Option<usize>,
        /// Remove scans started longer ago than this (`30d`, `12h`, `2w`).
        #[arg(long, value_name = "AGE", value_parser = parse_age)]
        older_than: Option<u64>,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum By {
    Severity,
    Namespace,
    Check,
    /// Each compliance framework's score (and failing controls) per scan.
    Framework,
}

/// `30d`, `12h`, `2w`, `90m`, `45s` as seconds.
fn parse_age(s: &str) -> Result<u64, String> {
    let bad = || format!("expected an age such as 30d, 12h or 2w, found `{s}`");
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (n, unit) = t.split_at(split);
    let n: u64 = n.parse().map_err(|_| bad())?;
    let unit: u64 = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(bad()),
    };
    n.checked_mul(unit).ok_or_else(bad)
}

/// Arguments of `rampart diff`.
#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// The earlier scan [default: the second newest scan of the target].
    pub from: Option<i64>,
    /// The later scan [default: the newest scan of FROM's target].
    pub to: Option<i64>,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Compare the two newest scans of this target [default: the newest scan's target].
    #[arg(long, conflicts_with = "from")]
    pub target: Option<String>,
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

fn print(format: Format, json: impl serde::Serialize, text: impl FnOnce() -> String) {
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        ),
        Format::Table => print!("{}", text()),
    }
}

pub fn run(args: &HistoryArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        HistoryCommand::List {
            store,
            target,
            limit,
            format,
        } => {
            let store = open(store.store.as_deref())?;
            let scans = store.scans(target.as_deref(), Some(*limit))?;
            print(*format, &scans, || rampart_store::render::scans(&scans));
        }
        HistoryCommand::Trend {
            store,
            by,
            last,
            target,
            format,
        } => {
            let store = open(store.store.as_deref())?;
            let by = match by {
                By::Severity => TrendBy::Severity,
                By::Namespace => TrendBy::Namespace,
                By::Check => TrendBy::Check,
                By::Framework => TrendBy::Framework,
            };
            let trend = store.trend(by, target.as_deref(), *last)?;
            print(*format, &trend, || rampart_store::render::trend(&trend));
        }
        HistoryCommand::Prune {
            store,
            keep,
            older_than,
        } => {
            let store = open(store.store.as_deref())?;
            let older_than = match older_than {
                Some(secs) => {
                    let now = jiff::Timestamp::now();
                    let ms = i64::try_from(*secs).unwrap_or(i64::MAX / 1000) * 1000;
                    Some(
                        jiff::Timestamp::from_millisecond(now.as_millisecond().saturating_sub(ms))
                            .unwrap_or(jiff::Timestamp::MIN),
                    )
                }
                None => None,
            };
            let removed = store.prune(Prune {
                keep: *keep,
                older_than,
            })?;
            println!("removed {} scan(s) from {}", removed.len(), store.name());
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn diff(args: &DiffArgs) -> anyhow::Result<ExitCode> {
    let store = open(args.store.store.as_deref())?;
    let (from, to) = store.pick_pair(args.from, args.to, args.target.as_deref())?;
    let d = store.diff(from, to)?;
    print(args.format, &d, || rampart_store::render::diff(&d));
    Ok(ExitCode::SUCCESS)
}
