//! Applies one [`Edit`] to the text of a YAML stream by splicing: only the bytes of the field
//! edited change; comments, key order, quoting, flow or block style and indentation elsewhere are
//! kept. The same edit is applied to the object's JSON value by [`apply_json`], so the caller can
//! check that the re-parsed text is exactly the object it meant.
//!
//! Semantics are RFC 6902's, with one addition: an `add` whose parent mappings are missing creates
//! them (a `securityContext` that is not there yet).

use rampart_model::Edit;
use serde_json::{Map, Value};

use crate::cst::{self, Kind, Node};

/// How the document indents: the step of a nested mapping, and where a sequence's dash sits
/// relative to its key (0 for `key:\n- a`, 2 for `key:\n  - a`).
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub unit: usize,
    pub seq_offset: usize,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            unit: 2,
            seq_offset: 2,
        }
    }
}

/// The tokens and value of an edit, relative to the document root.
pub struct Op<'a> {
    pub tokens: Vec<String>,
    pub edit: &'a Edit,
}

impl<'a> Op<'a> {
    pub fn new(prefix: &[String], edit: &'a Edit) -> Self {
        let ptr = match edit {
            Edit::Add { pointer, .. }
            | Edit::Replace { pointer, .. }
            | Edit::Remove { pointer } => pointer,
        };
        let mut tokens = prefix.to_vec();
        tokens.extend(ptr.tokens());
        Op { tokens, edit }
    }
}

/// Applies one edit to document `doc` of `text`. `Ok(None)` when there is nothing to do (removing
/// what is already absent).
pub fn apply_text(text: &str, doc: usize, op: &Op) -> Result<Option<String>, String> {
    let docs = cst::parse(text).map_err(|e| format!("not valid YAML: {e}"))?;
    let Some(d) = docs.get(doc) else {
        return Err(format!("document {doc} not found"));
    };
    let style = detect_style(text, &d.root);
    let s = Splicer { text, style };
    match op.edit {
        Edit::Add { value, .. } => s.add(&d.root, &op.tokens, value, false).map(Some),
        Edit::Replace { value, .. } => s.add(&d.root, &op.tokens, value, true).map(Some),
        Edit::Remove { .. } => s.remove(&d.root, &op.tokens),
    }
}

struct Splicer<'t> {
    text: &'t str,
    style: Style,
}

/// The nodes along a pointer, as far as they exist: `(node, key_start of its entry)`.
fn walk<'n>(root: &'n Node, tokens: &[String]) -> Vec<(&'n Node, Option<usize>)> {
    let mut out = vec![(root, None)];
    let mut node = root;
    for t in tokens {
        let next = match &node.kind {
            Kind::Map(entries) => entries
                .iter()
                .rev()
                .find(|e| &e.key == t)
                .map(|e| (&e.value, Some(e.key_start))),
            Kind::Seq(_) => node.child(t).map(|(_, n)| (n, None)),
            _ => None,
        };
        match next {
            Some((n, k)) => {
                out.push((n, k));
                node = n;
            }
            None => break,
        }
    }
    out
}

fn shared(path: &[(&Node, Option<usize>)]) -> bool {
    path.iter()
        .any(|(n, _)| n.anchored || matches!(n.kind, Kind::Alias))
}

