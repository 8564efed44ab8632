//! A fast path for the block YAML most manifests are written in.
//!
//! Generated and hand-written Kubernetes manifests use a small part of YAML: block mappings and
//! sequences, one-line plain and quoted scalars, literal block scalars, empty flow collections
//! (`{}`, `[]`) and comments. This reader builds values and positions for that part straight from
//! the lines, without the general parser's token and event layers, and gives up (returns `None`)
//! at the first thing outside it: anchors, tags, flow collections with content, multi-line plain
//! or quoted scalars, folded scalars, tabs, carriage returns, duplicate keys, merge keys, anything
//! malformed. The caller then reads the whole stream with the general parser, so a stream is
//! read by exactly one of the two and the result never depends on which: the fast path must give
//! the same values, positions and document starts, which a differential test checks on every
//! YAML file of the upstream corpora.

use rampart_model::{Pos, PosTree};
use serde_json::{Map, Value};

use super::{resolve_plain, scalar_key, Doc, Stream};

/// Deepest nesting the fast path reads (the general parser reports deeper input).
const MAX_DEPTH: usize = 100;
/// Longest implicit key the fast path reads (YAML limits simple keys to 1024 characters).
const MAX_KEY: usize = 1000;

/// Reads `text` if it stays within the fast path's part of YAML.
pub(super) fn parse(text: &str) -> Option<Stream> {
    let bytes = text.as_bytes();
    if memchr::memchr2(b'\t', b'\r', bytes).is_some() || check_chars(text).is_none() {
        return None;
    }
    let mut lines: Vec<&str> = text.split('\n').collect();
    // `split` yields an empty last piece after a final line break: it is not a line.
    let ends_with_break = text.ends_with('\n');
    if ends_with_break {
        lines.pop();
    }
    let mut r = Reader {
        lines,
        ends_with_break,
        next: 0,
        partial: None,
        depth: 0,
    };
    let mut out = Stream::default();
    // A document: an optional `---` line, then one block node.
    while let Some(line) = r.peek() {
        if line.is_marker() {
            if !line.is_doc_start() {
                return None;
            }
            r.consume();
            continue;
        }
        if line.indent == 0 && line.text.starts_with('%') {
            return None;
        }
        let (value, tree) = r.node(line, None)?;
        if !(value.is_object() || value.is_array()) {
            return None;
        }
        // The document must end here: at a `---` line or at the end of the stream.
        if let Some(after) = r.peek() {
            if !after.is_doc_start() {
                return None;
            }
        }
        let start = tree.pos;
        out.docs.push(Doc {
            value,
            positions: tree,
            start,
        });
    }
    Some(out)
}

/// A line's content from its indentation (or, for the compact mapping of a sequence item, from
/// the item's first key).
#[derive(Clone, Copy)]
struct Line<'a> {
    /// 0-based index into the lines.
    idx: usize,
    /// Column (in characters) where `text` starts.
    indent: usize,
    /// Byte offset in the whole line where `text` starts.
    off: usize,
    text: &'a str,
}

impl Line<'_> {
    /// A document marker (`---` or `...` at the start of a line, alone or followed by white space).
    fn is_marker(&self) -> bool {
        self.indent == 0
            && (self.text.starts_with("---") || self.text.starts_with("..."))
            && self.text[3..].chars().next().is_none_or(|c| c == ' ')
    }

    /// A `---` line with nothing but an optional comment after it.
    fn is_doc_start(&self) -> bool {
        self.is_marker() && self.text.starts_with("---") && {
            let rest = self.text[3..].trim_start_matches(' ');
            rest.is_empty() || rest.starts_with('#')
        }
    }

    /// A block sequence entry (`-` followed by a space or the end of the line).
    fn is_item(&self) -> bool {
        let b = self.text.as_bytes();
        b.first() == Some(&b'-') && matches!(b.get(1), None | Some(b' '))
    }
}

