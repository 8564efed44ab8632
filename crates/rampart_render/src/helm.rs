//! Maps fields of `helm template` output back to the template line that wrote them, and to the
//! values line they came from.
//!
//! Each rendered document follows a `# Source: CHART/templates/x.yaml` comment, which names the
//! template. The field's line in that template is found by walking the template's structure
//! ([`crate::template`]) along the finding's pointer: keys by name, sequence items by their
//! `name:` (else by position, else the only item, as in a `range` loop). When a level has no
//! such key, the actions at that level produce it: an `include`d or `template`d helper is walked
//! in turn (from its `define`), and `toYaml .Values.x` (or `.` inside `with .Values.x`) names the
//! template line of the action and the values line of `x` plus the rest of the pointer.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use rampart_model::{PosTree, Resource};
use serde_json::Value;

use crate::template::{self, Entry, Kind};
use crate::{Mapping, Place};

/// One parsed template file.
struct Template {
    entries: Vec<Entry>,
    /// The ranges between `---` separators.
    segments: Vec<Range<usize>>,
}

/// A values file, parsed when first needed.
struct ValuesFile {
    path: PathBuf,
    parsed: std::sync::OnceLock<Option<(Value, PosTree)>>,
}

impl ValuesFile {
    fn new(path: &Path) -> ValuesFile {
        ValuesFile {
            path: path.to_path_buf(),
            parsed: std::sync::OnceLock::new(),
        }
    }

    fn get(&self) -> Option<&(Value, PosTree)> {
        self.parsed
            .get_or_init(|| {
                let text = std::fs::read_to_string(&self.path).ok()?;
                let mut stream = rampart_source::yaml::parse_stream(&text);
                if stream.docs.is_empty() {
                    return None;
                }
                let doc = stream.docs.swap_remove(0);
                Some((doc.value, doc.positions))
            })
            .as_ref()
    }
}

/// What is needed to map one chart's rendered output.
pub struct ChartMap {
    chart_dir: PathBuf,
    templates: HashMap<PathBuf, Template>,
    /// `define` name -> (template file, body range).
    helpers: HashMap<String, (PathBuf, Range<usize>)>,
    /// Values files by chart root (the top chart and unpacked subcharts): the chart's
    /// `values.yaml`, then (top chart only) the `--values` files in order.
    values: HashMap<PathBuf, Vec<ValuesFile>>,
    /// `# Source:` comments of the rendered text: (line, template path as written).
    sources: Vec<(u32, String)>,
}

impl ChartMap {
    /// Reads the chart's templates, helpers and values files for the rendered `text`.
    pub fn new(chart_dir: &Path, user_values: &[PathBuf], text: &str) -> ChartMap {
        let mut map = ChartMap {
            chart_dir: chart_dir.to_path_buf(),
            templates: HashMap::new(),
            helpers: HashMap::new(),
            values: HashMap::new(),
            sources: Vec::new(),
        };
        for (i, line) in text.lines().enumerate() {
            if let Some(src) = line.strip_prefix("# Source: ") {
                map.sources.push((i as u32 + 1, src.trim().to_string()));
            }
        }
        let rendered: std::collections::HashSet<PathBuf> = map
            .sources
            .iter()
            .map(|(_, s)| map.template_path(s))
            .collect();
        // The templates rendered, and every template file of the chart and its unpacked
        // subcharts that defines helpers (they may live anywhere).
        let walker = ignore::WalkBuilder::new(chart_dir)
            .hidden(false)
            .git_ignore(false)
            .parents(false)
            .build();
        for entry in walker.flatten() {
            let p = entry.path();
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let in_templates = p
                .strip_prefix(chart_dir)
                .is_ok_and(|rel| rel.components().any(|c| c.as_os_str() == "templates"));
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            if in_templates && matches!(ext, "yaml" | "yml" | "tpl" | "json" | "txt") {
                if let Ok(t) = std::fs::read_to_string(p) {
                    if rendered.contains(p) || t.contains("define \"") {
                        map.add_template(p.to_path_buf(), &t);
                    }
                }
            }
            if p.file_name().is_some_and(|n| n == "values.yaml") {
                if let Some(root) = p.parent() {
                    map.values
                        .entry(root.to_path_buf())
                        .or_default()
                        .insert(0, ValuesFile::new(p));
                }
            }
        }
        for f in user_values {
            map.values
                .entry(chart_dir.to_path_buf())
                .or_default()
                .push(ValuesFile::new(f));
        }
        map
    }

