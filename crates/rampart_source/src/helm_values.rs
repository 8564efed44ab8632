//! Helm values files read as `HelmValues` objects (see `rampart_model::k8s::helm`).

use std::path::Path;
use std::sync::Arc;

use rampart_model::k8s::helm::{
    is_values_file_name, VALUES_API_VERSION, VALUES_FIELD, VALUES_KIND,
};
use rampart_model::{Origin, PosTree, Resource};
use serde_json::{Map, Value};

use crate::yaml::Doc;

/// True when the file's name is a Helm values file's.
pub(crate) fn is_values_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(is_values_file_name)
}

/// A document of a values file that is configuration, not a Kubernetes object: a mapping naming
/// neither `apiVersion` nor `kind`.
pub(crate) fn is_values_doc(v: &Value) -> bool {
    v.is_object() && v.get("apiVersion").is_none() && v.get("kind").is_none()
}

/// The `HelmValues` object holding one document, with the document's positions under
/// `/values` (the fields rampart adds point at the document's start).
pub(crate) fn values_object(path: &Path, doc: Doc, doc_index: usize) -> Resource {
    let Doc {
        value,
        positions,
        start,
    } = doc;
    let mut name = path.display().to_string();
    if doc_index > 0 {
        name.push_str(&format!("#{doc_index}"));
    }
    let mut meta = Map::new();
    meta.insert("name".into(), Value::String(name));
    let mut obj = Map::new();
    obj.insert(
        "apiVersion".into(),
        Value::String(VALUES_API_VERSION.into()),
    );
    obj.insert("kind".into(), Value::String(VALUES_KIND.into()));
    obj.insert("metadata".into(), Value::Object(meta));
    obj.insert(VALUES_FIELD.into(), value);
    let tree = PosTree {
        pos: start,
        children: vec![
            PosTree::leaf(start),
            PosTree::leaf(start),
            PosTree {
                pos: start,
                children: vec![PosTree::leaf(start)],
            },
            positions,
        ],
    };
    let mut r = Resource::new(
        Value::Object(obj),
        Origin::File {
            path: path.to_path_buf(),
            doc: doc_index,
            item: None,
        },
    );
    r.positions = Some(Arc::new(tree));
    r
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn values_files_are_objects_with_positions() {
        let text =
            "# chart defaults\nimage:\n  tag: 1.2.3\npostgresql:\n  auth:\n    password: hunter2\n";
        let p = crate::parse_str(Path::new("charts/api/values.yaml"), text);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.resources.len(), 1);
        let r = &p.resources[0];
        assert_eq!(r.kind(), "HelmValues");
        assert_eq!(r.id.name, "charts/api/values.yaml");
        assert_eq!(
            r.locate("/values/postgresql/auth/password").map(|p| p.line),
            Some(6)
        );
    }

    #[test]
    fn other_files_and_objects_are_unchanged() {
        // Not a values file: a mapping without kind is still an error.
        let p = crate::parse_str(Path::new("app.yaml"), "a: 1\n");
        assert_eq!(p.errors.len(), 1);
        // A values file holding a Kubernetes object: read as that object.
        let p = crate::parse_str(
            Path::new("values-prod.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n---\n# only comments\n",
        );
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.resources.len(), 1);
        assert_eq!(p.resources[0].kind(), "ConfigMap");
        // A sequence at the top is still not a values mapping.
        let p = crate::parse_str(Path::new("values.yaml"), "- 1\n");
        assert_eq!(p.errors.len(), 1);
    }
}