struct Reader<'a> {
    lines: Vec<&'a str>,
    ends_with_break: bool,
    /// The next raw line to look at.
    next: usize,
    /// The rest of a line already partly read (a compact mapping after `- `).
    partial: Option<Line<'a>>,
    depth: usize,
}

/// A node read: its value and positions.
type Node = (Value, PosTree);

impl<'a> Reader<'a> {
    fn pos(&self, idx: usize, col: usize) -> Pos {
        Pos {
            line: idx as u32 + 1,
            col: col as u32 + 1,
        }
    }

    /// The character column of byte `off` of line `idx`.
    fn col(&self, idx: usize, off: usize) -> usize {
        let line = self.lines[idx];
        let prefix = &line.as_bytes()[..off];
        if prefix.is_ascii() {
            off
        } else {
            line[..off].chars().count()
        }
    }

    /// The next line with content (blank lines and comment lines skipped), without consuming it.
    fn peek(&mut self) -> Option<Line<'a>> {
        if let Some(p) = self.partial {
            return Some(p);
        }
        while self.next < self.lines.len() {
            let raw = self.lines[self.next];
            let text = raw.trim_start_matches(' ');
            if text.is_empty() || text.starts_with('#') {
                self.next += 1;
                continue;
            }
            let indent = raw.len() - text.len();
            return Some(Line {
                idx: self.next,
                indent,
                off: indent,
                text,
            });
        }
        None
    }

    /// Consumes the line `peek` returned.
    fn consume(&mut self) {
        if self.partial.take().is_none() {
            self.next += 1;
        }
    }

    /// Reads the block node that starts at `line` (already peeked). `parent` is the indentation
    /// of the collection holding it, if any.
    fn node(&mut self, line: Line<'a>, parent: Option<usize>) -> Option<Node> {
        if parent.is_some_and(|p| line.indent <= p) {
            return None;
        }
        if line.is_item() {
            self.nested(|r| r.sequence(line.indent))
        } else if split_key(line.text)?.is_some() {
            self.nested(|r| r.mapping(line.indent))
        } else {
            None
        }
    }

    /// Runs `read` one level deeper, giving up past [`MAX_DEPTH`].
    fn nested<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        if self.depth >= MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let out = read(self);
        self.depth -= 1;
        out
    }

    /// The rest of `line` from byte `off` (where `rest` starts), as a line of its own.
    fn rest_of(&self, line: &Line<'a>, off: usize, rest: &'a str) -> Line<'a> {
        Line {
            idx: line.idx,
            indent: self.col(line.idx, off),
            off,
            text: rest,
        }
    }

    /// A block sequence whose `-` entries are at column `indent`.
    fn sequence(&mut self, indent: usize) -> Option<Node> {
        let mut items = Vec::new();
        let mut trees = Vec::new();
        let mut start = None;
        while let Some(line) = self.peek() {
            if line.indent != indent || !line.is_item() || line.is_marker() {
                // The caller checks that what follows fits (a key of the enclosing mapping).
                if line.indent > indent {
                    return None;
                }
                break;
            }
            let dash = self.pos(line.idx, line.indent);
            start.get_or_insert(dash);
            self.consume();
            // What follows `- ` on the same line.
            let after = &line.text[1..];
            let rest = after.trim_start_matches(' ');
            let off = line.off + 1 + (after.len() - rest.len());
            let (value, tree) = if rest.is_empty() || rest.starts_with('#') {
                // The item is on the following lines, more indented than the `-`.
                let next = self.peek()?;
                if next.indent <= indent || next.is_marker() {
                    // An empty item (null): the general parser decides its position.
                    return None;
                }
                self.node(next, Some(indent))?
            } else {
                let inner = self.rest_of(&line, off, rest);
                if inner.is_item() {
                    // A sequence nested on the same line (`- - a`).
                    return None;
                }
                if split_key(rest)?.is_some() {
                    // A compact mapping: its keys are at the column of the first.
                    self.partial = Some(inner);
                    self.nested(|r| r.mapping(inner.indent))?
                } else {
                    let node = self.inline_value(inner, indent)?;
                    self.after_scalar(indent)?;
                    node
                }
            };
            items.push(value);
            trees.push(tree);
        }
        Some((
            Value::Array(items),
            PosTree {
                pos: start?,
                children: trees,
            },
        ))
    }

    /// A block mapping whose keys are at column `indent`.
    fn mapping(&mut self, indent: usize) -> Option<Node> {
        let mut map = Map::new();
        let mut trees = Vec::new();
        let mut start = None;
        while let Some(line) = self.peek() {
            if line.indent < indent || line.is_marker() {
                break;
            }
            if line.indent > indent || line.is_item() {
                return None;
            }
            let (key, key_end) = split_key(line.text)??;
            let key_pos = self.pos(line.idx, line.indent);
            start.get_or_insert(key_pos);
            self.consume();
            let after = &line.text[key_end..];
            let rest = after.trim_start_matches(' ');
            let off = line.off + key_end + (after.len() - rest.len());
            let children = if rest.is_empty() || rest.starts_with('#') {
                // The value is on the following lines: more indented, or a sequence at the
                // key's own column; otherwise it is null.
                match self.peek() {
                    Some(next) if !next.is_marker() && next.indent > indent => {
                        let (value, tree) = self.node(next, Some(indent))?;
                        insert(&mut map, key, value)?;
                        tree.children
                    }
                    Some(next) if next.indent == indent && next.is_item() => {
                        let (value, tree) = self.nested(|r| r.sequence(indent))?;
                        insert(&mut map, key, value)?;
                        tree.children
                    }
                    _ => {
                        insert(&mut map, key, Value::Null)?;
                        Vec::new()
                    }
                }
            } else {
                let inner = self.rest_of(&line, off, rest);
                let (value, tree) = self.inline_value(inner, indent)?;
                self.after_scalar(indent)?;
                insert(&mut map, key, value)?;
                tree.children
            };
            // An entry keeps its key's position and its value's children.
            trees.push(PosTree {
                pos: key_pos,
                children,
            });
        }
        Some((
            Value::Object(map),
            PosTree {
                pos: start?,
                children: trees,
            },
        ))
    }

    /// After a value that ended on its line, the next line must not be more indented than the
    /// collection (`parent`) holding it: that would be a multi-line scalar or an error.
    fn after_scalar(&mut self, parent: usize) -> Option<()> {
        match self.peek() {
            Some(next) if next.indent > parent && !next.is_marker() => None,
            _ => Some(()),
        }
    }

    /// A value that starts on its key's or item's line: a scalar, a literal block scalar or an
    /// empty flow collection. `parent` is the indentation of the collection holding it.
    fn inline_value(&mut self, line: Line<'a>, parent: usize) -> Option<Node> {
        let text = line.text;
        let pos = self.pos(line.idx, line.indent);
        let leaf = |v: Value| Some((v, PosTree::leaf(pos)));
        match text.as_bytes()[0] {
            b'"' | b'\'' => {
                let (s, end) = quoted(text)?;
                if !is_line_end(&text[end..]) {
                    return None;
                }
                leaf(Value::String(s))
            }
            b'{' | b'[' => {
                let (empty, end) = if text.starts_with("{}") {
                    (Value::Object(Map::new()), 2)
                } else if text.starts_with("[]") {
                    (Value::Array(Vec::new()), 2)
                } else {
                    return None;
                };
                if !is_line_end(&text[end..]) {
                    return None;
                }
                Some((
                    empty,
                    PosTree {
                        pos,
                        children: Vec::new(),
                    },
                ))
            }
            b'|' => {
                let s = self.literal(text, parent)?;
                leaf(Value::String(s))
            }
            b'-' | b'?' | b':' => {
                // Plain only when followed by a non-space character (`-1`, `--flag`).
                match text.as_bytes().get(1) {
                    Some(b' ') | None => None,
                    _ if text.as_bytes()[0] != b'-' => None,
                    _ => leaf(resolve_plain(plain(text)?)),
                }
            }
            b'>' | b'&' | b'*' | b'!' | b'%' | b'@' | b'`' | b',' | b']' | b'}' | b'#' => None,
            _ => leaf(resolve_plain(plain(text)?)),
        }
    }

    /// A literal block scalar: `text` is its header (`|`, `|-`, `|+`, optionally followed by a
    /// comment); its content is on the next lines, more indented than `parent`.
    fn literal(&mut self, text: &str, parent: usize) -> Option<String> {
        let header = text
            .split(" #")
            .next()
            .unwrap_or(text)
            .trim_end_matches(' ');
        let chomp = match header {
            "|" => Chomp::Clip,
            "|-" => Chomp::Strip,
            "|+" => Chomp::Keep,
            _ => return None,
        };
        if self.partial.is_some() {
            return None;
        }
        // The content's indentation is the first non-empty line's.
        let mut indent = None;
        let mut leading_blank_max = 0usize;
        for raw in &self.lines[self.next..] {
            let t = raw.trim_start_matches(' ');
            let spaces = raw.len() - t.len();
            if t.is_empty() {
                leading_blank_max = leading_blank_max.max(spaces);
                continue;
            }
            indent = Some(spaces);
            break;
        }
        let indent = match indent {
            Some(n) if n > parent => n,
            // No content: only (possibly) empty lines.
            _ => return None,
        };
        if leading_blank_max > indent {
            return None;
        }
        let mut out = String::new();
        // Line breaks after the last content line, kept apart until chomping.
        let mut trailing = 0usize;
        let mut last_had_break = true;
        while self.next < self.lines.len() {
            let raw = self.lines[self.next];
            let t = raw.trim_start_matches(' ');
            let spaces = raw.len() - t.len();
            if t.is_empty() {
                if spaces > indent {
                    // White space beyond the indentation would be content.
                    return None;
                }
                trailing += 1;
                self.next += 1;
                continue;
            }
            if spaces < indent {
                break;
            }
            if spaces == 0 && (raw.starts_with("---") || raw.starts_with("...")) {
                break;
            }
            for _ in 0..trailing {
                out.push('\n');
            }
            trailing = 0;
            out.push_str(&raw[indent..]);
            out.push('\n');
            self.next += 1;
            last_had_break = self.next < self.lines.len() || self.ends_with_break;
        }
        // A block scalar that runs to the end of a stream without a final line break: left to
        // the general parser, whose reading of it the fast path does not repeat.
        if !last_had_break || (self.next == self.lines.len() && !self.ends_with_break) {
            return None;
        }
        match chomp {
            Chomp::Strip => {
                while out.ends_with('\n') {
                    out.pop();
                }
            }
            Chomp::Clip => {}
            Chomp::Keep => {
                for _ in 0..trailing {
                    out.push('\n');
                }
            }
        }
        Some(out)
    }
}

