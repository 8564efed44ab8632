//! A YAML (and JSON) loader that resolves scalars the way Kubernetes does and keeps the position
//! of every node.
//!
//! Kubernetes reads manifests with YAML 1.1 rules (sigs.k8s.io/yaml over a go-yaml v2 fork):
//! `0644` is the integer 420, `yes`/`on`/`y` are `true`, `~` is null, and `<<` merges mappings.
//! The parser (saphyr-parser) only tokenises; scalar resolution, anchors, merge keys, and the
//! limits that keep hostile input bounded (depth, alias expansion) are ours.

use std::borrow::Cow;
use std::collections::HashMap;

use rampart_model::{Pos, PosTree};
use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use serde_json::{Map, Number, Value};

mod fast;

/// Deepest nesting accepted in one document.
pub const MAX_DEPTH: usize = 200;
/// Most nodes one document may expand to through aliases (stops "billion laughs").
pub const MAX_ALIAS_NODES: usize = 1_000_000;

/// One parsed document: its value and the position of each node.
#[derive(Debug)]
pub struct Doc {
    pub value: Value,
    pub positions: PosTree,
    /// Where the document's content starts.
    pub start: Pos,
}

/// A problem found while reading YAML: where and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    pub pos: Pos,
    pub message: String,
}

/// Everything read from one YAML stream.
#[derive(Debug, Default)]
pub struct Stream {
    /// Documents in order (empty documents are left out).
    pub docs: Vec<Doc>,
    /// Problems; a document with a problem may still be present (e.g. duplicate keys: last wins).
    pub errors: Vec<YamlError>,
}

impl Stream {
    /// Everything the stream holds, as text: each document's value (key order included), its
    /// positions and start, then the problems. Two readings of one text agree when their
    /// descriptions do (the fast path's test and fuzz target compare them).
    #[doc(hidden)]
    pub fn describe(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        for d in &self.docs {
            out.push_str(&d.value.to_string());
            let _ = write!(out, "\n{:?}\n{:?}\n", d.positions, d.start);
        }
        for e in &self.errors {
            let _ = writeln!(out, "error {e:?}");
        }
        out
    }
}

/// Parses a whole multi-document stream. After a syntax error, reading resumes at the next line
/// that starts a document (`---`), so one bad document does not hide the rest.
///
/// Flow collections (`[...]`, `{...}`) inside block YAML whose lines are indented less than YAML
/// 1.2 requires (`args: [` ... `]` with the `]` under `args`, or tab-indented JSON nested in a
/// block mapping) are accepted, as Kubernetes (go-yaml) accepts them: the offending lines are
/// re-indented and parsed again, and columns are reported against the original text.
pub fn parse_stream(text: &str) -> Stream {
    parse_stream_fast(text).unwrap_or_else(|| parse_stream_general(text))
}

/// Reads `text` with the fast path for plain block YAML (see [`fast`]), or `None` when it holds
/// anything else. Public for the test that compares it with [`parse_stream_general`].
#[doc(hidden)]
pub fn parse_stream_fast(text: &str) -> Option<Stream> {
    fast::parse(text)
}

/// Reads `text` with the general parser (what [`parse_stream`] does when the fast path declines).
#[doc(hidden)]
pub fn parse_stream_general(text: &str) -> Stream {
    let mut out = Stream::default();
    let mut text = normalize_breaks(text);
    // Columns added at the start of a line (1-based, absolute) by a re-indentation.
    let mut shifts: HashMap<u32, u32> = HashMap::new();
    let mut fixes = 0usize;
    let mut offset_bytes = 0usize;
    let mut offset_lines = 0u32;
    loop {
        let chunk = &text[offset_bytes..];
        let Some(broken) = parse_chunk(chunk, offset_lines, &shifts, &mut out) else {
            break;
        };
        if fixes < MAX_FLOW_FIXES {
            if let Some(fix) = flow_indent_fix(chunk, &broken) {
                fixes += 1;
                // Forget what the broken document produced and parse it again, re-indented.
                out.docs.truncate(broken.docs_before);
                out.errors.truncate(broken.errors_before);
                let mut fixed = String::with_capacity(text.len() + fix.added());
                fixed.push_str(&text[..offset_bytes]);
                fix.apply(chunk, offset_lines, &mut fixed, &mut shifts);
                let doc_byte = line_start(chunk, broken.doc_line);
                text = Cow::Owned(fixed);
                offset_bytes += doc_byte;
                offset_lines += broken.doc_line.saturating_sub(1);
                continue;
            }
        }
        explain_error(chunk, offset_lines, &shifts, &broken, &mut out);
        // Resume at the next `---` line after the start of the broken document.
        match next_doc_start(chunk, broken.doc_line) {
            Some((byte, line)) if byte > 0 => {
                offset_bytes += byte;
                offset_lines += line;
            }
            _ => break,
        }
    }
    out
}