    fn add_template(&mut self, path: PathBuf, text: &str) {
        let entries = template::entries(text);
        let mut segments = Vec::new();
        let mut start = 0;
        for (i, e) in entries.iter().enumerate() {
            if e.kind == Kind::Sep {
                segments.push(start..i);
                start = i + 1;
            }
        }
        segments.push(start..entries.len());
        // `define` bodies.
        let mut open: Vec<(Option<String>, usize)> = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let Kind::Action(text) = &e.kind else {
                continue;
            };
            for a in template::actions(text) {
                let mut words = a.split_whitespace();
                match words.next().unwrap_or("") {
                    "define" => {
                        let name = words.next().map(|w| w.trim_matches('"').to_string());
                        open.push((name, i + 1));
                    }
                    "if" | "with" | "range" | "block" => open.push((None, i + 1)),
                    "end" => {
                        if let Some((Some(name), start)) = open.pop() {
                            self.helpers.insert(name, (path.clone(), start..i));
                        }
                    }
                    _ => {}
                }
            }
        }
        self.templates.insert(path, Template { entries, segments });
    }

    /// The template file named by a `# Source:` path (`CHART/templates/x.yaml`).
    fn template_path(&self, source: &str) -> PathBuf {
        let rel = source.split_once('/').map_or(source, |(_, r)| r);
        self.chart_dir.join(rel)
    }

    /// The `# Source:` of the rendered document starting at `line`, and how many documents of
    /// the same template came before it.
    fn source_of(&self, line: u32) -> Option<(&str, usize)> {
        let i = self.sources.iter().rposition(|(l, _)| *l < line)?;
        let src = self.sources[i].1.as_str();
        let before = self.sources[..i].iter().filter(|(_, s)| s == src).count();
        Some((src, before))
    }

    /// Maps the field at `pointer` of a rendered object.
    pub fn map(&self, res: &Resource, pointer: &str) -> Mapping {
        let rendered_line = res.positions.as_ref().map_or(0, |p| p.pos.line);
        let Some((source, nth)) = self.source_of(rendered_line) else {
            return Mapping::unmapped("no `# Source:` comment before the rendered object");
        };
        let path = self.template_path(source);
        let Some(t) = self.templates.get(&path) else {
            return Mapping::unmapped(format!(
                "template `{source}` is not a file of the chart (a packaged subchart?)"
            ))
            .with_template(path);
        };
        let tokens = existing_tokens(&res.raw, pointer);
        let kind = res.id.kind.as_str();
        // The segment: the nth of the template when its kind fits, else the first that fits.
        let fits = |r: &Range<usize>| {
            template::keys(&t.entries, r.clone()).iter().any(|&k| {
                matches!(&t.entries[k].kind, Kind::Key { name, rest }
                    if name == "kind" && (rest.trim_matches(|c| c == '"' || c == '\'') == kind || rest.contains("{{")))
            })
        };
        let segs: Vec<&Range<usize>> = match t.segments.get(nth).filter(|s| fits(s)) {
            Some(s) => vec![s],
            None => t.segments.iter().filter(|s| fits(s)).collect(),
        };
        let mut best: Option<Hit> = None;
        if tokens.is_empty() {
            // About the whole object: its `kind:` line.
            best = segs.first().and_then(|seg| {
                let keys = template::keys(&t.entries, (*seg).clone());
                let k = keys
                    .iter()
                    .copied()
                    .find(
                        |&k| matches!(&t.entries[k].kind, Kind::Key { name, .. } if name == "kind"),
                    )
                    .or(keys.first().copied())?;
                Some(Hit {
                    file: path.clone(),
                    line: t.entries[k].line,
                    column: t.entries[k].indent as u32 + 1,
                    depth: 0,
                    values: None,
                    from_action: false,
                })
            });
        }
        for seg in segs {
            if let Some(h) = self.walk(&path, &t.entries, seg.clone(), &tokens, &res.raw, 0) {
                if best.as_ref().is_none_or(|b| h.depth > b.depth) {
                    best = Some(h);
                }
            }
        }
        let Some(hit) = best else {
            return Mapping::unmapped(if tokens.is_empty() {
                "the finding is about the whole object".to_string()
            } else {
                format!("`{}` is not written in the template", tokens[0].0)
            })
            .with_template(path);
        };
        let values = hit
            .values
            .as_ref()
            .and_then(|p| self.values_place(&hit.file, p));
        let values_path = if values.is_some() {
            hit.values.clone().unwrap_or_default()
        } else {
            Vec::new()
        };
        let exact = hit.depth == tokens.len() || hit.from_action;
        Mapping {
            location: Some(Place {
                path: hit.file,
                line: hit.line,
                column: hit.column,
            }),
            values,
            values_path,
            exact,
            note: None,
            template: Some(path),
        }
    }

    /// The bodies of the helpers that the actions of a level call.
    fn level_helpers(
        &self,
        entries: &[Entry],
        range: Range<usize>,
    ) -> Vec<(&PathBuf, &Range<usize>)> {
        let mut out = Vec::new();
        for a in template::level_actions(entries, range) {
            let Kind::Action(text) = &entries[a].kind else {
                continue;
            };
            for act in template::actions(text) {
                if let Some((f, b)) = helper_name(act).and_then(|n| self.helpers.get(n)) {
                    out.push((f, b));
                }
            }
        }
        out
    }

    /// The line of a values path in the values files of the chart that holds `template`.
    fn values_place(&self, template: &Path, path: &[String]) -> Option<Place> {
        let root = template
            .ancestors()
            .find(|a| a.file_name().is_some_and(|n| n == "templates"))
            .and_then(Path::parent)?;
        let files = self.values.get(root)?;
        let mut best: Option<(usize, Place)> = None;
        // Later files win when they set the whole path; else the deepest match.
        for f in files.iter().rev() {
            let Some((value, positions)) = f.get() else {
                continue;
            };
            let (depth, pos) = locate_path(value, positions, path);
            if depth == 0 {
                continue;
            }
            let place = Place {
                path: f.path.clone(),
                line: pos.line,
                column: pos.col,
            };
            if depth == path.len() {
                return Some(place);
            }
            if best.as_ref().is_none_or(|(d, _)| depth > *d) {
                best = Some((depth, place));
            }
        }
        best.map(|(_, p)| p)
    }

    /// Walks `tokens` from the mapping `range` of `entries` (the rendered value at this level is
    /// `value`). Returns the deepest line found, if any.
    fn walk(
        &self,
        file: &Path,
        entries: &[Entry],
        range: Range<usize>,
        tokens: &[(String, bool)],
        value: &Value,
        depth: usize,
    ) -> Option<Hit> {
        if depth > 16 {
            return None;
        }
        let (tok, _) = tokens.first()?;
        let found = match value {
            Value::Object(map) => template::keys(entries, range.clone())
                .into_iter()
                .find(|&k| matches!(&entries[k].kind, Kind::Key { name, .. } if name == tok))
                .map(|k| (k, map.get(tok.as_str()))),
            Value::Array(list) => {
                let n: usize = tok.parse().ok()?;
                let items = template::items(entries, range.clone());
                let elem = list.get(n);
                let name = elem.and_then(|e| e.get("name")).and_then(Value::as_str);
                let by_name = name.and_then(|name| literal_item(entries, &items, name));
                if let (None, Some(name)) = (by_name, name) {
                    // A helper at this level that writes an item of that name.
                    for (hfile, body) in self.level_helpers(entries, range.clone()) {
                        let Some(t) = self.templates.get(hfile) else {
                            continue;
                        };
                        let hitems = template::items(&t.entries, body.clone());
                        if literal_item(&t.entries, &hitems, name).is_some() {
                            if let Some(mut h) =
                                self.walk(hfile, &t.entries, body.clone(), tokens, value, depth + 1)
                            {
                                h.from_action = true;
                                return Some(h);
                            }
                        }
                    }
                }
                // Else an item whose name is templated (a `range` loop), the only item, or the
                // item at the same position.
                let templated = name.and(
                    items
                        .iter()
                        .copied()
                        .find(|&i| inline_name(entries, i).is_some_and(|n| n.contains("{{"))),
                );
                by_name
                    .or(templated)
                    .or_else(|| (items.len() == 1).then(|| items[0]))
                    .or_else(|| items.get(n).copied())
                    .map(|i| (i, elem))
            }
            _ => None,
        };
        if let Some((k, child)) = found {
            let e = &entries[k];
            let mut hit = Hit {
                file: file.to_path_buf(),
                line: e.line,
                column: e.indent as u32 + 1,
                depth: 1,
                values: None,
                from_action: false,
            };
            let rest_tokens = &tokens[1..];
            if let Kind::Key { rest, .. } = &e.kind {
                if rest.contains("{{") {
                    let dot = template::dot_at(entries, k);
                    if let Some(mut p) = template::actions(rest)
                        .iter()
                        .find_map(|a| template::values_path(a, &dot))
                    {
                        p.extend(rest_tokens.iter().map(|(t, _)| t.clone()));
                        hit.values = Some(p);
                        hit.from_action = !rest_tokens.is_empty();
                    }
                }
            }
            if rest_tokens.is_empty() {
                return Some(hit);
            }
            // `key: {{ include "helper" . | nindent N }}`: the helper writes the children.
            if let (Kind::Key { rest, .. }, Some(child)) = (&e.kind, child) {
                for act in template::actions(rest) {
                    let Some((hfile, body)) = helper_name(act).and_then(|n| self.helpers.get(n))
                    else {
                        continue;
                    };
                    let Some(t) = self.templates.get(hfile) else {
                        continue;
                    };
                    if let Some(mut h) = self.walk(
                        hfile,
                        &t.entries,
                        body.clone(),
                        rest_tokens,
                        child,
                        depth + 1,
                    ) {
                        h.depth += 1;
                        h.from_action = true;
                        return Some(h);
                    }
                }
            }
            let inner = template::children(entries, k, range.end);
            // An item's inline key sits on the item's line: its content is the item's children.
            if let Some(child) = child {
                if let Some(mut h) = self.walk(file, entries, inner, rest_tokens, child, depth + 1)
                {
                    h.depth += 1;
                    return Some(h);
                }
            }
            return Some(hit);
        }
        // Not written at this level: an action writes it.
        for a in template::level_actions(entries, range.clone()) {
            let Kind::Action(text) = &entries[a].kind else {
                continue;
            };
            for act in template::actions(text) {
                let mut words = act.split_whitespace();
                let first = words.next().unwrap_or("");
                if matches!(first, "if" | "else" | "end" | "with" | "range" | "define") {
                    continue;
                }
                if let Some(name) = helper_name(act) {
                    if let Some((hfile, body)) = self.helpers.get(name) {
                        if let Some(t) = self.templates.get(hfile) {
                            if let Some(mut h) =
                                self.walk(hfile, &t.entries, body.clone(), tokens, value, depth + 1)
                            {
                                h.from_action = true;
                                return Some(h);
                            }
                        }
                    }
                    continue;
                }
                let dot = template::dot_at(entries, a);
                if let Some(mut p) = template::values_path(act, &dot) {
                    p.extend(tokens.iter().map(|(t, _)| t.clone()));
                    return Some(Hit {
                        file: file.to_path_buf(),
                        line: entries[a].line,
                        column: entries[a].indent as u32 + 1,
                        depth: tokens.len(),
                        values: Some(p),
                        from_action: true,
                    });
                }
            }
        }
        None
    }
}

