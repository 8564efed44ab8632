//! The human table: findings grouped by object, each with the offending source line.

use std::fmt::Write;

use rampart_model::{Finding, Suppression};

use crate::Report;

/// Renders findings grouped by object. Suppressed findings are counted, not listed.
pub fn render(report: &Report) -> String {
    let mut s = String::new();
    let mut current: Option<(String, String)> = None;
    for f in report.findings.iter().filter(|f| f.is_open()) {
        let file = f
            .location
            .as_ref()
            .map(|l| l.path.display().to_string())
            .unwrap_or_default();
        let key = (file.clone(), f.subject.display_name());
        if current.as_ref() != Some(&key) {
            if current.is_some() {
                s.push('\n');
            }
            if file.is_empty() {
                let _ = writeln!(s, "{}", clean(&key.1));
            } else {
                let _ = writeln!(s, "{}  ({})", clean(&key.1), clean(&file));
            }
            current = Some(key);
        }
        finding(&mut s, f);
    }
    if !report.errors.is_empty() {
        if !s.is_empty() {
            s.push('\n');
        }
        let _ = writeln!(s, "Input errors ({}):", report.errors.len());
        for e in &report.errors {
            let _ = writeln!(s, "  error: {}", one_block(&e.to_string()));
        }
    }
    if !s.is_empty() {
        s.push('\n');
    }
    coverage(&mut s, report);
    let sum = &report.summary;
    let counts: Vec<String> = sum
        .by_severity
        .iter()
        .rev()
        .filter(|(_, n)| **n > 0)
        .map(|(sev, n)| format!("{n} {sev}"))
        .collect();
    let _ = writeln!(
        s,
        "Scanned {} objects in {} files with {} checks: {} findings{}{}{}{}.",
        report.scanned.objects,
        report.scanned.files,
        report.scanned.checks,
        sum.open,
        if counts.is_empty() {
            String::new()
        } else {
            format!(" ({})", counts.join(", "))
        },
        if sum.suppressed > 0 {
            format!(", {} suppressed", sum.suppressed)
        } else {
            String::new()
        },
        if sum.baselined > 0 {
            format!(", {} in baseline", sum.baselined)
        } else {
            String::new()
        },
        if report.errors.is_empty() {
            String::new()
        } else {
            format!(", {} input errors", report.errors.len())
        },
    );
    s
}

/// Continuation lines of a finding start under its severity column.
const INDENT: &str = "           ";

fn finding(s: &mut String, f: &Finding) {
    // Without a location (objects not read from files), the pointer says where.
    let at = match &f.location {
        Some(l) => format!("{}:{}", l.line, l.column),
        None if f.pointer.as_str().is_empty() => "(object)".to_string(),
        None => f.pointer.to_string(),
    };
    let _ = writeln!(
        s,
        "  {:<8} {:<32} {:<8} {}",
        f.severity.as_str().to_uppercase(),
        clean(&f.check),
        clean(&at),
        one_block(&f.message)
    );
    for e in &f.evidence {
        let _ = writeln!(
            s,
            "{INDENT}evidence: {}",
            one_block(&crate::evidence_line(e))
        );
    }
    if let Suppression::WaiverExpired { expired, reason } = &f.suppression {
        let _ = writeln!(
            s,
            "{INDENT}waiver expired on {} (was: {})",
            clean(expired),
            one_block(reason)
        );
    }
    if let Some(snippet) = f.location.as_ref().and_then(|l| l.snippet.as_deref()) {
        let _ = writeln!(s, "{INDENT}| {}", clean(snippet.trim_end()));
    }
}

/// Indents continuation lines of multi-line text and drops control characters, so that a
/// message never breaks the layout or the terminal.
fn one_block(text: &str) -> String {
    let text = text.trim_end();
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(INDENT);
        }
        out.push_str(&clean(line));
    }
    out
}

/// Replaces control characters (escape sequences, carriage returns) except tabs with `?`.
fn clean(line: &str) -> String {
    line.chars()
        .map(|c| if c.is_control() && c != '\t' { '?' } else { c })
        .collect()
}

/// The coverage of a cluster or snapshot scan: what was not read, so a clean result over partial
/// data is never taken for a clean cluster.
fn coverage(s: &mut String, report: &Report) {
    let Some(cov) = &report.coverage else {
        return;
    };
    let read = cov["read"].as_array().map_or(0, Vec::len);
    let objects: u64 = cov["read"]
        .as_array()
        .map(|r| r.iter().filter_map(|t| t["count"].as_u64()).sum())
        .unwrap_or(0);
    let gaps: Vec<&serde_json::Value> = cov["notRead"]
        .as_array()
        .map(|g| g.iter().collect())
        .unwrap_or_default();
    let partial = cov["partial"].as_bool().unwrap_or(false);
    let _ = writeln!(
        s,
        "Coverage: read {read} resource types ({objects} objects); {} not read{}",
        gaps.len(),
        if partial {
            " -- PARTIAL: findings cover only what was read"
        } else {
            ""
        }
    );
    for g in gaps.iter().take(25) {
        let kind = g["kind"].as_str().unwrap_or("");
        let group = g["group"].as_str().unwrap_or("");
        let resource = g["resource"].as_str().unwrap_or("");
        let ns = g["namespace"]
            .as_str()
            .map(|n| format!(" in {n}"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  not read: {kind} ({}{resource}){ns}: {} {}",
            if group.is_empty() {
                String::new()
            } else {
                format!("{group}/")
            },
            g["reason"].as_str().unwrap_or(""),
            clean(g["message"].as_str().unwrap_or(""))
        );
    }
    if gaps.len() > 25 {
        let _ = writeln!(s, "  ... and {} more (see --format json)", gaps.len() - 25);
    }
    s.push('\n');
}
