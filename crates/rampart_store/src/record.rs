//! What a scan leaves in the store: its metadata, counts and one compact [`Row`] per result,
//! gathered by a [`Recorder`] while the scan hands its results to the real sink.

use rampart_model::{Finding, Severity, Subject, Suppression};
use serde::{Deserialize, Serialize};

#[cfg(feature = "scan")]
pub use sink::{framework_scores, stored_views, Recorder, Tee};

/// One stored result: what identifies it (check, subject, pointer, fingerprint) and what may
/// change between scans (status, severity, message, location, suppression).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    pub check: String,
    /// `fail`, `pass`, `manual`, `not-applicable` or `error`.
    pub status: String,
    /// `critical`, `high`, `medium`, `low` or `info`.
    pub severity: String,
    /// `object`, `component`, `image`, `package`, `event` or `cluster`.
    pub subject_type: String,
    /// The subject's short name (`Deployment/prod/web`).
    pub subject: String,
    /// The object's namespace, for namespaced objects.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub namespace: Option<String>,
    pub pointer: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub line: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub column: Option<i64>,
    pub message: String,
    /// 16 hex digits (see [`rampart_model::Fingerprint`]).
    pub fingerprint: String,
    /// `open`, `suppressed` or `waiver-expired`.
    pub suppression: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub suppressed_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub suppression_reason: Option<String>,
}

impl Row {
    /// The row of one result.
    pub fn of(f: &Finding) -> Row {
        let (suppression, by, reason) = match &f.suppression {
            Suppression::Open => ("open", None, None),
            Suppression::Suppressed { by, reason } => {
                ("suppressed", Some(by.clone()), Some(reason.clone()))
            }
            Suppression::WaiverExpired { expired, reason } => (
                "waiver-expired",
                Some(format!("waiver expired {expired}")),
                Some(reason.clone()),
            ),
        };
        let namespace = match &f.subject {
            Subject::Object(o) => o.namespace.clone(),
            _ => None,
        };
        Row {
            check: f.check.to_string(),
            status: f.status.as_str().to_owned(),
            severity: f.severity.as_str().to_owned(),
            subject_type: f.subject.type_name().to_owned(),
            subject: f.subject.display_name(),
            namespace,
            pointer: f.pointer.as_str().to_owned(),
            path: f.location.as_ref().map(|l| l.path.display().to_string()),
            line: f.location.as_ref().map(|l| i64::from(l.line)),
            column: f.location.as_ref().map(|l| i64::from(l.column)),
            message: f.message.clone(),
            fingerprint: f.fingerprint.to_string(),
            suppression: suppression.to_owned(),
            suppressed_by: by,
            suppression_reason: reason,
        }
    }

    /// True when the result counts (a failure or an error that no waiver suppresses), as
    /// [`Finding::is_open`] says.
    pub fn is_open(&self) -> bool {
        matches!(self.status.as_str(), "fail" | "error") && self.suppression != "suppressed"
    }

    /// `path:line`, or the subject when the result has no location.
    pub fn place(&self) -> String {
        match (&self.path, self.line) {
            (Some(p), Some(l)) => format!("{p}:{l}"),
            (Some(p), None) => p.clone(),
            _ => self.subject.clone(),
        }
    }
}

/// A scan's results as the store keeps them: rows, or the results themselves, made into rows
/// one at a time as they are saved (so that a large scan is not held twice, as results and as
/// rows).
#[derive(Clone, Debug)]
pub enum Rows {
    Rows(Vec<Row>),
    Results(Vec<Finding>),
}

impl Default for Rows {
    fn default() -> Self {
        Rows::Rows(Vec::new())
    }
}

impl From<Vec<Row>> for Rows {
    fn from(rows: Vec<Row>) -> Self {
        Rows::Rows(rows)
    }
}

