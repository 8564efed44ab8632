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

/// Parses a whole multi-document stream. After a syntax error, reading resumes at the next line
/// that starts a document (`---`), so one bad document does not hide the rest.
pub fn parse_stream(text: &str) -> Stream {
    let mut out = Stream::default();
    let mut offset_bytes = 0usize;
    let mut offset_lines = 0u32;
    loop {
        let chunk = &text[offset_bytes..];
        match parse_chunk(chunk, offset_lines, &mut out) {
            None => break,
            Some(doc_line) => {
                // Resume at the next `---` line after the start of the broken document.
                match next_doc_start(chunk, doc_line) {
                    Some((byte, line)) => {
                        offset_bytes += byte;
                        offset_lines += line;
                    }
                    None => break,
                }
            }
        }
    }
    out
}

/// Finds the byte offset and 0-based line index of the first line after `after_line` (1-based,
/// relative to `chunk`) that starts with `---`.
fn next_doc_start(chunk: &str, after_line: u32) -> Option<(usize, u32)> {
    let mut byte = 0usize;
    for (i, line) in chunk.split_inclusive('\n').enumerate() {
        let lineno = i as u32 + 1;
        if lineno > after_line
            && line.starts_with("---")
            && line[3..].chars().next().is_none_or(|c| c.is_whitespace())
        {
            return Some((byte, i as u32));
        }
        byte += line.len();
    }
    None
}

/// A node under construction.
enum Frame {
    Seq {
        items: Vec<Value>,
        pos: Vec<PosTree>,
        start: Pos,
        anchor: usize,
        nodes: usize,
    },
    Map {
        map: Map<String, Value>,
        pos: Vec<PosTree>,
        start: Pos,
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

struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Value, PosTree, usize)>,
    line_offset: u32,
    alias_nodes: usize,
    doc_start: Pos,
    /// Set while skipping the rest of a document after a fatal problem in it.
    poisoned: bool,
}

impl Builder {
    fn pos(&self, span: &Span) -> Pos {
        Pos {
            line: span.start.line() as u32 + self.line_offset,
            col: span.start.col() as u32 + 1,
        }
    }
}

/// Parses until the end of the stream (returns `None`) or a syntax error (returns the 1-based line,
/// relative to `chunk`, where the broken document starts).
fn parse_chunk(chunk: &str, line_offset: u32, out: &mut Stream) -> Option<u32> {
    let mut b = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        line_offset,
        alias_nodes: 0,
        doc_start: Pos::default(),
        poisoned: false,
    };
    let mut doc_root: Option<(Value, PosTree)> = None;
    let mut doc_line = 1u32;
    for ev in Parser::new_from_str(chunk) {
        let (ev, span) = match ev {
            Ok(x) => x,
            Err(e) => {
                let m = e.marker();
                out.errors.push(YamlError {
                    pos: Pos {
                        line: m.line() as u32 + line_offset,
                        col: m.col() as u32 + 1,
                    },
                    message: format!("invalid YAML: {}", e.info()),
                });
                return Some(doc_line);
            }
        };
        let pos = b.pos(&span);
        let node = match ev {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => continue,
            Event::DocumentStart(_) => {
                doc_line = span.start.line() as u32;
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
                if b.stack.len() >= MAX_DEPTH {
                    out.errors.push(YamlError {
                        pos,
                        message: format!(
                            "nesting deeper than {MAX_DEPTH} levels; document skipped"
                        ),
                    });
                    b.poisoned = true;
                    continue;
                }
                if map_awaits_key(&b.stack) {
                    out.errors.push(YamlError {
                        pos,
                        message: "a sequence used as a mapping key; document skipped".into(),
                    });
                    b.poisoned = true;
                    continue;
                }
                b.stack.push(Frame::Seq {
                    items: Vec::new(),
                    pos: Vec::new(),
                    start: pos,
                    anchor,
                    nodes: 1,
                });
                continue;
            }
            Event::MappingStart(anchor, _) => {
                if b.stack.len() >= MAX_DEPTH {
                    out.errors.push(YamlError {
                        pos,
                        message: format!(
                            "nesting deeper than {MAX_DEPTH} levels; document skipped"
                        ),
                    });
                    b.poisoned = true;
                    continue;
                }
                if map_awaits_key(&b.stack) {
                    out.errors.push(YamlError {
                        pos,
                        message: "a mapping used as a mapping key; document skipped".into(),
                    });
                    b.poisoned = true;
                    continue;
                }
                b.stack.push(Frame::Map {
                    map: Map::new(),
                    pos: Vec::new(),
                    start: pos,
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
                        if let Some(i) = map.keys().position(|existing| *existing == k) {
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
                        } else {
                            map.insert(k, value);
                            pos.push(entry);
                        }
                    }
                }
            }
        }
    }
    None
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
}
