//! The pipeline: sources -> parse -> validate -> checks -> suppression, waivers, baseline -> sink.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rampart_checks::config::{apply_waivers, CompiledWaiver};
use rampart_checks::{Config, Engine, Inventory, InventoryFindings, Registry, Selection};
use rampart_cluster::Coverage;
use rampart_model::{Finding, Fingerprint, InputError, Meta, Resource, Severity};
use rampart_report::{Scanned, Summary};
use rampart_source::{Input, Lines};
use rayon::prelude::*;

use crate::cluster::{self, Loaded};
use crate::sink::{End, Sink};
use crate::{baseline, config, ScanError, ScanOptions};

/// A prepared scan: config read, checks selected, baseline loaded.
pub struct Scanner {
    options: ScanOptions,
    engine: Engine,
    fail_on: Severity,
    waivers: Vec<CompiledWaiver>,
    baseline: Option<HashSet<Fingerprint>>,
    /// Problems in the config file, reported with the scan's input errors.
    config_errors: Vec<InputError>,
    /// The process ends after the scan (see [`Scanner::exiting`]).
    exiting: bool,
}

/// What a scan will read: the cluster (already read) and the files (found, not yet read).
pub struct Sources {
    pub cluster: Option<Loaded>,
    pub inputs: Vec<Input>,
    /// Paths that could not be found or listed.
    pub errors: Vec<InputError>,
    /// Helm charts and Kustomize overlays found among the paths, rendered.
    pub rendered: Vec<rampart_render::Rendered>,
}

/// Results found outside the pipeline, by a source the pipeline does not read itself (the
/// images the workloads run: `rampart scan --images`). Their checks must be among the scan's
/// ([`ScanOptions::checks`]) to be selected; their findings go through the same selection,
/// severity overrides, waivers, baseline, counts and sink as every other result.
#[derive(Debug, Default)]
pub struct Extra {
    pub findings: Vec<Finding>,
    /// Inputs of that source that could not be read (exit code 2, as any input error).
    pub errors: Vec<InputError>,
    /// Inputs read, counted with the files.
    pub files: usize,
}

/// How a scan ended.
#[derive(Debug)]
pub struct Outcome {
    pub summary: Summary,
    pub scanned: Scanned,
    /// Input errors (the exit code is 2 when there are any).
    pub errors: usize,
    /// The cluster read was cut short (the server went away): the results are partial.
    pub interrupted: bool,
    /// The first error writing to the sink; everything was still counted.
    pub write_error: Option<std::io::Error>,
}

impl Outcome {
    /// 2 on input errors or an interrupted read, 1 when a result reached the threshold, else 0.
    pub fn exit_code(&self) -> u8 {
        if self.errors > 0 || self.interrupted {
            2
        } else if self.summary.failed {
            1
        } else {
            0
        }
    }
}

/// What one file (or the cluster) gave.
impl std::fmt::Debug for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Part")
            .field("findings", &self.findings.len())
            .field("errors", &self.errors.len())
            .field("objects", &self.objects)
            .field("inventory", &self.inventory.objects.len())
            .finish()
    }
}

#[derive(Default)]
pub(crate) struct Part {
    findings: Vec<Finding>,
    errors: Vec<InputError>,
    objects: usize,
    /// What inventory checks need of these objects (empty when none is selected).
    inventory: Inventory,
}

impl Scanner {
    /// Reads the config, selects the checks and loads the baseline.
    pub fn new(mut options: ScanOptions) -> Result<Self, ScanError> {
        let mut registry = Registry::builtin();
        let mut policy_errors = Vec::new();
        if !options.policies.is_empty() {
            let loaded = rampart_policy::load(&options.policies);
            policy_errors = loaded.errors;
            for check in loaded.policies.checks() {
                registry.add(check).map_err(ScanError::Selection)?;
            }
        }
        for check in &options.checks {
            registry.add(check.clone()).map_err(ScanError::Selection)?;
        }
        let (config, mut config_errors) = config::load(&options.config, &options.paths, &registry)?;
        config_errors.extend(policy_errors);
        if let Some(minor) = options.kubernetes_version.or(config.kubernetes_version) {
            registry.set_kubernetes_version(minor);
            // Charts are rendered for the release judged.
            options.render.kube_version.get_or_insert(minor);
        }
        if !config.images.allowed_registries.is_empty() {
            registry.set_allowed_registries(&config.images.allowed_registries);
        }
        let selection = select(&registry, &config, &options.select, &options.ignore)?;
        let fail_on = options.fail_on.or(config.fail_on).unwrap_or(Severity::High);
        let baseline = options
            .baseline
            .as_deref()
            .map(baseline::load)
            .transpose()?;
        Ok(Scanner {
            engine: Engine::new(selection),
            fail_on,
            waivers: config.waivers(),
            baseline,
            config_errors,
            options,
            exiting: false,
        })
    }

