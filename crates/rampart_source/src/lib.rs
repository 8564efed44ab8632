//! Reads Kubernetes objects from files, directories and standard input.
//!
//! This is the only crate that touches the file system. Every object keeps the position of every
//! field ([`rampart_model::PosTree`]) so findings can name a line. Problems are collected as
//! [`LoadError`]s, one per problem, and reading goes on with the rest.

mod discover;
mod locate;
pub mod yaml;

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use rampart_model::{Origin, Resource};
use serde_json::Value;

pub use discover::{discover, Input};
pub use locate::{locate_findings, locate_findings_with, location_of, Lines};

/// Largest file read (bytes). Larger files are reported and skipped.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

pub use rampart_model::InputError as LoadError;

/// The objects read from one file, and the problems met.
#[derive(Debug, Default)]
pub struct Parsed {
    pub resources: Vec<Resource>,
    pub errors: Vec<LoadError>,
    /// The text read (set by [`read_and_parse`]), to show source lines.
    pub text: Option<Arc<str>>,
}

/// Reads one input and parses it. Errors (unreadable, binary, too large) are returned in
/// [`Parsed::errors`].
pub fn read_and_parse(input: &Input) -> Parsed {
    match read_input(input) {
        Ok(text) => {
            let mut parsed = parse_str(input.path(), &text);
            parsed.text = Some(text);
            parsed
        }
        Err(e) => Parsed {
            errors: vec![e],
            ..Parsed::default()
        },
    }
}

/// Reads an input as UTF-8 text, refusing binary and oversized files.
pub fn read_input(input: &Input) -> Result<Arc<str>, LoadError> {
    let path = input.path();
    let mut bytes = Vec::new();
    let res = match input {
        Input::Stdin => std::io::stdin()
            .lock()
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes),
        Input::File(p) => {
            std::fs::File::open(p).and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        }
    };
    if let Err(e) = res {
        return Err(LoadError::file(path, format!("cannot read: {e}")));
    }
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(LoadError::file(
            path,
            format!(
                "file is larger than {} MiB; not scanned",
                MAX_FILE_BYTES / 1024 / 1024
            ),
        ));
    }
    if memchr::memchr(0, &bytes).is_some() {
        return Err(LoadError::file(
            path,
            "binary file (contains NUL bytes); expected YAML or JSON text",
        ));
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let bad = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..bad].iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            return Err(LoadError {
                path: path.to_path_buf(),
                line: Some(line),
                column: None,
                message: "not valid UTF-8; expected YAML or JSON text".into(),
            });
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    // Lone carriage returns are line breaks to YAML: make them `\n` so shown lines match.
    Ok(Arc::from(yaml::normalize_breaks(text).as_ref()))
}

/// Parses YAML or JSON text holding Kubernetes objects. `kind: List` (and `*List` kinds with
/// `items`) are expanded into their items.
pub fn parse_str(path: &Path, text: &str) -> Parsed {
    let stream = yaml::parse_stream(text);
    let mut out = Parsed::default();
    let mut lines = None;
    for e in stream.errors {
        let mut message = e.message;
        // Say why when the line is a Helm or Go template rather than YAML.
        let lines = lines.get_or_insert_with(|| Lines::new(text));
        if lines.line(e.pos.line).is_some_and(|l| l.contains("{{")) {
            message.push_str(
                "; this looks like a Helm or Go template: render it first \
                 (`helm template CHART | rampart scan -`)",
            );
        }
        out.errors.push(LoadError::at(path, e.pos, message));
    }
    for (doc_index, doc) in stream.docs.into_iter().enumerate() {
        let origin = Origin::File {
            path: path.to_path_buf(),
            doc: doc_index,
            item: None,
        };
        match &doc.value {
            Value::Object(_) => {}
            other => {
                out.errors.push(LoadError::at(
                    path,
                    doc.start,
                    format!(
                        "expected a Kubernetes object (a mapping with apiVersion and kind), found {}",
                        type_name(other)
                    ),
                ));
                continue;
            }
        }
        if let Err((msg, field)) = check_identity(&doc.value) {
            let pos = field.map_or(doc.start, |f| doc.positions.locate(&doc.value, f));
            out.errors.push(LoadError::at(path, pos, msg));
            continue;
        }
        let kind = doc.value.get("kind").and_then(Value::as_str).unwrap_or("");
        if kind.ends_with("List") && doc.value.get("items").is_some() {
            expand_list(path, doc, doc_index, &mut out);
            continue;
        }
        let mut r = Resource::new(doc.value, origin);
        r.positions = Some(Arc::new(doc.positions));
        out.resources.push(r);
    }
    out
}

