//! Writing the alerts of a replay: a table for people, one JSON report, or JSON lines (one
//! alert per line, for pipelines). Every alert names the rule id (`check`), the actor
//! (`subject.user`), the verb (`subject.verb`) and the object (`subject.object`: kind,
//! namespace, name).

use std::io::{self, Write};

use rampart_model::{Finding, InputError, Severity};
use serde::Serialize;

use crate::{EngineStats, ReadStats, ScanResult};

/// Output formats of `rampart audit scan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Jsonl,
}

/// The JSON report: the alerts, what was read, and the problems met.
#[derive(Serialize)]
struct JsonReport<'a> {
    tool: &'static str,
    kind: &'static str,
    rules: usize,
    read: &'a ReadStats,
    engine: &'a EngineStats,
    summary: Summary,
    alerts: &'a [Finding],
    errors: &'a [InputError],
}

/// Alert counts, by severity, and how many reach the threshold.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub alerts: usize,
    pub by_severity: std::collections::BTreeMap<Severity, usize>,
    pub fail_on: Severity,
    pub at_or_above_fail_on: usize,
}

impl Summary {
    pub fn of(alerts: &[Finding], fail_on: Severity) -> Summary {
        let mut by_severity = std::collections::BTreeMap::new();
        for a in alerts {
            *by_severity.entry(a.severity).or_insert(0) += 1;
        }
        Summary {
            alerts: alerts.len(),
            at_or_above_fail_on: alerts.iter().filter(|a| a.severity >= fail_on).count(),
            by_severity,
            fail_on,
        }
    }
}

/// Writes `result` in `format`. Problems with the input go in the report (json) or after the
/// table; in jsonl they are not written (the caller prints them on stderr).
pub fn write(
    result: &ScanResult,
    format: Format,
    fail_on: Severity,
    w: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Json => {
            let report = JsonReport {
                tool: "rampart",
                kind: "audit-scan",
                rules: result.rules,
                read: &result.read,
                engine: &result.engine,
                summary: Summary::of(&result.alerts, fail_on),
                alerts: &result.alerts,
                errors: &result.errors,
            };
            serde_json::to_writer_pretty(&mut *w, &report)?;
            writeln!(w)
        }
        Format::Jsonl => {
            for a in &result.alerts {
                serde_json::to_writer(&mut *w, a)?;
                writeln!(w)?;
            }
            Ok(())
        }
        Format::Table => table(result, fail_on, w),
    }
}

/// One alert's columns: severity, rule, actor, verb, object, where.
fn columns(a: &Finding) -> [String; 6] {
    let (actor, verb, object) = match &a.subject {
        rampart_model::Subject::Event(e) => {
            let object = match &e.object {
                Some(o) => match &o.namespace {
                    Some(ns) => format!("{}/{ns}/{}", o.kind, o.name),
                    None => format!("{}/{}", o.kind, o.name),
                },
                None => "-".to_owned(),
            };
            (e.user.clone(), e.verb.clone(), object)
        }
        other => (String::new(), String::new(), other.display_name()),
    };
    let at = a
        .location
        .as_ref()
        .map(|l| format!("{}:{}", l.path.display(), l.line))
        .unwrap_or_default();
    [
        a.severity.to_string().to_uppercase(),
        a.check.to_string(),
        actor,
        verb,
        object,
        at,
    ]
}

fn table(result: &ScanResult, fail_on: Severity, w: &mut dyn Write) -> io::Result<()> {
    const HEAD: [&str; 6] = ["SEVERITY", "RULE", "ACTOR", "VERB", "OBJECT", "WHERE"];
    let rows: Vec<[String; 6]> = result.alerts.iter().map(columns).collect();
    if !rows.is_empty() {
        let mut width = HEAD.map(str::len);
        for r in &rows {
            for (i, c) in r.iter().enumerate() {
                width[i] = width[i].max(c.chars().count()).min(60);
            }
        }
        let line = |cells: &[&str]| -> String {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate() {
                if i + 1 == cells.len() {
                    s.push_str(c);
                } else {
                    s.push_str(&format!("{c:<w$}  ", w = width[i]));
                }
            }
            s.trim_end().to_owned()
        };
        writeln!(w, "{}", line(&HEAD))?;
        for (r, a) in rows.iter().zip(&result.alerts) {
            let cells: Vec<&str> = r.iter().map(String::as_str).collect();
            writeln!(w, "{}", line(&cells))?;
            writeln!(w, "    {}", one_line(&a.message))?;
        }
        writeln!(w)?;
    }
    if !result.errors.is_empty() {
        writeln!(w, "Input errors ({}):", result.errors.len())?;
        for e in &result.errors {
            writeln!(w, "  error: {}", one_line(&e.to_string()))?;
        }
        writeln!(w)?;
    }
    let sum = Summary::of(&result.alerts, fail_on);
    let by: Vec<String> = sum
        .by_severity
        .iter()
        .rev()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let r = &result.read;
    writeln!(
        w,
        "Read {} events from {} inputs with {} rules: {} alerts{}; {} at or above {}. \
         {} malformed, {} oversized, {} truncated inputs.",
        r.events,
        r.files,
        result.rules,
        sum.alerts,
        if by.is_empty() {
            String::new()
        } else {
            format!(" ({})", by.join(", "))
        },
        sum.at_or_above_fail_on,
        fail_on,
        r.malformed,
        r.oversized,
        r.truncated
    )
}

/// Control characters (from the audit log: user agents, names) are shown escaped, and a
/// message stays on one line.
fn one_line(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}
