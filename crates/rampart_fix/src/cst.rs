//! A span tree of a YAML stream: where each node of each document starts and ends, in bytes, and
//! whether it is written in flow or block style. Built from saphyr-parser's events (the parser
//! the loader uses), whose markers count characters: they are turned into byte offsets here.
//!
//! Only what the splicer needs is kept: mapping keys (as plain strings), items, and spans. Nodes
//! reached through an alias, or carrying an anchor, are marked so the splicer refuses to edit
//! them (an edit there would change every place that shares the node).

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

#[derive(Debug, Clone)]
pub enum Kind {
    Map(Vec<Entry>),
    Seq(Vec<Node>),
    Scalar { null: bool, style: ScalarStyle },
    Alias,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: Kind,
    /// Byte offset of the node's first character (for a block collection: its first key or
    /// dash's item; for a flow collection: the bracket).
    pub start: usize,
    /// Byte offset just after the node's last character.
    pub end: usize,
    pub flow: bool,
    pub anchored: bool,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub key: String,
    pub key_start: usize,
    pub value: Node,
}

/// One document: its root node.
#[derive(Debug)]
pub struct Doc {
    pub root: Node,
}

impl Doc {
    /// The whole lines the document's content spans (byte range): what an edit of the document
    /// may touch. Comments and markers around it stay outside.
    pub fn lines(&self, text: &str) -> (usize, usize) {
        let start = text[..self.root.start].rfind('\n').map_or(0, |i| i + 1);
        let end = text[self.root.end..]
            .find('\n')
            .map_or(text.len(), |i| self.root.end + i);
        (start, end)
    }
}

/// Character index to byte offset.
struct Offsets {
    ascii: bool,
    table: Vec<usize>,
}

