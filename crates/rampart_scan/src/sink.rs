//! Where a scan's results go.
//!
//! A [`Sink`] receives each file's results as soon as they are ready (in input order, each batch
//! in report order), then the cross-object results (RBAC, NetworkPolicy), then the end of the
//! scan. [`JsonStream`] writes JSON as the results come, so memory does not grow with their
//! number; [`Collect`] keeps them for the formats that need every result first and builds a
//! [`Report`].

use std::io;

use rampart_model::{Finding, InputError, Meta};
use rampart_report::views::Views;
use rampart_report::{json, Report, Scanned, Summary, Tool};

/// The end of a scan: what is known once every result was handed over.
pub struct End<'a> {
    pub errors: &'a [InputError],
    pub scanned: &'a Scanned,
    pub summary: &'a Summary,
    pub source: Option<&'a serde_json::Value>,
    pub coverage: Option<&'a serde_json::Value>,
    pub rules: &'a [Meta],
}

/// Receives results. After the first error the pipeline stops handing results over (but keeps
/// counting them, so the exit code stays right, e.g. under `| head`).
pub trait Sink {
    /// One file's results (or a cluster's), in report order.
    fn results(&mut self, findings: Vec<Finding>) -> io::Result<()>;

    /// The cross-object results, sorted, after every file.
    fn cross_object_results(&mut self, findings: Vec<Finding>) -> io::Result<()> {
        self.results(findings)
    }

    /// The end of the scan.
    fn finish(&mut self, end: &End<'_>) -> io::Result<()>;

    /// Whether this sink wants the scan's RBAC escalation paths and NetworkPolicy
    /// reachability ([`Sink::views`]); they are only computed when some sink does.
    fn wants_views(&self) -> bool {
        false
    }

    /// The RBAC escalation paths and reachability matrix, after every file and before the
    /// cross-object results (only called when [`Sink::wants_views`]).
    fn views(&mut self, views: &Views) -> io::Result<()> {
        let _ = views;
        Ok(())
    }
}

/// Writes the JSON report as results come.
pub struct JsonStream<'w> {
    stream: Option<json::Stream<'w>>,
}

impl<'w> JsonStream<'w> {
    /// Writes the report's header.
    pub fn begin(w: &'w mut dyn io::Write) -> io::Result<Self> {
        Ok(JsonStream {
            stream: Some(json::Stream::begin(w, &Tool::RAMPART)?),
        })
    }
}

impl Sink for JsonStream<'_> {
    fn results(&mut self, findings: Vec<Finding>) -> io::Result<()> {
        match &mut self.stream {
            Some(s) => s.findings(&findings),
            None => Ok(()),
        }
    }

    fn finish(&mut self, end: &End<'_>) -> io::Result<()> {
        match self.stream.take() {
            Some(s) => s.finish(&json::Tail {
                errors: end.errors,
                scanned: end.scanned,
                summary: end.summary,
                source: end.source,
                coverage: end.coverage,
            }),
            None => Ok(()),
        }
    }
}

/// Keeps every result and builds a [`Report`] at the end.
#[derive(Default)]
pub struct Collect {
    /// One list per file, each in report order, files in input order.
    parts: Vec<Vec<Finding>>,
    cross: Vec<Finding>,
    report: Option<Report>,
    /// Keep the views (for the HTML report).
    want_views: bool,
    views: Option<Views>,
}

impl Collect {
    pub fn new() -> Self {
        Collect::default()
    }

    /// A collector that also keeps the RBAC escalation paths and reachability matrix in the
    /// report (the HTML report shows them).
    pub fn with_views() -> Self {
        Collect {
            want_views: true,
            ..Collect::default()
        }
    }

    /// The report, once the scan has finished.
    pub fn into_report(self) -> Option<Report> {
        self.report
    }
}

impl Sink for Collect {
    fn results(&mut self, findings: Vec<Finding>) -> io::Result<()> {
        self.parts.push(findings);
        Ok(())
    }

    fn cross_object_results(&mut self, findings: Vec<Finding>) -> io::Result<()> {
        self.cross.extend(findings);
        Ok(())
    }

    fn finish(&mut self, end: &End<'_>) -> io::Result<()> {
        let parts = std::mem::take(&mut self.parts);
        let cross = std::mem::take(&mut self.cross);
        let mut findings =
            Vec::with_capacity(parts.iter().map(Vec::len).sum::<usize>() + cross.len());
        merge_sorted(parts.into_iter().flatten(), cross, &mut findings);
        let mut report = Report::new(
            findings,
            end.errors.to_vec(),
            *end.scanned,
            end.rules.to_vec(),
            end.summary.fail_on,
            end.summary.baselined,
        );
        report.source = end.source.cloned();
        report.coverage = end.coverage.cloned();
        report.views = self.views.take().map(Box::new);
        self.report = Some(report);
        Ok(())
    }

    fn wants_views(&self) -> bool {
        self.want_views
    }

    fn views(&mut self, views: &Views) -> io::Result<()> {
        self.views = Some(views.clone());
        Ok(())
    }
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
