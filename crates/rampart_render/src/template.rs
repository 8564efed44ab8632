//! A YAML-ish reading of Go templates: each line is a key, a sequence item, a template action
//! or other text, with its indentation. Template actions (`{{ }}`) are not evaluated: the walk
//! finds a field's key line by the structure around the actions, and names the values that an
//! action reads (`.Values.x.y`, or `.` inside `with .Values.x`).

/// What one line (or the key after a sequence dash) is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `key: rest` (rest is the raw text after the colon, trimmed).
    Key { name: String, rest: String },
    /// A `- ` sequence item marker (its inline content, if any, is the next entry).
    Item,
    /// A line that is only template actions (`{{- if ... }}`, `{{ include ... | nindent 4 }}`).
    Action(String),
    /// A document separator (`---`).
    Sep,
    /// Anything else (scalars, flow collections, text produced by actions mid-line).
    Other,
}

#[derive(Clone, Debug)]
pub(crate) struct Entry {
    /// 1-based line.
    pub line: u32,
    /// 0-based column of the entry's first character.
    pub indent: usize,
    pub kind: Kind,
    /// The end (exclusive) of the entries that belong to this key or item.
    pub end: usize,
}

impl Entry {
    fn is_content(&self) -> bool {
        matches!(self.kind, Kind::Key { .. } | Kind::Item | Kind::Other)
    }

    /// For an action that writes text (not `if`, `with`, `range`, `end`...): the indentation
    /// of what it writes (`nindent N`/`indent N`, else where it stands).
    fn output_indent(&self) -> Option<usize> {
        let Kind::Action(text) = &self.kind else {
            return None;
        };
        let acts = actions(text);
        let writes = acts.iter().any(|a| {
            let first = a.split_whitespace().next().unwrap_or("");
            !matches!(
                first,
                "if" | "else" | "end" | "with" | "range" | "define" | "block" | "/*"
            ) && !first.starts_with("/*")
                && !first.starts_with('$')
        });
        if !writes {
            return None;
        }
        for a in acts {
            let mut words = a.split_whitespace();
            while let Some(w) = words.next() {
                if w == "nindent" || w == "indent" {
                    if let Some(n) = words.next().and_then(|n| n.parse().ok()) {
                        return Some(n);
                    }
                }
            }
        }
        Some(self.indent)
    }
}

/// The entries of a template text. Comments, blank lines and block scalars' text are left out.
pub(crate) fn entries(text: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    // Lines more indented than this belong to a block scalar (`key: |`) and are skipped.
    let mut block_at: Option<usize> = None;
    // Inside a `{{/* ... */}}` comment or an action spanning lines.
    let mut open_action: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = i as u32 + 1;
        let body = raw.trim_start();
        let indent = raw.len() - body.len();
        let body = body.trim_end();
        if let Some(acc) = open_action.as_mut() {
            acc.push(' ');
            acc.push_str(body);
            if body.contains("}}") {
                let text = open_action.take().unwrap_or_default();
                if let Some(last) = out.last_mut() {
                    let last: &mut Entry = last;
                    last.kind = Kind::Action(text);
                }
            }
            continue;
        }
        if body.is_empty() {
            continue;
        }
        if let Some(at) = block_at {
            if indent > at {
                continue;
            }
            block_at = None;
        }
        if body.starts_with('#') {
            continue;
        }
        if body == "---" || body.starts_with("--- ") {
            out.push(Entry {
                line,
                indent,
                kind: Kind::Sep,
                end: 0,
            });
            continue;
        }
        if body.starts_with("{{") && only_actions(body) {
            out.push(Entry {
                line,
                indent,
                kind: Kind::Action(body.to_string()),
                end: 0,
            });
            continue;
        }
        if body.starts_with("{{") && !body.contains("}}") {
            open_action = Some(body.to_string());
            out.push(Entry {
                line,
                indent,
                kind: Kind::Action(body.to_string()),
                end: 0,
            });
            continue;
        }
        let mut col = indent;
        let mut rest = body;
        // `- - key: v`: one item marker per dash.
        while rest == "-" || rest.starts_with("- ") {
            out.push(Entry {
                line,
                indent: col,
                kind: Kind::Item,
                end: 0,
            });
            let after = rest[1..].trim_start();
            col += rest.len() - after.len();
            rest = after;
        }
        if rest.is_empty() {
            continue;
        }
        if rest.starts_with("{{") && only_actions(rest) {
            out.push(Entry {
                line,
                indent: col,
                kind: Kind::Action(rest.to_string()),
                end: 0,
            });
            continue;
        }
        let kind = match split_key(rest) {
            Some((name, value)) => {
                let v = value.trim_start();
                if v.starts_with('|') || v.starts_with('>') {
                    block_at = Some(col);
                }
                Kind::Key {
                    name,
                    rest: value.to_string(),
                }
            }
            None => Kind::Other,
        };
        out.push(Entry {
            line,
            indent: col,
            kind,
            end: 0,
        });
    }
    for i in 0..out.len() {
        let end = natural_end(&out, i);
        out[i].end = end;
    }
    out
}

