//! Ignoring checks on one object with an annotation.
//!
//! ```yaml
//! metadata:
//!   annotations:
//!     rampart.dev/ignore: "privileged-container,host-pid: node agent needs the host (OPS-123)"
//! ```
//!
//! The value is `IDS: REASON`, where IDS is a comma-separated list of check ids (or `all`) and the
//! reason is required. Several clauses may be separated by `;`. A malformed value suppresses
//! nothing and is itself reported by the `invalid-ignore-annotation` check.

use rampart_model::Resource;

/// The annotation key.
pub const IGNORE_ANNOTATION: &str = "rampart.dev/ignore";

/// One valid clause of the ignore annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ignore {
    pub checks: Vec<String>,
    pub reason: String,
}

impl Ignore {
    pub fn covers(&self, id: &str) -> bool {
        self.checks.iter().any(|c| c == id || c == "all")
    }
}

/// Parses the annotation value: valid clauses, and an error message per invalid clause.
pub fn parse(value: &str) -> (Vec<Ignore>, Vec<String>) {
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for clause in value.split(';').map(str::trim).filter(|c| !c.is_empty()) {
        let Some((ids, reason)) = clause.split_once(':') else {
            bad.push(format!(
                "`{clause}` has no reason: write `CHECK-ID[,CHECK-ID...]: why it is accepted`"
            ));
            continue;
        };
        let reason = reason.trim();
        if reason.is_empty() {
            bad.push(format!("`{clause}` has an empty reason"));
            continue;
        }
        let mut checks = Vec::new();
        let mut unknown = Vec::new();
        for id in ids.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            if id == "all" || crate::by_id(id).is_some() {
                checks.push(id.to_string());
            } else {
                unknown.push(id.to_string());
            }
        }
        if !unknown.is_empty() {
            bad.push(format!("unknown check id(s): {}", unknown.join(", ")));
        }
        if checks.is_empty() {
            if unknown.is_empty() {
                bad.push(format!("`{clause}` names no check"));
            }
            continue;
        }
        ok.push(Ignore {
            checks,
            reason: reason.to_string(),
        });
    }
    (ok, bad)
}

/// The valid ignore clauses on an object.
pub fn annotation_ignores(res: &Resource) -> Vec<Ignore> {
    ignores_of(res.annotation(IGNORE_ANNOTATION))
}

/// A finding's status given the object's ignore clauses: suppressed by the first clause covering
/// check `id`, open otherwise.
pub fn status(ignores: &[Ignore], id: &str) -> rampart_model::Suppression {
    ignores
        .iter()
        .find(|ig| ig.covers(id))
        .map(|ig| rampart_model::Suppression::Suppressed {
            by: "annotation".into(),
            reason: ig.reason.clone(),
        })
        .unwrap_or_default()
}

/// The valid clauses of an ignore annotation value, if there is one.
pub fn ignores_of(value: Option<&str>) -> Vec<Ignore> {
    match value {
        Some(v) => parse(v).0,
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_clauses_and_requires_reasons() {
        let (ok, bad) = parse("privileged-container, host-pid: node agent; image-tag-latest");
        assert_eq!(ok.len(), 1);
        assert!(ok[0].covers("host-pid"));
        assert_eq!(ok[0].reason, "node agent");
        assert_eq!(bad.len(), 1);
        let (ok, bad) = parse("no-such-check: because");
        assert!(ok.is_empty());
        assert!(bad[0].contains("no-such-check"));
    }
}