fn expand_list(path: &Path, doc: yaml::Doc, doc_index: usize, out: &mut Parsed) {
    let yaml::Doc {
        value, positions, ..
    } = doc;
    let Value::Object(mut map) = value else {
        return;
    };
    let items_index = map.keys().position(|k| k == "items");
    let items_tree = items_index.and_then(|i| positions.children.get(i).cloned());
    let Some(Value::Array(items)) = map.remove("items") else {
        out.errors.push(LoadError::at(
            path,
            items_tree.map(|t| t.pos).unwrap_or(positions.pos),
            "`items` of a List must be a sequence of objects",
        ));
        return;
    };
    let trees = items_tree.map(|t| t.children).unwrap_or_default();
    let mut trees = trees.into_iter();
    for (i, item) in items.into_iter().enumerate() {
        let tree = trees.next().unwrap_or_default();
        if !item.is_object() {
            out.errors.push(LoadError::at(
                path,
                tree.pos,
                format!("List item {i} is not an object"),
            ));
            continue;
        }
        if let Err((msg, field)) = check_identity(&item) {
            let pos = field.map_or(tree.pos, |f| tree.locate(&item, f));
            out.errors.push(LoadError::at(path, pos, msg));
            continue;
        }
        let mut r = Resource::new(
            item,
            Origin::File {
                path: path.to_path_buf(),
                doc: doc_index,
                item: Some(i),
            },
        );
        r.positions = Some(Arc::new(tree));
        out.resources.push(r);
    }
}

/// Checks that an object names its kind and apiVersion as strings. On error: the message, and
/// the pointer of the offending field when it exists (else the object is pointed at).
fn check_identity(v: &Value) -> Result<(), (String, Option<&'static str>)> {
    for (field, ptr) in [("apiVersion", "/apiVersion"), ("kind", "/kind")] {
        match v.get(field) {
            Some(Value::String(s)) if !s.is_empty() => {}
            Some(Value::String(_)) => {
                return Err((
                    format!("`{field}` is empty; expected a string such as `v1`/`Pod`"),
                    Some(ptr),
                ))
            }
            Some(other) => {
                return Err((
                    format!("`{field}` must be a string, found {}", type_name(other)),
                    Some(ptr),
                ))
            }
            None => {
                return Err((
                    format!(
                    "not a Kubernetes object: `{field}` is missing (expected apiVersion and kind)"
                ),
                    None,
                ))
            }
        }
    }
    match v.get("metadata") {
        None | Some(Value::Object(_)) => Ok(()),
        Some(other) => Err((
            format!("`metadata` must be a mapping, found {}", type_name(other)),
            Some("/metadata"),
        )),
    }
}

/// A short name of a JSON value's type, for error messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a sequence",
        Value::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_expanded_with_positions() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: a\n  spec:\n    hostPID: true\n- 3\n";
        let p = parse_str(Path::new("x.yaml"), text);
        assert_eq!(p.resources.len(), 1);
        assert_eq!(p.resources[0].id.name, "a");
        assert_eq!(
            p.resources[0].locate("/spec/hostPID").map(|p| p.line),
            Some(9)
        );
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].line, Some(10));
    }

    #[test]
    fn wrong_identity_types_point_at_the_field() {
        let text = "apiVersion: v1\nmetadata: {name: a}\nkind: 42\n---\napiVersion: v1\nkind: Pod\nmetadata: []\n";
        let p = parse_str(Path::new("x.yaml"), text);
        let lines: Vec<_> = p.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![Some(3), Some(7)], "{:?}", p.errors);
    }

    #[test]
    fn unclosed_flow_collections_are_reported_at_the_bracket() {
        let pod = "apiVersion: v1\nkind: Pod\n";
        let text = format!("{pod}a: 1\n---\n{pod}b:\n  c: [\n    {{d: 1\n---\n{pod}e: 2\n");
        let p = parse_str(Path::new("x.yaml"), &text);
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        assert_eq!(p.resources.len(), 2);
        assert_eq!((p.errors[0].line, p.errors[0].column), (Some(8), Some(6)));
        assert!(
            p.errors[0].message.contains("never closed (expected `]`"),
            "{}",
            p.errors[0]
        );
    }

    #[test]
    fn templates_are_named_in_errors() {
        let text = "{{- if .Values.x }}\napiVersion: v1\nkind: Pod\n{{- end }}\n";
        let p = parse_str(Path::new("t.yaml"), text);
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        assert_eq!(p.errors[0].line, Some(1));
        assert!(p.errors[0].message.contains("Helm"), "{}", p.errors[0]);
    }

    #[test]
    fn a_bare_equals_sign_is_a_string() {
        // kube-prometheus CRDs: `enum: [..., =]` is valid YAML that PyYAML alone rejects.
        let p = parse_str(
            Path::new("x.yaml"),
            "apiVersion: v1\nkind: ConfigMap\ndata:\n  op: =\n  ops:\n  - =\n  - '!='\n",
        );
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.resources[0].raw["data"]["ops"][0], "=");
        assert_eq!(p.resources[0].raw["data"]["op"], "=");
    }

    #[test]
    fn non_objects_are_errors_with_lines() {
        let text =
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n- 1\n---\nfoo: bar\n---\n";
        let p = parse_str(Path::new("x.yaml"), text);
        assert_eq!(p.resources.len(), 1);
        let lines: Vec<_> = p.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![Some(5), Some(7)], "{:?}", p.errors);
        assert!(p.errors[1]
            .to_string()
            .starts_with("x.yaml:7:1: not a Kubernetes object"));
    }
}