    /// Says that the process ends once the scan is written (a command line run, not a server):
    /// the inventory of every object is then left for the system to take back at exit rather
    /// than freed piece by piece, which took a core for a few tenths of a second of a 100k-object
    /// scan while the last results were being written.
    pub fn exiting(mut self) -> Self {
        self.exiting = true;
        self
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Problems in the config file and the policies (a scan reports them with its input errors;
    /// a server refuses to start on them).
    pub fn config_errors(&self) -> &[InputError] {
        &self.config_errors
    }

    pub fn fail_on(&self) -> Severity {
        self.fail_on
    }

    /// The metadata of every selected check.
    pub fn rules(&self) -> Vec<Meta> {
        self.engine
            .selection
            .checks
            .iter()
            .map(|c| c.meta.clone())
            .collect()
    }

    /// The results of selected checks among `findings`, at the config's severity for their
    /// check.
    fn select_extra(&self, findings: Vec<Finding>) -> Vec<Finding> {
        let checks = &self.engine.selection.checks;
        findings
            .into_iter()
            .filter(|f| checks.iter().any(|c| c.meta.id == f.check))
            .map(|mut f| {
                if let Some(s) = self.engine.selection.severity.get(&*f.check) {
                    f.severity = *s;
                }
                f
            })
            .collect()
    }

    /// Reads the cluster (or snapshot) and finds the files. Nothing is written yet, so a cluster
    /// that cannot be read leaves no half-written report.
    ///
    /// A live cluster's objects are checked page by page as the read brings them, and only
    /// their results and what the inventory checks need are kept: memory follows the results,
    /// not the size of the cluster's objects.
    pub fn sources(&self) -> Result<Sources, ScanError> {
        let cluster = match &self.options.cluster {
            Some(cluster::ClusterSource::Live(read)) => Some(self.read_and_check(read)?),
            Some(other) => Some(cluster::load(other)?),
            None => None,
        };
        if self.options.paths.is_empty() && cluster.is_none() {
            return Err(ScanError::NothingToScan);
        }
        let (mut inputs, mut errors) = rampart_source::discover(&self.options.paths);
        // Charts and overlays are rendered; their files are not read as manifests (unless
        // named on their own).
        let plan = rampart_render::plan(&self.options.paths);
        if !plan.targets.is_empty() {
            inputs.retain(|i| {
                !plan.skips(i.path()) || self.options.paths.iter().any(|p| p == i.path())
            });
        }
        let results: Vec<_> = plan
            .targets
            .par_iter()
            .map(|t| rampart_render::render(t, &self.options.render))
            .collect();
        let mut rendered = Vec::new();
        for r in results {
            match r {
                Ok(r) => rendered.push(r),
                Err(e) => errors.push(InputError::file(e.dir(), e.to_string())),
            }
        }
        Ok(Sources {
            cluster,
            inputs,
            errors,
            rendered,
        })
    }

    /// Reads a live cluster, checking each page of objects as it arrives (see [`Scanner::sources`]).
    fn read_and_check(&self, read: &rampart_cluster::ReadOptions) -> Result<Loaded, ScanError> {
        let keep = Keep::of(&self.engine);
        let mut checked = Part::default();
        let mut loaded = cluster::load_pages(read, |page| {
            let part = scan_objects(&self.engine, &page, keep);
            // The objects go now; only their results and inventory digests stay.
            drop(page);
            checked.objects += part.objects;
            checked.findings.extend(part.findings);
            checked.inventory.objects.extend(part.inventory.objects);
        })?;
        // Pages come in no particular order: the inventory is put in the order a whole read
        // gives (apiVersion, kind, namespace, name), so that what depends on it is stable.
        fn key(k: &rampart_checks::inventory::Kept) -> (&str, &str, &str, &str) {
            let id = k.id();
            let ns = id.namespace.as_deref().unwrap_or_default();
            (&id.api_version, &id.kind, ns, &id.name)
        }
        checked
            .inventory
            .objects
            .sort_by(|a, b| key(a).cmp(&key(b)));
        loaded.checked = cluster::Checked(Some(checked));
        Ok(loaded)
    }

    /// Judges one object (an admission request, a watched object): every selected object
    /// check, its ignore annotation and the config's waivers. No baseline, no location.
    pub fn check_object(&self, res: &Resource) -> Vec<Finding> {
        let mut findings = self.engine.run(res);
        apply_waivers(&mut findings, &self.waivers, today());
        findings
    }

    /// Runs the inventory checks (RBAC, NetworkPolicy, checks across objects) over `resources`
    /// (objects read from a cluster: no file locations), with the config's waivers. Empty when no
    /// inventory check is selected. A watcher calls it after a change, debounced.
    pub fn check_inventory(&self, resources: &[Resource]) -> Vec<Finding> {
        let keep = Keep::of(&self.engine);
        if keep == Keep::Nothing {
            return Vec::new();
        }
        let mut inventory = Inventory::default();
        for res in resources {
            let kept = match keep {
                Keep::Nothing => None,
                Keep::Digests => rampart_checks::inventory::for_inventory(res),
                Keep::Whole => Some(rampart_checks::inventory::whole_for_inventory(res)),
            };
            if let Some(k) = kept {
                inventory.objects.push(k);
            }
        }
        let mut findings = inventory_findings(
            &self.engine,
            &mut inventory,
            false,
            &[],
            &mut Timings::off(),
        );
        apply_waivers(&mut findings, &self.waivers, today());
        findings
    }

    /// Runs the selected inventory checks that `only` keeps over `objects` (what the inventory
    /// keeps of a cluster's objects, [`rampart_checks::inventory::for_inventory`]; checks that
    /// read every object whole are left out) and returns the findings about `objects[subject]`
    /// alone, with the config's waivers: an admission webhook judging one incoming object
    /// together with its cache of the others.
    pub fn check_inventory_about(
        &self,
        objects: Vec<rampart_checks::inventory::Kept>,
        subject: usize,
        only: impl Fn(&rampart_checks::Check) -> bool,
    ) -> Vec<Finding> {
        let checks: Vec<rampart_checks::CheckRef> = self
            .engine
            .selection
            .checks
            .iter()
            .filter(|c| c.run.is_inventory() && !c.run.keeps_whole_objects() && only(c))
            .cloned()
            .collect();
        if checks.is_empty() || subject >= objects.len() {
            return Vec::new();
        }
        let engine = Engine::new(Selection {
            checks,
            severity: self.engine.selection.severity.clone(),
        });
        let mut inventory = Inventory::default();
        inventory.objects = objects;
        let found = engine.run_inventory(&inventory);
        let mut findings: Vec<Finding> = found
            .findings
            .into_iter()
            .zip(found.places)
            .filter(|(_, p)| p.object == subject)
            .map(|(f, _)| f)
            .collect();
        apply_waivers(&mut findings, &self.waivers, today());
        findings
    }

    /// Scans the sources into the sink.
    pub fn run(&self, sources: Sources, sink: &mut dyn Sink) -> Outcome {
        self.run_with(sources, Extra::default(), sink)
    }

    /// Like [`Scanner::run`], with results found outside the pipeline (see [`Extra`]) judged
    /// like the others: only those of selected checks are kept, at the config's severity, then
    /// waivers, the baseline and the counts apply, and they reach the sink with the
    /// cross-object results.
    pub fn run_with(&self, sources: Sources, extra: Extra, sink: &mut dyn Sink) -> Outcome {
        let Sources {
            mut cluster,
            inputs,
            errors: mut input_errors,
            rendered,
        } = sources;
        input_errors.extend(self.config_errors.iter().cloned());
        let mut timings = Timings::from_env();
        let keep_inventory = Keep::of(&self.engine);
        let mut gather = Gather {
            waivers: &self.waivers,
            today: today(),
            baseline: self.baseline.as_ref(),
            summary: Summary::new(self.fail_on),
            sink,
            write_error: None,
        };
        let mut inventory = Inventory::default();
        let mut objects = 0;
        let mut take = |part: Part, gather: &mut Gather| {
            objects += part.objects;
            input_errors.extend(part.errors);
            inventory.extend(part.inventory);
            gather.take(part.findings);
        };
        if let Some(loaded) = &mut cluster {
            let mut part = match loaded.checked.0.take() {
                Some(part) => part,
                None => scan_objects(&self.engine, &loaded.resources, keep_inventory),
            };
            // The cluster's own facts (version, anonymous probe) for the cluster-level checks;
            // not a cluster object, so not counted as one.
            part.findings
                .extend(self.engine.run(&loaded.cluster_info()));
            part.findings
                .par_sort_unstable_by(rampart_report::finding_order);
            take(part, &mut gather);
        }
        scan_files(
            &self.engine,
            &inputs,
            self.options.snippets,
            keep_inventory,
            |part| take(part, &mut gather),
        );
        for r in &rendered {
            take(
                scan_rendered(&self.engine, r, self.options.snippets, keep_inventory),
                &mut gather,
            );
        }
        timings.phase("files");
        // Every object is in: the identities noted to find duplicates are not needed.
        inventory.done_reading();
        if gather.sink.wants_views() && gather.write_error.is_none() {
            // From the analyses the inventory checks share (built once, here or by them).
            let views = rampart_report::views::build(
                &inventory.objects,
                || inventory.rbac(),
                || inventory.netpol(),
            );
            gather.write_error = gather.sink.views(&views).err();
        }
        let mut cross = inventory_findings(
            &self.engine,
            &mut inventory,
            self.options.snippets,
            &rendered,
            &mut timings,
        );
        cross.extend(self.select_extra(extra.findings));
        input_errors.extend(extra.errors);
        // Unstable: no scratch buffer of half the results (the order is total).
        cross.par_sort_unstable_by(rampart_report::finding_order);
        timings.phase("inventory sort");
        // The inventory and its analyses are done with. Freeing millions of small allocations
        // takes a while: do it on the side while the report is finished, or not at all when the
        // process ends next.
        if self.exiting {
            std::mem::forget(inventory);
        } else {
            std::thread::spawn(move || drop(inventory));
        }
        gather.take_cross(cross);
        timings.phase("inventory written");

        let scanned = Scanned {
            files: inputs.len() + rendered.len() + extra.files,
            objects,
            checks: self.engine.selection.checks.len(),
        };
        rampart_report::sort_errors(&mut input_errors);
        let (source, coverage) = match &cluster {
            Some(l) => (
                Some(l.source_json()),
                serde_json::to_value(&l.coverage).ok(),
            ),
            None => (None, None),
        };
        let rules = self.rules();
        let Gather {
            summary,
            sink,
            mut write_error,
            ..
        } = gather;
        let finished = sink.finish(&End {
            errors: &input_errors,
            scanned: &scanned,
            summary: &summary,
            source: source.as_ref(),
            coverage: coverage.as_ref(),
            rules: &rules,
        });
        if write_error.is_none() {
            write_error = finished.err();
        }
        timings.phase("finished");
        Outcome {
            summary,
            scanned,
            errors: input_errors.len(),
            interrupted: cluster
                .as_ref()
                .is_some_and(|l| Coverage::interrupted(&l.coverage)),
            write_error,
        }
    }
}

/// Phase timings on standard error when `RAMPART_TIMINGS` is set (for profiling: which phase of
/// a scan the time goes to).
struct Timings {
    start: Option<std::time::Instant>,
    last: std::time::Duration,
}

impl Timings {
    fn from_env() -> Timings {
        Timings {
            start: std::env::var_os("RAMPART_TIMINGS").map(|_| std::time::Instant::now()),
            last: std::time::Duration::ZERO,
        }
    }

    fn off() -> Timings {
        Timings {
            start: None,
            last: std::time::Duration::ZERO,
        }
    }

    /// Notes the end of `phase`.
    fn phase(&mut self, phase: &str) {
        if let Some(start) = self.start {
            let now = start.elapsed();
            eprintln!(
                "rampart: timing {phase:<22} {:>8.3} s (at {:.3} s)",
                (now - self.last).as_secs_f64(),
                now.as_secs_f64()
            );
            self.last = now;
        }
    }
}

fn today() -> jiff::civil::Date {
    jiff::ZonedDateTime::now().date()
}

/// The selected checks: the config's `select` (or `select` given in the options, which replaces
/// it), minus the config's and the options' `ignore`; severities from the config.
fn select(
    registry: &Registry,
    config: &Config,
    select: &[String],
    ignore: &[String],
) -> Result<Selection, ScanError> {
    let mut selection =
        Selection::from_config_in(registry, config).map_err(ScanError::Selection)?;
    let drop = |terms: &[String], selection: &mut Selection| -> Result<(), ScanError> {
        if !terms.is_empty() {
            let ignored = Selection::matching_in(registry, terms).map_err(ScanError::Selection)?;
            selection
                .checks
                .retain(|c| !ignored.iter().any(|i| i.meta.id == c.meta.id));
        }
        Ok(())
    };
    if !select.is_empty() {
        selection.checks =
            Selection::matching_in(registry, select).map_err(ScanError::Selection)?;
        drop(&config.checks.ignore, &mut selection)?;
    }
    drop(ignore, &mut selection)?;
    Ok(selection)
}

/// Applies waivers and the baseline to results as they come, counts them, and hands them on.
struct Gather<'a, 's> {
    waivers: &'a [CompiledWaiver],
    today: jiff::civil::Date,
    baseline: Option<&'a HashSet<Fingerprint>>,
    summary: Summary,
    sink: &'s mut dyn Sink,
    write_error: Option<std::io::Error>,
}

impl Gather<'_, '_> {
    /// Waivers, baseline and counts.
    fn prepare(&mut self, findings: &mut Vec<Finding>) {
        apply_waivers(findings, self.waivers, self.today);
        if let Some(known) = self.baseline {
            let before = findings.len();
            findings.retain(|f| !known.contains(&f.fingerprint));
            self.summary.baselined += before - findings.len();
        }
        for f in findings.iter() {
            self.summary.count(f);
        }
    }

    fn take(&mut self, mut findings: Vec<Finding>) {
        self.prepare(&mut findings);
        if self.write_error.is_none() {
            self.write_error = self.sink.results(findings).err();
        }
    }

    fn take_cross(&mut self, mut findings: Vec<Finding>) {
        self.prepare(&mut findings);
        if self.write_error.is_none() {
            self.write_error = self.sink.cross_object_results(findings).err();
        }
    }
}

/// Scans files in batches on a helper thread (each batch in parallel) and hands each file's
/// part to `each`, in input order, as batches complete: results can be written while later
/// files are still being read.
fn scan_files(
    engine: &Engine,
    inputs: &[Input],
    snippets: bool,
    keep_inventory: Keep,
    mut each: impl FnMut(Part),
) {
    // Files in flight: up to three batches (being read, queued, being handed over); their
    // results are what the file phase holds, so the batch is kept small (2 cores need few).
    const BATCH: usize = 16;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Part>>(1);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            for batch in inputs.chunks(BATCH) {
                let parts: Vec<Part> = batch
                    .par_iter()
                    .map(|input| scan_input(engine, input, snippets, keep_inventory))
                    .collect();
                if tx.send(parts).is_err() {
                    break;
                }
            }
        });
        for parts in rx {
            parts.into_iter().for_each(&mut each);
        }
    });
}

