//! Judging a framework's controls over a scan's findings, and the scores.
//!
//! **A control's status**, from the findings of the checks mapped to it (among the checks that
//! ran):
//! - `manual` or `not-applicable` when its file says so (with the reason);
//! - `not-assessed` when none of its checks ran (e.g. node checks in a manifest scan);
//! - `fail` when one of those findings is open (a failure or an error no waiver suppresses);
//! - else `manual` when one is manual (a benchmark item a person must judge);
//! - else `pass` when one passed, or when the checks ran and reported nothing (most checks
//!   report only failures);
//! - else `not-applicable` (every finding was not-applicable: the component is absent).
//!
//! **Scores** (percent, one decimal; `None` when no control was decided):
//! - framework (and cluster: one report is one cluster or one set of manifests):
//!   `pass / (pass + fail)` over its controls. Unweighted: every control counts once, as
//!   `rampart benchmark` scores the CIS items. Manual, not-applicable and not-assessed controls
//!   do not count; [`Evaluation::coverage`] says how many were decided.
//! - namespace: `(decided - failing) / decided`, where `decided` is the framework's
//!   `pass + fail` and `failing` the controls with an open finding about an object of that
//!   namespace: the share of the framework's decided controls the namespace does not break.
//! - posture ([`posture_score`], the headline of the HTML report): the share of the checks that
//!   ran without an open finding, weighted by severity (critical 10, high 6, medium 3, low 1,
//!   info 0).

use std::collections::{BTreeMap, HashMap, HashSet};

use rampart_model::{Finding, Meta, Severity, Status};
use serde::Serialize;

use crate::{Catalog, Framework, Judged, Mappings};

/// The outcome of one control.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ControlStatus {
    Fail,
    Pass,
    Manual,
    NotApplicable,
    NotAssessed,
}

impl ControlStatus {
    pub const ALL: [ControlStatus; 5] = [
        ControlStatus::Fail,
        ControlStatus::Pass,
        ControlStatus::Manual,
        ControlStatus::NotApplicable,
        ControlStatus::NotAssessed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ControlStatus::Fail => "fail",
            ControlStatus::Pass => "pass",
            ControlStatus::Manual => "manual",
            ControlStatus::NotApplicable => "not-applicable",
            ControlStatus::NotAssessed => "not-assessed",
        }
    }
}

/// The findings of a report by check id (indices into the findings slice), built once for
/// every framework evaluated.
#[derive(Debug, Default)]
pub struct FindingIndex {
    by_check: HashMap<String, Vec<usize>>,
}

impl FindingIndex {
    pub fn new(findings: &[Finding]) -> Self {
        let mut by_check: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, f) in findings.iter().enumerate() {
            by_check.entry(f.check.to_string()).or_default().push(i);
        }
        FindingIndex { by_check }
    }

    pub fn of(&self, check: &str) -> &[usize] {
        self.by_check.get(check).map_or(&[], Vec::as_slice)
    }
}

/// One control, judged.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ControlResult {
    /// The framework whose file defines it (PSS restricted includes baseline's controls).
    pub framework: String,
    pub id: String,
    pub title: String,
    pub section: String,
    pub status: ControlStatus,
    /// Why it is manual or not applicable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The checks that judged it (those that ran).
    pub checks: Vec<String>,
    /// The findings behind the status (indices into the report's findings): the open ones for
    /// a failure, the manual ones for manual, the passes for a pass.
    #[serde(skip)]
    pub findings: Vec<usize>,
    /// Findings of its checks waived by annotations or config.
    pub waived: usize,
}

/// Counts of controls by status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub manual: usize,
    pub not_applicable: usize,
    pub not_assessed: usize,
}

impl Counts {
    fn add(&mut self, s: ControlStatus) {
        match s {
            ControlStatus::Pass => self.pass += 1,
            ControlStatus::Fail => self.fail += 1,
            ControlStatus::Manual => self.manual += 1,
            ControlStatus::NotApplicable => self.not_applicable += 1,
            ControlStatus::NotAssessed => self.not_assessed += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.pass + self.fail + self.manual + self.not_applicable + self.not_assessed
    }

    pub fn decided(&self) -> usize {
        self.pass + self.fail
    }
}

/// `part / whole` in percent with one decimal; `None` when `whole` is 0.
pub fn percent(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// A namespace's score against one framework.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceScore {
    pub namespace: String,
    /// Controls with an open finding about an object of this namespace.
    pub failing: usize,
    pub score: Option<f64>,
}

/// A framework judged over one report.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    pub framework: String,
    pub title: String,
    pub version: String,
    pub source: String,
    pub disclaimer: String,
    pub counts: Counts,
    /// pass / (pass + fail), percent.
    pub score: Option<f64>,
    /// Decided controls / all controls, percent.
    pub coverage: Option<f64>,
    pub controls: Vec<ControlResult>,
    /// Worst first.
    pub namespaces: Vec<NamespaceScore>,
}

