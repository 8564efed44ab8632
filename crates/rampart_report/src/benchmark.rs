//! Benchmark reports (`rampart node`, `rampart benchmark cis`): a CIS-style table grouped by
//! section with counts and a score, a JSON document in which every result carries its CIS id and
//! status, and a [`Report`] of the same results for SARIF and JUnit.

use std::fmt::Write;

use rampart_model::{Evidence, Finding, InputError, Location, Severity, Status};
use rampart_node::{BenchmarkRun, Counts, ItemResult};
use serde::Serialize;

use crate::{Report, Scanned, Tool};

/// The status as the benchmark's reports spell it: `PASS`, `FAIL`, `MANUAL`, `N/A`, `ERROR`.
pub fn status_label(s: Status) -> &'static str {
    match s {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Manual => "MANUAL",
        Status::NotApplicable => "N/A",
        Status::Error => "ERROR",
    }
}

/// The CIS id of a result: the item's own id, or for rampart's checks beyond the benchmark the
/// recommendation they refine (`3.2.2`, `1.2.28`).
pub fn cis_id(r: &ItemResult) -> &'static str {
    if r.item.is_benchmark_item() {
        return r.item.id;
    }
    r.item
        .controls
        .iter()
        .find_map(|c| match c {
            rampart_model::Control::Cis { id, .. } => Some(*id),
            _ => None,
        })
        .unwrap_or("")
}

fn assessment(r: &ItemResult) -> &'static str {
    if !r.item.is_benchmark_item() {
        "rampart"
    } else if r.item.automated {
        "automated"
    } else {
        "manual"
    }
}