/// Checks objects read from a cluster or a snapshot (no file positions: results name the object
/// and the field pointer).
fn scan_objects(engine: &Engine, resources: &[Resource], keep_inventory: Keep) -> Part {
    let parts: Vec<(Vec<Finding>, Option<rampart_checks::inventory::Kept>)> = resources
        .par_iter()
        .map(|res| {
            let (f, _type_errors) = engine.run_checked(res);
            let kept = match keep_inventory {
                Keep::Nothing => None,
                Keep::Digests => rampart_checks::inventory::for_inventory(res),
                Keep::Whole => Some(rampart_checks::inventory::whole_for_inventory(res)),
            };
            (f, kept)
        })
        .collect();
    let mut out = Part {
        objects: resources.len(),
        ..Part::default()
    };
    for (f, kept) in parts {
        out.findings.extend(f);
        if let Some(k) = kept {
            out.inventory.objects.push(k);
        }
    }
    out
}

/// What the scan keeps of each object for the inventory checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Keep {
    /// No inventory check is selected.
    Nothing,
    /// What the analyses need (see [`rampart_checks::inventory::for_inventory`]).
    Digests,
    /// Every object whole: a selected user policy reads other objects.
    Whole,
}

impl Keep {
    fn of(engine: &Engine) -> Keep {
        if engine.needs_whole_objects() {
            Keep::Whole
        } else if engine.needs_inventory() {
            Keep::Digests
        } else {
            Keep::Nothing
        }
    }
}

