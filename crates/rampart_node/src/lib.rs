//! Control-plane and node components: what a node runs and how it is configured, and the CIS
//! Kubernetes Benchmark checks on it.
//!
//! - [`read`] reads a node (`/proc/*/cmdline` under a root, static pod manifests, the kubelet's
//!   unit and config file, the files their flags name, owners and permission bits) or the files
//!   given (a kubeadm ClusterConfiguration standing for the components no manifest defines), into
//!   an [`input::Node`]. Only this module does I/O.
//! - [`flags`] resolves command lines as the components do (see its docs for the rules).
//! - [`cis`] is the benchmark as a table of [`eval::Item`]s; [`eval`] runs the table on a node;
//!   [`coded`], [`audit`] and [`encryption`] hold the tests a row cannot express.
//! - [`BenchmarkRun`] is the result: one [`rampart_model::Finding`] per item and component, with
//!   status, evidence and remediation, grouped by section with counts and a score. Items the
//!   benchmark labels Manual report MANUAL when their test fails, never FAIL ([`eval::assessed`]).
//!
//! Counts on the fixtures and on the testenv control plane: BENCHMARKS.md, "Node benchmark".

pub mod audit;
pub mod cis;
pub mod coded;
pub mod docs;
pub mod encryption;
pub mod eval;
pub mod flags;
pub mod input;
pub mod read;

use std::collections::BTreeMap;

use rampart_model::{InputError, Meta, Status};
use serde::Serialize;

pub use cis::CIS_1_12;
pub use eval::{Benchmark, ItemResult};
pub use input::{ComponentKind, Node};
pub use read::{read_files, read_node, NodeOptions};

/// The built-in benchmark.
pub fn benchmark() -> &'static Benchmark {
    &CIS_1_12
}

/// The metadata of every node check (`rampart checks`, docs, SARIF rules).
pub fn metas() -> &'static [Meta] {
    eval::metas(&CIS_1_12)
}

/// Counts of results by status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub manual: usize,
    pub not_applicable: usize,
    pub error: usize,
}

impl Counts {
    pub fn add(&mut self, s: Status) {
        match s {
            Status::Pass => self.pass += 1,
            Status::Fail => self.fail += 1,
            Status::Manual => self.manual += 1,
            Status::NotApplicable => self.not_applicable += 1,
            Status::Error => self.error += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.pass + self.fail + self.manual + self.not_applicable + self.error
    }

    /// PASS / (PASS + FAIL + ERROR) in percent, one decimal; `None` when nothing was decided.
    /// Manual and not-applicable results do not count.
    pub fn score(&self) -> Option<f64> {
        let decided = self.pass + self.fail + self.error;
        (decided > 0).then(|| (self.pass as f64 * 1000.0 / decided as f64).round() / 10.0)
    }
}

/// The counts of one section.
#[derive(Clone, Debug, Serialize)]
pub struct Section {
    pub id: &'static str,
    pub title: &'static str,
    pub counts: Counts,
}

/// A benchmark run on one node: results, sections and totals.
#[derive(Clone, Debug)]
pub struct BenchmarkRun {
    pub benchmark: &'static Benchmark,
    pub hostname: Option<String>,
    /// The root read (`/` on a live node), or the files given.
    pub target: String,
    /// Components found: name and where they were read.
    pub components: Vec<(ComponentKind, input::Source)>,
    pub results: Vec<ItemResult>,
    /// Counts per section (leaf sections, e.g. `1.2`; `2` for etcd).
    pub sections: Vec<Section>,
    /// Counts of the benchmark's items (rampart's own checks excluded).
    pub totals: Counts,
    /// Counts of rampart's own checks beyond the benchmark.
    pub extra: Counts,
    /// How many files were examined (their modes, owners or content).
    pub files_read: usize,
    pub errors: Vec<InputError>,
}

/// Runs the built-in benchmark on a node read by [`read_node`] or [`read_files`].
pub fn run(node: &Node, target: String) -> BenchmarkRun {
    let b = benchmark();
    let results = eval::run(b, node);
    let mut by_section: BTreeMap<&'static str, Counts> = BTreeMap::new();
    let mut totals = Counts::default();
    let mut extra = Counts::default();
    for r in &results {
        by_section
            .entry(r.item.section())
            .or_default()
            .add(r.finding.status);
        if r.item.is_benchmark_item() {
            totals.add(r.finding.status);
        } else {
            extra.add(r.finding.status);
        }
    }
    let sections = b
        .sections
        .iter()
        .filter_map(|(id, title)| {
            by_section.get(id).map(|c| Section {
                id,
                title,
                counts: *c,
            })
        })
        .collect();
    let mut errors = node.errors.clone();
    errors.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    BenchmarkRun {
        benchmark: b,
        hostname: node.hostname.clone(),
        target,
        components: node
            .components
            .iter()
            .map(|c| (c.kind, c.source.clone()))
            .collect(),
        results,
        sections,
        totals,
        extra,
        files_read: node.files.len(),
        errors,
    }
}