/// True when the text is only `{{ ... }}` actions (and spaces between them).
fn only_actions(s: &str) -> bool {
    let mut rest = s.trim();
    while !rest.is_empty() {
        let Some(r) = rest.strip_prefix("{{") else {
            return false;
        };
        let Some(end) = r.find("}}") else {
            return false;
        };
        rest = r[end + 2..].trim_start();
    }
    true
}

/// `key: value` -> (key, value): the first `:` followed by a space or the end, outside quotes
/// and outside actions. Keys that are actions (`{{ $k }}: v`) are not keys.
fn split_key(s: &str) -> Option<(String, String)> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    let mut depth = 0usize;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
            }
            None => {
                if b[i..].starts_with(b"{{") {
                    depth += 1;
                    i += 2;
                    continue;
                }
                if b[i..].starts_with(b"}}") {
                    depth = depth.saturating_sub(1);
                    i += 2;
                    continue;
                }
                if depth == 0 {
                    if (c == b'"' || c == b'\'') && i == 0 {
                        quote = Some(c);
                    } else if c == b':' && (i + 1 == b.len() || b[i + 1] == b' ') {
                        let key = s[..i].trim();
                        if key.contains("{{") || key.starts_with('{') || key.starts_with('[') {
                            return None;
                        }
                        let key = key.trim_matches(|c| c == '"' || c == '\'').to_string();
                        return Some((key, s[i + 1..].trim().to_string()));
                    } else if c == b'#' && i > 0 && b[i - 1] == b' ' {
                        return None;
                    }
                }
            }
        }
        i += 1;
    }
    None
}

/// The `{{ ... }}` actions in a text, without the braces and trim markers.
pub(crate) fn actions(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        let r = &rest[start + 2..];
        let Some(end) = r.find("}}") else { break };
        let inner = r[..end]
            .trim_start_matches('-')
            .trim_end_matches('-')
            .trim();
        out.push(inner);
        rest = &r[end + 2..];
    }
    if out.is_empty() {
        if let Some(start) = s.find("{{") {
            out.push(s[start + 2..].trim_start_matches('-').trim());
        }
    }
    out
}

/// Where the walk leads for one value path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Dot {
    /// `Some(path)`: `.` is `.Values` + path; `None`: `.` is unknown (a `range` item, a helper's
    /// argument) or the root.
    pub values: Option<Vec<String>>,
    /// `.` is the root context (`.Values` reads the values).
    pub root: bool,
}

/// The value path an action reads: `.Values.a.b` -> `[a, b]`; `.` or `.x` inside
/// `with .Values.a` -> `[a]` / `[a, x]`. The first path found wins.
pub(crate) fn values_path(action: &str, dot: &Dot) -> Option<Vec<String>> {
    for word in action.split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',') {
        let w = word.trim_start_matches('$');
        if let Some(p) = w.strip_prefix(".Values.") {
            if dot.root || word.starts_with('$') {
                return Some(split_path(p));
            }
        }
        if w == ".Values" && (dot.root || word.starts_with('$')) {
            return Some(Vec::new());
        }
        if word.starts_with('.') && !word.starts_with(".Values") && !word.starts_with(".Release") {
            if let Some(base) = &dot.values {
                let mut p = base.clone();
                if word != "." {
                    p.extend(split_path(&word[1..]));
                }
                return Some(p);
            }
        }
    }
    None
}

fn split_path(p: &str) -> Vec<String> {
    p.split('.')
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                .to_string()
        })
        .collect()
}

/// The context of `.` at entry `idx`: the innermost enclosing `with` (of a values path), `range`
/// (unknown) or `define` (unknown) among the entries before it.
pub(crate) fn dot_at(entries: &[Entry], idx: usize) -> Dot {
    let mut stack: Vec<Dot> = Vec::new();
    let root = Dot {
        values: None,
        root: true,
    };
    for e in entries.iter().take(idx) {
        let Kind::Action(text) = &e.kind else {
            continue;
        };
        for a in actions(text) {
            let first = a.split_whitespace().next().unwrap_or("");
            let current = stack.last().cloned().unwrap_or_else(|| root.clone());
            match first {
                "with" => {
                    let p = values_path(a.trim_start_matches("with"), &current);
                    stack.push(Dot {
                        values: p,
                        root: false,
                    });
                }
                "range" => stack.push(Dot {
                    values: None,
                    root: false,
                }),
                "define" => stack.push(Dot {
                    values: None,
                    root: true,
                }),
                "if" | "block" => stack.push(current),
                "end" => {
                    stack.pop();
                }
                _ => {}
            }
        }
    }
    stack.pop().unwrap_or(root)
}

/// The entries after the key or item at `idx` that belong to it, within `..end`.
pub(crate) fn children(entries: &[Entry], idx: usize, end: usize) -> std::ops::Range<usize> {
    match entries.get(idx) {
        Some(me) => idx + 1..me.end.min(end).max(idx + 1),
        None => idx..idx,
    }
}

