//! `rampart report`: a framework's controls judged over a report, as a table, Markdown or JSON
//! (HTML is [`crate::html`]); and the list of frameworks.

use std::fmt::Write;

use rampart_frameworks::{eval, Catalog, ControlStatus, Evaluation};
use rampart_model::Finding;

/// Findings shown under each failing control in the table and Markdown.
pub const SHOWN: usize = 5;

/// `rampart report --list-frameworks`.
pub fn list(catalog: &Catalog) -> String {
    let w = catalog
        .frameworks
        .iter()
        .map(|f| f.id.len())
        .max()
        .unwrap_or(2);
    let mut s = format!("{:<w$}  {:>8}  TITLE\n", "ID", "CONTROLS");
    for f in &catalog.frameworks {
        let n = catalog.controls_of(f).len();
        let _ = write!(s, "{:<w$}  {n:>8}  {} {}", f.id, f.title, f.version);
        if !f.aliases.is_empty() {
            let _ = write!(s, " (also: {})", f.aliases.join(", "));
        }
        s.push('\n');
    }
    s
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.1}%"))
}

fn counts_line(e: &Evaluation) -> String {
    let c = &e.counts;
    format!(
        "score {} ({} pass, {} fail, {} manual, {} not applicable, {} not assessed)",
        pct(e.score),
        c.pass,
        c.fail,
        c.manual,
        c.not_applicable,
        c.not_assessed
    )
}

fn place(f: &Finding) -> String {
    match &f.location {
        Some(l) => format!("{}:{}", l.path.display(), l.line),
        None => f.subject.display_name(),
    }
}

/// Scores of several frameworks, one line each.
pub fn summary_table(evals: &[Evaluation]) -> String {
    let w = evals
        .iter()
        .map(|e| e.framework.len())
        .max()
        .unwrap_or(2)
        .max(9);
    let mut s = format!(
        "{:<w$}  {:>7}  {:>5}  {:>5}  {:>6}  {:>5}  {:>12}\n",
        "FRAMEWORK", "SCORE", "PASS", "FAIL", "MANUAL", "N/A", "NOT ASSESSED"
    );
    for e in evals {
        let c = &e.counts;
        let _ = writeln!(
            s,
            "{:<w$}  {:>7}  {:>5}  {:>5}  {:>6}  {:>5}  {:>12}",
            e.framework,
            pct(e.score),
            c.pass,
            c.fail,
            c.manual,
            c.not_applicable,
            c.not_assessed
        );
    }
    s.push_str("\nScore: pass / (pass + fail) over a framework's controls. A mapping is evidence, not certification.\n");
    s
}

/// One framework as a table: every control with its status, then the findings behind each
/// failing control.
pub fn table(e: &Evaluation, findings: &[Finding]) -> String {
    let mut s = format!(
        "{} {} ({}): {}\n\n",
        e.title,
        e.version,
        e.framework,
        counts_line(e)
    );
    let w = e
        .controls
        .iter()
        .map(|c| c.id.len())
        .max()
        .unwrap_or(7)
        .max(7);
    let _ = writeln!(
        s,
        "{:<14}  {:<w$}  {:>8}  TITLE",
        "STATUS", "CONTROL", "FINDINGS"
    );
    for c in &e.controls {
        let _ = writeln!(
            s,
            "{:<14}  {:<w$}  {:>8}  {}",
            c.status.as_str(),
            c.id,
            c.findings.len(),
            c.title
        );
    }
    let failing: Vec<_> = e
        .controls
        .iter()
        .filter(|c| c.status == ControlStatus::Fail)
        .collect();
    if !failing.is_empty() {
        s.push_str("\nFailing controls:\n");
        for c in failing {
            let _ = writeln!(s, "\n{} {} [{}]", c.id, c.title, c.checks.join(", "));
            for &i in c.findings.iter().take(SHOWN) {
                if let Some(f) = findings.get(i) {
                    let _ = writeln!(
                        s,
                        "  {}  {}  {}: {}",
                        place(f),
                        f.check,
                        f.subject.display_name(),
                        f.message
                    );
                }
            }
            if c.findings.len() > SHOWN {
                let _ = writeln!(s, "  ... and {} more", c.findings.len() - SHOWN);
            }
        }
    }
    let _ = write!(s, "\n{}\n", e.disclaimer.trim());
    s
}

fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// One framework as Markdown (for pull-request comments and wikis).
pub fn markdown(e: &Evaluation, findings: &[Finding]) -> String {
    let mut s = format!(
        "# {} {} (`{}`)\n\n**{}**\n\n> {}\n\n| Status | Control | Title | Findings |\n|---|---|---|---:|\n",
        md(&e.title),
        md(&e.version),
        e.framework,
        counts_line(e),
        md(e.disclaimer.trim())
    );
    for c in &e.controls {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            c.status.as_str(),
            md(&c.id),
            md(&c.title),
            c.findings.len()
        );
    }
    let failing: Vec<_> = e
        .controls
        .iter()
        .filter(|c| c.status == ControlStatus::Fail)
        .collect();
    if !failing.is_empty() {
        s.push_str("\n## Failing controls\n");
        for c in failing {
            let _ = writeln!(s, "\n### {} {}\n", md(&c.id), md(&c.title));
            for &i in c.findings.iter().take(SHOWN) {
                if let Some(f) = findings.get(i) {
                    let _ = writeln!(
                        s,
                        "- `{}` `{}` {}: {}",
                        md(&place(f)),
                        f.check,
                        md(&f.subject.display_name()),
                        md(&f.message)
                    );
                }
            }
            if c.findings.len() > SHOWN {
                let _ = writeln!(s, "- ... and {} more", c.findings.len() - SHOWN);
            }
        }
    }
    s
}

/// Several frameworks as Markdown: the score table.
pub fn markdown_summary(evals: &[Evaluation]) -> String {
    let mut s = String::from(
        "| Framework | Score | Pass | Fail | Manual | Not applicable | Not assessed |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for e in evals {
        let c = &e.counts;
        let _ = writeln!(
            s,
            "| {} {} (`{}`) | {} | {} | {} | {} | {} | {} |",
            md(&e.title),
            md(&e.version),
            e.framework,
            pct(e.score),
            c.pass,
            c.fail,
            c.manual,
            c.not_applicable,
            c.not_assessed
        );
    }
    s.push_str("\nA mapping is evidence, not certification.\n");
    s
}

/// Evaluations as JSON (every finding behind each control, briefly).
pub fn json(evals: &[Evaluation], findings: &[Finding]) -> String {
    let v: Vec<serde_json::Value> = evals
        .iter()
        .map(|e| e.to_json(findings, usize::MAX))
        .collect();
    let v = if v.len() == 1 {
        v.into_iter().next().unwrap_or_default()
    } else {
        serde_json::Value::Array(v)
    };
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

/// Judges the frameworks `ids` (all when empty) over a report.
pub fn evaluate(catalog: &Catalog, report: &crate::Report, ids: &[&str]) -> Vec<Evaluation> {
    let metas: Vec<&rampart_model::Meta> = report.rules.iter().collect();
    let index = eval::FindingIndex::new(&report.findings);
    let mappings = catalog.mappings(&metas);
    catalog
        .frameworks
        .iter()
        .filter(|f| {
            ids.is_empty()
                || ids
                    .iter()
                    .any(|i| catalog.get(i).is_some_and(|g| g.id == f.id))
        })
        .map(|f| eval::evaluate(catalog, f, &report.findings, &index, &mappings))
        .collect()
}
