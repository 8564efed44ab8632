//! Reads Kubernetes objects from files, directories and standard input.
//!
//! This is the only crate that touches the file system. Every object keeps the position of every
//! field ([`rampart_model::PosTree`]) so findings can name a line. Problems are collected as
//! [`LoadError`]s, one per problem, and reading goes on with the rest.

mod discover;
mod helm_values;
mod locate;
pub mod yaml;

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use rampart_model::{Origin, PosTree, Resource};
use serde_json::Value;

pub use discover::{discover, Input};
pub use locate::{locate_findings, location_of, Lines};

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
/// `items`) are expanded into their items. Items of a typed list (`PodList`, `DeploymentList`, as
/// `kubectl get -o json` and the API return them) that carry neither apiVersion nor kind get the
/// list's apiVersion and its kind without `List`, as kubectl's decoder does.
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
    let is_values_file = helm_values::is_values_file(path);
    for (doc_index, doc) in stream.docs.into_iter().enumerate() {
        if is_values_file && doc.value.is_null() {
            // A values file of comments only.
            continue;
        }
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
        if is_values_file && helm_values::is_values_doc(&doc.value) {
            out.resources
                .push(helm_values::values_object(path, doc, doc_index));
            continue;
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
    // `PodList` -> `Pod`; a plain `List` names no item kind, so its items must name their own.
    let list_kind = map.get("kind").and_then(Value::as_str).unwrap_or("");
    let item_kind = list_kind.strip_suffix("List").unwrap_or("").to_string();
    let list_api_version = map
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
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
        let mut tree = trees.next().unwrap_or_default();
        let mut item = item;
        if !item.is_object() {
            out.errors.push(LoadError::at(
                path,
                tree.pos,
                format!("List item {i} is not an object"),
            ));
            continue;
        }
        if !item_kind.is_empty() && !list_api_version.is_empty() {
            infer_identity(&mut item, &mut tree, &list_api_version, &item_kind);
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

/// Gives a typed list's item that names neither apiVersion nor kind (missing or empty) those of
/// the list, as apimachinery's unstructured list decoder does; an item naming either keeps its
/// own. The added fields are appended, and point at the item, so positions stay in step.
fn infer_identity(item: &mut Value, tree: &mut PosTree, api_version: &str, kind: &str) {
    let Value::Object(map) = item else { return };
    let unnamed = |f: &str| match map.get(f) {
        None => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(_) => false,
    };
    if !(unnamed("apiVersion") && unnamed("kind")) {
        return;
    }
    for (field, value) in [("apiVersion", api_version), ("kind", kind)] {
        match map.get_mut(field) {
            Some(v) => *v = Value::String(value.to_string()),
            None => {
                map.insert(field.to_string(), Value::String(value.to_string()));
                let at = tree.pos;
                tree.children.resize(map.len(), PosTree::leaf(at));
            }
        }
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

    /// `kubectl get pods -o json`: a `PodList` whose items name neither apiVersion nor kind.
    const POD_LIST_JSON: &str = r#"{
    "apiVersion": "v1",
    "items": [
        {
            "metadata": {
                "name": "web-0",
                "namespace": "prod"
            },
            "spec": {
                "hostPID": true,
                "containers": [{"name": "web", "image": "nginx:1.27"}]
            }
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "own"}
        },
        {
            "kind": "Secret",
            "metadata": {"name": "half"}
        }
    ],
    "kind": "PodList",
    "metadata": {
        "resourceVersion": ""
    }
}
"#;

    #[test]
    fn typed_list_items_get_the_list_identity() {
        let p = parse_str(Path::new("pods.json"), POD_LIST_JSON);
        assert_eq!(p.resources.len(), 2, "{:?}", p.errors);
        let pod = &p.resources[0];
        assert_eq!(
            (pod.id.kind.as_str(), pod.id.api_version.as_str()),
            ("Pod", "v1")
        );
        assert_eq!(
            (pod.id.name.as_str(), pod.id.namespace.as_deref()),
            ("web-0", Some("prod"))
        );
        assert_eq!(pod.locate("/spec/hostPID").map(|p| p.line), Some(10));
        // The inferred fields point at the item.
        assert_eq!(pod.locate("/kind").map(|p| p.line), Some(4));
        // An item naming its own identity keeps it.
        assert_eq!(p.resources[1].id.kind, "ConfigMap");
        assert_eq!(p.resources[1].id.name, "own");
        // An item naming only one of the two is an error, as before (kubectl does not fill it).
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        assert_eq!(p.errors[0].line, Some(19));
        assert!(
            p.errors[0].message.contains("apiVersion"),
            "{}",
            p.errors[0]
        );
    }

    #[test]
    fn typed_lists_in_yaml_and_other_groups() {
        let text = "apiVersion: v1\nkind: NamespaceList\nitems:\n- metadata:\n    name: a\n- metadata:\n    name: b\n---\napiVersion: apps/v1\nkind: DeploymentList\nitems:\n- metadata:\n    name: d\n";
        let p = parse_str(Path::new("x.yaml"), text);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let ids: Vec<_> = p
            .resources
            .iter()
            .map(|r| {
                (
                    r.id.api_version.as_str(),
                    r.id.kind.as_str(),
                    r.id.name.as_str(),
                )
            })
            .collect();
        assert_eq!(
            ids,
            vec![
                ("v1", "Namespace", "a"),
                ("v1", "Namespace", "b"),
                ("apps/v1", "Deployment", "d")
            ]
        );
        assert_eq!(
            p.resources[1].locate("/metadata/name").map(|p| p.line),
            Some(7)
        );
    }

    #[test]
    fn plain_list_items_must_name_their_kind() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- metadata:\n    name: a\n";
        let p = parse_str(Path::new("x.yaml"), text);
        assert!(p.resources.is_empty());
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        assert_eq!(p.errors[0].line, Some(4));
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
