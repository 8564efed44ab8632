//! Renders Helm charts (`helm template`) and Kustomize overlays (`kustomize build`, or
//! `kubectl kustomize`), and maps the rendered objects' fields back to the lines people wrote:
//! the template line (and the values line) for a chart, the base or patch line for an overlay.
//!
//! - [`plan`]: which of the scanned paths are charts or overlays (auto-detection, below), and
//!   which plain files remain.
//! - [`render`]: runs the renderer, with a timeout, and returns the rendered text and its
//!   [`Mapper`].
//! - [`Mapper::map`]: one rendered field -> a [`Mapping`] (file, line, and for charts the values
//!   line as a related location), or the reason it could not be mapped.
//!
//! Auto-detection: a directory holding `Chart.yaml` is a chart; one holding `kustomization.yaml`,
//! `kustomization.yml` or `Kustomization` is an overlay. This holds for a directory named on the
//! command line and for directories found below one: every chart found is rendered (charts
//! nested in a chart, such as `charts/` subcharts, are rendered by their parent), and every
//! overlay that no other overlay found refers to (through `resources`, `bases` or `components`)
//! is rendered, so a base is reported once, through the overlays that use it. Files inside a
//! chart or an overlay (or a base it uses) are not read as plain manifests.

mod exec;
pub mod helm;
pub mod kustomize;
pub(crate) mod template;

use std::path::{Path, PathBuf};
use std::time::Duration;

use std::collections::HashMap;
use std::sync::Arc;

use rampart_model::{Finding, Location, ObjectRef, Pointer, Related, Resource};

pub use exec::RenderError;

/// How to render.
#[derive(Clone, Debug, Default)]
pub struct RenderOptions {
    /// `--values` files for charts (in order: later ones win).
    pub values: Vec<PathBuf>,
    /// `--set key=value` for charts.
    pub set: Vec<String>,
    /// The release name [default: helm's `release-name`].
    pub release: Option<String>,
    /// The release namespace.
    pub namespace: Option<String>,
    /// The helm binary [default: `helm` on PATH].
    pub helm: Option<PathBuf>,
    /// The kustomize binary [default: `kustomize` on PATH, else `kubectl kustomize`].
    pub kustomize: Option<PathBuf>,
    /// The Kubernetes minor release (1.N) charts are rendered for (`helm template
    /// --kube-version 1.N.0`: `.Capabilities.KubeVersion`, and charts' `kubeVersion`
    /// constraints) [default: the newest release rampart knows].
    pub kube_version: Option<u32>,
    /// How long a render may take [default: [`DEFAULT_TIMEOUT`]].
    pub timeout: Option<Duration>,
}

/// The default render timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// What a directory is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Chart(PathBuf),
    Overlay(PathBuf),
}

impl Target {
    pub fn dir(&self) -> &Path {
        match self {
            Target::Chart(d) | Target::Overlay(d) => d,
        }
    }
}

/// The kustomization file names kustomize accepts.
pub const KUSTOMIZATION_FILES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// What a directory is, by the files in it.
pub fn detect(dir: &Path) -> Option<Target> {
    if dir.join("Chart.yaml").is_file() {
        return Some(Target::Chart(dir.to_path_buf()));
    }
    KUSTOMIZATION_FILES
        .iter()
        .any(|f| dir.join(f).is_file())
        .then(|| Target::Overlay(dir.to_path_buf()))
}

/// The scanned paths split into charts and overlays to render and the remaining paths.
#[derive(Debug, Default)]
pub struct Plan {
    pub targets: Vec<Target>,
    /// Directories whose files are not plain manifests (charts, overlays, the bases they use).
    pub skip: Vec<PathBuf>,
}

impl Plan {
    /// True when `file` lies in a chart or an overlay (or a base one uses).
    pub fn skips(&self, file: &Path) -> bool {
        self.skip.iter().any(|d| file.starts_with(d))
    }
}

/// Finds the charts and overlays among `paths` and below them (see the crate docs).
pub fn plan(paths: &[PathBuf]) -> Plan {
    let mut charts: Vec<PathBuf> = Vec::new();
    let mut overlays: Vec<PathBuf> = Vec::new();
    for p in paths {
        if !p.is_dir() {
            continue;
        }
        let walker = ignore::WalkBuilder::new(p)
            .hidden(true)
            .git_ignore(true)
            .git_global(false)
            .git_exclude(false)
            .require_git(false)
            .build();
        for entry in walker.flatten() {
            if !entry.file_type().is_some_and(|t| t.is_dir()) {
                continue;
            }
            match detect(entry.path()) {
                Some(Target::Chart(d)) => charts.push(d),
                Some(Target::Overlay(d)) => overlays.push(d),
                None => {}
            }
        }
    }
    // Charts inside charts (subcharts, examples) are the parent's business.
    charts.sort();
    charts.dedup();
    let top_charts: Vec<PathBuf> = charts
        .iter()
        .filter(|c| !charts.iter().any(|o| o != *c && c.starts_with(o)))
        .cloned()
        .collect();
    overlays.retain(|o| !top_charts.iter().any(|c| o.starts_with(c)));
    overlays.sort();
    overlays.dedup();
    let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let mut referenced: Vec<PathBuf> = Vec::new();
    for o in &overlays {
        for r in kustomize::referenced_dirs(o) {
            referenced.push(canon(&r));
        }
    }
    let mut plan = Plan::default();
    for c in top_charts {
        plan.skip.push(c.clone());
        plan.targets.push(Target::Chart(c));
    }
    for o in overlays {
        plan.skip.push(o.clone());
        if !referenced.contains(&canon(&o)) {
            plan.targets.push(Target::Overlay(o));
        }
    }
    plan
}

