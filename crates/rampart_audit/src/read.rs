//! Readers: JSON lines (one `Event` or `EventList` per line), a whole `EventList` (or `Event`,
//! or JSON array of events) document, plain, rotated and gzip files (by magic bytes, several
//! gzip members read as one stream), and standard input.
//!
//! Nothing is fatal: a malformed line, an oversized event or a truncated gzip stream is counted
//! and reported with file:line, and reading goes on.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use flate2::read::MultiGzDecoder;
use rampart_model::InputError;
use serde::Serialize;

use crate::event::Event;

/// Largest event (one line, or one document) read; larger ones are skipped and counted.
pub const DEFAULT_MAX_EVENT_BYTES: usize = 4 * 1024 * 1024;
/// Largest whole document (an `EventList` that is not one per line).
pub const MAX_DOCUMENT_BYTES: usize = 512 * 1024 * 1024;

/// One input: a file or standard input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    File(PathBuf),
    Stdin,
}

impl Input {
    /// The name used in messages (`<stdin>` for standard input).
    pub fn display_path(&self) -> PathBuf {
        match self {
            Input::File(p) => p.clone(),
            Input::Stdin => PathBuf::from("<stdin>"),
        }
    }
}

/// Expands arguments: `-` is stdin, a directory gives its audit-log files (`*.log`, `*.log.N`,
/// `*.gz`, `*.json`, `*.jsonl`), oldest first by modification time so rotated files replay in
/// order; files are taken as given.
pub fn discover(args: &[PathBuf]) -> (Vec<Input>, Vec<InputError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for a in args {
        if a.as_os_str() == "-" {
            out.push(Input::Stdin);
            continue;
        }
        match std::fs::metadata(a) {
            Ok(m) if m.is_dir() => {
                let mut files: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
                match std::fs::read_dir(a) {
                    Ok(rd) => {
                        for entry in rd.flatten() {
                            let p = entry.path();
                            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                            let audit_like = name.contains(".log")
                                || name.ends_with(".gz")
                                || name.ends_with(".json")
                                || name.ends_with(".jsonl");
                            if let Ok(md) = entry.metadata() {
                                if md.is_file() && audit_like {
                                    let t = md.modified().unwrap_or(std::time::UNIX_EPOCH);
                                    files.push((t, p));
                                }
                            }
                        }
                    }
                    Err(e) => {
                        errors.push(InputError::file(a, format!("cannot read directory: {e}")))
                    }
                }
                files.sort();
                out.extend(files.into_iter().map(|(_, p)| Input::File(p)));
            }
            Ok(_) => out.push(Input::File(a.clone())),
            Err(e) => errors.push(InputError::file(a, format!("cannot read: {e}"))),
        }
    }
    (out, errors)
}

/// What reading met, over every input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReadStats {
    pub files: u64,
    pub bytes: u64,
    /// Events decoded (items of an `EventList` each count).
    pub events: u64,
    /// Lines or documents that are not JSON, or not audit events.
    pub malformed: u64,
    /// Events larger than the limit, skipped.
    pub oversized: u64,
    /// Inputs that ended early (a truncated gzip stream, a read error).
    pub truncated: u64,
}

/// Reads audit events and hands each to a callback with where it was.
pub struct Reader {
    pub max_event_bytes: usize,
    pub stats: ReadStats,
    pub errors: Vec<InputError>,
    /// At most this many problems are kept per input (all are counted).
    pub max_errors_per_input: usize,
}

impl Default for Reader {
    fn default() -> Self {
        Reader {
            max_event_bytes: DEFAULT_MAX_EVENT_BYTES,
            stats: ReadStats::default(),
            errors: Vec::new(),
            max_errors_per_input: 100,
        }
    }
}

/// Where an event was read: the file and the 1-based line its JSON starts on.
#[derive(Clone, Debug)]
pub struct At<'p> {
    pub path: &'p Arc<Path>,
    pub line: u32,
}

impl Reader {
    /// Reads one input to the end.
    pub fn read(&mut self, input: &Input, on_event: &mut dyn FnMut(&Event<'_>, At<'_>)) {
        self.read_lines(input, &mut |_, _| false, on_event);
    }