/// Reads, parses and checks one file.
fn scan_input(engine: &Engine, input: &Input, snippets: bool, keep_inventory: Keep) -> Part {
    let parsed = rampart_source::read_and_parse(input);
    let mut out = Part {
        errors: parsed.errors,
        objects: parsed.resources.len(),
        ..Part::default()
    };
    let lines = match (&parsed.text, snippets) {
        (Some(t), true) => Some(Lines::new(t)),
        _ => None,
    };
    let path: Arc<Path> = Arc::from(input.path());
    for res in &parsed.resources {
        let (mut f, type_errors) = engine.run_checked(res);
        for e in type_errors {
            let pos = res.locate(e.pointer.as_str()).unwrap_or_default();
            out.errors
                .push(InputError::at(input.path(), pos, e.message));
        }
        rampart_source::locate_findings(res, &mut f, lines.as_ref(), &path);
        out.findings.extend(f);
        match keep_inventory {
            Keep::Nothing => {}
            Keep::Digests => out.inventory.keep(res),
            Keep::Whole => out.inventory.keep_whole(res),
        }
    }
    out.findings.sort_unstable_by(rampart_report::finding_order);
    // Kept until every file is scanned: no spare capacity.
    out.findings.shrink_to_fit();
    out
}

/// Parses, checks and maps one rendered chart or overlay: each finding's location is the
/// template, base or patch line that wrote the field (with the values line as a related
/// location), else the rendered line with a note saying why it could not be mapped.
fn scan_rendered(
    engine: &Engine,
    rendered: &rampart_render::Rendered,
    snippets: bool,
    keep_inventory: Keep,
) -> Part {
    let display = rendered.display_path();
    let parsed = rampart_source::parse_str(&display, &rendered.text);
    let mut out = Part {
        errors: parsed.errors,
        objects: parsed.resources.len(),
        ..Part::default()
    };
    let rendered_lines = Lines::new(&rendered.text);
    let display_arc: Arc<Path> = Arc::from(display.as_path());
    let mut files = rampart_render::SourceFiles::default();
    for res in &parsed.resources {
        let (mut found, type_errors) = engine.run_checked(res);
        for e in type_errors {
            let pos = res.locate(e.pointer.as_str()).unwrap_or_default();
            out.errors.push(InputError::at(&display, pos, e.message));
        }
        rampart_source::locate_findings(
            res,
            &mut found,
            snippets.then_some(&rendered_lines),
            &display_arc,
        );
        for f in &mut found {
            let mapping = rendered.mapper.map(res, f.pointer.as_str());
            rampart_render::apply(f, &mapping, &res.id, &mut files, snippets);
        }
        out.findings.extend(found);
        match keep_inventory {
            Keep::Nothing => {}
            Keep::Digests => out.inventory.keep(res),
            Keep::Whole => out.inventory.keep_whole(res),
        }
    }
    out.findings.sort_unstable_by(rampart_report::finding_order);
    out
}