/// A rendered chart or overlay.
pub struct Rendered {
    pub target: Target,
    /// The renderer's output (YAML documents).
    pub text: String,
    /// How long the renderer ran.
    pub render_time: Duration,
    pub mapper: Mapper,
}

impl Rendered {
    /// The name shown for rendered objects whose fields cannot be mapped.
    pub fn display_path(&self) -> PathBuf {
        match &self.target {
            Target::Chart(d) => d.join("(helm template)"),
            Target::Overlay(d) => d.join("(kustomize build)"),
        }
    }
}

/// Maps rendered fields back to source lines.
pub enum Mapper {
    Chart(helm::ChartMap),
    Overlay(kustomize::OverlayMap),
}

impl Mapper {
    /// The mapper of a chart or overlay for its rendered `text` (reads the sources again).
    pub fn new(target: &Target, options: &RenderOptions, text: &str) -> Mapper {
        match target {
            Target::Chart(d) => Mapper::Chart(helm::ChartMap::new(d, &options.values, text)),
            Target::Overlay(d) => Mapper::Overlay(kustomize::OverlayMap::new(d)),
        }
    }

    /// Where the field at `pointer` of the rendered object `res` was written.
    pub fn map(&self, res: &Resource, pointer: &str) -> Mapping {
        match self {
            Mapper::Chart(m) => m.map(res, pointer),
            Mapper::Overlay(m) => m.map(res, pointer),
        }
    }
}

/// A file position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub path: PathBuf,
    pub line: u32,
    pub column: u32,
}

/// Where a rendered field was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mapping {
    /// The template, base or patch line; `None` when it could not be found.
    pub location: Option<Place>,
    /// For charts: the values line the field's value came from.
    pub values: Option<Place>,
    /// For charts: the values path (`securityContext.privileged` as its keys).
    pub values_path: Vec<String>,
    /// The line is the field's own line (or the action or patch that writes it), not only an
    /// enclosing field's.
    pub exact: bool,
    /// Why it could not be mapped.
    pub note: Option<String>,
    /// The template (chart) or file that wrote the object, when known.
    pub template: Option<PathBuf>,
}

impl Mapping {
    pub(crate) fn unmapped(note: impl Into<String>) -> Mapping {
        Mapping {
            note: Some(note.into()),
            ..Mapping::default()
        }
    }

    pub(crate) fn with_template(mut self, path: PathBuf) -> Mapping {
        self.template = Some(path);
        self
    }
}

/// Renders a chart or an overlay.
pub fn render(target: &Target, options: &RenderOptions) -> Result<Rendered, RenderError> {
    let started = std::time::Instant::now();
    let text = match target {
        Target::Chart(d) => exec::helm_template(d, options)?,
        Target::Overlay(d) => exec::kustomize_build(d, options)?,
    };
    let render_time = started.elapsed();
    let mapper = Mapper::new(target, options, &text);
    Ok(Rendered {
        target: target.clone(),
        text,
        render_time,
        mapper,
    })
}

/// The source files that mapped findings point at: shared paths and, for snippets, their lines.
#[derive(Default)]
pub struct SourceFiles {
    files: HashMap<PathBuf, (Arc<Path>, Option<Vec<String>>)>,
}

impl SourceFiles {
    fn get(&mut self, path: &Path, lines: bool) -> (Arc<Path>, Option<&Vec<String>>) {
        let entry = self
            .files
            .entry(path.to_path_buf())
            .or_insert_with(|| (Arc::from(path), None));
        if lines && entry.1.is_none() {
            entry.1 = std::fs::read_to_string(path)
                .ok()
                .map(|t| t.lines().map(str::to_string).collect());
        }
        (entry.0.clone(), entry.1.as_ref())
    }

    /// The location of a place, with its line's text when `snippets`.
    pub fn location(&mut self, place: &Place, snippets: bool) -> Location {
        let (path, lines) = self.get(&place.path, snippets);
        let snippet = lines
            .and_then(|l| l.get((place.line as usize).checked_sub(1)?))
            .cloned();
        Location {
            path,
            line: place.line,
            column: place.column.max(1),
            snippet,
        }
    }
}

/// Points a finding about a rendered object at the line that wrote the field: the template,
/// base or patch line, and (charts) the values line as a `values` related location. When the
/// field cannot be mapped, the finding keeps its rendered location and its message says why.
pub fn apply(
    finding: &mut Finding,
    mapping: &Mapping,
    object: &ObjectRef,
    files: &mut SourceFiles,
    snippets: bool,
) {
    match &mapping.location {
        Some(place) => finding.location = Some(files.location(place, snippets)),
        None => {
            let why = mapping.note.as_deref().unwrap_or("unknown");
            let template = mapping
                .template
                .as_ref()
                .map(|t| format!(" in {}", t.display()))
                .unwrap_or_default();
            let line = finding
                .location
                .as_ref()
                .map(|l| format!("line {} of the rendered output", l.line))
                .unwrap_or_else(|| "the rendered output".to_string());
            finding.message.push_str(&format!(
                " (shown at {line}: not mapped to a source line{template}: {why})"
            ));
        }
    }
    if let Some(v) = &mapping.values {
        finding.related.push(Related {
            role: "values".into(),
            object: Arc::new(object.clone()),
            pointer: Pointer::root().join_all(mapping.values_path.iter()),
            location: Some(files.location(v, false)),
        });
    }
}
