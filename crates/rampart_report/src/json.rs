//! JSON: the report as is, following `schemas/report.schema.json`.

use crate::Report;

/// Renders the report as pretty-printed JSON with a trailing newline.
pub fn render(report: &Report) -> String {
    let mut out = Vec::new();
    if let Err(e) = write(report, &mut out) {
        return format!(
            "{{\"error\": {}}}\n",
            serde_json::Value::from(e.to_string())
        );
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Writes the report to `w` as it is serialized, without building the whole text first.
pub fn write(report: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, report).map_err(std::io::Error::other)?;
    w.write_all(b"\n")
}
