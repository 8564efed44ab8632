//! Reporters. Only reporters print: each format is one file over one [`Report`].

pub mod benchmark;
pub mod framework;
pub mod html;
pub mod inventory;
pub mod json;
pub mod junit;
pub mod netpol;
pub mod pss;
pub mod rbac;
pub mod read;
pub mod sarif;
mod table;
pub mod text;
pub mod views;

use std::collections::BTreeMap;

use rampart_model::{Evidence, Finding, InputError, Meta, Severity, Status};
use serde::Serialize;

pub use json::render as json;

/// The output formats of a scan report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Sarif,
    Junit,
    /// One self-contained HTML file with the frameworks' evaluation.
    Html,
}

/// Writes `report` in `format` to `w`. JSON and SARIF stream; the others are small.
pub fn write(report: &Report, format: Format, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    match format {
        Format::Json => json::write(report, w),
        Format::Sarif => sarif::write(report, w),
        Format::Table => w.write_all(table(report).as_bytes()),
        Format::Junit => w.write_all(junit::render(report).as_bytes()),
        Format::Html => html::write(report, w),
    }
}
pub use table::render as table;

/// The version of the JSON report schema (`schemas/report.schema.json`).
/// 2: results of every subject (`subject` with a `type`), a `status` per result (fail, pass,
/// manual, not-applicable, error), `evidence`, `related`, `fingerprint`, `fix`, and the
/// waiver state renamed `suppression`.
pub const SCHEMA_VERSION: u32 = 2;

/// Everything one scan found. Its JSON form is written by [`json::Stream`].
#[derive(Debug)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub scanned: Scanned,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    pub errors: Vec<InputError>,
    /// For a cluster or snapshot scan: where the objects came from (context, server, version,
    /// time, anonymous-access probe).
    pub source: Option<serde_json::Value>,
    /// For a cluster or snapshot scan: which resource types were read and which were not, and why.
    /// A clean result is only complete when `partial` is false.
    pub coverage: Option<serde_json::Value>,
    /// Metadata of every check that ran (SARIF rules, JUnit cases).
    pub rules: Vec<Meta>,
    /// The RBAC escalation paths and NetworkPolicy reachability, when the scan computed them
    /// (the HTML report shows them).
    pub views: Option<Box<views::Views>>,
}

#[derive(Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

impl Tool {
    pub const RAMPART: Tool = Tool {
        name: "rampart",
        version: env!("CARGO_PKG_VERSION"),
    };
}

/// Input errors in report order: by file, line, column.
pub fn sort_errors(errors: &mut [InputError]) {
    errors.sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
}

#[derive(Debug, Clone, Copy, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Scanned {
    pub files: usize,
    pub objects: usize,
    pub checks: usize,
}

#[derive(Debug, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Findings that count, by severity.
    pub by_severity: BTreeMap<Severity, usize>,
    /// Every result, by status (suppressed ones included).
    pub by_status: BTreeMap<Status, usize>,
    /// Findings that count.
    pub open: usize,
    /// Findings waived by annotations or config waivers.
    pub suppressed: usize,
    /// Findings hidden because the baseline already had them.
    pub baselined: usize,
    /// The threshold for a non-zero exit.
    pub fail_on: Severity,
    /// True when an open finding is at or above `failOn`.
    pub failed: bool,
}

impl Summary {
    /// An empty summary: every severity at 0.
    pub fn new(fail_on: Severity) -> Self {
        let mut summary = Summary {
            fail_on,
            ..Summary::default()
        };
        for s in Severity::ALL {
            summary.by_severity.insert(s, 0);
        }
        for s in Status::ALL {
            summary.by_status.insert(s, 0);
        }
        summary
    }

    /// Counts one finding of the report.
    pub fn count(&mut self, f: &Finding) {
        *self.by_status.entry(f.status).or_default() += 1;
        if f.is_suppressed() {
            self.suppressed += 1;
        } else if f.is_open() {
            self.open += 1;
            *self.by_severity.entry(f.severity).or_default() += 1;
            if f.severity >= self.fail_on {
                self.failed = true;
            }
        }
    }

    /// Open findings at or above the threshold.
    pub fn at_or_above_threshold(&self) -> usize {
        self.by_severity
            .iter()
            .filter(|(s, _)| **s >= self.fail_on)
            .map(|(_, n)| n)
            .sum()
    }
}

/// The order of findings in a report: by file (component-wise, as `Path` orders), line, column,
/// then subject and check; ties (rare: two fields of one object resolving to the same position)
/// are broken by pointer and message, so the order is total and an unstable sort is
/// deterministic.
pub fn finding_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    let by_path = match (&a.location, &b.location) {
        // Findings of one file share one `Arc`: no need to compare the paths.
        (Some(x), Some(y)) if std::sync::Arc::ptr_eq(&x.path, &y.path) => std::cmp::Ordering::Equal,
        (Some(x), Some(y)) => x.path.cmp(&y.path),
        (x, y) => x.is_some().cmp(&y.is_some()),
    };
    let pos = |f: &Finding| f.location.as_ref().map(|l| (l.line, l.column));
    by_path
        .then_with(|| pos(a).cmp(&pos(b)))
        .then_with(|| a.subject.cmp(&b.subject))
        .then_with(|| a.check.cmp(&b.check))
        .then_with(|| a.pointer.cmp(&b.pointer))
        .then_with(|| a.message.cmp(&b.message))
}

impl Report {
    /// Builds a report; sorts findings by file, line, then check, and computes the summary.
    pub fn new(
        mut findings: Vec<Finding>,
        mut errors: Vec<InputError>,
        scanned: Scanned,
        rules: Vec<Meta>,
        fail_on: Severity,
        baselined: usize,
    ) -> Self {
        // Scans hand findings over already in this order (each file sorted in parallel, files in
        // path order); checking is linear, sorting only happens when needed.
        if !findings.is_sorted_by(|a, b| finding_order(a, b).is_le()) {
            findings.sort_unstable_by(finding_order);
        }
        sort_errors(&mut errors);
        let mut summary = Summary::new(fail_on);
        summary.baselined = baselined;
        for f in &findings {
            summary.count(f);
        }
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool::RAMPART,
            scanned,
            summary,
            findings,
            errors,
            source: None,
            coverage: None,
            rules,
            views: None,
        }
    }

    /// 2 when input errors occurred, 1 when findings at or above the threshold, else 0.
    pub fn exit_code(&self) -> u8 {
        if !self.errors.is_empty() {
            2
        } else if self.summary.failed {
            1
        } else {
            0
        }
    }

    pub fn rule(&self, id: &str) -> Option<&Meta> {
        self.rules.iter().find(|m| m.id == id)
    }
}

/// One line of evidence: `SOURCE: found (expected EXPECTED) at FILE:LINE`.
pub fn evidence_line(e: &Evidence) -> String {
    let mut s = e.source.clone();
    match &e.found {
        Some(found) => {
            s.push_str(": ");
            s.push_str(found);
        }
        None => s.push_str(": not set"),
    }
    if let Some(exp) = &e.expected {
        s.push_str(" (expected ");
        s.push_str(exp);
        s.push(')');
    }
    if let Some(l) = &e.location {
        s.push_str(&format!(" at {}:{}", l.path.display(), l.line));
    }
    s
}