/// Turns each lone carriage return (a line break to YAML, as to old Mac editors) into a line feed,
/// so that counting `\n` gives the same line numbers as the YAML scanner. Same length, same bytes
/// otherwise.
pub fn normalize_breaks(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let lone = |i: usize| bytes.get(i + 1) != Some(&b'\n');
    if !memchr::memchr_iter(b'\r', bytes).any(lone) {
        return Cow::Borrowed(text);
    }
    let fixed: String = text
        .char_indices()
        .map(|(i, c)| if c == '\r' && lone(i) { '\n' } else { c })
        .collect();
    Cow::Owned(fixed)
}

/// Makes the last error (the scanner's, for `broken`) say what was expected when the scanner's
/// own words are obscure: an unclosed flow collection is reported at its opening bracket, tabs
/// used as indentation say so.
fn explain_error(
    chunk: &str,
    line_offset: u32,
    shifts: &HashMap<u32, u32>,
    broken: &Broken,
    out: &mut Stream,
) {
    let Some(err) = out.errors.last_mut() else {
        return;
    };
    if broken.info == "recursion limit exceeded" {
        err.message = format!(
            "invalid YAML: nesting deeper than the parser allows (recursion limit exceeded); \
             at most {MAX_DEPTH} levels are read"
        );
        return;
    }
    if broken.info.starts_with("tabs disallowed") {
        err.message
            .push_str("; indent YAML with spaces (tabs are allowed only inside `[...]`/`{...}`)");
        return;
    }
    let Some((line, col)) = broken
        .open_spans
        .iter()
        .find_map(|&span| bracket_of(chunk, span))
    else {
        return;
    };
    // Closed within its document?
    let from = line_start(chunk, line);
    let doc_end = next_doc_start(&chunk[from..], 1).map_or(chunk.len(), |(b, _)| from + b);
    let text = &chunk[from..doc_end];
    let Some((byte, open)) = text.char_indices().nth(col as usize) else {
        return;
    };
    if flow_close_line(&text[byte..]).is_some() {
        return;
    }
    let (what, close) = if open == '[' {
        ("flow sequence", ']')
    } else {
        ("flow mapping", '}')
    };
    let at = err.pos.line;
    let abs = line + line_offset;
    let shift = shifts.get(&abs).copied().unwrap_or(0);
    err.pos = Pos {
        line: abs,
        col: col.saturating_sub(shift) + 1,
    };
    err.message = format!(
        "invalid YAML: this {what} `{open}` is never closed (expected `{close}`; \
         reading stopped at line {at}: {})",
        broken.info
    );
}

/// Most re-indentations of under-indented flow collections tried in one stream.
const MAX_FLOW_FIXES: usize = 100;

/// Finds the byte offset and 0-based line index of the first line after `after_line` (1-based,
/// relative to `chunk`) that starts with `---`.
fn next_doc_start(chunk: &str, after_line: u32) -> Option<(usize, u32)> {
    let mut byte = 0usize;
    for (i, line) in chunk.split_inclusive('\n').enumerate() {
        let lineno = i as u32 + 1;
        if lineno > after_line && is_doc_marker(line, "---") {
            return Some((byte, i as u32));
        }
        byte += line.len();
    }
    None
}

/// Whether `line` starts with the document marker `marker` (`---` or `...`).
fn is_doc_marker(line: &str, marker: &str) -> bool {
    line.starts_with(marker) && line[3..].chars().next().is_none_or(char::is_whitespace)
}

/// The byte offset where 1-based line `line` of `text` starts (the end of `text` if it has fewer
/// lines).
fn line_start(text: &str, line: u32) -> usize {
    if line <= 1 {
        return 0;
    }
    memchr::memchr_iter(b'\n', text.as_bytes())
        .nth(line as usize - 2)
        .map_or(text.len(), |i| i + 1)
}

/// Where and how a chunk's parse stopped at a syntax error.
struct Broken {
    /// The 1-based line (relative to the chunk) where the broken document starts.
    doc_line: u32,
    /// How many documents and errors there were when the broken document started.
    docs_before: usize,
    errors_before: usize,
    /// The scanner's message, and its 1-based line relative to the chunk.
    info: String,
    error_line: u32,
    /// The start spans of the collections open at the error, outermost first.
    open_spans: Vec<RawSpan>,
}

/// Lines of a chunk to re-indent so the scanner accepts an under-indented flow collection.
struct FlowFix {
    /// (1-based line relative to the chunk, byte range of its leading white space, new width).
    lines: Vec<(u32, std::ops::Range<usize>, usize)>,
}