impl Rows {
    pub fn len(&self) -> usize {
        match self {
            Rows::Rows(r) => r.len(),
            Rows::Results(f) => f.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rows in order (those of results made as they are read).
    pub fn iter(&self) -> Box<dyn Iterator<Item = std::borrow::Cow<'_, Row>> + '_> {
        match self {
            Rows::Rows(r) => Box::new(r.iter().map(std::borrow::Cow::Borrowed)),
            Rows::Results(f) => Box::new(f.iter().map(|f| std::borrow::Cow::Owned(Row::of(f)))),
        }
    }

    /// Every row.
    pub fn to_vec(&self) -> Vec<Row> {
        self.iter().map(std::borrow::Cow::into_owned).collect()
    }
}

/// One compliance framework judged over a scan (see `rampart_frameworks::eval`): its score and
/// controls by status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FrameworkScore {
    /// The framework's id (`cis-1.12`, `nsa`, ...).
    pub framework: String,
    /// pass / (pass + fail) controls, in tenths of a percent (None when none was decided).
    pub score_permille: Option<i64>,
    pub pass: i64,
    pub fail: i64,
    pub manual: i64,
    pub not_applicable: i64,
    pub not_assessed: i64,
}

/// What is known about a scan before it runs.
#[derive(Clone, Debug)]
pub struct ScanMeta {
    /// What was scanned, as history groups scans (`rampart diff` compares scans of one target).
    /// None: taken from the cluster source (`cluster CONTEXT`), else `files`.
    pub target: Option<String>,
    /// The options the scan ran with (select, ignore, fail-on, ...), as JSON.
    pub options: serde_json::Value,
    pub started_at: jiff::Timestamp,
}

/// A finished scan, ready for [`crate::Store::save`].
#[derive(Clone, Debug)]
pub struct NewScan {
    pub target: String,
    /// `files`, `cluster` or `snapshot`.
    pub source_type: String,
    pub rampart_version: String,
    pub options: serde_json::Value,
    pub started_at: jiff::Timestamp,
    pub finished_at: jiff::Timestamp,
    pub files: i64,
    pub objects: i64,
    pub checks: i64,
    pub open: i64,
    pub suppressed: i64,
    pub baselined: i64,
    /// Open findings by severity: critical, high, medium, low, info.
    pub by_severity: [i64; 5],
    /// The cluster read missed resource types (coverage `partial`).
    pub partial: bool,
    pub source: Option<serde_json::Value>,
    pub coverage: Option<serde_json::Value>,
    /// The input errors, as the JSON report writes them.
    pub errors: serde_json::Value,
    pub error_count: i64,
    pub rows: Rows,
    /// Each framework's score over this scan (empty: not judged).
    pub frameworks: Vec<FrameworkScore>,
}

/// The severities in the order of [`NewScan::by_severity`].
pub(crate) const SEVERITIES: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

/// The recorder (with the `scan` feature, on by default: it needs the scan pipeline).
#[cfg(feature = "scan")]
mod sink {
    use std::io;

    use rampart_model::Finding;
    use rampart_scan::sink::End;
    use rampart_scan::Sink;

    use super::{FrameworkScore, NewScan, Rows, ScanMeta, SEVERITIES};

    /// Keeps a row per result of a scan, and its end. Use [`Recorder::tee`] to put it in front of
    /// the sink that writes the report.
    pub struct Recorder {
        meta: ScanMeta,
        /// What the store and the framework evaluation read of each result (no evidence,
        /// related objects or fix): made into rows as the scan is saved.
        kept: Vec<Finding>,
        /// False when the results are handed over at the end instead ([`Recorder::results_later`]).
        keep: bool,
        /// The checks that ran, for the framework scores.
        rules: Vec<rampart_model::Meta>,
        scan: Option<NewScan>,
        /// The escalation paths and reachability matrix, when the scan computed them.
        views: Option<rampart_report::views::Views>,
    }

    /// The part of a result its row and the framework scores depend on.
    fn lean(f: &Finding) -> Finding {
        Finding {
            check: f.check.clone(),
            status: f.status,
            severity: f.severity,
            subject: f.subject.clone(),
            pointer: f.pointer.clone(),
            location: f.location.clone(),
            message: f.message.clone(),
            evidence: Vec::new(),
            related: Vec::new(),
            fingerprint: f.fingerprint,
            fix: None,
            suppression: f.suppression.clone(),
        }
    }

    /// Every framework of the catalog judged over the results, with `rules` the checks that ran.
    pub fn framework_scores(
        findings: &[Finding],
        rules: &[rampart_model::Meta],
    ) -> Vec<FrameworkScore> {
        let metas: Vec<&rampart_model::Meta> = rules.iter().collect();
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        rampart_frameworks::eval::evaluate_all(rampart_frameworks::catalog(), findings, &metas)
            .into_iter()
            .map(|e| FrameworkScore {
                framework: e.framework,
                score_permille: e.score.map(|s| (s * 10.0).round() as i64),
                pass: count(e.counts.pass),
                fail: count(e.counts.fail),
                manual: count(e.counts.manual),
                not_applicable: count(e.counts.not_applicable),
                not_assessed: count(e.counts.not_assessed),
            })
            .collect()
    }

    impl Recorder {
        pub fn new(meta: ScanMeta) -> Self {
            Recorder {
                meta,
                kept: Vec::new(),
                keep: true,
                rules: Vec::new(),
                scan: None,
                views: None,
            }
        }

        /// A recorder that keeps nothing of the results as they pass: the caller hands them
        /// over with [`Recorder::set_results`] once the sink behind it is done with them (a
        /// report that gathers every result anyway), so that a large scan is held once.
        pub fn results_later(meta: ScanMeta) -> Self {
            Recorder {
                keep: false,
                ..Recorder::new(meta)
            }
        }

        /// The scan's results, for a recorder made with [`Recorder::results_later`] (in the
        /// order the store numbers them).
        pub fn set_results(&mut self, results: Vec<Finding>) {
            self.kept = results;
        }