impl Splicer<'_> {
    fn splice(&self, from: usize, to: usize, with: &str) -> String {
        let mut out = String::with_capacity(self.text.len() + with.len());
        out.push_str(&self.text[..from]);
        out.push_str(with);
        out.push_str(&self.text[to..]);
        out
    }

    fn line_start(&self, pos: usize) -> usize {
        self.text[..pos].rfind('\n').map_or(0, |i| i + 1)
    }

    /// The offset of the line break ending the line holding `pos` (or the end of the text).
    fn line_end(&self, pos: usize) -> usize {
        self.text[pos..]
            .find('\n')
            .map_or(self.text.len(), |i| pos + i)
    }

    fn col(&self, pos: usize) -> usize {
        pos - self.line_start(pos)
    }

    /// True when only spaces come before `pos` on its line.
    fn starts_line(&self, pos: usize) -> bool {
        self.text[self.line_start(pos)..pos]
            .bytes()
            .all(|b| b == b' ' || b == b'\t')
    }

    fn add(
        &self,
        root: &Node,
        tokens: &[String],
        value: &Value,
        replace: bool,
    ) -> Result<String, String> {
        if tokens.is_empty() {
            return Err("cannot replace a whole object".into());
        }
        let path = walk(root, tokens);
        if shared(&path) {
            return Err("the field is shared through a YAML anchor or alias; not edited".into());
        }
        let found = path.len() - 1;
        if found == tokens.len() {
            let (parent, _) = path[found - 1];
            let (target, key_start) = path[found];
            if let Kind::Seq(_) = parent.kind {
                if !replace {
                    return self.insert_item(parent, &tokens[found - 1], value);
                }
            }
            return self.replace(target, key_start, value);
        }
        // Missing from tokens[found]: wrap the value in mappings for the rest.
        let (parent, parent_key) = path[found];
        let mut v = value.clone();
        for t in tokens[found + 1..].iter().rev() {
            let mut m = Map::new();
            m.insert(t.clone(), v);
            v = Value::Object(m);
        }
        let key = &tokens[found];
        match &parent.kind {
            Kind::Map(_) if parent.flow => self.insert_flow_entry(parent, key, &v),
            Kind::Map(_) => self.insert_block_entry(parent, key, &v),
            Kind::Seq(_) => self.insert_item(parent, key, &v),
            Kind::Scalar { null: true, .. } => {
                let mut m = Map::new();
                m.insert(key.clone(), v);
                self.replace(parent, parent_key, &Value::Object(m))
            }
            _ => Err(format!(
                "cannot add `{key}`: its parent is not a mapping or a sequence"
            )),
        }
    }

    /// Replaces a node's text with the value, in the node's style.
    fn replace(
        &self,
        node: &Node,
        key_start: Option<usize>,
        value: &Value,
    ) -> Result<String, String> {
        let is_coll = |v: &Value| {
            matches!(v, Value::Object(m) if !m.is_empty())
                || matches!(v, Value::Array(a) if !a.is_empty())
        };
        let in_flow = self.in_flow(node);
        let text = match &node.kind {
            Kind::Scalar { style, .. } if in_flow || !is_coll(value) => {
                // A string replacing a quoted string keeps its quotes.
                let r = match (style, value) {
                    (saphyr_parser::ScalarStyle::DoubleQuoted, Value::String(v)) => {
                        serde_json::to_string(v).unwrap_or_default()
                    }
                    (saphyr_parser::ScalarStyle::SingleQuoted, Value::String(v))
                        if !v.contains('\n') =>
                    {
                        format!("'{}'", v.replace('\'', "''"))
                    }
                    _ => render_flow(value),
                };
                if node.start == node.end {
                    format!(" {r}")
                } else {
                    r
                }
            }
            Kind::Scalar { .. } => {
                // A block collection in place of a scalar: below the key, one step in.
                let Some(ks) = key_start else {
                    return Ok(self.splice(node.start, node.end, &render_flow(value)));
                };
                let base = self.col(ks);
                let from = if node.start == node.end {
                    node.start
                } else {
                    // `key: null` -> `key:` + block
                    self.text[..node.start].trim_end_matches([' ', '\t']).len()
                };
                let body = after_key(value, base, self.style);
                return Ok(self.splice(from, node.end, &body));
            }
            Kind::Map(_) | Kind::Seq(_) if node.flow || in_flow || !is_coll(value) => {
                render_flow(value)
            }
            Kind::Map(_) => {
                let col = self.col(node.start);
                match value {
                    Value::Object(m) => render_entries(m, col, self.style),
                    _ => render_flow(value),
                }
            }
            Kind::Seq(items) => {
                // A block sequence starts at its first dash.
                let from = match items.first() {
                    Some(first) => self.dash_of(first)?,
                    None => node.start,
                };
                let text = match value {
                    Value::Array(a) => render_items(a, self.col(from), self.style),
                    _ => render_flow(value),
                };
                return Ok(self.splice(from, node.end, &text));
            }
            Kind::Alias => return Err("the field is an alias; not edited".into()),
        };
        Ok(self.splice(node.start, node.end, &text))
    }

    /// True when the node sits inside a flow collection (its line does not start the node and a
    /// bracket is open before it). Approximated by the nearest unbalanced bracket on its line.
    fn in_flow(&self, node: &Node) -> bool {
        let before = &self.text[self.line_start(node.start)..node.start];
        let mut depth = 0i32;
        for b in before.bytes() {
            match b {
                b'[' | b'{' => depth += 1,
                b']' | b'}' => depth -= 1,
                _ => {}
            }
        }
        depth > 0
    }

    fn insert_block_entry(&self, map: &Node, key: &str, value: &Value) -> Result<String, String> {
        let Kind::Map(entries) = &map.kind else {
            return Err("not a mapping".into());
        };
        let Some(first) = entries.first() else {
            return Err("empty block mapping".into());
        };
        let indent = self.col(first.key_start);
        let at = self.line_end(map.end.max(first.key_start));
        let line = format!(
            "\n{}{}:{}",
            " ".repeat(indent),
            render_key(key),
            after_key(value, indent, self.style)
        );
        Ok(self.splice(at, at, &line))
    }

    fn insert_flow_entry(&self, map: &Node, key: &str, value: &Value) -> Result<String, String> {
        let Kind::Map(entries) = &map.kind else {
            return Err("not a mapping".into());
        };
        let close = self.closing(map)?;
        let entry = format!("{}: {}", render_key(key), render_flow(value));
        let text = match entries.last() {
            None => entry,
            Some(last) => {
                let at = last.value.end.max(last.key_start);
                return Ok(self.splice(at, at, &format!(", {entry}")));
            }
        };
        Ok(self.splice(close, close, &text))
    }

    /// The offset of a flow collection's closing bracket.
    fn closing(&self, node: &Node) -> Result<usize, String> {
        let end = node.end;
        if end > 0 && matches!(self.text.as_bytes().get(end - 1), Some(b'}' | b']')) {
            Ok(end - 1)
        } else {
            Err("cannot find the end of a flow collection".into())
        }
    }

    fn insert_item(&self, seq: &Node, token: &str, value: &Value) -> Result<String, String> {
        let Kind::Seq(items) = &seq.kind else {
            return Err("not a sequence".into());
        };
        let index = if token == "-" {
            items.len()
        } else {
            token
                .parse::<usize>()
                .ok()
                .filter(|&i| i <= items.len())
                .ok_or_else(|| format!("index `{token}` out of range"))?
        };
        if seq.flow {
            let v = render_flow(value);
            if let Some(next) = items.get(index) {
                return Ok(self.splice(next.start, next.start, &format!("{v}, ")));
            }
            return match items.last() {
                Some(last) => Ok(self.splice(last.end, last.end, &format!(", {v}"))),
                None => {
                    let close = self.closing(seq)?;
                    Ok(self.splice(close, close, &v))
                }
            };
        }
        let Some(first) = items.first() else {
            return Err("empty block sequence".into());
        };
        let dash = self.dash_of(first)?;
        let col = self.col(dash);
        let item = format!("- {}", render_item(value, col + 2, self.style));
        if let Some(next) = items.get(index) {
            let at = self.line_start(self.dash_of(next)?);
            return Ok(self.splice(at, at, &format!("{}{item}\n", " ".repeat(col))));
        }
        let at = self.line_end(seq.end.max(dash));
        Ok(self.splice(at, at, &format!("\n{}{item}", " ".repeat(col))))
    }

    /// The dash of a block sequence item, which must start its line.
    fn dash_of(&self, item: &Node) -> Result<usize, String> {
        let before = self.text[..item.start].trim_end_matches([' ', '\t']);
        if before.ends_with('-') && self.starts_line(before.len() - 1) {
            Ok(before.len() - 1)
        } else {
            Err("a sequence item that does not start its line".into())
        }
    }

    fn remove(&self, root: &Node, tokens: &[String]) -> Result<Option<String>, String> {
        if tokens.is_empty() {
            return Err("cannot remove a whole object".into());
        }
        let path = walk(root, tokens);
        if path.len() - 1 < tokens.len() {
            return Ok(None);
        }
        if shared(&path) {
            return Err("the field is shared through a YAML anchor or alias; not edited".into());
        }
        let (parent, _) = path[path.len() - 2];
        let last = &tokens[tokens.len() - 1];
        match &parent.kind {
            Kind::Map(entries) => {
                let Some(i) = entries.iter().rposition(|e| &e.key == last) else {
                    return Ok(None);
                };
                let e = &entries[i];
                let end = e.value.end.max(e.key_start);
                if parent.flow {
                    return Ok(Some(self.remove_flow(
                        parent,
                        i,
                        &entries.iter().map(|e| e.key_start).collect::<Vec<_>>(),
                        end,
                    )?));
                }
                if entries.len() == 1 {
                    return Ok(Some(self.empty_collection(e.key_start, end, "{}")));
                }
                if self.starts_line(e.key_start) {
                    let from = self.line_start(e.key_start);
                    let to = (self.line_end(end) + 1).min(self.text.len());
                    return Ok(Some(self.splice(from, to, "")));
                }
                // The first entry of a mapping that is a sequence item (`- key: v`).
                match entries.get(i + 1) {
                    Some(next) if i == 0 => Ok(Some(self.splice(e.key_start, next.key_start, ""))),
                    _ => Err("cannot remove this entry without rewriting its mapping".into()),
                }
            }
            Kind::Seq(items) => {
                let Some(i) = last.parse::<usize>().ok().filter(|&i| i < items.len()) else {
                    return Ok(None);
                };
                let item = &items[i];
                if parent.flow {
                    let starts: Vec<usize> = items.iter().map(|n| n.start).collect();
                    return Ok(Some(self.remove_flow(parent, i, &starts, item.end)?));
                }
                let dash = self.dash_of(item)?;
                if items.len() == 1 {
                    return Ok(Some(self.empty_collection(
                        dash,
                        item.end.max(dash + 1),
                        "[]",
                    )));
                }
                let from = self.line_start(dash);
                let to = (self.line_end(item.end.max(dash)) + 1).min(self.text.len());
                Ok(Some(self.splice(from, to, "")))
            }
            _ => Ok(None),
        }
    }

    /// Replaces a whole block collection (from `from` to `to`) with an empty flow one: right
    /// after its key's colon when it has one (`key:\n  - a` -> `key: []`).
    fn empty_collection(&self, from: usize, to: usize, empty: &str) -> String {
        let before = self.text[..from].trim_end();
        if before.ends_with(':') {
            self.splice(before.len(), to, &format!(" {empty}"))
        } else {
            self.splice(from, to, empty)
        }
    }

    /// Removes item `i` of a flow collection whose items start at `starts`; `end` is where item
    /// `i` ends.
    fn remove_flow(
        &self,
        node: &Node,
        i: usize,
        starts: &[usize],
        end: usize,
    ) -> Result<String, String> {
        if let Some(&next) = starts.get(i + 1) {
            return Ok(self.splice(starts[i], next, ""));
        }
        if i > 0 {
            // From the end of the previous item (its comma) to the end of this one.
            let prev_end = self.text[..starts[i]]
                .rfind(',')
                .ok_or("cannot find the separator of a flow collection")?;
            return Ok(self.splice(prev_end, end, ""));
        }
        let _ = node;
        Ok(self.splice(starts[i], end, ""))
    }
}