impl FlowFix {
    fn added(&self) -> usize {
        self.lines
            .iter()
            .map(|(_, r, w)| w.saturating_sub(r.len()))
            .sum()
    }

    /// Appends `chunk`, re-indented, to `out`, recording the columns added per absolute line.
    fn apply(
        &self,
        chunk: &str,
        line_offset: u32,
        out: &mut String,
        shifts: &mut HashMap<u32, u32>,
    ) {
        let mut at = 0usize;
        for (line, ws, width) in &self.lines {
            out.push_str(&chunk[at..ws.start]);
            out.extend(std::iter::repeat_n(' ', *width));
            // Leading white space is spaces and tabs, one column each.
            *shifts.entry(line + line_offset).or_default() += (*width - ws.len()) as u32;
            at = ws.end;
        }
        out.push_str(&chunk[at..]);
    }
}

/// When a syntax error is an indentation or tab error inside a flow collection, which go-yaml
/// (and so Kubernetes) does not check, the lines of that collection to re-indent.
fn flow_indent_fix(chunk: &str, broken: &Broken) -> Option<FlowFix> {
    const FIXABLE: [&str; 4] = [
        "invalid indentation",
        "invalid indentation in flow construct",
        "invalid indentation in quoted scalar",
        "tabs disallowed within this context (block indentation)",
    ];
    if !FIXABLE.contains(&broken.info.as_str()) {
        return None;
    }
    // The outermost open flow collection.
    let (open_line, open_col) = broken
        .open_spans
        .iter()
        .find_map(|&span| bracket_of(chunk, span))?;
    let open_byte = line_start(chunk, open_line);
    let open_text = &chunk[open_byte..];
    let (col_byte, c) = open_text.char_indices().nth(open_col as usize)?;
    if c != '[' && c != '{' {
        return None;
    }
    let close_line = open_line + flow_close_line(&open_text[col_byte..])?;
    if broken.error_line <= open_line || broken.error_line > close_line {
        return None;
    }
    // Content must start right of the opening bracket: then it is right of every enclosing block.
    let target = open_col as usize + 1;
    let mut lines = Vec::new();
    let mut byte = open_byte;
    for (i, text) in open_text.split_inclusive('\n').enumerate() {
        let line = open_line + i as u32;
        if line > close_line {
            break;
        }
        if line > open_line {
            if is_doc_marker(text, "---") || is_doc_marker(text, "...") {
                return None;
            }
            let ws = text.len() - text.trim_start_matches([' ', '\t']).len();
            let rest = text[ws..].trim_end_matches(['\n', '\r']);
            let tabs = text[..ws].contains('\t');
            if !rest.is_empty() && (ws < target || tabs) {
                lines.push((line, byte..byte + ws, ws.max(target)));
            }
        }
        byte += text.len();
    }
    (!lines.is_empty()).then_some(FlowFix { lines })
}

/// The number of line breaks between an opening `[`/`{` (at the start of `text`) and the bracket
/// that closes it, skipping quoted scalars and comments; `None` when it is not closed.
fn flow_close_line(text: &str) -> Option<u32> {
    let mut depth = 0usize;
    let mut lines = 0u32;
    // `text` starts with the opening bracket; a stray closing bracket cannot underflow.
    let mut prev = ' ';
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\n' => lines += 1,
            '[' | '{' => depth += 1,
            ']' | '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(lines);
                }
            }
            '#' if prev.is_whitespace() => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        lines += 1;
                        break;
                    }
                }
                prev = '\n';
                continue;
            }
            '"' | '\'' if prev.is_whitespace() || matches!(prev, '[' | '{' | ',' | ':') => {
                let quote = c;
                while let Some(c) = chars.next() {
                    match c {
                        '\n' => lines += 1,
                        // An escape: the guard consumes the escaped character either way.
                        '\\' if quote == '"' && chars.next() == Some('\n') => lines += 1,
                        _ if c == quote => {
                            // `''` inside a single-quoted scalar is an escaped quote.
                            if quote == '\'' && chars.clone().next() == Some('\'') {
                                chars.next();
                            } else {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                prev = quote;
                continue;
            }
            _ => {}
        }
        prev = c;
    }
    None
}

/// A node under construction.
enum Frame {
    Seq {
        items: Vec<Value>,
        pos: Vec<PosTree>,
        start: Pos,
        /// Where the collection's start token is, when not empty (see [`flow_mark`]).
        open: Option<RawSpan>,
        anchor: usize,
        nodes: usize,
    },
    Map {
        map: Map<String, Value>,
        pos: Vec<PosTree>,
        start: Pos,
        open: Option<RawSpan>,
        /// Key -> entry index, built once a duplicate key is met in a large mapping (keeps
        /// duplicate handling linear).
        index: Option<HashMap<String, usize>>,
        anchor: usize,
        nodes: usize,
        /// The key read, waiting for its value.
        key: Option<(String, Pos)>,
        /// Whether the pending key is the merge key `<<`.
        merging: bool,
        /// Mappings to merge in when the mapping closes.
        merges: Vec<(Value, PosTree)>,
    },
}

struct Builder<'s> {
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Value, PosTree, usize)>,
    line_offset: u32,
    /// Columns added at the start of lines by a re-indentation (see [`parse_stream`]).
    shifts: &'s HashMap<u32, u32>,
    alias_nodes: usize,
    doc_start: Pos,
    /// Set while skipping the rest of a document after a fatal problem in it.
    poisoned: bool,
}