/// Runs the inventory checks and locates their results and their related objects. Source lines
/// for the table are read again from the files concerned (few: inventory results are about RBAC,
/// policies, namespaces).
fn inventory_findings(
    engine: &Engine,
    inventory: &mut Inventory,
    snippets: bool,
    rendered: &[rampart_render::Rendered],
    timings: &mut Timings,
) -> Vec<Finding> {
    let emitted = engine.emit_inventory(inventory);
    timings.phase("inventory checks");
    // The analyses (the RBAC graph, escalation routes, NetworkPolicy classes) are done with:
    // free them before the findings are made, so that the two are not held together (the
    // findings of a large input are as large as the analyses).
    drop(inventory.take_analyses());
    let InventoryFindings {
        mut findings,
        places,
    } = engine.inventory_findings(inventory, emitted);
    timings.phase("inventory findings");
    if !snippets && rendered.is_empty() {
        // Positions only (no snippet, nothing rendered): each finding on its own, in parallel,
        // with one shared path per file.
        let mut paths: Vec<Option<Arc<Path>>> = Vec::with_capacity(inventory.objects.len());
        let mut last: Option<Arc<Path>> = None;
        for kept in &inventory.objects {
            let path = kept.origin().path().map(|p| match &last {
                Some(l) if **l == *p => l.clone(),
                _ => {
                    let a: Arc<Path> = Arc::from(p);
                    last = Some(a.clone());
                    a
                }
            });
            paths.push(path);
        }
        let objects = &inventory.objects;
        let locate = |idx: usize, pointer: &str| {
            let kept = objects.get(idx)?;
            let path = paths.get(idx)?.as_ref()?;
            rampart_source::location_of(|ptr| kept.locate(ptr), pointer, None, path)
        };
        findings
            .par_iter_mut()
            .zip(places.par_iter())
            .for_each(|(f, place)| {
                f.location = locate(place.object, f.pointer.as_str());
                for (r, &idx) in f.related.iter_mut().zip(&place.related) {
                    r.location = locate(idx, r.pointer.as_str());
                }
            });
        timings.phase("inventory located");
        return findings;
    }
    // Each file's text and line index, read and made once for all its findings' snippets.
    type Indexed = Option<(Arc<str>, Arc<[usize]>)>;
    let mut texts: HashMap<PathBuf, Indexed> = HashMap::new();
    let mut paths: HashMap<PathBuf, Arc<Path>> = HashMap::new();
    // Objects of rendered charts and overlays: parsed again (few results) to map the field.
    let displays: Vec<PathBuf> = rendered.iter().map(|r| r.display_path()).collect();
    let mut reparsed: HashMap<usize, Vec<Resource>> = HashMap::new();
    let mut files = rampart_render::SourceFiles::default();
    let mut locate = |idx: usize, pointer: &str, with_snippet: bool| {
        let kept = inventory.objects.get(idx)?;
        let p = kept.origin().path()?;
        if let Some(i) = displays.iter().position(|d| d == p) {
            let r = &rendered[i];
            let objects = reparsed
                .entry(i)
                .or_insert_with(|| rampart_source::parse_str(p, &r.text).resources);
            if let Some(res) = objects.iter().find(|o| o.origin == *kept.origin()) {
                let mapping = r.mapper.map(res, pointer);
                if let Some(place) = &mapping.location {
                    return Some(files.location(place, with_snippet));
                }
            }
        }
        let path = match paths.get(p) {
            Some(a) => a.clone(),
            None => paths.entry(p.to_path_buf()).or_insert(Arc::from(p)).clone(),
        };
        let text = if with_snippet {
            texts
                .entry(p.to_path_buf())
                .or_insert_with(|| {
                    let text: Arc<str> =
                        rampart_source::read_input(&Input::File(p.to_path_buf())).ok()?;
                    let starts = Lines::new(&text).starts();
                    Some((text, starts))
                })
                .clone()
        } else {
            None
        };
        let lines = text
            .as_ref()
            .map(|(t, starts)| Lines::with_starts(t, starts.clone()));
        rampart_source::location_of(|ptr| kept.locate(ptr), pointer, lines.as_ref(), &path)
    };
    for (f, place) in findings.iter_mut().zip(places) {
        f.location = locate(place.object, f.pointer.as_str(), snippets);
        for (r, idx) in f.related.iter_mut().zip(place.related) {
            r.location = locate(idx, r.pointer.as_str(), false);
        }
    }
    timings.phase("inventory located");
    findings
}
