//! `--baseline`: the fingerprints of an earlier JSON report.

use std::collections::HashSet;
use std::path::Path;

use rampart_model::{Fingerprint, Pointer, Subject};
use serde_json::Value;

use crate::ScanError;

/// The fingerprints of the results in an earlier JSON report. Reports of schema version 2 carry
/// them; for version 1 reports they are computed from the check, object and pointer, which is
/// what version 1 identified a finding by.
pub(crate) fn load(path: &Path) -> Result<HashSet<Fingerprint>, ScanError> {
    let err = |what: String| ScanError::Baseline(format!("baseline {}: {what}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read it: {e}")))?;
    let not_report = || err("not a rampart JSON report (`rampart scan --format json`)".to_string());
    let doc: Value = serde_json::from_str(&text).map_err(|_| not_report())?;
    let findings = doc
        .get("findings")
        .and_then(Value::as_array)
        .ok_or_else(not_report)?;
    let mut out = HashSet::with_capacity(findings.len());
    for (i, f) in findings.iter().enumerate() {
        let bad = |what: &str| err(format!("finding {i}: {what}"));
        if let Some(fp) = f.get("fingerprint").and_then(Value::as_str) {
            out.insert(fp.parse().map_err(|e: String| bad(&e))?);
            continue;
        }
        // Schema version 1: no fingerprint field.
        let check = f
            .get("check")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("no `check`"))?;
        let object = f.get("object").ok_or_else(|| bad("no `object`"))?;
        let object = serde_json::from_value(object.clone())
            .map_err(|e| bad(&format!("bad `object`: {e}")))?;
        let pointer = f.get("pointer").and_then(Value::as_str).unwrap_or("");
        out.insert(Fingerprint::of(
            check,
            &Subject::Object(object),
            &Pointer::from_raw(pointer),
        ));
    }
    Ok(out)
}