impl Builder<'_> {
    fn pos(&self, span: &Span) -> Pos {
        self.pos_of(span.start.line(), span.start.col())
    }

    /// The position in the original text of a raw (chunk-relative, 1-based line, 0-based column)
    /// scanner position.
    fn pos_of(&self, line: usize, col: usize) -> Pos {
        let line = line as u32 + self.line_offset;
        let shift = if self.shifts.is_empty() {
            0
        } else {
            self.shifts.get(&line).copied().unwrap_or(0)
        };
        Pos {
            line,
            col: (col as u32).saturating_sub(shift) + 1,
        }
    }

    /// The non-empty start spans of the open collections, outermost first.
    fn open_spans(&self) -> Vec<RawSpan> {
        self.stack
            .iter()
            .filter_map(|f| match f {
                Frame::Seq { open, .. } | Frame::Map { open, .. } => *open,
            })
            .collect()
    }
}

/// A scanner span in chunk-relative terms: 1-based lines, 0-based character columns.
#[derive(Clone, Copy, Debug)]
struct RawSpan {
    start: (u32, u32),
    end: (u32, u32),
}

/// The span of a collection's start token when it is not empty. A flow collection's covers its
/// anchor, tag, the `[` or `{`, and the blanks after it; a block collection's is empty or ends at
/// its first key.
fn flow_mark(span: &Span) -> Option<RawSpan> {
    (span.end.index() > span.start.index()).then(|| RawSpan {
        start: (span.start.line() as u32, span.start.col() as u32),
        end: (span.end.line() as u32, span.end.col() as u32),
    })
}

/// The (line, column) of the opening bracket inside a collection's start span, if it has one.
fn bracket_of(chunk: &str, span: RawSpan) -> Option<(u32, u32)> {
    let line = span.end.0;
    let from = if span.start.0 == line {
        span.start.1
    } else {
        0
    };
    let text = &chunk[line_start(chunk, line)..];
    text.chars()
        .take_while(|&c| c != '\n')
        .enumerate()
        .skip(from as usize)
        .take(span.end.1.saturating_sub(from) as usize)
        .filter(|&(_, c)| c == '[' || c == '{')
        .last()
        .map(|(col, _)| (line, col as u32))
}