/// Judges every control of `fw` over `findings`. `mappings` come from
/// [`Catalog::mappings`] over the checks that ran; `index` from [`FindingIndex::new`] over the
/// same findings.
pub fn evaluate(
    catalog: &Catalog,
    fw: &Framework,
    findings: &[Finding],
    index: &FindingIndex,
    mappings: &Mappings,
) -> Evaluation {
    let mut controls = Vec::new();
    let mut counts = Counts::default();
    // Namespace -> controls it fails.
    let mut ns_failing: BTreeMap<String, usize> = BTreeMap::new();
    let mut namespaces: HashSet<&str> = HashSet::new();
    for f in findings {
        if let Some(ns) = f.object().and_then(|o| o.namespace.as_deref()) {
            namespaces.insert(ns);
        }
    }
    for (owner, spec) in catalog.controls_of(fw) {
        let checks = mappings.checks(&owner.id, &spec.id).to_vec();
        let mut waived = 0;
        let (status, reason, behind) = match &spec.judged {
            Judged::Manual { reason } => (ControlStatus::Manual, Some(reason.clone()), Vec::new()),
            Judged::NotApplicable { reason } => (
                ControlStatus::NotApplicable,
                Some(reason.clone()),
                Vec::new(),
            ),
            Judged::Checks if checks.is_empty() => (ControlStatus::NotAssessed, None, Vec::new()),
            Judged::Checks => {
                let (mut open, mut manual, mut pass, mut na) =
                    (Vec::new(), Vec::new(), Vec::new(), 0usize);
                for c in &checks {
                    for &i in index.of(c) {
                        let f = &findings[i];
                        if f.is_suppressed() {
                            waived += 1;
                        } else if f.is_open() {
                            open.push(i);
                        } else {
                            match f.status {
                                Status::Manual => manual.push(i),
                                Status::Pass => pass.push(i),
                                Status::NotApplicable => na += 1,
                                Status::Fail | Status::Error => {}
                            }
                        }
                    }
                }
                if !open.is_empty() {
                    open.sort_unstable();
                    (ControlStatus::Fail, None, open)
                } else if !manual.is_empty() {
                    (ControlStatus::Manual, None, manual)
                } else if !pass.is_empty() || na == 0 {
                    (ControlStatus::Pass, None, pass)
                } else {
                    (ControlStatus::NotApplicable, None, Vec::new())
                }
            }
        };
        if status == ControlStatus::Fail {
            let mut seen: HashSet<&str> = HashSet::new();
            for &i in &behind {
                if let Some(ns) = findings[i].object().and_then(|o| o.namespace.as_deref()) {
                    if seen.insert(ns) {
                        *ns_failing.entry(ns.to_owned()).or_default() += 1;
                    }
                }
            }
        }
        counts.add(status);
        controls.push(ControlResult {
            framework: owner.id.clone(),
            id: spec.id.clone(),
            title: spec.title.clone(),
            section: spec.section.clone(),
            status,
            reason,
            checks,
            findings: behind,
            waived,
        });
    }
    let decided = counts.decided();
    let mut ns: Vec<NamespaceScore> = namespaces
        .into_iter()
        .map(|n| {
            let failing = ns_failing.get(n).copied().unwrap_or(0);
            NamespaceScore {
                namespace: n.to_owned(),
                failing,
                score: percent(decided.saturating_sub(failing), decided),
            }
        })
        .collect();
    ns.sort_by(|a, b| {
        b.failing
            .cmp(&a.failing)
            .then_with(|| a.namespace.cmp(&b.namespace))
    });
    Evaluation {
        framework: fw.id.clone(),
        title: fw.title.clone(),
        version: fw.version.clone(),
        source: fw.source.clone(),
        disclaimer: fw.disclaimer.clone(),
        counts,
        score: percent(counts.pass, decided),
        coverage: percent(decided, counts.total()),
        controls,
        namespaces: ns,
    }
}

/// Every framework of the catalog judged over `findings`, with `metas` the checks that ran.
pub fn evaluate_all(catalog: &Catalog, findings: &[Finding], metas: &[&Meta]) -> Vec<Evaluation> {
    let index = FindingIndex::new(findings);
    let mappings = catalog.mappings(metas);
    catalog
        .frameworks
        .iter()
        .map(|fw| evaluate(catalog, fw, findings, &index, &mappings))
        .collect()
}

/// The weight of a check's severity in [`posture_score`].
pub fn weight(s: Severity) -> u32 {
    match s {
        Severity::Critical => 10,
        Severity::High => 6,
        Severity::Medium => 3,
        Severity::Low => 1,
        Severity::Info => 0,
    }
}

/// The share of the checks that ran (`metas`) with no open finding, weighted by severity; see
/// the module docs.
pub fn posture_score(findings: &[Finding], metas: &[&Meta]) -> Option<f64> {
    let failing: HashSet<&str> = findings
        .iter()
        .filter(|f| f.is_open())
        .map(|f| f.check.as_ref())
        .collect();
    let (mut ok, mut all) = (0u64, 0u64);
    let mut seen = HashSet::new();
    for m in metas {
        if !seen.insert(m.id.as_ref()) {
            continue;
        }
        let w = u64::from(weight(m.severity));
        all += w;
        if !failing.contains(m.id.as_ref()) {
            ok += w;
        }
    }
    (all > 0).then(|| (ok as f64 * 1000.0 / all as f64).round() / 10.0)
}

/// A short JSON description of a finding, for reports that list the findings behind controls.
pub fn finding_brief(f: &Finding) -> serde_json::Value {
    let mut v = serde_json::json!({
        "check": f.check,
        "status": f.status,
        "severity": f.severity,
        "subject": f.subject.display_name(),
        "message": f.message,
        "fingerprint": f.fingerprint,
    });
    if let Some(l) = &f.location {
        v["location"] = serde_json::json!({ "path": l.path, "line": l.line, "column": l.column });
    }
    v
}

impl Evaluation {
    /// The evaluation as JSON, each control with the findings behind it (at most `limit` each;
    /// `findingsTotal` gives the count).
    pub fn to_json(&self, findings: &[Finding], limit: usize) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        if let Some(arr) = v.get_mut("controls").and_then(|c| c.as_array_mut()) {
            for (c, r) in arr.iter_mut().zip(&self.controls) {
                c["findingsTotal"] = r.findings.len().into();
                c["findings"] = r
                    .findings
                    .iter()
                    .take(limit)
                    .filter_map(|&i| findings.get(i))
                    .map(finding_brief)
                    .collect();
            }
        }
        v
    }
}