        /// The scan's views as the store keeps them (see [`crate::Store::save_views`]): one
        /// JSON document per view the scan had input for.
        pub fn stored_views(&self) -> Vec<crate::StoredView> {
            self.views.as_ref().map(stored_views).unwrap_or_default()
        }

        fn keep(&mut self, findings: &[Finding]) {
            if self.keep {
                self.kept.extend(findings.iter().map(lean));
            }
        }

        /// A sink that records every result and passes it on to `inner`.
        pub fn tee<'a>(&'a mut self, inner: &'a mut dyn Sink) -> Tee<'a> {
            Tee { rec: self, inner }
        }

        /// The scan, once it has finished (None when the scan never reached its end).
        pub fn into_scan(mut self) -> Option<NewScan> {
            let mut scan = self.scan?;
            // In the report's order, whichever sink the results went through (results come
            // a file or a batch at a time, results across objects last).
            if !self
                .kept
                .is_sorted_by(|a, b| rampart_report::finding_order(a, b).is_le())
            {
                self.kept.sort_unstable_by(rampart_report::finding_order);
            }
            scan.frameworks = framework_scores(&self.kept, &self.rules);
            scan.rows = Rows::Results(std::mem::take(&mut self.kept));
            Some(scan)
        }

        fn finish(&mut self, end: &End<'_>) {
            let source_type = end
                .source
                .and_then(|s| s.get("type"))
                .and_then(|t| t.as_str())
                .unwrap_or("files")
                .to_owned();
            let target = self.meta.target.clone().unwrap_or_else(|| {
                let named = end.source.and_then(|s| {
                    ["context", "server"]
                        .iter()
                        .find_map(|k| s.get(*k).and_then(|v| v.as_str()).filter(|v| !v.is_empty()))
                });
                match named {
                    Some(n) => format!("{source_type} {n}"),
                    None => source_type.clone(),
                }
            });
            let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
            let by_severity =
                SEVERITIES.map(|s| count(end.summary.by_severity.get(&s).copied().unwrap_or(0)));
            let partial = end
                .coverage
                .and_then(|c| c.get("partial"))
                .and_then(|p| p.as_bool())
                .unwrap_or(false);
            self.rules = end.rules.to_vec();
            self.scan = Some(NewScan {
                target,
                source_type,
                rampart_version: rampart_report::Tool::RAMPART.version.to_owned(),
                options: self.meta.options.clone(),
                started_at: self.meta.started_at,
                finished_at: jiff::Timestamp::now(),
                files: count(end.scanned.files),
                objects: count(end.scanned.objects),
                checks: count(end.scanned.checks),
                open: count(end.summary.open),
                suppressed: count(end.summary.suppressed),
                baselined: count(end.summary.baselined),
                by_severity,
                partial,
                source: end.source.cloned(),
                coverage: end.coverage.cloned(),
                errors: serde_json::to_value(end.errors).unwrap_or_default(),
                error_count: count(end.errors.len()),
                // Both made from the results in `into_scan`.
                frameworks: Vec::new(),
                rows: Rows::default(),
            });
        }
    }

    /// A [`Recorder`] in front of another sink.
    pub struct Tee<'a> {
        rec: &'a mut Recorder,
        inner: &'a mut dyn Sink,
    }

    impl Sink for Tee<'_> {
        fn results(&mut self, findings: Vec<Finding>) -> io::Result<()> {
            self.rec.keep(&findings);
            self.inner.results(findings)
        }

        fn cross_object_results(&mut self, findings: Vec<Finding>) -> io::Result<()> {
            self.rec.keep(&findings);
            self.inner.cross_object_results(findings)
        }

        fn finish(&mut self, end: &End<'_>) -> io::Result<()> {
            self.rec.finish(end);
            self.inner.finish(end)
        }

        fn wants_views(&self) -> bool {
            true
        }

        fn views(&mut self, views: &rampart_report::views::Views) -> io::Result<()> {
            self.rec.views = Some(views.clone());
            if self.inner.wants_views() {
                self.inner.views(views)?;
            }
            Ok(())
        }
    }

    /// The views as the store keeps them: one JSON document per view, with how much of it was
    /// kept.
    pub fn stored_views(v: &rampart_report::views::Views) -> Vec<crate::StoredView> {
        use rampart_report::views::{ESCALATION_KIND, FORMAT, REACHABILITY_KIND};
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let mut out = Vec::new();
        if let Some(e) = &v.escalation {
            if let Ok(body) = serde_json::to_string(e) {
                out.push(crate::StoredView {
                    kind: ESCALATION_KIND.to_owned(),
                    format: FORMAT,
                    shown: count(e.paths.len()),
                    total: count(e.total),
                    body,
                });
            }
        }
        if let Some(r) = &v.reachability {
            if let Ok(body) = serde_json::to_string(r) {
                out.push(crate::StoredView {
                    kind: REACHABILITY_KIND.to_owned(),
                    format: FORMAT,
                    shown: count(r.endpoints.len()),
                    total: count(r.total),
                    body,
                });
            }
        }
        out
    }
}