/// Parses until the end of the stream (returns `None`) or a syntax error (returns where the broken
/// document starts, and what broke it).
fn parse_chunk(
    chunk: &str,
    line_offset: u32,
    shifts: &HashMap<u32, u32>,
    out: &mut Stream,
) -> Option<Broken> {
    let mut b = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        line_offset,
        shifts,
        alias_nodes: 0,
        doc_start: Pos::default(),
        poisoned: false,
    };
    let mut doc_root: Option<(Value, PosTree)> = None;
    let mut doc_line = 1u32;
    let mut docs_before = out.docs.len();
    let mut errors_before = out.errors.len();
    for ev in Parser::new_from_str(chunk) {
        let (ev, span) = match ev {
            Ok(x) => x,
            Err(e) => {
                let m = e.marker();
                out.errors.push(YamlError {
                    pos: b.pos_of(m.line(), m.col()),
                    message: format!("invalid YAML: {}", e.info()),
                });
                return Some(Broken {
                    doc_line,
                    docs_before,
                    errors_before,
                    info: e.info().to_string(),
                    error_line: m.line() as u32,
                    open_spans: b.open_spans(),
                });
            }
        };
        let pos = b.pos(&span);
        let node = match ev {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => continue,
            Event::DocumentStart(_) => {
                doc_line = span.start.line() as u32;
                docs_before = out.docs.len();
                errors_before = out.errors.len();
                b.stack.clear();
                b.anchors.clear();
                b.alias_nodes = 0;
                b.poisoned = false;
                b.doc_start = pos;
                doc_root = None;
                continue;
            }
            Event::DocumentEnd => {
                if let Some((value, positions)) = doc_root.take() {
                    if !b.poisoned && !value.is_null() {
                        out.docs.push(Doc {
                            value,
                            positions,
                            start: b.doc_start,
                        });
                    }
                }
                continue;
            }
            _ if b.poisoned => continue,
            Event::Alias(id) => match b.anchors.get(&id) {
                Some((v, t, n)) => {
                    b.alias_nodes += n;
                    if b.alias_nodes > MAX_ALIAS_NODES {
                        out.errors.push(YamlError {
                            pos,
                            message: format!(
                                "aliases expand to more than {MAX_ALIAS_NODES} nodes \
                                 (an alias bomb?); document skipped"
                            ),
                        });
                        b.poisoned = true;
                        continue;
                    }
                    // An alias to a scalar may be a mapping key (`*k : value`).
                    if let Some(Frame::Map {
                        key: key @ None,
                        merging,
                        ..
                    }) = b.stack.last_mut()
                    {
                        if !v.is_object() && !v.is_array() {
                            let k = match v {
                                Value::String(s) => s.clone(),
                                Value::Null => "null".to_string(),
                                other => other.to_string(),
                            };
                            *merging = false;
                            *key = Some((k, pos));
                            continue;
                        }
                    }
                    let mut t = t.clone();
                    t.pos = pos;
                    Some((v.clone(), t, *n))
                }
                None => {
                    out.errors.push(YamlError {
                        pos,
                        message: "alias to an unknown anchor; document skipped".into(),
                    });
                    b.poisoned = true;
                    continue;
                }
            },
            Event::Scalar(text, style, anchor, tag) => {
                let value = resolve_scalar(&text, style, tag.as_deref());
                if anchor > 0 {
                    b.anchors
                        .insert(anchor, (value.clone(), PosTree::leaf(pos), 1));
                }
                // A pending `<<` key is detected when the key itself is read (below).
                if let Some(Frame::Map { key, merging, .. }) = b.stack.last_mut() {
                    if key.is_none() {
                        let k = match &value {
                            Value::String(s) => s.clone(),
                            Value::Null => "null".to_string(),
                            other => scalar_key(&text, other),
                        };
                        *merging = style == ScalarStyle::Plain && k == "<<";
                        *key = Some((k, pos));
                        continue;
                    }
                }
                Some((value, PosTree::leaf(pos), 1))
            }
            Event::SequenceStart(anchor, _) => {
                if let Some(message) = refuse_collection(&b.stack, "sequence") {
                    out.errors.push(YamlError { pos, message });
                    b.poisoned = true;
                    continue;
                }
                b.stack.push(Frame::Seq {
                    items: Vec::new(),
                    pos: Vec::new(),
                    start: pos,
                    open: flow_mark(&span),
                    anchor,
                    nodes: 1,
                });
                continue;
            }
            Event::MappingStart(anchor, _) => {
                if let Some(message) = refuse_collection(&b.stack, "mapping") {
                    out.errors.push(YamlError { pos, message });
                    b.poisoned = true;
                    continue;
                }
                b.stack.push(Frame::Map {
                    map: Map::new(),
                    pos: Vec::new(),
                    start: pos,
                    open: flow_mark(&span),
                    index: None,
                    anchor,
                    nodes: 1,
                    key: None,
                    merging: false,
                    merges: Vec::new(),
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = b.stack.pop() else { continue };
                let (value, tree, anchor, nodes) = match frame {
                    Frame::Seq {
                        items,
                        pos,
                        start,
                        anchor,
                        nodes,
                        ..
                    } => (
                        Value::Array(items),
                        PosTree {
                            pos: start,
                            children: pos,
                        },
                        anchor,
                        nodes,
                    ),
                    Frame::Map {
                        mut map,
                        mut pos,
                        start,
                        anchor,
                        nodes,
                        merges,
                        ..
                    } => {
                        for (src, src_pos) in merges {
                            if let Value::Object(src) = src {
                                for ((k, v), t) in src.into_iter().zip(src_pos.children) {
                                    if !map.contains_key(&k) {
                                        map.insert(k, v);
                                        pos.push(t);
                                    }
                                }
                            }
                        }
                        (
                            Value::Object(map),
                            PosTree {
                                pos: start,
                                children: pos,
                            },
                            anchor,
                            nodes,
                        )
                    }
                };
                if anchor > 0 {
                    b.anchors
                        .insert(anchor, (value.clone(), tree.clone(), nodes));
                }
                Some((value, tree, nodes))
            }
        };
        let Some((value, tree, nodes)) = node else {
            continue;
        };
        // Attach the finished node to its parent, or make it the document root.
        match b.stack.last_mut() {
            None => {
                b.doc_start = tree.pos;
                doc_root = Some((value, tree));
            }
            Some(Frame::Seq {
                items,
                pos,
                nodes: n,
                ..
            }) => {
                items.push(value);
                pos.push(tree);
                *n += nodes;
            }
            Some(Frame::Map {
                map,
                pos,
                key,
                merging,
                merges,
                nodes: n,
                index,
                ..
            }) => {
                *n += nodes;
                match key.take() {
                    None => {
                        // A complex (non-scalar) key: rejected.
                        out.errors.push(YamlError {
                            pos: tree.pos,
                            message: "a non-scalar mapping key; document skipped".into(),
                        });
                        b.poisoned = true;
                    }
                    Some((_, kpos)) if *merging => {
                        *merging = false;
                        match value {
                            Value::Object(_) => merges.push((value, tree)),
                            Value::Array(items) => {
                                for (item, t) in items.into_iter().zip(tree.children) {
                                    if item.is_object() {
                                        merges.push((item, t));
                                    } else {
                                        out.errors.push(YamlError {
                                            pos: t.pos,
                                            message: "a merge key (`<<`) list item is not a \
                                                      mapping"
                                                .into(),
                                        });
                                    }
                                }
                            }
                            _ => out.errors.push(YamlError {
                                pos: kpos,
                                message: "the value of a merge key (`<<`) is not a mapping".into(),
                            }),
                        }
                    }
                    Some((k, kpos)) => {
                        let entry = PosTree {
                            pos: kpos,
                            children: tree.children,
                        };
                        // An entry keeps the key's position; its value's own children follow.
                        // One lookup for the common case, a new key.
                        let k = match map.entry(k) {
                            serde_json::map::Entry::Vacant(slot) => {
                                if let Some(index) = index {
                                    index.insert(slot.key().clone(), pos.len());
                                }
                                slot.insert(value);
                                pos.push(entry);
                                continue;
                            }
                            serde_json::map::Entry::Occupied(slot) => slot.key().clone(),
                        };
                        {
                            let i = entry_index(map, index, &k);
                            let first = pos[i].pos.line;
                            out.errors.push(YamlError {
                                pos: kpos,
                                message: format!(
                                    "duplicate key `{k}` (first defined at line {first}); \
                                     the last value is used"
                                ),
                            });
                            map.insert(k, value);
                            pos[i] = entry;
                        }
                    }
                }
            }
        }
    }
    None
}

/// The index of existing key `k` in `map` (insertion order). Small mappings are searched; a large
/// one gets an index on its first duplicate, kept up to date from then on.
fn entry_index(
    map: &Map<String, Value>,
    index: &mut Option<HashMap<String, usize>>,
    k: &str,
) -> usize {
    const SEARCH_UP_TO: usize = 32;
    if index.is_none() && map.len() <= SEARCH_UP_TO {
        return map.keys().position(|e| e == k).unwrap_or(0);
    }
    let index = index.get_or_insert_with(|| {
        map.keys()
            .enumerate()
            .map(|(i, k)| (k.clone(), i))
            .collect()
    });
    index.get(k).copied().unwrap_or(0)
}

/// Why a new sequence or mapping cannot start here (too deep, or in a mapping key's place).
fn refuse_collection(stack: &[Frame], what: &str) -> Option<String> {
    if stack.len() >= MAX_DEPTH {
        Some(format!(
            "nesting deeper than {MAX_DEPTH} levels; document skipped"
        ))
    } else if map_awaits_key(stack) {
        Some(format!("a {what} used as a mapping key; document skipped"))
    } else {
        None
    }
}

fn map_awaits_key(stack: &[Frame]) -> bool {
    matches!(stack.last(), Some(Frame::Map { key: None, .. }))
}

/// A scalar used as a mapping key, as a string (Kubernetes' YAML-to-JSON turns keys into strings).
fn scalar_key(text: &str, v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => text.to_string(),
    }
}