/// The end (exclusive) of the entries after the key or item at `idx` that belong to it.
fn natural_end(entries: &[Entry], idx: usize) -> usize {
    let end = entries.len();
    let Some(me) = entries.get(idx) else {
        return idx;
    };
    if !matches!(me.kind, Kind::Key { .. } | Kind::Item) {
        return idx + 1;
    }
    let is_item = me.kind == Kind::Item;
    let mut j = idx + 1;
    while j < end {
        let e = &entries[j];
        if e.kind == Kind::Sep {
            break;
        }
        if let Some(at) = e.output_indent() {
            if at <= me.indent {
                break;
            }
        }
        if e.is_content() {
            let stop = if is_item {
                // The item's inline key is on the same line, further right.
                e.indent <= me.indent && e.line != me.line
            } else {
                e.indent < me.indent || (e.indent == me.indent && e.kind != Kind::Item)
            };
            if stop {
                break;
            }
        }
        j += 1;
    }
    j
}

/// The direct children of a range: its content entries at the smallest indentation.
fn level(entries: &[Entry], range: std::ops::Range<usize>, items: bool) -> Vec<usize> {
    let want = |e: &Entry| {
        if items {
            e.kind == Kind::Item
        } else {
            matches!(e.kind, Kind::Key { .. })
        }
    };
    let min = entries[range.clone()]
        .iter()
        .filter(|e| want(e))
        .map(|e| e.indent)
        .min();
    let Some(min) = min else { return Vec::new() };
    // Only entries not nested in an earlier entry of the level.
    let mut out = Vec::new();
    let mut skip_until = range.start;
    for j in range.clone() {
        if j < skip_until {
            continue;
        }
        let e = &entries[j];
        if want(e) && e.indent == min {
            out.push(j);
            skip_until = children(entries, j, range.end).end;
        }
    }
    out
}

/// The keys of a mapping range at its own level.
pub(crate) fn keys(entries: &[Entry], range: std::ops::Range<usize>) -> Vec<usize> {
    level(entries, range, false)
}

/// The items of a sequence range at its own level.
pub(crate) fn items(entries: &[Entry], range: std::ops::Range<usize>) -> Vec<usize> {
    level(entries, range, true)
}

/// The action entries of a range that are not inside one of its keys or items: the actions that
/// produce fields at this level.
pub(crate) fn level_actions(entries: &[Entry], range: std::ops::Range<usize>) -> Vec<usize> {
    let mut nested = vec![false; range.end.saturating_sub(range.start)];
    for k in keys(entries, range.clone())
        .into_iter()
        .chain(items(entries, range.clone()))
    {
        for j in children(entries, k, range.end) {
            if let Some(n) = nested.get_mut(j - range.start) {
                *n = true;
            }
        }
    }
    range
        .clone()
        .filter(|&j| !nested[j - range.start] && matches!(entries[j].kind, Kind::Action(_)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_classified() {
        let t = "apiVersion: v1\n# c\nspec:\n  {{- if .Values.x }}\n  containers:\n  - name: a\n    image: \"{{ .Values.image }}\"\n    args: |\n      not: a key\n  {{- end }}\n";
        let e = entries(t);
        let kinds: Vec<_> = e
            .iter()
            .map(|e| (e.line, e.indent, e.kind.clone()))
            .collect();
        assert_eq!(
            kinds[0].2,
            Kind::Key {
                name: "apiVersion".into(),
                rest: "v1".into()
            }
        );
        assert!(matches!(kinds[2].2, Kind::Action(_)));
        assert_eq!((kinds[4].0, kinds[4].1, &kinds[4].2), (6, 2, &Kind::Item));
        assert_eq!(kinds[5].1, 4);
        assert!(e.iter().all(|e| e.line != 9));
        let spec = 1;
        let ch = children(&e, spec, e.len());
        let ks = keys(&e, ch.clone());
        assert_eq!(ks.len(), 1);
        let c = children(&e, ks[0], e.len());
        assert_eq!(items(&e, c).len(), 1);
    }

    #[test]
    fn values_paths() {
        let root = Dot {
            values: None,
            root: true,
        };
        assert_eq!(
            values_path("toYaml .Values.a.b | nindent 4", &root),
            Some(vec!["a".to_string(), "b".to_string()])
        );
        let with = Dot {
            values: Some(vec!["sc".into()]),
            root: false,
        };
        assert_eq!(
            values_path("toYaml . | nindent 4", &with),
            Some(vec!["sc".into()])
        );
        assert_eq!(
            values_path(".x | quote", &with),
            Some(vec!["sc".into(), "x".into()])
        );
        let t =
            "{{- with .Values.sc }}\nsecurityContext:\n  {{- toYaml . | nindent 2 }}\n{{- end }}\n";
        let e = entries(t);
        assert_eq!(dot_at(&e, 2).values, Some(vec!["sc".to_string()]));
    }
}