#[derive(Clone, Copy)]
enum Chomp {
    Strip,
    Clip,
    Keep,
}

/// Adds a new key; a key already present (a duplicate, which the general parser reports) or the
/// merge key gives up.
fn insert(map: &mut Map<String, Value>, key: String, value: Value) -> Option<()> {
    match map.entry(key) {
        serde_json::map::Entry::Vacant(slot) => {
            slot.insert(value);
            Some(())
        }
        serde_json::map::Entry::Occupied(_) => None,
    }
}

/// Whether the rest of a line after a value is blank or a comment.
fn is_line_end(rest: &str) -> bool {
    let t = rest.trim_start_matches(' ');
    t.is_empty() || (t.starts_with('#') && t.len() < rest.len())
}

/// Splits a mapping entry's line into its key (as Kubernetes reads it) and the byte offset just
/// after the `:`. `Some(None)` when the line is not a mapping entry; `None` when it is something
/// the fast path does not read.
fn split_key(text: &str) -> Option<Option<(String, usize)>> {
    let b = text.as_bytes();
    match b[0] {
        b'"' | b'\'' => {
            let (key, end) = quoted(text)?;
            let rest = &text[end..];
            let t = rest.trim_start_matches(' ');
            let colon = end + (rest.len() - t.len());
            if t.starts_with(':') && matches!(t.as_bytes().get(1), None | Some(b' ')) {
                // The limit is on the key as written (quotes and escapes included).
                if colon > MAX_KEY {
                    return None;
                }
                return Some(Some((key, colon + 1)));
            }
            // A quoted scalar alone on its line (not an entry), or something else.
            is_line_end(rest).then_some(None)
        }
        // An empty flow collection alone (a value, not a key).
        b'[' | b'{'
            if (text.starts_with("[]") || text.starts_with("{}")) && is_line_end(&text[2..]) =>
        {
            Some(None)
        }
        b'[' | b']' | b'{' | b'}' | b',' | b'?' | b':' | b'&' | b'*' | b'!' | b'|' | b'>'
        | b'%' | b'@' | b'`' | b'#' => None,
        b'-' if matches!(b.get(1), None | Some(b' ')) => None,
        _ => {
            let mut i = 0;
            while i < b.len() {
                match b[i] {
                    b':' if matches!(b.get(i + 1), None | Some(b' ')) => {
                        let key = text[..i].trim_end_matches(' ');
                        if key.is_empty() || i > MAX_KEY || key == "<<" {
                            return None;
                        }
                        if key
                            .bytes()
                            .any(|c| matches!(c, b'[' | b']' | b'{' | b'}' | b','))
                        {
                            return None;
                        }
                        let k = match resolve_plain(key) {
                            Value::String(s) => s,
                            Value::Null => "null".to_string(),
                            other => scalar_key(key, &other),
                        };
                        return Some(Some((k, i + 1)));
                    }
                    b'#' if i > 0 && b[i - 1] == b' ' => return Some(None),
                    _ => {}
                }
                i += 1;
            }
            Some(None)
        }
    }
}