    /// Reads one input to the end, offering each JSON line to `on_line` first: when it takes the
    /// line (returns `true`), the line counts as one event and is not decoded here; otherwise it
    /// is decoded and handed to `on_event` (or reported) as [`Reader::read`] does. This is the
    /// replay's fast path ([`crate::Engine::process_json`]).
    pub fn read_lines(
        &mut self,
        input: &Input,
        on_line: &mut dyn FnMut(&str, At<'_>) -> bool,
        on_event: &mut dyn FnMut(&Event<'_>, At<'_>),
    ) {
        let path: Arc<Path> = Arc::from(input.display_path());
        self.stats.files += 1;
        let raw: Box<dyn Read> = match input {
            Input::Stdin => Box::new(io::stdin().lock()),
            Input::File(p) => match File::open(p) {
                Ok(f) => Box::new(f),
                Err(e) => {
                    self.errors
                        .push(InputError::file(&path, format!("cannot read: {e}")));
                    return;
                }
            },
        };
        let mut buffered = BufReader::with_capacity(1 << 20, raw);
        let gz = match buffered.fill_buf() {
            Ok(head) => head.starts_with(&[0x1f, 0x8b]),
            Err(e) => {
                self.errors
                    .push(InputError::file(&path, format!("cannot read: {e}")));
                return;
            }
        };
        if gz {
            let dec = BufReader::with_capacity(1 << 20, MultiGzDecoder::new(buffered));
            self.read_stream_lines(dec, &path, on_line, on_event);
        } else {
            self.read_stream_lines(buffered, &path, on_line, on_event);
        }
    }

    /// Reads a stream (already decompressed) as JSON lines, switching to one whole document
    /// when the first line is not a complete JSON value.
    pub fn read_stream<R: BufRead>(
        &mut self,
        r: R,
        path: &Arc<Path>,
        on_event: &mut dyn FnMut(&Event<'_>, At<'_>),
    ) {
        self.read_stream_lines(r, path, &mut |_, _| false, on_event);
    }

    fn read_stream_lines<R: BufRead>(
        &mut self,
        mut r: R,
        path: &Arc<Path>,
        on_line: &mut dyn FnMut(&str, At<'_>) -> bool,
        on_event: &mut dyn FnMut(&Event<'_>, At<'_>),
    ) {
        let mut line = Vec::with_capacity(64 * 1024);
        let mut line_no: u32 = 0;
        let mut kept_errors = 0usize;
        let mut first = true;
        loop {
            if !first {
                // A whole line in the reader's buffer: judged where it lies, without a copy.
                let taken = match r.fill_buf() {
                    Ok(buf) => match memchr::memchr(b'\n', buf) {
                        Some(end) if end <= self.max_event_bytes => {
                            line_no += 1;
                            self.stats.bytes += end as u64;
                            self.judge_line(
                                &buf[..end],
                                path,
                                line_no,
                                &mut kept_errors,
                                on_line,
                                on_event,
                            );
                            Some(end + 1)
                        }
                        _ => None,
                    },
                    // Reported (or retried) by `read_line` below.
                    Err(_) => None,
                };
                if let Some(n) = taken {
                    r.consume(n);
                    continue;
                }
            }
            line.clear();
            let oversized = match read_line(&mut r, &mut line, self.max_event_bytes) {
                Ok(None) => break,
                Ok(Some(over)) => over,
                Err(e) => {
                    self.stats.truncated += 1;
                    self.problem(
                        &mut kept_errors,
                        InputError {
                            path: path.to_path_buf(),
                            line: Some(line_no + 1),
                            column: None,
                            message: format!(
                                "input ends early ({e}); the events before it were read"
                            ),
                        },
                    );
                    break;
                }
            };
            line_no += 1;
            self.stats.bytes += line.len() as u64;
            if oversized {
                self.stats.oversized += 1;
                self.problem(
                    &mut kept_errors,
                    InputError {
                        path: path.to_path_buf(),
                        line: Some(line_no),
                        column: None,
                        message: format!(
                            "event larger than {} bytes; skipped",
                            self.max_event_bytes
                        ),
                    },
                );
                first = false;
                continue;
            }
            if !first {
                self.judge_line(&line, path, line_no, &mut kept_errors, on_line, on_event);
                continue;
            }
            let text = trim_ascii(&line);
            if text.is_empty() {
                continue;
            }
            let Ok(text) = std::str::from_utf8(text) else {
                self.malformed(&mut kept_errors, path, line_no, "not valid UTF-8".into());
                first = false;
                continue;
            };
            if on_line(
                text,
                At {
                    path,
                    line: line_no,
                },
            ) {
                self.stats.events += 1;
                first = false;
                continue;
            }
            match serde_json::from_str::<Event<'_>>(text) {
                Ok(ev) => {
                    first = false;
                    self.deliver(ev, path, line_no, &mut kept_errors, on_event);
                }
                Err(e) if first && (e.is_eof() || text.starts_with('[')) => {
                    // A pretty-printed document: read it whole.
                    let mut doc = line.clone();
                    doc.push(b'\n');
                    let start = line_no;
                    let limit = MAX_DOCUMENT_BYTES as u64;
                    if let Err(e) = (&mut r).take(limit).read_to_end(&mut doc) {
                        self.stats.truncated += 1;
                        self.problem(
                            &mut kept_errors,
                            InputError::file(path, format!("input ends early ({e})")),
                        );
                    }
                    self.stats.bytes += doc.len() as u64 - line.len() as u64;
                    self.read_document(&doc, path, start, &mut kept_errors, on_event);
                    return;
                }
                Err(e) => {
                    first = false;
                    self.malformed(&mut kept_errors, path, line_no, format!("{e}"));
                }
            }
        }
    }

    /// One line after the first one (which may open a pretty-printed document): an event, an
    /// `EventList`, blank, or malformed.
    fn judge_line(
        &mut self,
        raw: &[u8],
        path: &Arc<Path>,
        line_no: u32,
        kept: &mut usize,
        on_line: &mut dyn FnMut(&str, At<'_>) -> bool,
        on_event: &mut dyn FnMut(&Event<'_>, At<'_>),
    ) {
        let text = trim_ascii(raw);
        if text.is_empty() {
            return;
        }
        let Ok(text) = std::str::from_utf8(text) else {
            self.malformed(kept, path, line_no, "not valid UTF-8".into());
            return;
        };
        if on_line(
            text,
            At {
                path,
                line: line_no,
            },
        ) {
            self.stats.events += 1;
            return;
        }
        match serde_json::from_str::<Event<'_>>(text) {
            Ok(ev) => self.deliver(ev, path, line_no, kept, on_event),
            Err(e) => self.malformed(kept, path, line_no, format!("{e}")),
        }
    }

    fn read_document(
        &mut self,
        doc: &[u8],
        path: &Arc<Path>,
        start: u32,
        kept: &mut usize,
        on_event: &mut dyn FnMut(&Event<'_>, At<'_>),
    ) {
        let Ok(text) = std::str::from_utf8(doc) else {
            self.malformed(kept, path, start, "not valid UTF-8".into());
            return;
        };
        let text = text.trim();
        if text.starts_with('[') {
            match serde_json::from_str::<Vec<Event<'_>>>(text) {
                Ok(events) => {
                    for ev in events {
                        self.deliver(ev, path, start, kept, on_event);
                    }
                }
                Err(e) => {
                    let line = start + e.line().saturating_sub(1) as u32;
                    self.malformed(kept, path, line, format!("{e}"));
                }
            }
            return;
        }
        match serde_json::from_str::<Event<'_>>(text) {
            Ok(ev) => self.deliver(ev, path, start, kept, on_event),
            Err(e) => {
                let line = start + e.line().saturating_sub(1) as u32;
                if e.is_eof() {
                    self.stats.truncated += 1;
                }
                self.malformed(kept, path, line, format!("{e}"));
            }
        }
    }

    fn deliver(
        &mut self,
        ev: Event<'_>,
        path: &Arc<Path>,
        line: u32,
        kept: &mut usize,
        on_event: &mut dyn FnMut(&Event<'_>, At<'_>),
    ) {
        if ev.is_list() {
            for item in ev.items.iter().flatten() {
                self.stats.events += 1;
                on_event(item, At { path, line });
            }
            return;
        }
        if !ev.looks_like_event() {
            self.malformed(
                kept,
                path,
                line,
                "not an audit event (expected an audit.k8s.io Event with verb and auditID, or an EventList)"
                    .into(),
            );
            return;
        }
        self.stats.events += 1;
        on_event(&ev, At { path, line });
    }

    fn malformed(&mut self, kept: &mut usize, path: &Path, line: u32, message: String) {
        self.stats.malformed += 1;
        self.problem(
            kept,
            InputError {
                path: path.to_path_buf(),
                line: Some(line),
                column: None,
                message: format!("malformed audit event: {message}"),
            },
        );
    }

    fn problem(&mut self, kept: &mut usize, e: InputError) {
        *kept += 1;
        if *kept <= self.max_errors_per_input {
            self.errors.push(e);
        }
    }
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end]
}