/// The whole run as a [`Report`] (findings of every status, the rules that ran), for SARIF and
/// JUnit, and for the exit code.
pub fn report(run: &BenchmarkRun, fail_on: Severity) -> Report {
    let findings: Vec<Finding> = run.results.iter().map(|r| r.finding.clone()).collect();
    let rules = rampart_node::metas().to_vec();
    let scanned = Scanned {
        files: run.files_read,
        objects: run.components.len(),
        checks: rules.len(),
    };
    let mut report = Report::new(findings, run.errors.clone(), scanned, rules, fail_on, 0);
    // Results keep the benchmark's order (the table's), not file order.
    report.findings = run.results.iter().map(|r| r.finding.clone()).collect();
    report
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonResult<'a> {
    cis_id: &'static str,
    check: &'a str,
    title: &'static str,
    section: &'static str,
    assessment: &'static str,
    component: String,
    status: &'static str,
    severity: Severity,
    message: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    evidence: &'a [Evidence],
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a Location>,
    audit: String,
    remediation: &'static str,
    fingerprint: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonCounts {
    pass: usize,
    fail: usize,
    manual: usize,
    not_applicable: usize,
    error: usize,
    total: usize,
    /// PASS / (PASS + FAIL + ERROR), in percent; null when nothing was decided.
    score: Option<f64>,
}

impl From<&Counts> for JsonCounts {
    fn from(c: &Counts) -> Self {
        JsonCounts {
            pass: c.pass,
            fail: c.fail,
            manual: c.manual,
            not_applicable: c.not_applicable,
            error: c.error,
            total: c.total(),
            score: c.score(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonSection {
    id: &'static str,
    title: &'static str,
    counts: JsonCounts,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonComponent<'a> {
    name: &'static str,
    source: &'a rampart_node::input::Source,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonBenchmark<'a> {
    tool: Tool,
    benchmark: JsonBenchmarkId,
    target: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    hostname: Option<&'a str>,
    components: Vec<JsonComponent<'a>>,
    results: Vec<JsonResult<'a>>,
    sections: Vec<JsonSection>,
    /// Counts of the benchmark's items.
    totals: JsonCounts,
    /// Counts of rampart's checks beyond the benchmark.
    beyond_benchmark: JsonCounts,
    errors: &'a [InputError],
}

#[derive(Serialize)]
struct JsonBenchmarkId {
    id: &'static str,
    version: &'static str,
    title: &'static str,
}

/// The run as JSON: every result with its CIS id, status (`PASS`, `FAIL`, `MANUAL`, `N/A`,
/// `ERROR`), evidence, audit and remediation; counts per section and in total.
pub fn json(run: &BenchmarkRun) -> serde_json::Result<String> {
    let doc = JsonBenchmark {
        tool: Tool::RAMPART,
        benchmark: JsonBenchmarkId {
            id: run.benchmark.id,
            version: run.benchmark.version,
            title: run.benchmark.title,
        },
        target: &run.target,
        hostname: run.hostname.as_deref(),
        components: run
            .components
            .iter()
            .map(|(k, s)| JsonComponent {
                name: k.name(),
                source: s,
            })
            .collect(),
        results: run
            .results
            .iter()
            .map(|r| JsonResult {
                cis_id: cis_id(r),
                check: &r.finding.check,
                title: r.item.title,
                section: r.item.section(),
                assessment: assessment(r),
                component: component_name(&r.finding),
                status: status_label(r.finding.status),
                severity: r.finding.severity,
                message: &r.finding.message,
                evidence: &r.finding.evidence,
                location: r.finding.location.as_ref(),
                audit: r.item.audit(),
                remediation: r.item.fix,
                fingerprint: r.finding.fingerprint.to_string(),
            })
            .collect(),
        sections: run
            .sections
            .iter()
            .map(|s| JsonSection {
                id: s.id,
                title: s.title,
                counts: (&s.counts).into(),
            })
            .collect(),
        totals: (&run.totals).into(),
        beyond_benchmark: (&run.extra).into(),
        errors: &run.errors,
    };
    let mut s = serde_json::to_string_pretty(&doc)?;
    s.push('\n');
    Ok(s)
}

fn component_name(f: &Finding) -> String {
    match &f.subject {
        rampart_model::Subject::Component(c) => c.name.clone(),
        other => other.display_name(),
    }
}

fn counts_line(c: &Counts) -> String {
    format!(
        "{} pass, {} fail, {} manual, {} n/a{}",
        c.pass,
        c.fail,
        c.manual,
        c.not_applicable,
        if c.error > 0 {
            format!(", {} error", c.error)
        } else {
            String::new()
        }
    )
}

/// One line, control characters replaced (messages quote file contents and command lines).
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The CIS-style table: results grouped by section, each section with its counts; evidence for
/// what is not a pass, the remediation for failures; totals and the score at the end.
pub fn table(run: &BenchmarkRun) -> String {
    let b = run.benchmark;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} {} on {}{}",
        b.title,
        b.version,
        clean(run.hostname.as_deref().unwrap_or("this node")),
        if run.target.is_empty() {
            String::new()
        } else {
            format!(" ({})", clean(&run.target))
        }
    );
    if run.components.is_empty() {
        let _ = writeln!(
            s,
            "No control-plane or node component found: every item is N/A (a managed control plane, or the wrong --root)."
        );
    } else {
        let found: Vec<String> = run
            .components
            .iter()
            .map(|(k, src)| format!("{k} ({})", clean(&source_words(src))))
            .collect();
        let _ = writeln!(s, "Components: {}", found.join(", "));
    }
    for (id, title) in b.sections {
        let in_section: Vec<&ItemResult> = run
            .results
            .iter()
            .filter(|r| r.item.section() == *id)
            .collect();
        let Some(counts) = run.sections.iter().find(|x| x.id == *id) else {
            // A parent section (`1`, `3`, `4`): a heading only.
            if run
                .results
                .iter()
                .any(|r| r.item.section().starts_with(&format!("{id}.")))
            {
                let _ = writeln!(s, "\n== {id} {title}");
            }
            continue;
        };
        let _ = writeln!(s, "\n[{id}] {title}");
        for r in in_section {
            let f = &r.finding;
            let shown_id = if r.item.is_benchmark_item() {
                r.item.id.to_owned()
            } else {
                f.check.to_string()
            };
            let _ = writeln!(
                s,
                "  [{:<6}] {:<7} {} ({})",
                status_label(f.status),
                shown_id,
                r.item.title,
                clean(&component_name(f))
            );
            let _ = writeln!(s, "             {}", clean(&f.message));
            if f.status != Status::Pass && f.status != Status::NotApplicable {
                for e in f.evidence.iter().take(5) {
                    let _ = writeln!(
                        s,
                        "             evidence: {}",
                        clean(&crate::evidence_line(e))
                    );
                }
            }
            if f.status == Status::Fail {
                let _ = writeln!(s, "             fix: {}", clean(r.item.fix));
            }
        }
        let _ = writeln!(s, "  {id}: {}", counts_line(&counts.counts));
    }
    if !run.errors.is_empty() {
        let _ = writeln!(s, "\nInput errors ({}):", run.errors.len());
        for e in &run.errors {
            let _ = writeln!(s, "  error: {}", clean(&e.to_string()));
        }
    }
    let _ = writeln!(
        s,
        "\nSummary: {} items: {}; score {}",
        run.totals.total(),
        counts_line(&run.totals),
        match run.totals.score() {
            Some(p) => format!("{p:.1}% (pass / (pass + fail + error))"),
            None => "n/a (nothing decided)".to_owned(),
        }
    );
    if run.extra.total() > 0 {
        let _ = writeln!(
            s,
            "Beyond the benchmark (audit policy, encryption at rest): {}",
            counts_line(&run.extra)
        );
    }
    s
}

fn source_words(src: &rampart_node::input::Source) -> String {
    use rampart_node::input::Source;
    match src {
        Source::Process { pid } => format!("pid {pid}"),
        Source::Manifest { path } => path.display().to_string(),
        Source::Unit { path } => format!("unit {}", path.display()),
        Source::Config { path } => format!("config {}", path.display()),
    }
}