/// A one-line plain scalar value: its text without a trailing comment or spaces. `None` when it
/// holds `: ` or ends in `:` (an error or a key), or characters the fast path does not check.
fn plain(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    let mut end = b.len();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b':' if matches!(b.get(i + 1), None | Some(b' ')) => return None,
            b'#' if i > 0 && b[i - 1] == b' ' => {
                end = i;
                break;
            }
            _ => {}
        }
        i += 1;
    }
    let s = text[..end].trim_end_matches(' ');
    Some(s)
}

/// Gives up on control characters (line breaks aside) and on the characters YAML does not allow
/// unescaped, anywhere in the stream, comments included; and on byte order marks.
fn check_chars(s: &str) -> Option<()> {
    let ok = if s.is_ascii() {
        s.bytes().all(|c| c == b'\n' || (0x20..0x7f).contains(&c))
    } else {
        s.chars().all(|c| {
            let u = c as u32;
            u == 0x0a
                || (0x20..0x7f).contains(&u)
                || (0xa0..=0xd7ff).contains(&u)
                || (0xe000..=0xfffd).contains(&u) && u != 0xfeff
                || u >= 0x10000
        })
    };
    ok.then_some(())
}

/// A one-line quoted scalar at the start of `text`: its value and the byte offset after the
/// closing quote.
fn quoted(text: &str) -> Option<(String, usize)> {
    let b = text.as_bytes();
    let q = b[0];
    let mut out = String::new();
    let mut i = 1;
    let mut run = 1;
    while i < b.len() {
        let c = b[i];
        if q == b'\'' && c == b'\'' {
            out.push_str(&text[run..i]);
            if b.get(i + 1) == Some(&b'\'') {
                out.push('\'');
                i += 2;
                run = i;
                continue;
            }
            return Some((out, i + 1));
        }
        if q == b'"' && c == b'"' {
            out.push_str(&text[run..i]);
            return Some((out, i + 1));
        }
        if q == b'"' && c == b'\\' {
            out.push_str(&text[run..i]);
            let (ch, len) = escape(&text[i + 1..])?;
            out.push(ch);
            i += 1 + len;
            run = i;
            continue;
        }
        i += 1;
    }
    // Not closed on this line: a multi-line quoted scalar.
    None
}