/// Reads one line (without its `\n`) into `out`. `Ok(None)` at the end of input; `Ok(Some(true))`
/// when the line was longer than `max` (its bytes are dropped, the rest of it skipped).
fn read_line<R: BufRead>(r: &mut R, out: &mut Vec<u8>, max: usize) -> io::Result<Option<bool>> {
    let mut over = false;
    let mut any = false;
    loop {
        let buf = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(any.then_some(over));
        }
        any = true;
        let (chunk, done) = match memchr::memchr(b'\n', buf) {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        if !over {
            if out.len() + chunk.len() > max {
                over = true;
                out.clear();
            } else {
                out.extend_from_slice(chunk);
            }
        }
        let used = done.unwrap_or(buf.len());
        r.consume(used);
        if done.is_some() {
            return Ok(Some(over));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn read_bytes(bytes: &[u8], max: usize) -> (Reader, Vec<(String, u32)>) {
        let mut reader = Reader {
            max_event_bytes: max,
            ..Reader::default()
        };
        let path: Arc<Path> = Arc::from(Path::new("t.log"));
        let mut seen = Vec::new();
        reader.read_stream(bytes, &path, &mut |e, at| {
            seen.push((e.audit_id.to_string(), at.line));
        });
        (reader, seen)
    }

    #[test]
    fn json_lines_with_bad_lines_are_counted_with_their_line() {
        let text = b"{\"auditID\":\"a\",\"verb\":\"get\"}\nnot json\n\n{\"auditID\":\"b\",\"verb\":\"list\"}\n{\"x\":1}\n";
        let (r, seen) = read_bytes(text, 1000);
        assert_eq!(seen, vec![("a".into(), 1), ("b".into(), 4)]);
        assert_eq!(r.stats.malformed, 2);
        assert_eq!(r.errors[0].line, Some(2));
        assert_eq!(r.errors[1].line, Some(5));
    }

    #[test]
    fn oversized_events_are_skipped_and_counted() {
        let big = format!("{{\"auditID\":\"{}\",\"verb\":\"get\"}}", "x".repeat(200));
        let text = format!("{big}\n{{\"auditID\":\"ok\",\"verb\":\"get\"}}\n");
        let (r, seen) = read_bytes(text.as_bytes(), 100);
        assert_eq!(seen, vec![("ok".into(), 2)]);
        assert_eq!(r.stats.oversized, 1);
        assert!(r.errors[0].message.contains("larger than"));
    }

    #[test]
    fn event_list_lines_and_pretty_documents() {
        let text = b"{\"kind\":\"EventList\",\"items\":[{\"auditID\":\"a\",\"verb\":\"get\"},{\"auditID\":\"b\",\"verb\":\"get\"}]}\n";
        let (_, seen) = read_bytes(text, 1000);
        assert_eq!(seen.len(), 2);
        let pretty = b"{\n  \"kind\": \"EventList\",\n  \"items\": [\n    {\"auditID\": \"c\", \"verb\": \"get\"}\n  ]\n}\n";
        let (r, seen) = read_bytes(pretty, 1000);
        assert_eq!(seen, vec![("c".into(), 1)]);
        assert_eq!(r.stats.malformed, 0);
        let array = b"[\n{\"auditID\": \"d\", \"verb\": \"get\"}\n]";
        let (_, seen) = read_bytes(array, 1000);
        assert_eq!(seen, vec![("d".into(), 1)]);
    }

    #[test]
    fn gzip_rotated_and_truncated_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut lines = String::new();
        for i in 0..50 {
            lines.push_str(&format!("{{\"auditID\":\"e{i}\",\"verb\":\"get\"}}\n"));
        }
        // Two gzip members in one file (as `cat a.gz b.gz` gives).
        let mut gz = Vec::new();
        for half in [&lines[..lines.len() / 2], &lines[lines.len() / 2..]] {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(half.as_bytes()).expect("gz");
            gz.extend(enc.finish().expect("gz"));
        }
        let p = dir.path().join("audit.log.1.gz");
        std::fs::write(&p, &gz).expect("write");
        let mut reader = Reader::default();
        let mut n = 0;
        reader.read(&Input::File(p.clone()), &mut |_, _| n += 1);
        assert!(n > 20, "read {n} events across gzip members");
        // Both members: every event, except a line split across members is still one line.
        assert_eq!(reader.stats.malformed, 0, "{:?}", reader.errors);
        assert_eq!(n, 50);
        let cut = dir.path().join("cut.gz");
        std::fs::write(&cut, &gz[..gz.len() / 2 - 10]).expect("write");
        let mut reader = Reader::default();
        let mut n = 0;
        reader.read(&Input::File(cut.clone()), &mut |_, _| n += 1);
        assert_eq!(reader.stats.truncated, 1);
        assert!(reader
            .errors
            .iter()
            .any(|e| e.message.contains("ends early")));
        let (inputs, errs) = discover(&[dir.path().to_path_buf(), PathBuf::from("/no/such")]);
        assert_eq!(inputs.len(), 2);
        assert_eq!(errs.len(), 1);
    }
}
