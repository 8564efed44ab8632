//! Reading a JSON report (`rampart scan --format json`, schema version 2) back into a
//! [`Report`], for commands that render an earlier scan (`rampart report`).

use rampart_model::{Finding, InputError, Meta, Severity};
use serde::Deserialize;

use crate::{Report, Scanned, SCHEMA_VERSION};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Doc {
    schema_version: u32,
    #[serde(default)]
    findings: Vec<Finding>,
    #[serde(default)]
    errors: Vec<InputError>,
    #[serde(default)]
    scanned: Option<ScannedDoc>,
    #[serde(default)]
    summary: Option<SummaryDoc>,
    #[serde(default)]
    source: Option<serde_json::Value>,
    #[serde(default)]
    coverage: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ScannedDoc {
    #[serde(default)]
    files: usize,
    #[serde(default)]
    objects: usize,
    #[serde(default)]
    checks: usize,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SummaryDoc {
    #[serde(default)]
    fail_on: Option<Severity>,
    #[serde(default)]
    baselined: usize,
}

/// True when `text` starts like a rampart JSON report (rather than a Kubernetes object in
/// JSON): an object whose first members are `schemaVersion` and a `tool`.
pub fn is_report(text: &str) -> bool {
    let head: String = text.chars().take(512).collect();
    head.trim_start().starts_with('{')
        && head.contains("\"schemaVersion\"")
        && head.contains("\"tool\"")
}

/// Parses a JSON report. `rules` are the metadata of the checks that ran (a JSON report does
/// not list them); the summary is recomputed from the findings.
pub fn report(text: &str, rules: Vec<Meta>) -> Result<Report, String> {
    if !is_report(text) {
        return Err("not a rampart JSON report (`rampart scan --format json`)".to_owned());
    }
    let doc: Doc = serde_json::from_str(text).map_err(|e| {
        format!(
            "line {}, column {}: not a rampart JSON report of schema version {SCHEMA_VERSION}: {e}",
            e.line(),
            e.column()
        )
    })?;
    if doc.schema_version != SCHEMA_VERSION {
        return Err(format!(
            "schema version {} (expected {SCHEMA_VERSION}); re-run the scan with this rampart",
            doc.schema_version
        ));
    }
    let s = doc.scanned.unwrap_or_default();
    let (fail_on, baselined) = doc.summary.map_or((Severity::High, 0), |s| {
        (s.fail_on.unwrap_or(Severity::High), s.baselined)
    });
    let mut r = Report::new(
        doc.findings,
        doc.errors,
        Scanned {
            files: s.files,
            objects: s.objects,
            checks: s.checks,
        },
        rules,
        fail_on,
        baselined,
    );
    r.source = doc.source;
    r.coverage = doc.coverage;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_report_reads_back() {
        let f = Finding::new(
            "host-network".into(),
            Severity::High,
            rampart_model::ObjectRef {
                api_version: "v1".into(),
                kind: "Pod".into(),
                namespace: Some("prod".into()),
                name: "web".into(),
                uid: None,
            }
            .into(),
            rampart_model::Pointer::from_raw("/spec/hostNetwork"),
            "uses the host network".into(),
        );
        let r = Report::new(
            vec![f.clone()],
            vec![],
            Scanned::default(),
            vec![],
            Severity::High,
            0,
        );
        let text = crate::json::render(&r);
        let back = report(&text, vec![]).expect("reads back");
        assert_eq!(back.findings, vec![f]);
        assert_eq!(back.summary.open, 1);
        assert!(back.summary.failed);
        assert!(report("{\"apiVersion\": \"v1\"}", vec![]).is_err());
        assert!(report("{\"schemaVersion\": 1, \"tool\": {}}", vec![]).is_err());
    }
}
