//! JSON: the report, following `schemas/report.schema.json`.
//!
//! Written as a stream: the header first, then findings as they come (a scan hands them over file
//! by file, so memory does not grow with their number), then errors, counts and the summary.
//! That is why `findings` precedes `scanned` and `summary` in the text.

use std::io::Write;

use rampart_model::{Finding, InputError};
use rayon::prelude::*;
use serde::Serialize;

use crate::{Report, Scanned, Summary, Tool, SCHEMA_VERSION};

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

/// Writes the whole report to `w`.
pub fn write(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    let mut stream = Stream::begin(w, &report.tool)?;
    stream.findings(&report.findings)?;
    stream.finish(&Tail {
        errors: &report.errors,
        scanned: &report.scanned,
        summary: &report.summary,
        source: report.source.as_ref(),
        coverage: report.coverage.as_ref(),
    })
}

/// What follows the findings.
pub struct Tail<'a> {
    pub errors: &'a [InputError],
    pub scanned: &'a Scanned,
    pub summary: &'a Summary,
    pub source: Option<&'a serde_json::Value>,
    pub coverage: Option<&'a serde_json::Value>,
}

/// A JSON report being written.
pub struct Stream<'w> {
    w: &'w mut dyn Write,
    written: usize,
}

impl<'w> Stream<'w> {
    /// Writes everything before the findings.
    pub fn begin(w: &'w mut dyn Write, tool: &Tool) -> std::io::Result<Self> {
        write!(
            w,
            "{{\n  \"schemaVersion\": {SCHEMA_VERSION},\n  \"tool\": "
        )?;
        w.write_all(&pretty(tool, 1)?)?;
        w.write_all(b",\n  \"findings\": [")?;
        Ok(Stream { w, written: 0 })
    }

    /// Writes findings, in the order given (serialized in parallel, written in order).
    pub fn findings(&mut self, findings: &[Finding]) -> std::io::Result<()> {
        let chunks: Vec<Vec<u8>> = findings
            .par_chunks(1024)
            .map(|chunk| {
                let mut buf = Vec::with_capacity(chunk.len() * 512);
                for f in chunk {
                    buf.extend_from_slice(b",\n    ");
                    buf.extend_from_slice(&pretty(f, 2)?);
                }
                Ok(buf)
            })
            .collect::<std::io::Result<_>>()?;
        for chunk in chunks {
            // The first item of the array has no comma before it.
            let skip = usize::from(self.written == 0 && !chunk.is_empty());
            self.w.write_all(&chunk[skip..])?;
            self.written += 1;
        }
        Ok(())
    }

    /// Writes everything after the findings and closes the document.
    pub fn finish(self, tail: &Tail<'_>) -> std::io::Result<()> {
        let w = self.w;
        if self.written == 0 {
            w.write_all(b"]")?;
        } else {
            w.write_all(b"\n  ]")?;
        }
        let mut field = |name: &str, value: &dyn erased::Pretty| -> std::io::Result<()> {
            write!(w, ",\n  \"{name}\": ")?;
            w.write_all(&value.pretty(1)?)
        };
        field("errors", &tail.errors)?;
        field("scanned", tail.scanned)?;
        field("summary", tail.summary)?;
        if let Some(v) = tail.source {
            field("source", v)?;
        }
        if let Some(v) = tail.coverage {
            field("coverage", v)?;
        }
        w.write_all(b"\n}\n")
    }
}

/// `value` as pretty JSON nested `depth` levels deep (two spaces a level).
fn pretty<T: Serialize + ?Sized>(value: &T, depth: usize) -> std::io::Result<Vec<u8>> {
    let text = serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?;
    let indent = depth * 2;
    let mut out = Vec::with_capacity(text.len() + text.len() / 8);
    // JSON strings never hold a raw newline: every newline starts a line to indent.
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
            out.extend(std::iter::repeat_n(b' ', indent));
        }
        out.extend_from_slice(line);
    }
    Ok(out)
}

mod erased {
    /// A serializable value behind a reference of one type.
    pub trait Pretty {
        fn pretty(&self, depth: usize) -> std::io::Result<Vec<u8>>;
    }

    impl<T: serde::Serialize + ?Sized> Pretty for T {
        fn pretty(&self, depth: usize) -> std::io::Result<Vec<u8>> {
            super::pretty(self, depth)
        }
    }
}
