//! Maps fields of `kustomize build` output back to the base resource or the patch that set them.
//!
//! The overlay's kustomization is read (and those of the bases and components it uses,
//! recursively): its resource files, its strategic merge patches (`patchesStrategicMerge`, and
//! `patches` entries holding an object) and its JSON 6902 patches (`patchesJson6902`, and
//! `patches` entries holding a list of operations), from files or inline. A rendered object is
//! matched to the source objects of the same kind whose name it carries (kustomize adds
//! `namePrefix`/`nameSuffix`); the field's pointer is then followed in each source (sequence
//! items by their `name`, else by position). The source that reaches deepest wins; on a tie a
//! patch wins over a base, and a later patch over an earlier one (the order kustomize applies
//! them).

use std::path::{Path, PathBuf};

use rampart_model::{Pos, PosTree, Resource};
use serde_json::Value;

use crate::helm::existing_tokens;
use crate::{Mapping, Place, KUSTOMIZATION_FILES};

/// An object of a resource file or a strategic merge patch.
struct Source {
    path: PathBuf,
    kind: String,
    name: String,
    value: Value,
    positions: PosTree,
    /// Where the text of `value` starts in the file (inline patches: after the `patch:` key).
    offset: (u32, u32),
    patch: bool,
}

/// One JSON 6902 operation.
struct Op {
    path: PathBuf,
    kind: Option<String>,
    name: Option<String>,
    /// The operation's `path`, as pointer tokens.
    tokens: Vec<String>,
    removes: bool,
    value: Option<(Value, PosTree)>,
    /// The operation's position.
    pos: Pos,
    offset: (u32, u32),
}

/// What is needed to map an overlay's rendered output.
pub struct OverlayMap {
    sources: Vec<Source>,
    ops: Vec<(usize, Op)>,
    /// Problems reading the kustomizations (they only make mapping fall back).
    pub problems: Vec<String>,
}

/// The kustomization file of a directory.
pub fn kustomization_file(dir: &Path) -> Option<PathBuf> {
    KUSTOMIZATION_FILES
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
}

fn read_doc(path: &Path) -> Option<rampart_source::yaml::Doc> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut s = rampart_source::yaml::parse_stream(&text);
    (!s.docs.is_empty()).then(|| s.docs.swap_remove(0))
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The local directories an overlay refers to (`resources`, `bases`, `components`).
pub fn referenced_dirs(dir: &Path) -> Vec<PathBuf> {
    let Some(k) = kustomization_file(dir).and_then(|f| read_doc(&f)) else {
        return Vec::new();
    };
    ["resources", "bases", "components"]
        .iter()
        .flat_map(|f| strings(k.value.get(*f)))
        .map(|r| dir.join(r))
        .filter(|p| p.is_dir())
        .collect()
}

impl OverlayMap {
    pub fn new(dir: &Path) -> OverlayMap {
        let mut map = OverlayMap {
            sources: Vec::new(),
            ops: Vec::new(),
            problems: Vec::new(),
        };
        let mut order = 0;
        map.load(dir, 0, &mut order);
        map
    }

