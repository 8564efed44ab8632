//! `rampart scan`: load manifests, run the checks, report.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use rampart_checks::config::{apply_waivers, Config};
use rampart_checks::inventory::Kept;
use rampart_checks::{Engine, Inventory, Selection};
use rampart_model::{Finding, InputError, Meta, Resource, Severity};
use rampart_report::{json, Report, Scanned, Summary, Tool};
use rampart_source::{Input, Lines};
use rayon::prelude::*;

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
    /// What inventory checks need of this file's objects (empty when none is selected).
    inventory: Inventory,
}

pub fn run(args: &ScanArgs) -> anyhow::Result<ExitCode> {
    let (config, config_errors) = load_config(args)?;
    let mut selection = Selection::from_config(&config).map_err(anyhow::Error::msg)?;
    if !args.select.is_empty() {
        // `--select` replaces the config's `select`; the config's `ignore` still applies.
        selection.checks = Selection::matching(&args.select).map_err(anyhow::Error::msg)?;
        if !config.checks.ignore.is_empty() {
            let ignored = Selection::matching(&config.checks.ignore).map_err(anyhow::Error::msg)?;
            selection
                .checks
                .retain(|c| !ignored.iter().any(|i| i.meta.id == c.meta.id));
        }
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
    let keep_inventory = engine.needs_inventory();
    let live = if args.cluster.requested() {
        let loaded = super::cluster::load(&args.cluster)?;
        super::cluster::warn_partial(&loaded.coverage);
        Some(loaded)
    } else {
        None
    };
    if args.paths.is_empty() && live.is_none() {
        anyhow::bail!("nothing to scan: give manifests (PATH..., or - for stdin), --cluster, or --snapshot FILE");
    }
    let snippets = args.format == Format::Table;
    let (inputs, mut errors) = rampart_source::discover(&args.paths);
    errors.extend(config_errors);
    let rules: Vec<&'static Meta> = engine.selection.checks.iter().map(|c| &c.meta).collect();
    let mut source = None;
    let mut coverage = None;
    let mut interrupted = false;
    if let Some(loaded) = &live {
        interrupted = loaded.coverage.interrupted();
        source = Some(serde_json::json!({
            "type": if args.cluster.snapshot.is_some() { "snapshot" } else { "cluster" },
            "context": loaded.context,
            "server": loaded.server,
            "serverVersion": loaded.server_version,
            "takenAt": loaded.taken_at,
            "anonymous": loaded.anonymous,
        }));
        coverage = Some(serde_json::to_value(&loaded.coverage)?);
    }
    let format = match args.format {
        Format::Table => rampart_report::Format::Table,
        Format::Json => rampart_report::Format::Json,
        Format::Sarif => rampart_report::Format::Sarif,
        Format::Junit => rampart_report::Format::Junit,
    };
    let mut summary = Summary::new(fail_on);
    let mut error_count = 0;
    super::output::with_writer(args.output.as_deref(), |w| {
        // JSON is written as the findings come; the other formats need them all first.
        let sink = match format {
            rampart_report::Format::Json => Sink::Json(json::Stream::begin(w, &Tool::RAMPART)?),
            _ => Sink::Collect(Vec::new()),
        };
        let mut gather = Gather {
            waivers: config.waivers(),
            today: jiff::ZonedDateTime::now().date(),
            baseline: baseline.as_ref(),
            summary: Summary::new(fail_on),
            sink,
            write_error: None,
        };
        let mut inventory = Inventory::default();
        let mut objects = 0;
        if let Some(loaded) = &live {
            let mut o = scan_objects(&engine, &loaded.resources, keep_inventory);
            // The cluster's own facts (version, anonymous probe) for the cluster-level checks;
            // not a cluster object, so not counted as one.
            o.findings.extend(engine.run(&loaded.cluster_info()));
            o.findings.par_sort_by(rampart_report::finding_order);
            objects += o.objects;
            errors.extend(o.errors);
            inventory.extend(o.inventory);
            gather.take(o.findings);
        }
        scan_files(&engine, &inputs, snippets, keep_inventory, |o| {
            objects += o.objects;
            errors.extend(o.errors);
            inventory.extend(o.inventory);
            gather.take(o.findings);
        });
        let mut from_inventory = inventory_findings(&engine, &inventory, snippets);
        from_inventory.par_sort_by(rampart_report::finding_order);
        // The inventory and its analyses are done with. Freeing millions of small allocations
        // takes a while: do it on the side while the report is finished.
        std::thread::spawn(move || drop(inventory));
        let scanned = Scanned {
            files: inputs.len(),
            objects,
            checks: rules.len(),
        };
        rampart_report::sort_errors(&mut errors);
        error_count = errors.len();
        match gather.finish(from_inventory) {
            Finished::Streamed(stream, counted, write_error) => {
                summary = counted;
                if let Some(e) = write_error {
                    return Err(e);
                }
                stream.finish(&json::Tail {
                    errors: &errors,
                    scanned: &scanned,
                    summary: &summary,
                    source: source.as_ref(),
                    coverage: coverage.as_ref(),
                })
            }
            Finished::Collected(findings, baselined) => {
                let mut report = Report::new(
                    findings,
                    std::mem::take(&mut errors),
                    scanned,
                    rules.clone(),
                    fail_on,
                    baselined,
                );
                report.source = source.take();
                report.coverage = coverage.take();
                let written = rampart_report::write(&report, format, w);
                summary = report.summary;
                written
            }
        }
    })?;
    if args.output.is_some() && args.format != Format::Table {
        // Keep a human line on stderr when the report goes to a file.
        eprintln!(
            "rampart: {} findings ({} at or above {}), {} input errors",
            summary.open,
            summary.at_or_above_threshold(),
            fail_on,
            error_count
        );
    }
    if interrupted {
        eprintln!(
            "rampart: error: the API server stopped answering during the read: the results are partial"
        );
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::from(if error_count > 0 {
        2
    } else if summary.failed {
        1
    } else {
        0
    }))
}

/// Where findings go as they are gathered.
enum Sink<'w> {
    /// Kept, one list per file, for a report built at the end.
    Collect(Vec<Vec<Finding>>),
    /// Written at once.
    Json(json::Stream<'w>),
}

enum Finished<'w> {
    /// The stream, the counts, and the first write error (after which nothing more was written
    /// but everything was still counted, so the exit code stays right, e.g. under `| head`).
    Streamed(json::Stream<'w>, Summary, Option<std::io::Error>),
    Collected(Vec<Finding>, usize),
}

/// Applies waivers and the baseline to findings as they come, counts them, and hands them on.
struct Gather<'a, 'w> {
    waivers: Vec<rampart_checks::config::CompiledWaiver>,
    today: jiff::civil::Date,
    baseline: Option<&'a HashSet<String>>,
    summary: Summary,
    sink: Sink<'w>,
    write_error: Option<std::io::Error>,
}

impl<'w> Gather<'_, 'w> {
    /// Waivers, baseline and counts.
    fn prepare(&mut self, findings: &mut Vec<Finding>) {
        apply_waivers(findings, &self.waivers, self.today);
        if let Some(known) = self.baseline {
            let before = findings.len();
            findings.retain(|f| !known.contains(&f.fingerprint()));
            self.summary.baselined += before - findings.len();
        }
        for f in findings.iter() {
            self.summary.count(f);
        }
    }

    fn take(&mut self, mut findings: Vec<Finding>) {
        self.prepare(&mut findings);
        match &mut self.sink {
            Sink::Collect(parts) => parts.push(findings),
            Sink::Json(stream) => {
                if self.write_error.is_none() {
                    self.write_error = stream.findings(&findings).err();
                }
            }
        }
    }

    /// Takes the inventory findings (sorted) last. A stream writes them after the file
    /// findings; collected findings are merged into file order instead.
    fn finish(mut self, mut from_inventory: Vec<Finding>) -> Finished<'w> {
        self.prepare(&mut from_inventory);
        match self.sink {
            Sink::Json(mut stream) => {
                if self.write_error.is_none() {
                    self.write_error = stream.findings(&from_inventory).err();
                }
                Finished::Streamed(stream, self.summary, self.write_error)
            }
            Sink::Collect(parts) => {
                let mut findings = Vec::with_capacity(
                    parts.iter().map(Vec::len).sum::<usize>() + from_inventory.len(),
                );
                merge_sorted(parts.into_iter().flatten(), from_inventory, &mut findings);
                Finished::Collected(findings, self.summary.baselined)
            }
        }
    }
}