/// The indentation style of a document, read from its first nested block mapping and its first
/// block sequence under a key.
pub fn detect_style(text: &str, root: &Node) -> Style {
    let mut style = Style::default();
    let col = |pos: usize| pos - text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let mut unit = None;
    let mut seq = None;
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if unit.is_some() && seq.is_some() {
            break;
        }
        match &n.kind {
            Kind::Map(entries) if !n.flow => {
                for e in entries {
                    match &e.value.kind {
                        Kind::Map(sub) if !e.value.flow && unit.is_none() => {
                            if let Some(f) = sub.first() {
                                let d = col(f.key_start).saturating_sub(col(e.key_start));
                                if d > 0 {
                                    unit = Some(d);
                                }
                            }
                        }
                        Kind::Seq(items) if !e.value.flow && seq.is_none() => {
                            if let Some(f) = items.first() {
                                let before = text[..f.start].trim_end_matches([' ', '\t']);
                                if before.ends_with('-') {
                                    let dash = col(before.len() - 1);
                                    seq = Some(dash.saturating_sub(col(e.key_start)));
                                }
                            }
                        }
                        _ => {}
                    }
                    stack.push(&e.value);
                }
            }
            Kind::Seq(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
    if let Some(u) = unit {
        style.unit = u;
        style.seq_offset = u;
    }
    if let Some(s) = seq {
        style.seq_offset = s;
    }
    style
}

/// A scalar as YAML: plain when it reads back as the same string, else double-quoted.
pub fn render_scalar(v: &Value) -> String {
    match v {
        Value::String(s) => {
            let plain_ok = !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_./-@+=".contains(&b))
                && !s.starts_with(['-', '.', '@'])
                && rampart_source::yaml::resolve_plain(s) == Value::String(s.clone());
            if plain_ok {
                s.clone()
            } else {
                serde_json::to_string(s).unwrap_or_default()
            }
        }
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

fn render_key(k: &str) -> String {
    render_scalar(&Value::String(k.to_string()))
}

/// A value on one line, in flow style.
pub fn render_flow(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let parts: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", render_key(k), render_flow(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Array(a) => {
            let parts: Vec<String> = a.iter().map(render_flow).collect();
            format!("[{}]", parts.join(", "))
        }
        s => render_scalar(s),
    }
}

/// What follows `key:` for a key at column `indent`: ` scalar`, or the block below.
fn after_key(v: &Value, indent: usize, style: Style) -> String {
    match v {
        Value::Object(m) if !m.is_empty() => {
            let col = indent + style.unit;
            format!("\n{}{}", " ".repeat(col), render_entries(m, col, style))
        }
        Value::Array(a) if !a.is_empty() => {
            let col = indent + style.seq_offset;
            format!("\n{}{}", " ".repeat(col), render_items(a, col, style))
        }
        other => format!(" {}", render_flow(other)),
    }
}

/// Mapping entries at column `col`; the first without its indentation.
fn render_entries(m: &Map<String, Value>, col: usize, style: Style) -> String {
    let parts: Vec<String> = m
        .iter()
        .map(|(k, v)| format!("{}:{}", render_key(k), after_key(v, col, style)))
        .collect();
    parts.join(&format!("\n{}", " ".repeat(col)))
}

/// Sequence items with their dash at column `col`; the first without its indentation.
fn render_items(a: &[Value], col: usize, style: Style) -> String {
    let parts: Vec<String> = a
        .iter()
        .map(|v| format!("- {}", render_item(v, col + 2, style)))
        .collect();
    parts.join(&format!("\n{}", " ".repeat(col)))
}

/// A sequence item's content, starting right after `- ` (at column `col`).
fn render_item(v: &Value, col: usize, style: Style) -> String {
    match v {
        Value::Object(m) if !m.is_empty() => render_entries(m, col, style),
        other => render_flow(other),
    }
}

/// Applies the edit to a JSON value with the same semantics as [`apply_text`].
pub fn apply_json(root: &mut Value, tokens: &[String], edit: &Edit) -> Result<(), String> {
    let Some((last, parents)) = tokens.split_last() else {
        return Err("empty pointer".into());
    };
    match edit {
        Edit::Add { value, .. } | Edit::Replace { value, .. } => {
            let replace = matches!(edit, Edit::Replace { .. });
            let mut node = root;
            for t in parents {
                node = match node {
                    Value::Object(m) => m
                        .entry(t.clone())
                        .or_insert_with(|| Value::Object(Map::new())),
                    Value::Array(a) => {
                        let i: usize = t.parse().map_err(|_| format!("bad index `{t}`"))?;
                        a.get_mut(i)
                            .ok_or_else(|| format!("index {i} out of range"))?
                    }
                    Value::Null => {
                        *node = Value::Object(Map::new());
                        match node {
                            Value::Object(m) => m
                                .entry(t.clone())
                                .or_insert_with(|| Value::Object(Map::new())),
                            _ => return Err("unreachable".into()),
                        }
                    }
                    _ => return Err(format!("`{t}`: parent is a scalar")),
                };
            }
            match node {
                Value::Object(m) => {
                    m.insert(last.clone(), value.clone());
                }
                Value::Array(a) => {
                    if last == "-" {
                        a.push(value.clone());
                    } else {
                        let i: usize = last.parse().map_err(|_| format!("bad index `{last}`"))?;
                        if replace && i < a.len() {
                            a[i] = value.clone();
                        } else if i <= a.len() {
                            a.insert(i, value.clone());
                        } else {
                            return Err(format!("index {i} out of range"));
                        }
                    }
                }
                Value::Null => {
                    let mut m = Map::new();
                    m.insert(last.clone(), value.clone());
                    *node = Value::Object(m);
                }
                _ => return Err(format!("`{last}`: parent is a scalar")),
            }
            Ok(())
        }
        Edit::Remove { .. } => {
            let mut node = root;
            for t in parents {
                let next = match node {
                    Value::Object(m) => m.get_mut(t),
                    Value::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
                    _ => None,
                };
                match next {
                    Some(n) => node = n,
                    None => return Ok(()),
                }
            }
            match node {
                Value::Object(m) => {
                    m.shift_remove(last);
                }
                Value::Array(a) => {
                    if let Some(i) = last.parse::<usize>().ok().filter(|&i| i < a.len()) {
                        a.remove(i);
                    }
                }
                _ => {}
            }
            Ok(())
        }
    }
}
