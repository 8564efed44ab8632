//! Detection and response over Kubernetes API-server audit events.
//!
//! - [`event`]: the `audit.k8s.io/v1` (and `v1beta1`) `Event`, decoded borrowing from the input;
//! - [`read`]: JSON lines, `EventList` documents, plain/rotated/gzip files and stdin, where bad
//!   lines, oversized events and truncated streams are counted and reported with file:line;
//! - [`rules`]: rules as data (one YAML file per rule; CEL conditions, lists and macros,
//!   exceptions, windows with thresholds, first-seen);
//! - [`engine`]: rules indexed by verb and resource, alerts as `rampart_model::Finding`s about
//!   `Subject::Event`;
//! - [`posture`]: what the actor (or the pod acted on) can reach, from the RBAC analysis.
//!
//! [`scan`] ties them together for `rampart audit scan`; `rampart serve` feeds the same engine
//! from the audit webhook.

pub mod engine;
pub mod event;
mod head;
pub mod posture;
pub mod read;
pub mod report;
pub mod rules;
mod shape;

use std::path::PathBuf;

use rampart_model::{Finding, InputError};

pub use engine::{Engine, EngineStats, Origin};
pub use event::{Event, EventList};
pub use posture::Posture;
pub use read::{Input, ReadStats, Reader};
pub use rules::RuleSet;

/// What one replay of audit files found.
#[derive(Debug, Default)]
pub struct ScanResult {
    pub alerts: Vec<Finding>,
    pub read: ReadStats,
    pub engine: EngineStats,
    /// Input problems (malformed lines, unreadable files) and rule problems.
    pub errors: Vec<InputError>,
    /// How many rules ran.
    pub rules: usize,
}

/// Replays audit events from `paths` (files, directories, `-`) through `engine`.
///
/// Each JSON line goes the engine's fast path ([`Engine::process_json`]): decoded in full only
/// when a rule needs it. The alerts, counters and errors are those of [`scan_full`].
pub fn scan(paths: &[PathBuf], engine: Engine) -> ScanResult {
    scan_with(paths, engine, true)
}

/// [`scan`] with every event decoded in full before the rules see it (the reference the fast
/// path is tested against).
pub fn scan_full(paths: &[PathBuf], engine: Engine) -> ScanResult {
    scan_with(paths, engine, false)
}

fn origin<'p>(at: &read::At<'p>) -> Origin<'p> {
    Origin {
        path: Some(at.path),
        line: at.line,
    }
}

fn scan_with(paths: &[PathBuf], engine: Engine, fast: bool) -> ScanResult {
    let (inputs, mut errors) = read::discover(paths);
    let mut reader = Reader::default();
    // The reader calls `on_line` and `on_event` one at a time; both need the engine.
    let engine = std::cell::RefCell::new(engine);
    let alerts = std::cell::RefCell::new(Vec::new());
    for input in &inputs {
        reader.read_lines(
            input,
            &mut |line, at| {
                fast && engine
                    .borrow_mut()
                    .process_json(line, origin(&at), &mut |f| alerts.borrow_mut().push(f))
            },
            &mut |ev, at| {
                engine
                    .borrow_mut()
                    .process(ev, origin(&at), &mut |f| alerts.borrow_mut().push(f))
            },
        );
    }
    let mut engine = engine.into_inner();
    errors.append(&mut engine.errors);
    errors.append(&mut reader.errors);
    ScanResult {
        alerts: alerts.into_inner(),
        read: reader.stats,
        rules: engine.rules().count(),
        engine: engine.stats,
        errors,
    }
}
