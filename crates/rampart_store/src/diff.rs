//! What changed between two scans, by fingerprint.

use std::collections::HashMap;

use serde::Serialize;

use crate::record::Row;
use crate::store::ScanInfo;

/// One result present in both scans whose status, severity, message or suppression changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    pub before: Row,
    pub after: Row,
    /// Which of `status`, `severity`, `message`, `suppression` changed.
    pub fields: Vec<&'static str>,
}

/// The difference between an earlier scan (`from`) and a later one (`to`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Diff {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<ScanInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<ScanInfo>,
    /// In `to` only.
    pub new: Vec<Row>,
    /// In `from` only.
    pub fixed: Vec<Row>,
    /// In both, with a different status, severity, message or suppression.
    pub changed: Vec<Change>,
    /// In both and the same, only at another place (lines moved).
    pub moved: usize,
    /// In both, at the same place.
    pub unchanged: usize,
}

/// Compares two scans' results. Results are matched by fingerprint (check, subject identity and
/// pointer; never the line), so moving a manifest's lines makes nothing new. When one scan holds
/// several results with one fingerprint (the same field judged twice), they are paired in order
/// of message, then place; the rest are new or fixed.
pub fn diff(before: &[Row], after: &[Row]) -> Diff {
    fn group(rows: &[Row]) -> HashMap<&str, Vec<usize>> {
        let mut out: HashMap<&str, Vec<usize>> = HashMap::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            out.entry(r.fingerprint.as_str()).or_default().push(i);
        }
        out
    }
    let key = |r: &Row| (r.message.clone(), r.path.clone(), r.line, r.column);
    let mut old = group(before);
    let mut matched_old = vec![false; before.len()];
    let mut matched_new = vec![false; after.len()];
    let mut out = Diff::default();
    let mut changed: Vec<(usize, Change)> = Vec::new();
    for (fp, mut now) in group(after) {
        let Some(mut was) = old.remove(fp) else {
            continue;
        };
        if now.len() > 1 || was.len() > 1 {
            now.sort_by_cached_key(|i| key(&after[*i]));
            was.sort_by_cached_key(|i| key(&before[*i]));
        }
        for (&bi, &ai) in was.iter().zip(now.iter()) {
            matched_old[bi] = true;
            matched_new[ai] = true;
            let (b, a) = (&before[bi], &after[ai]);
            let mut fields = Vec::new();
            if b.status != a.status {
                fields.push("status");
            }
            if b.severity != a.severity {
                fields.push("severity");
            }
            if b.message != a.message {
                fields.push("message");
            }
            if b.suppression != a.suppression {
                fields.push("suppression");
            }
            if !fields.is_empty() {
                changed.push((
                    ai,
                    Change {
                        before: b.clone(),
                        after: a.clone(),
                        fields,
                    },
                ));
            } else if (&b.path, b.line, b.column) != (&a.path, a.line, a.column) {
                out.moved += 1;
            } else {
                out.unchanged += 1;
            }
        }
    }
    out.new = after
        .iter()
        .zip(&matched_new)
        .filter(|(_, m)| !**m)
        .map(|(r, _)| r.clone())
        .collect();
    out.fixed = before
        .iter()
        .zip(&matched_old)
        .filter(|(_, m)| !**m)
        .map(|(r, _)| r.clone())
        .collect();
    changed.sort_by_key(|(i, _)| *i);
    out.changed = changed.into_iter().map(|(_, c)| c).collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(fp: &str, line: i64, severity: &str, message: &str) -> Row {
        Row {
            check: "host-network".into(),
            status: "fail".into(),
            severity: severity.into(),
            subject_type: "object".into(),
            subject: "Deployment/prod/web".into(),
            namespace: Some("prod".into()),
            pointer: "/spec/template/spec/hostNetwork".into(),
            path: Some("a.yaml".into()),
            line: Some(line),
            column: Some(3),
            message: message.into(),
            fingerprint: fp.into(),
            suppression: "open".into(),
            suppressed_by: None,
            suppression_reason: None,
        }
    }

    #[test]
    fn moved_lines_are_not_new_and_changes_are_named() {
        let before = vec![
            row("0000000000000001", 10, "high", "m"),
            row("0000000000000002", 20, "high", "m"),
            row("0000000000000003", 30, "low", "m"),
            row("0000000000000004", 40, "low", "m"),
        ];
        let after = vec![
            row("0000000000000001", 15, "high", "m"),     // moved
            row("0000000000000003", 30, "critical", "m"), // severity changed
            row("0000000000000004", 40, "low", "m"),      // same
            row("0000000000000005", 50, "low", "m"),      // new
        ];
        let d = diff(&before, &after);
        assert_eq!(d.moved, 1);
        assert_eq!(d.unchanged, 1);
        assert_eq!(d.new.len(), 1);
        assert_eq!(d.new[0].fingerprint, "0000000000000005");
        assert_eq!(d.fixed.len(), 1);
        assert_eq!(d.fixed[0].fingerprint, "0000000000000002");
        assert_eq!(d.changed.len(), 1);
        assert_eq!(d.changed[0].fields, vec!["severity"]);
        assert_eq!(d.changed[0].before.severity, "low");
        assert_eq!(d.changed[0].after.severity, "critical");
    }

    #[test]
    fn duplicates_of_one_fingerprint_pair_up_and_the_rest_are_new() {
        let before = vec![row("00000000000000aa", 1, "high", "a")];
        let after = vec![
            row("00000000000000aa", 1, "high", "a"),
            row("00000000000000aa", 2, "high", "b"),
        ];
        let d = diff(&before, &after);
        assert_eq!(d.unchanged, 1);
        assert_eq!(d.new.len(), 1);
        assert_eq!(d.new[0].message, "b");
        assert!(d.fixed.is_empty() && d.changed.is_empty());
    }

    #[test]
    fn status_message_and_suppression_changes_are_changes() {
        let before = vec![row("0000000000000001", 1, "high", "old words")];
        let mut a = row("0000000000000001", 1, "high", "new words");
        a.status = "pass".into();
        a.suppression = "suppressed".into();
        let d = diff(&before, &[a]);
        assert_eq!(d.changed.len(), 1);
        assert_eq!(
            d.changed[0].fields,
            vec!["status", "message", "suppression"]
        );
        assert!(d.new.is_empty() && d.fixed.is_empty());
    }
}