impl Offsets {
    fn new(text: &str) -> Self {
        if text.is_ascii() {
            return Offsets {
                ascii: true,
                table: Vec::new(),
            };
        }
        let mut table: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        table.push(text.len());
        Offsets {
            ascii: false,
            table,
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.ascii {
            char_index
        } else {
            self.table
                .get(char_index)
                .copied()
                .unwrap_or_else(|| self.table.last().copied().unwrap_or(0))
        }
    }
}

enum Frame {
    Map {
        start: usize,
        flow: bool,
        anchored: bool,
        entries: Vec<Entry>,
        key: Option<(String, usize, usize)>,
    },
    Seq {
        start: usize,
        flow: bool,
        anchored: bool,
        items: Vec<Node>,
    },
}

/// Parses the stream; `Err` with the parser's message when it is not valid YAML for saphyr.
/// Documents that are empty or null are left out, as the loader leaves them out.
pub fn parse(text: &str) -> Result<Vec<Doc>, String> {
    let offsets = Offsets::new(text);
    let bytes = text.as_bytes();
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    for ev in Parser::new_from_str(text) {
        let (ev, span): (Event, Span) =
            ev.map_err(|e| format!("line {}: {}", e.marker().line(), e.info()))?;
        let s = offsets.byte(span.start.index());
        let e = offsets.byte(span.end.index()).max(s);
        let node = match ev {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => continue,
            Event::DocumentStart(_) => {
                stack.clear();
                root = None;
                continue;
            }
            Event::DocumentEnd => {
                if let Some(r) = root.take() {
                    let null = matches!(r.kind, Kind::Scalar { null: true, .. });
                    if !null {
                        docs.push(Doc { root: r });
                    }
                }
                continue;
            }
            Event::Alias(_) => Node {
                kind: Kind::Alias,
                start: s,
                end: e,
                flow: false,
                anchored: true,
            },
            Event::Scalar(value, style, anchor, tag) => {
                let key_end = match stack.last_mut() {
                    Some(Frame::Map {
                        key: key @ None, ..
                    }) => {
                        *key = Some((value.to_string(), s, e));
                        continue;
                    }
                    Some(Frame::Map {
                        key: Some((_, _, ke)),
                        ..
                    }) => Some(*ke),
                    _ => None,
                };
                let null = style == ScalarStyle::Plain
                    && tag.is_none()
                    && matches!(&*value, "" | "~" | "null" | "Null" | "NULL");
                let (start, end) = match key_end {
                    // An empty value (`key:`): the parser places it at the next token, maybe
                    // lines below; it is right after the key's colon.
                    Some(ke) if value.is_empty() && style == ScalarStyle::Plain && anchor == 0 => {
                        let colon = bytes[ke.min(bytes.len())..]
                            .iter()
                            .position(|&b| b == b':')
                            .map_or(ke, |i| ke + i + 1);
                        (colon, colon)
                    }
                    _ => (s, scalar_end(bytes, s, e, style)),
                };
                Node {
                    kind: Kind::Scalar { null, style },
                    start,
                    end,
                    flow: false,
                    anchored: anchor > 0,
                }
            }
            Event::SequenceStart(anchor, _) => {
                let flow = bytes.get(s) == Some(&b'[');
                stack.push(Frame::Seq {
                    start: s,
                    flow,
                    anchored: anchor > 0,
                    items: Vec::new(),
                });
                continue;
            }
            Event::MappingStart(anchor, _) => {
                let flow = bytes.get(s) == Some(&b'{');
                stack.push(Frame::Map {
                    start: s,
                    flow,
                    anchored: anchor > 0,
                    entries: Vec::new(),
                    key: None,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = stack.pop() else { continue };
                match frame {
                    Frame::Seq {
                        start,
                        flow,
                        anchored,
                        items,
                    } => {
                        let end = if flow {
                            flow_end(bytes, s, e, b']')
                        } else {
                            items.last().map_or(start, |n| n.end)
                        };
                        Node {
                            kind: Kind::Seq(items),
                            start,
                            end,
                            flow,
                            anchored,
                        }
                    }
                    Frame::Map {
                        start,
                        flow,
                        anchored,
                        entries,
                        ..
                    } => {
                        let end = if flow {
                            flow_end(bytes, s, e, b'}')
                        } else {
                            entries
                                .last()
                                .map_or(start, |en| en.value.end.max(en.key_start))
                        };
                        Node {
                            kind: Kind::Map(entries),
                            start,
                            end,
                            flow,
                            anchored,
                        }
                    }
                }
            }
        };
        match stack.last_mut() {
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                Some((k, key_start, _)) => entries.push(Entry {
                    key: k,
                    key_start,
                    value: node,
                }),
                // A collection as a key: not something Kubernetes writes.
                None => return Err("a collection used as a mapping key".into()),
            },
            Some(Frame::Seq { items, .. }) => items.push(node),
            None => root = Some(node),
        }
    }
    Ok(docs)
}

/// The end of a flow collection: just after its closing bracket, whether the parser's end event
/// spans the bracket or sits on it.
fn flow_end(bytes: &[u8], start: usize, end: usize, close: u8) -> usize {
    if bytes.get(start) == Some(&close) {
        start + 1
    } else {
        end
    }
}

/// The end of a scalar: for quoted scalars, just after the closing quote; for block scalars (`|`, `>`) the parser's span runs over the trailing
/// line breaks; the node ends at the end of its last non-blank line instead.
fn scalar_end(bytes: &[u8], start: usize, end: usize, style: ScalarStyle) -> usize {
    match style {
        // The parser's span of a quoted scalar can run past its closing quote (over spaces and
        // a comment): find the quote.
        ScalarStyle::DoubleQuoted if bytes.get(start) == Some(&b'"') => {
            let mut i = start + 1;
            while i < bytes.len() {
                match bytes[i] {
                    b'\\' => i += 2,
                    b'"' => return i + 1,
                    _ => i += 1,
                }
            }
            end
        }
        ScalarStyle::SingleQuoted if bytes.get(start) == Some(&b'\'') => {
            let mut i = start + 1;
            while i < bytes.len() {
                if bytes[i] == b'\'' {
                    if bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    return i + 1;
                }
                i += 1;
            }
            end
        }
        ScalarStyle::Literal | ScalarStyle::Folded => {
            let mut e = end.min(bytes.len());
            while e > start && matches!(bytes[e - 1], b'\n' | b' ' | b'\t' | b'\r') {
                e -= 1;
            }
            e
        }
        _ => end,
    }
}

impl Node {
    /// The child at one pointer token, with the index of the entry or item.
    pub fn child(&self, token: &str) -> Option<(usize, &Node)> {
        match &self.kind {
            Kind::Map(entries) => entries
                .iter()
                .enumerate()
                .rev()
                .find(|(_, e)| e.key == token)
                .map(|(i, e)| (i, &e.value)),
            Kind::Seq(items) => {
                let i: usize = token.parse().ok()?;
                items.get(i).map(|n| (i, n))
            }
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Scalar { null: true, .. })
    }
}
