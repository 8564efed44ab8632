//! Text renderings of history: the scan list, a diff and a trend. (JSON is the serde form of
//! [`ScanInfo`], [`Diff`] and [`Trend`].)

use std::fmt::Write as _;

use crate::diff::Diff;
use crate::record::Row;
use crate::store::{ScanInfo, Trend};

/// Left-aligned columns separated by two spaces; numeric columns (all digits) right-aligned.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = width.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let numeric: Vec<bool> = (0..header.len())
        .map(|i| {
            !rows.is_empty()
                && rows.iter().all(|r| {
                    r.get(i)
                        .is_some_and(|c| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_digit()))
                })
        })
        .collect();
    let mut out = String::new();
    let line = |out: &mut String, cells: Vec<&str>| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                l.push_str("  ");
            }
            let pad = width[i].saturating_sub(c.chars().count());
            if numeric[i] {
                l.push_str(&" ".repeat(pad));
                l.push_str(c);
            } else {
                l.push_str(c);
                if i + 1 < cells.len() {
                    l.push_str(&" ".repeat(pad));
                }
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&mut out, header.to_vec());
    for r in rows {
        line(&mut out, r.iter().map(String::as_str).collect());
    }
    out
}

/// The start time without sub-seconds: `2026-12-07T02:31:05Z`.
fn short_time(t: &str) -> String {
    match t.split_once('.') {
        Some((head, _)) => format!("{head}Z"),
        None => t.to_owned(),
    }
}

/// `history list`: one line per scan with its counts.
pub fn scans(scans: &[ScanInfo]) -> String {
    if scans.is_empty() {
        return "No scans kept yet: run `rampart scan --store ...`.\n".to_owned();
    }
    let rows: Vec<Vec<String>> = scans
        .iter()
        .map(|s| {
            let sev = |k: &str| s.by_severity.get(k).copied().unwrap_or(0).to_string();
            vec![
                s.id.to_string(),
                short_time(&s.started_at),
                s.target.clone(),
                s.objects.to_string(),
                s.results.to_string(),
                s.open.to_string(),
                sev("critical"),
                sev("high"),
                sev("medium"),
                sev("low"),
                sev("info"),
                s.suppressed.to_string(),
                s.errors.to_string(),
                if s.partial { "partial" } else { "" }.to_owned(),
            ]
        })
        .collect();
    table(
        &[
            "ID", "STARTED", "TARGET", "OBJECTS", "RESULTS", "OPEN", "CRIT", "HIGH", "MED", "LOW",
            "INFO", "SUPPR", "ERRORS", "",
        ],
        &rows,
    )
}

fn finding_line(r: &Row) -> Vec<String> {
    vec![
        r.severity.clone(),
        r.check.clone(),
        r.subject.clone(),
        r.place(),
        r.message.clone(),
    ]
}

/// `rampart diff`: the new, fixed and changed results, then a count line.
pub fn diff(d: &Diff) -> String {
    let mut out = String::new();
    if let (Some(a), Some(b)) = (&d.from, &d.to) {
        let _ = writeln!(
            out,
            "Scan {} ({}, {}) -> scan {} ({}, {})",
            a.id,
            short_time(&a.started_at),
            a.target,
            b.id,
            short_time(&b.started_at),
            b.target
        );
        out.push('\n');
    }
    let header = ["SEVERITY", "CHECK", "SUBJECT", "WHERE", "MESSAGE"];
    for (title, rows) in [("New", &d.new), ("Fixed", &d.fixed)] {
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{title} ({}):", rows.len());
        out.push_str(&table(
            &header,
            &rows.iter().map(finding_line).collect::<Vec<_>>(),
        ));
        out.push('\n');
    }
    if !d.changed.is_empty() {
        let _ = writeln!(out, "Changed ({}):", d.changed.len());
        let rows: Vec<Vec<String>> = d
            .changed
            .iter()
            .map(|c| {
                let what = c
                    .fields
                    .iter()
                    .map(|f| {
                        let (b, a) = match *f {
                            "status" => (&c.before.status, &c.after.status),
                            "severity" => (&c.before.severity, &c.after.severity),
                            "suppression" => (&c.before.suppression, &c.after.suppression),
                            _ => return "message reworded".to_owned(),
                        };
                        format!("{f} {b} -> {a}")
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                vec![
                    c.after.check.clone(),
                    c.after.subject.clone(),
                    c.after.place(),
                    what,
                ]
            })
            .collect();
        out.push_str(&table(&["CHECK", "SUBJECT", "WHERE", "CHANGE"], &rows));
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{} new, {} fixed, {} changed, {} moved, {} unchanged",
        d.new.len(),
        d.fixed.len(),
        d.changed.len(),
        d.moved,
        d.unchanged
    );
    out
}

/// `history trend`: one line per key, one column per scan (oldest first).
pub fn trend(t: &Trend) -> String {
    if t.scans.is_empty() {
        return "No scans kept yet: run `rampart scan --store ...`.\n".to_owned();
    }
    let framework = t.by == "framework";
    let mut out = if framework {
        format!(
            "Framework scores (failing controls) over the last {} scan(s) of {}\n\n",
            t.scans.len(),
            t.target
        )
    } else {
        format!(
            "Open findings by {} over the last {} scan(s) of {}\n\n",
            t.by,
            t.scans.len(),
            t.target
        )
    };
    if framework && t.series.is_empty() {
        out.push_str(
            "No framework scores kept for these scans (kept before rampart stored them).\n",
        );
        return out;
    }
    let ids: Vec<String> = t.scans.iter().map(|s| format!("#{}", s.id)).collect();
    let mut header: Vec<&str> = vec![t.by];
    header.extend(ids.iter().map(String::as_str));
    let rows: Vec<Vec<String>> = t
        .series
        .iter()
        .map(|s| {
            let mut r = vec![s.key.clone()];
            if framework {
                r.extend(
                    s.counts
                        .iter()
                        .zip(&s.scores)
                        .map(|(fail, score)| match score {
                            Some(v) => format!("{v:.1}% ({fail})"),
                            None => "-".to_owned(),
                        }),
                );
            } else {
                r.extend(s.counts.iter().map(i64::to_string));
            }
            r
        })
        .collect();
    let upper = t.by.to_uppercase();
    header[0] = &upper;
    out.push_str(&table(&header, &rows));
    out
}