/// Resolves a scalar to a JSON value the way Kubernetes does (YAML 1.1, go-yaml v2 rules).
pub fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    if let Some(tag) = tag {
        if tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!" {
            match tag.suffix.as_str() {
                "str" | "binary" | "timestamp" => return Value::String(text.to_string()),
                "null" => return Value::Null,
                "bool" | "int" | "float" => return resolve_plain(text),
                _ => {}
            }
        } else if tag.handle == "!" && tag.suffix.is_empty() {
            // The non-specific tag `!` forces a string.
            return Value::String(text.to_string());
        }
    }
    if style != ScalarStyle::Plain {
        return Value::String(text.to_string());
    }
    resolve_plain(text)
}

/// Resolves a plain scalar: null, bool, int, float, or string.
pub fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false)
        }
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return Value::String(text.to_string());
    }
    let plain: Cow<'_, str> = if text.contains('_') {
        Cow::Owned(text.replace('_', ""))
    } else {
        Cow::Borrowed(text)
    };
    if let Some(n) = parse_go_int(&plain) {
        return Value::Number(n);
    }
    if is_yaml_float(&plain) {
        if let Ok(f) = plain.parse::<f64>() {
            // An integral float written without a fraction or exponent (e.g. `09`, which is not
            // valid octal) is an integer in JSON.
            if !plain.contains(['.', 'e', 'E']) && f.abs() < 9.0e15 {
                return Value::Number(Number::from(f as i64));
            }
            if let Some(n) = Number::from_f64(f) {
                return Value::Number(n);
            }
        }
    }
    match text {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => {
            // JSON has no infinities or NaN; keep the text so nothing is lost.
            Value::String(text.to_string())
        }
        _ => Value::String(text.to_string()),
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` then `ParseUint`: optional sign, `0x`/`0o`/`0b` prefixes,
/// a leading `0` means octal.
fn parse_go_int(s: &str) -> Option<Number> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let (radix, digits) = if let Some(d) = body.strip_prefix("0x").or(body.strip_prefix("0X")) {
        (16, d)
    } else if let Some(d) = body.strip_prefix("0o").or(body.strip_prefix("0O")) {
        (8, d)
    } else if let Some(d) = body.strip_prefix("0b").or(body.strip_prefix("0B")) {
        (2, d)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let mag = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        if mag <= i64::MAX as u64 + 1 {
            Some(Number::from((mag as i128).wrapping_neg() as i64))
        } else {
            None
        }
    } else {
        Some(Number::from(mag))
    }
}

/// go-yaml v2's float syntax: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if int_digits == 0 && i == frac_start {
            return false;
        }
    } else if int_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let exp_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(text: &str) -> Value {
        let s = parse_stream(text);
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        s.docs.into_iter().next().expect("one doc").value
    }

    #[test]
    fn yaml_1_1_scalars_resolve_like_kubernetes() {
        let v = one(
            "mode: 0644\nhex: 0x1F\nbin: 0b101\nya: yes\no: on\noff_: OFF\nnul: ~\nf: 1.5\ne: 1e3\n\
             s: '0644'\nnine: 09\nneg: -12\nund: 1_000\nver: 1.2.3\nstr: hello\nq: \"yes\"\n",
        );
        assert_eq!(
            v,
            json!({"mode": 420, "hex": 31, "bin": 5, "ya": true, "o": true, "off_": false,
                   "nul": null, "f": 1.5, "e": 1000.0, "s": "0644", "nine": 9, "neg": -12,
                   "und": 1000, "ver": "1.2.3", "str": "hello", "q": "yes"})
        );
    }

    #[test]
    fn merge_keys_and_anchors() {
        let v = one("base: &b\n  a: 1\n  b: 2\nchild:\n  <<: *b\n  b: 3\n");
        assert_eq!(
            v,
            json!({"base": {"a": 1, "b": 2}, "child": {"b": 3, "a": 1}})
        );
    }

    #[test]
    fn positions_point_at_keys_and_items() {
        let s = parse_stream("a: 1\nlist:\n  - x\n  - name: y\n    deep: true\n");
        let d = &s.docs[0];
        assert_eq!(d.positions.locate(&d.value, "/list/1/deep").line, 5);
        assert_eq!(d.positions.locate(&d.value, "/list/0").line, 3);
        assert_eq!(d.positions.locate(&d.value, "/a").line, 1);
        // A missing field resolves to its nearest existing parent.
        assert_eq!(d.positions.locate(&d.value, "/list/1/missing").line, 4);
    }

    #[test]
    fn multi_doc_recovers_after_syntax_error() {
        let s = parse_stream("a: 1\n---\nb: [1, 2\n---\nc: 3\n");
        assert_eq!(s.docs.len(), 2, "{:?}", s.docs);
        assert_eq!(s.docs[1].value, json!({"c": 3}));
        assert_eq!(s.docs[1].positions.locate(&s.docs[1].value, "/c").line, 5);
        assert_eq!(s.errors.len(), 1);
        assert!(s.errors[0].pos.line >= 3);
    }

    #[test]
    fn duplicate_keys_are_reported_last_wins() {
        let s = parse_stream("a: 1\nb: 2\na: 3\n");
        assert_eq!(s.docs[0].value, json!({"a": 3, "b": 2}));
        assert_eq!(s.errors.len(), 1);
        assert_eq!(s.errors[0].pos.line, 3);
        assert!(s.errors[0].message.contains("duplicate key `a`"));
    }

    #[test]
    fn billion_laughs_is_bounded() {
        let mut y = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            y.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, \
                 *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let s = parse_stream(&y);
        assert!(s.docs.is_empty());
        assert!(s.errors[0].message.contains("alias"), "{:?}", s.errors);
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let y = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        let s = parse_stream(&y);
        assert!(s.docs.is_empty());
        assert!(!s.errors.is_empty());
    }

    #[test]
    fn json_is_read_too() {
        let v = one("{\"kind\": \"Pod\", \"spec\": {\"hostPID\": true, \"n\": 0644}}");
        assert_eq!(
            v,
            json!({"kind": "Pod", "spec": {"hostPID": true, "n": 420}})
        );
    }

    #[test]
    fn under_indented_flow_collections_are_accepted_like_go_yaml() {
        // The closing bracket under its key (istio samples/security/spire/spire-quickstart.yaml).
        let text = "spec:\n  c:\n    args: [\n        \"-a\", \"x\",\n    ]\n    env: [ {name: A,\n  value: b} ]\n  d: {\n  e: 1\n  }\nafter: true\n";
        let s = parse_stream(text);
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        let d = &s.docs[0];
        assert_eq!(
            d.value,
            json!({"spec": {"c": {"args": ["-a", "x"], "env": [{"name": "A", "value": "b"}]},
                            "d": {"e": 1}}, "after": true})
        );
        // Columns are those of the original text, not of the re-indented one.
        let at = |p: &str| {
            let pos = d.positions.locate(&d.value, p);
            (pos.line, pos.col)
        };
        assert_eq!(at("/spec/c/args/1"), (4, 15));
        assert_eq!(at("/spec/c/env/0/value"), (7, 3));
        assert_eq!(at("/spec/d/e"), (9, 3));
        assert_eq!(at("/after"), (11, 1));
    }

    #[test]
    fn tabs_inside_flow_collections_are_accepted() {
        let s = parse_stream("a:\n  b: {\n\t\"c\": [\n\t\t1\n\t]\n  }\nd: [\n\t2]\n");
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        assert_eq!(s.docs[0].value, json!({"a": {"b": {"c": [1]}}, "d": [2]}));
        let d = &s.docs[0];
        assert_eq!(d.positions.locate(&d.value, "/a/b/c/0").col, 3);
        // Tabs as block indentation stay an error, with its line.
        let s = parse_stream("a:\n\tb: 1\n");
        assert_eq!(s.errors.len(), 1, "{:?}", s.errors);
        assert_eq!(s.errors[0].pos.line, 2);
    }

    #[test]
    fn under_indented_flow_fix_keeps_other_documents_and_errors() {
        let text = "a: 1\nb: 1\na: 2\n---\nargs: [\n  x,\n]\nk: 1\nk: 2\n---\nbad: [\n---\nlast: [1,\n2]\n";
        let s = parse_stream(text);
        let values: Vec<_> = s.docs.iter().map(|d| d.value.clone()).collect();
        assert_eq!(
            values,
            vec![
                json!({"a": 2, "b": 1}),
                json!({"args": ["x"], "k": 2}),
                json!({"last": [1, 2]})
            ]
        );
        let lines: Vec<_> = s.errors.iter().map(|e| e.pos.line).collect();
        // The two duplicate keys once each, then the unclosed flow sequence.
        assert_eq!(lines.len(), 3, "{:?}", s.errors);
        assert_eq!(&lines[..2], &[3, 9]);
        assert!(lines[2] >= 11, "{:?}", s.errors);
    }

    #[test]
    fn lone_carriage_returns_are_line_breaks() {
        let s = parse_stream("a: 1\rb: [\r---\rc: 2\r\nd: 3\n");
        assert_eq!(s.docs.len(), 1, "{:?}", s.docs);
        assert_eq!(s.docs[0].value, json!({"c": 2, "d": 3}));
        let d = &s.docs[0];
        assert_eq!(d.positions.locate(&d.value, "/d").line, 5);
        assert_eq!(normalize_breaks("x\r\ny\rz"), "x\r\ny\nz");
    }

    #[test]
    fn an_alias_to_a_scalar_may_be_a_key() {
        let v = one("k: &k name\n*k : value\n");
        assert_eq!(v, json!({"k": "name", "name": "value"}));
    }

    #[test]
    fn many_duplicate_keys_stay_fast_and_point_at_the_first() {
        let mut y = String::new();
        for i in 0..20_000 {
            y.push_str(&format!("k{i}: {i}\n"));
        }
        for _ in 0..20_000 {
            y.push_str("k19999: x\n");
        }
        let t = std::time::Instant::now();
        let s = parse_stream(&y);
        assert!(t.elapsed().as_secs() < 10);
        assert_eq!(s.errors.len(), 20_000);
        assert!(s.errors[0].message.contains("first defined at line 20000"));
        let d = &s.docs[0];
        assert_eq!(d.positions.locate(&d.value, "/k19999").line, 40_000);
        assert_eq!(d.positions.children.len(), 20_000);
    }
}