/// Scans files in batches on a helper thread (each batch in parallel) and hands each file's
/// outcome to `each`, in input order, as batches complete: findings can be written while later
/// files are still being read.
fn scan_files(
    engine: &Engine,
    inputs: &[Input],
    snippets: bool,
    keep_inventory: bool,
    mut each: impl FnMut(FileOutcome),
) {
    const BATCH: usize = 32;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<FileOutcome>>(1);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            for batch in inputs.chunks(BATCH) {
                let outcomes: Vec<FileOutcome> = batch
                    .par_iter()
                    .map(|input| scan_input(engine, input, snippets, keep_inventory))
                    .collect();
                if tx.send(outcomes).is_err() {
                    break;
                }
            }
        });
        for outcomes in rx {
            outcomes.into_iter().for_each(&mut each);
        }
    });
}

/// Appends to `out` the findings of `files` (already in report order: each file sorted, files in
/// path order) merged with `more` (sorted too), so that the report need not sort them all again.
fn merge_sorted(files: impl Iterator<Item = Finding>, more: Vec<Finding>, out: &mut Vec<Finding>) {
    let mut more = more.into_iter().peekable();
    for f in files {
        while let Some(m) = more.next_if(|m| rampart_report::finding_order(m, &f).is_lt()) {
            out.push(m);
        }
        out.push(f);
    }
    out.extend(more);
}

