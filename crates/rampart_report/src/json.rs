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

mod finding;

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

    /// Writes findings, in the order given (serialized in parallel, written in order). Large
    /// slices are serialized a group at a time, so the text held at once stays bounded.
    pub fn findings(&mut self, findings: &[Finding]) -> std::io::Result<()> {
        const GROUP: usize = 16 * 1024;
        for group in findings.chunks(GROUP) {
            let chunks: Vec<Vec<u8>> = group
                .par_chunks(256)
                .map(|chunk| {
                    let mut buf = Vec::with_capacity(chunk.len() * 640);
                    for f in chunk {
                        buf.extend_from_slice(b",\n    ");
                        finding::write_finding(&mut buf, f, 2)?;
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
    let mut out = Vec::new();
    pretty_into(&mut out, value, depth)?;
    Ok(out)
}

/// Appends `value` as pretty-printed JSON (two-space indentation, as `serde_json`'s pretty
/// printer writes it) whose lines after the first are indented `depth` levels more, so it can
/// stand inside an enclosing document.
fn pretty_into<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
    depth: usize,
) -> std::io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(
        out,
        Indented {
            level: depth,
            has_value: false,
        },
    );
    value.serialize(&mut ser).map_err(std::io::Error::other)
}

/// `serde_json`'s pretty layout, starting `level` levels deep.
struct Indented {
    level: usize,
    has_value: bool,
}

impl Indented {
    fn newline<W: ?Sized + Write>(&self, w: &mut W) -> std::io::Result<()> {
        const SPACES: &[u8] = &[b' '; 64];
        w.write_all(b"\n")?;
        let mut n = self.level * 2;
        while n > 0 {
            let k = n.min(SPACES.len());
            w.write_all(&SPACES[..k])?;
            n -= k;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.newline(w)?;
        }
        w.write_all(bracket)
    }

    fn item<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.newline(w)
    }
}

impl serde_json::ser::Formatter for Indented {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
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

#[cfg(test)]
mod tests {
    /// The same text as `serde_json`'s pretty printer, indented as a nested value.
    #[test]
    fn indented_matches_serde_json_pretty() {
        let v = serde_json::json!({"a": [], "b": {}, "c": [1, {"d": [true, null, "x\ny"]}],
            "e": {"f": {"g": 1.5}}, "h": ""});
        let want = serde_json::to_string_pretty(&v).unwrap_or_default();
        for depth in [0usize, 2, 40] {
            let got =
                String::from_utf8(super::pretty(&v, depth).unwrap_or_default()).unwrap_or_default();
            let pad = " ".repeat(depth * 2);
            assert_eq!(
                got,
                want.replace('\n', &format!("\n{pad}")),
                "depth {depth}"
            );
        }
    }
}
