//! `rampart fix`: rewrites manifests to fix what the checks can fix (see the rampart_fix crate and
//! docs/fix.md). Glue only: discovery, config, atomic writes, the diff and the summary.
//!
//! Exit codes: 0 when every file was fixed (or, with --dry-run, when nothing would change);
//! 1 with --dry-run when some file would change; 2 on an error (a file that does not load, a fix
//! refused because its result did not verify, bad options).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use rampart_checks::{Config, Engine, Selection};
use rampart_fix::Options;
use rampart_model::Resource;

/// Arguments of `rampart fix`.
#[derive(clap::Args, Debug)]
pub struct FixArgs {
    /// Files and directories (searched recursively for *.yaml, *.yml, *.json).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,

    /// Fix only the findings of these checks (ids, categories, `framework:NAME`; comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "TERMS")]
    pub select: Vec<String>,

    /// Do not fix the findings of these checks.
    #[arg(long, value_delimiter = ',', value_name = "TERMS")]
    pub ignore: Vec<String>,

    /// Write nothing; exit 1 when some file would change.
    #[arg(long)]
    pub dry_run: bool,

    /// Print a unified diff of each change to stdout.
    #[arg(long)]
    pub diff: bool,

    /// Also apply fixes that could break a workload (runAsNonRoot, readOnlyRootFilesystem,
    /// dropping capabilities, limits, ...).
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// Image digest lock map (YAML or JSON: reference -> sha256:...) for
    /// image-not-pinned-by-digest [default: the config's fix.image-digests].
    #[arg(long, value_name = "FILE", alias = "image-lock")]
    pub digests: Option<PathBuf>,

    /// Config file [default: .rampart.yaml found upward from the first path].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Ignore any .rampart.yaml.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
}