/// A double-quoted escape (after the backslash): the character and the length of the escape.
fn escape(s: &str) -> Option<(char, usize)> {
    let c = *s.as_bytes().first()?;
    let simple = match c {
        b'\\' => '\\',
        b'"' => '"',
        b'/' => '/',
        b'n' => '\n',
        b't' => '\t',
        b'r' => '\r',
        b'0' => '\0',
        b' ' => ' ',
        b'x' | b'u' | b'U' => {
            let n = match c {
                b'x' => 2,
                b'u' => 4,
                _ => 8,
            };
            let hex = s.get(1..1 + n)?;
            let code = u32::from_str_radix(hex, 16).ok()?;
            if !hex.bytes().all(|h| h.is_ascii_hexdigit()) {
                return None;
            }
            return Some((char::from_u32(code)?, 1 + n));
        }
        _ => return None,
    };
    Some((simple, 1))
}

#[cfg(test)]
mod tests {
    use super::super::parse_stream_general;
    use super::*;

    /// The fast path reads `text` (`taken`) or declines it, and when it reads it, it reads it
    /// as the general parser does.
    fn same(text: &str, taken: bool) {
        let quick = parse(text);
        assert_eq!(quick.is_some(), taken, "fast path taken? {text:?}");
        if let Some(quick) = quick {
            assert_eq!(
                quick.describe(),
                parse_stream_general(text).describe(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn common_manifests_are_read_like_the_general_parser() {
        same(
            "# c\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a # x\n  labels:\n    app: b\n\
             spec:\n  containers:\n  - name: c\n    image: \"nginx:1\"\n    args:\n      - '--a'\n      \
             - -b\n    ports:\n    - containerPort: 80\n      protocol: TCP\n  volumes:\n  - name: v\n    \
             emptyDir: {}\n---\n--- # empty\nkind: List\nitems: []\n",
            true,
        );
        same(
            "a: 0644\nb: yes\nc: ~\nd: 1.5\ne: 1e3\nf: 0x1F\n1: x\ntrue: y\nnull: z\n",
            true,
        );
        same("a:\nb: 1\n", true);
        same("- {}\n- []\n- x\n- 'it''s'\n- \"a\\nb\\u00e9\"\n", true);
        same(
            "a: |\n  one\n\n  two\n   three\nb: |-\n  x\n\n\nc: |+\n  y\n\n\nd: 1\n",
            true,
        );
        same("a: |\n  x", false);
        same(
            "a:\n  - b: |\n      # not a comment\n      z\n    c: 1\n",
            true,
        );
        same("é: ü\nb: \"日本\"\n", true);
        same("key with spaces  : v\n\"q: k\": 'v: w'\n", true);
        same("a:\n\n  # c\n  b: 1\n\n", true);
        same("-\n  a: 1\n- b\n", true);
    }

    #[test]
    fn anything_else_is_left_to_the_general_parser() {
        for text in [
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "a: [1, 2]\n",
            "a: {b: 1}\n",
            "a: b\n  c\n",
            "a: \"b\n  c\"\n",
            "a: >\n  b\n",
            "a: 1\na: 2\n",
            "<<: {a: 1}\n",
            "a:\r\n  b: 1\r\n",
            "a:\n\tb: 1\n",
            "a: b: c\n",
            "- - a\n",
            "-\n- a\n",
            "? a\n: b\n",
            "%YAML 1.2\n---\na: 1\n",
            "a: 1\n...\n",
            "plain\n",
            "{\"a\": 1}\n",
            "a: 1\n b: 2\n",
            "a: |2\n   x\n",
            "# a\u{0}b\na: 1\n",
            "a: |\n  x\n  ",
            &format!("\"{}\": 1\n", "\\t".repeat(600)),
            &format!("{}: 1\n", "k".repeat(1100)),
            "a: 1 # \u{7f}\n",
            "\u{feff}a: 1\n",
        ] {
            same(text, false);
        }
    }
}