    fn load(&mut self, dir: &Path, depth: usize, order: &mut usize) {
        if depth > 20 {
            return;
        }
        let Some(kfile) = kustomization_file(dir) else {
            self.problems
                .push(format!("{}: no kustomization file", dir.display()));
            return;
        };
        let Some(k) = read_doc(&kfile) else {
            self.problems
                .push(format!("{}: cannot read", kfile.display()));
            return;
        };
        for r in ["resources", "bases", "components"]
            .iter()
            .flat_map(|f| strings(k.value.get(*f)))
        {
            let p = normalize(&dir.join(&r));
            if p.is_dir() {
                self.load(&p, depth + 1, order);
            } else if p.is_file() {
                self.add_objects(&p, false);
            }
        }
        for p in strings(k.value.get("patchesStrategicMerge")) {
            let f = dir.join(&p);
            if f.is_file() {
                self.add_objects(&f, true);
            }
        }
        let entries = |field: &str| -> Vec<(usize, &Value)> {
            k.value
                .get(field)
                .and_then(Value::as_array)
                .map(|a| a.iter().enumerate().collect())
                .unwrap_or_default()
        };
        let patch_fields = ["patchesJson6902", "patches"];
        for field in patch_fields {
            let field_idx = k
                .value
                .as_object()
                .and_then(|m| m.keys().position(|x| x == field));
            for (i, entry) in entries(field) {
                *order += 1;
                let target = entry.get("target");
                let tkind = target
                    .and_then(|t| t.get("kind"))
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let tname = target
                    .and_then(|t| t.get("name"))
                    .and_then(Value::as_str)
                    .map(str::to_string);
                // The patch text and where it starts.
                let (path, text, offset) =
                    if let Some(p) = entry.get("path").and_then(Value::as_str) {
                        let f = dir.join(p);
                        match std::fs::read_to_string(&f) {
                            Ok(t) => (f, t, (0, 0)),
                            Err(_) => continue,
                        }
                    } else if let Some(t) = entry.get("patch").and_then(Value::as_str) {
                        // Inline: the block scalar starts on the line after `patch:`.
                        let tree = field_idx
                            .and_then(|fi| k.positions.children.get(fi))
                            .and_then(|t| t.children.get(i));
                        let patch_pos = tree
                            .and_then(|t| {
                                entry
                                    .as_object()
                                    .and_then(|m| m.keys().position(|x| x == "patch"))
                                    .and_then(|pi| t.children.get(pi))
                            })
                            .map(|t| t.pos)
                            .unwrap_or_default();
                        (
                            kfile.clone(),
                            t.to_string(),
                            (patch_pos.line, patch_pos.col + 1),
                        )
                    } else {
                        continue;
                    };
                let stream = rampart_source::yaml::parse_stream(&text);
                for doc in stream.docs {
                    match &doc.value {
                        Value::Array(ops) => {
                            for (j, op) in ops.iter().enumerate() {
                                let Some(tree) = doc.positions.children.get(j) else {
                                    continue;
                                };
                                let op_path = op.get("path").and_then(Value::as_str).unwrap_or("");
                                let value = op.as_object().and_then(|m| {
                                    let vi = m.keys().position(|x| x == "value")?;
                                    Some((m.get("value")?.clone(), tree.children.get(vi)?.clone()))
                                });
                                self.ops.push((
                                    *order,
                                    Op {
                                        path: path.clone(),
                                        kind: tkind.clone(),
                                        name: tname.clone(),
                                        tokens: op_path
                                            .split('/')
                                            .skip(1)
                                            .map(|t| t.replace("~1", "/").replace("~0", "~"))
                                            .collect(),
                                        removes: op.get("op").and_then(Value::as_str)
                                            == Some("remove"),
                                        value,
                                        pos: tree.pos,
                                        offset,
                                    },
                                ));
                            }
                        }
                        Value::Object(_) => {
                            let kind = doc
                                .value
                                .get("kind")
                                .and_then(Value::as_str)
                                .map(str::to_string)
                                .or_else(|| tkind.clone())
                                .unwrap_or_default();
                            let name = doc
                                .value
                                .pointer("/metadata/name")
                                .and_then(Value::as_str)
                                .map(str::to_string)
                                .or_else(|| tname.clone())
                                .unwrap_or_default();
                            self.sources.push(Source {
                                path: path.clone(),
                                kind,
                                name,
                                value: doc.value,
                                positions: doc.positions,
                                offset,
                                patch: true,
                            });
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    fn add_objects(&mut self, path: &Path, patch: bool) {
        let Ok(text) = std::fs::read_to_string(path) else {
            return;
        };
        for doc in rampart_source::yaml::parse_stream(&text).docs {
            let kind = doc
                .value
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let name = doc
                .value
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            self.sources.push(Source {
                path: path.to_path_buf(),
                kind,
                name,
                value: doc.value,
                positions: doc.positions,
                offset: (0, 0),
                patch,
            });
        }
    }

    /// Maps the field at `pointer` of a rendered object.
    pub fn map(&self, res: &Resource, pointer: &str) -> Mapping {
        let tokens = existing_tokens(&res.raw, pointer);
        let kind = res.id.kind.as_str();
        let rendered_name = res.id.name.as_str();
        let names = |n: &str| !n.is_empty() && rendered_name.contains(n);
        // The deepest source wins; on a tie, a patch wins over a base when it sets the value
        // there (a scalar or a list), not when it only passes through a mapping the base wrote.
        type Key = (usize, bool, bool, usize);
        let mut best: Option<(Key, Place)> = None;
        let mut consider = |depth: usize, patch: bool, sets: bool, order: usize, place: Place| {
            // At a value: the patch (the later one); at a mapping: the base that wrote it.
            let key = (depth, sets, if sets { patch } else { !patch }, order);
            if best.as_ref().is_none_or(|(k, _)| key > *k) {
                best = Some((key, place));
            }
        };
        // Prefer sources named exactly as rendered; else the longest name it carries.
        let longest = self
            .sources
            .iter()
            .filter(|s| s.kind == kind && names(&s.name))
            .map(|s| s.name.len())
            .max()
            .unwrap_or(0);
        for (i, s) in self.sources.iter().enumerate() {
            if s.kind != kind || !names(&s.name) || s.name.len() < longest {
                continue;
            }
            let (depth, pos, node) = follow(&s.value, &s.positions, &res.raw, &tokens);
            let place = place_of(&s.path, pos, s.offset);
            consider(depth, s.patch, !node.is_object(), i, place);
        }
        for (order, op) in &self.ops {
            if op.kind.as_deref().is_some_and(|k| k != kind)
                || op.name.as_deref().is_some_and(|n| !names(n))
                || op.removes
            {
                continue;
            }
            let n = op.tokens.len();
            if n > tokens.len() {
                continue;
            }
            let prefix = op
                .tokens
                .iter()
                .zip(&tokens)
                .all(|(o, (t, _))| o == t || o == "-");
            if !prefix {
                continue;
            }
            let (extra, pos) = match &op.value {
                Some((v, tree)) => {
                    let sub = &tokens[n..];
                    let rendered = rendered_at(&res.raw, &tokens[..n]);
                    match rendered {
                        Some(r) => {
                            let (d, p, _) = follow(v, tree, r, sub);
                            (d, p)
                        }
                        None => (0, tree.pos),
                    }
                }
                None => (0, op.pos),
            };
            let place = place_of(&op.path, pos, op.offset);
            consider(n + extra, true, true, self.sources.len() + order, place);
        }
        match best {
            Some(((depth, ..), place)) => Mapping {
                template: Some(place.path.clone()),
                location: Some(place),
                values: None,
                values_path: Vec::new(),
                exact: depth == tokens.len(),
                note: None,
            },
            None => Mapping::unmapped(format!(
                "no {kind} named like `{rendered_name}` in the overlay's resources or patches \
                 (a remote base, a generator, or a helm chart inflation?)"
            )),
        }
    }
}

/// `a/b/../c` -> `a/c`, without touching the file system (paths stay as the user gave them).
fn normalize(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                let last_is_normal =
                    matches!(out.components().next_back(), Some(Component::Normal(_)));
                if last_is_normal {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn place_of(path: &Path, pos: Pos, offset: (u32, u32)) -> Place {
    Place {
        path: path.to_path_buf(),
        line: pos.line + offset.0,
        column: if offset.0 > 0 {
            pos.col + offset.1
        } else {
            pos.col
        },
    }
}

/// The rendered value at `tokens`.
fn rendered_at<'a>(root: &'a Value, tokens: &[(String, bool)]) -> Option<&'a Value> {
    let mut v = root;
    for (t, _) in tokens {
        v = match v {
            Value::Object(m) => m.get(t)?,
            Value::Array(a) => a.get(t.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(v)
}

/// Follows the rendered `tokens` in a source object: keys by name, sequence items by their
/// `name` (as strategic merge does), else by position. Returns how many tokens were found and
/// the position and the value of the deepest.
fn follow<'a>(
    src: &'a Value,
    tree: &PosTree,
    rendered: &Value,
    tokens: &[(String, bool)],
) -> (usize, Pos, &'a Value) {
    let mut v = src;
    let mut t = tree;
    let mut r = rendered;
    let mut depth = 0;
    for (tok, _) in tokens {
        let next = match (v, r) {
            (Value::Object(m), Value::Object(rm)) => {
                let Some(rv) = rm.get(tok) else { break };
                m.iter()
                    .enumerate()
                    .find(|(_, (k, _))| *k == tok)
                    .map(|(i, (_, c))| (i, c, rv))
            }
            (Value::Array(a), Value::Array(ra)) => {
                let Some(n) = tok.parse::<usize>().ok() else {
                    break;
                };
                let Some(rv) = ra.get(n) else { break };
                let rname = rv.get("name").and_then(Value::as_str);
                let found = match rname {
                    Some(name) => a
                        .iter()
                        .enumerate()
                        .find(|(_, x)| x.get("name").and_then(Value::as_str) == Some(name)),
                    None => a.get(n).map(|x| (n, x)),
                };
                found.map(|(i, c)| (i, c, rv))
            }
            _ => None,
        };
        let Some((i, c, rv)) = next else { break };
        let Some(ct) = t.children.get(i) else { break };
        v = c;
        t = ct;
        r = rv;
        depth += 1;
    }
    (depth, t.pos, v)
}