/// The `name:` written on a sequence item's line.
fn inline_name(entries: &[Entry], item: usize) -> Option<&str> {
    let e = entries.get(item + 1)?;
    if e.line != entries[item].line {
        return None;
    }
    match &e.kind {
        Kind::Key { name, rest } if name == "name" => {
            Some(rest.trim_matches(|c| c == '"' || c == '\''))
        }
        _ => None,
    }
}

/// The item among `items` named `name` literally.
fn literal_item(entries: &[Entry], items: &[usize], name: &str) -> Option<usize> {
    items
        .iter()
        .copied()
        .find(|&i| inline_name(entries, i) == Some(name))
}

/// The helper an `include "name" ...` or `template "name" ...` action calls.
fn helper_name(action: &str) -> Option<&str> {
    for kw in ["include", "template"] {
        if let Some(i) = action.find(kw) {
            let rest = action[i + kw.len()..].trim_start();
            if let Some(r) = rest.strip_prefix('"') {
                return r.split('"').next();
            }
        }
    }
    None
}

/// The deepest line found by a walk.
#[derive(Debug)]
struct Hit {
    file: PathBuf,
    line: u32,
    column: u32,
    /// How many pointer tokens it covers.
    depth: usize,
    /// The values path the field comes from.
    values: Option<Vec<String>>,
    /// The rest of the pointer is produced by this line's action (helper, toYaml of values).
    from_action: bool,
}

