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
pub mod posture;
pub mod read;
pub mod report;
pub mod rules;

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
pub fn scan(paths: &[PathBuf], mut engine: Engine) -> ScanResult {
    let (inputs, mut errors) = read::discover(paths);
    let mut reader = Reader::default();
    let mut alerts = Vec::new();
    for input in &inputs {
        reader.read(input, &mut |ev, at| {
            engine.process(
                ev,
                Origin {
                    path: Some(at.path),
                    line: at.line,
                },
                &mut |f| alerts.push(f),
            );
        });
    }
    errors.append(&mut engine.errors);
    errors.append(&mut reader.errors);
    ScanResult {
        alerts,
        read: reader.stats,
        rules: engine.rules().count(),
        engine: engine.stats,
        errors,
    }
}