pub fn run(args: &FixArgs) -> anyhow::Result<ExitCode> {
    let config_path = match (&args.config, args.no_config) {
        (_, true) => None,
        (Some(p), false) => Some(p.clone()),
        (None, false) => args
            .paths
            .first()
            .and_then(|p| rampart_scan::find_config(p)),
    };
    let config = match &config_path {
        Some(p) => read_config(p)?,
        None => Config::default(),
    };
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
    let engine = Engine::new(selection);
    let mut opts = rampart_fix::options_from_config(
        config.fix.as_ref(),
        config_path.as_deref().and_then(Path::parent),
    )
    .map_err(anyhow::Error::msg)?;
    if let Some(d) = &args.digests {
        opts.digests = rampart_fix::read_digests(d).map_err(anyhow::Error::msg)?;
    }
    opts.unsafe_fixes = args.unsafe_fixes;
    opts.waivers = config.waivers();
    opts.today = Some(jiff::ZonedDateTime::now().date());

    let (inputs, load_errors) = rampart_source::discover(&args.paths);
    let mut errors = load_errors.len();
    for e in &load_errors {
        eprintln!("error: {e}");
    }
    let mut totals = Totals::default();
    // Files are fixed in parallel, then reported and written in input order.
    let results: Vec<anyhow::Result<Fixed>> = {
        use rayon::prelude::*;
        inputs
            .par_iter()
            .map(|input| fix_one(input.path(), &engine, &opts))
            .collect()
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // The objects of the inputs as read, for the fixes that look at every file at once.
    let mut originals: Vec<(PathBuf, Vec<Resource>)> = Vec::new();
    for (input, result) in inputs.iter().zip(results) {
        let result = result.and_then(|mut f| {
            let resources = std::mem::take(&mut f.outcome.resources);
            originals.push((input.path().to_path_buf(), resources));
            report(input.path(), f, args, &mut out)
        });
        match result {
            Ok(t) => totals.add(&t),
            Err(e) => {
                eprintln!("error: {e:#}");
                errors += 1;
            }
        }
    }
    match new_files(&originals, &engine, &opts, args, &mut out) {
        Ok(t) => totals.add(&t),
        Err(e) => {
            eprintln!("error: {e:#}");
            errors += 1;
        }
    }
    out.flush().ok();
    let verb = if args.dry_run { "would fix" } else { "fixed" };
    eprintln!(
        "{verb} {} finding(s) in {} file(s); {} unfixable; {} unsafe fix(es) skipped{}; {} \
         fix(es) could not be applied; {} error(s)",
        totals.fixed,
        totals.files,
        totals.unfixable,
        totals.skipped_unsafe,
        if totals.skipped_unsafe > 0 && !args.unsafe_fixes {
            " (use --unsafe-fixes)"
        } else {
            ""
        },
        totals.failed,
        errors
    );
    Ok(if errors > 0 {
        ExitCode::from(2)
    } else if args.dry_run && totals.files > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[derive(Default)]
struct Totals {
    files: usize,
    fixed: usize,
    unfixable: usize,
    skipped_unsafe: usize,
    failed: usize,
}

impl Totals {
    fn add(&mut self, t: &Totals) {
        self.files += t.files;
        self.fixed += t.fixed;
        self.unfixable += t.unfixable;
        self.skipped_unsafe += t.skipped_unsafe;
        self.failed += t.failed;
    }
}

/// One file read and fixed (nothing written yet).
struct Fixed {
    text: std::sync::Arc<str>,
    outcome: rampart_fix::Outcome,
}

fn fix_one(path: &Path, engine: &Engine, opts: &Options) -> anyhow::Result<Fixed> {
    if path.as_os_str() == "-" {
        anyhow::bail!("fix rewrites files; it does not read standard input");
    }
    let input = rampart_source::Input::File(path.to_path_buf());
    let text = rampart_source::read_input(&input)?;
    let outcome = rampart_fix::fix_text(path, &text, engine, opts)?;
    Ok(Fixed { text, outcome })
}

/// Prints the diff and what was fixed, and writes the file (unless --dry-run).
fn report(
    path: &Path,
    fixed: Fixed,
    args: &FixArgs,
    out: &mut impl Write,
) -> anyhow::Result<Totals> {
    let Fixed { text, outcome } = fixed;
    for f in &outcome.failed {
        eprintln!("warning: fix not applied: {f}");
    }
    let changed = outcome.changed(&text);
    if changed {
        if args.diff {
            let name = path.display().to_string();
            let diff = similar::TextDiff::from_lines(&*text, outcome.text.as_str());
            write!(
                out,
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{name}"), &format!("b/{name}"))
            )?;
        }
        if !args.dry_run {
            write_atomic(path, &outcome.text)?;
        }
        for a in &outcome.applied {
            eprintln!(
                "{}{}: {} ({}): {}",
                path.display(),
                a.line.map(|l| format!(":{l}")).unwrap_or_default(),
                a.check,
                a.object,
                a.description
            );
        }
    }
    Ok(Totals {
        files: usize::from(changed),
        fixed: if changed { outcome.applied.len() } else { 0 },
        unfixable: outcome.unfixable,
        skipped_unsafe: outcome.skipped_unsafe,
        failed: outcome.failed.len(),
    })
}

/// The fixes that add files: a default-deny NetworkPolicy file for each namespace that needs
/// one (unsafe), written beside the manifests (never over an existing file).
fn new_files(
    originals: &[(PathBuf, Vec<Resource>)],
    engine: &Engine,
    opts: &Options,
    args: &FixArgs,
    out: &mut impl Write,
) -> anyhow::Result<Totals> {
    let files: Vec<(&Path, &[Resource])> = originals
        .iter()
        .map(|(p, r)| (p.as_path(), r.as_slice()))
        .collect();
    let found = rampart_fix::netpol::default_deny_objects(&files, engine, opts);
    let mut totals = Totals {
        skipped_unsafe: found.skipped_unsafe,
        failed: found.failed.len(),
        ..Totals::default()
    };
    for f in &found.failed {
        eprintln!("warning: fix not applied: {f}");
    }
    for nf in &found.files {
        if nf.path.exists() {
            // The same policies, written by an earlier run but not among the inputs.
            eprintln!(
                "{}: already holds the default-deny policies (give it with the manifests)",
                nf.path.display()
            );
            continue;
        }
        if args.diff {
            let name = nf.path.display().to_string();
            let diff = similar::TextDiff::from_lines("", nf.text.as_str());
            write!(
                out,
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header("/dev/null", &format!("b/{name}"))
            )?;
        }
        if !args.dry_run {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&nf.path)
                .with_context(|| format!("{}: cannot create", nf.path.display()))?;
            file.write_all(nf.text.as_bytes())
                .and_then(|_| file.sync_all())
                .with_context(|| format!("{}: cannot write", nf.path.display()))?;
        }
        for (check, n) in &nf.fixes {
            eprintln!(
                "{}: {check} (Namespace/{}): new file: default-deny NetworkPolicies ({n} finding(s))",
                nf.path.display(),
                nf.namespace.as_deref().unwrap_or("-"),
            );
        }
        totals.files += 1;
        totals.fixed += nf.fixes.values().sum::<usize>();
    }
    Ok(totals)
}

/// Writes beside the file, then renames over it (keeping its permissions), so a crash never
/// leaves a half-written manifest.
fn write_atomic(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.rampart-fix.tmp"));
    let perms = std::fs::metadata(path)
        .with_context(|| format!("{}: cannot read", path.display()))?
        .permissions();
    let mut f =
        std::fs::File::create(&tmp).with_context(|| format!("{}: cannot write", tmp.display()))?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .with_context(|| format!("{}: cannot write", tmp.display()))?;
    drop(f);
    std::fs::set_permissions(&tmp, perms).ok();
    std::fs::rename(&tmp, path).with_context(|| {
        let _ = std::fs::remove_file(&tmp);
        format!("{}: cannot replace", path.display())
    })
}

fn read_config(path: &Path) -> anyhow::Result<Config> {
    let input = rampart_source::Input::File(path.to_path_buf());
    let text = rampart_source::read_input(&input)?;
    let stream = rampart_source::yaml::parse_stream(&text);
    if let Some(e) = stream.errors.first() {
        anyhow::bail!("{}:{}: {}", path.display(), e.pos.line, e.message);
    }
    let Some(doc) = stream.docs.into_iter().next() else {
        return Ok(Config::default());
    };
    Config::from_value(doc.value.clone()).map_err(|e| {
        let pos = doc.positions.locate(&doc.value, &e.pointer);
        anyhow::anyhow!(
            "{}:{}: invalid config: {}",
            path.display(),
            pos.line,
            e.message
        )
    })
}