/// The pointer's tokens that exist in `value` (the deepest existing field), with whether each
/// indexes a sequence.
pub fn existing_tokens(value: &Value, pointer: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut v = value;
    for raw in pointer.split('/').skip(1) {
        let tok = raw.replace("~1", "/").replace("~0", "~");
        let next = match v {
            Value::Object(m) => m.get(&tok),
            Value::Array(a) => tok.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        };
        let Some(n) = next else { break };
        out.push((tok, v.is_array()));
        v = n;
    }
    out
}

/// How deep `path` goes in a values document, and the position of the deepest node found.
fn locate_path(value: &Value, tree: &PosTree, path: &[String]) -> (usize, rampart_model::Pos) {
    let mut v = value;
    let mut t = tree;
    let mut depth = 0;
    for tok in path {
        let next = match v {
            Value::Object(m) => m
                .iter()
                .enumerate()
                .find(|(_, (k, _))| *k == tok)
                .map(|(i, (_, c))| (i, c)),
            Value::Array(a) => tok
                .parse::<usize>()
                .ok()
                .and_then(|i| a.get(i).map(|c| (i, c))),
            _ => None,
        };
        let Some((i, c)) = next else { break };
        let Some(ct) = t.children.get(i) else { break };
        v = c;
        t = ct;
        depth += 1;
    }
    (depth, t.pos)
}