/// Checks objects read from a cluster or a snapshot (no file positions: findings name the object
/// and the field pointer).
fn scan_objects(engine: &Engine, resources: &[Resource], keep_inventory: bool) -> FileOutcome {
    let parts: Vec<(Vec<Finding>, Option<Kept>)> = resources
        .par_iter()
        .map(|res| {
            let (f, _type_errors) = engine.run_checked(res);
            let kept = if keep_inventory {
                rampart_checks::inventory::for_inventory(res)
            } else {
                None
            };
            (f, kept)
        })
        .collect();
    let mut out = FileOutcome {
        objects: resources.len(),
        ..FileOutcome::default()
    };
    for (f, kept) in parts {
        out.findings.extend(f);
        if let Some(k) = kept {
            out.inventory.objects.push(k);
        }
    }
    out
}

/// Reads, parses and checks one file.
fn scan_input(engine: &Engine, input: &Input, snippets: bool, keep_inventory: bool) -> FileOutcome {
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
    let path: std::sync::Arc<Path> = Arc::from(input.path());
    for res in &parsed.resources {
        let (mut f, type_errors) = engine.run_checked(res);
        for e in type_errors {
            let pos = res.locate(e.pointer.as_str()).unwrap_or_default();
            out.errors
                .push(InputError::at(input.path(), pos, e.message));
        }
        rampart_source::locate_findings(res, &mut f, lines.as_ref(), &path);
        out.findings.extend(f);
        if keep_inventory {
            out.inventory.keep(res);
        }
    }
    out.findings.sort_by(rampart_report::finding_order);
    // Kept until every file is scanned: no spare capacity.
    out.findings.shrink_to_fit();
    out
}

/// Runs the inventory checks and locates their findings. Source lines for the table are read
/// again from the files concerned (few: inventory findings are about RBAC, policies, namespaces).
fn inventory_findings(engine: &Engine, inventory: &Inventory, snippets: bool) -> Vec<Finding> {
    let found = engine.run_inventory(inventory);
    let mut texts: HashMap<PathBuf, Option<Arc<str>>> = HashMap::new();
    let mut paths: HashMap<PathBuf, Arc<Path>> = HashMap::new();
    let mut out = Vec::with_capacity(found.len());
    for (idx, mut f) in found {
        let res = &inventory.objects[idx];
        if let Some(p) = res.origin().path() {
            let path = paths
                .entry(p.to_path_buf())
                .or_insert_with(|| Arc::from(p))
                .clone();
            let text = if snippets {
                texts
                    .entry(p.to_path_buf())
                    .or_insert_with(|| {
                        rampart_source::read_input(&Input::File(p.to_path_buf())).ok()
                    })
                    .clone()
            } else {
                None
            };
            let lines = text.as_deref().map(Lines::new);
            rampart_source::locate_findings_with(
                |ptr| res.locate(ptr),
                std::slice::from_mut(&mut f),
                lines.as_ref(),
                &path,
            );
        }
        out.push(f);
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
