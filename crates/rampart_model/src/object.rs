//! Kubernetes objects and where they came from.

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Pos, PosTree};

/// Identifies one object: its group/version, kind, namespace and name (and uid when live).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObjectRef {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub namespace: Option<String>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub uid: Option<String>,
}

impl ObjectRef {
    /// Reads the identity fields of an object. Missing fields become empty strings.
    pub fn from_value(v: &Value) -> Self {
        let s = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_owned);
        let name = s("/metadata/name")
            .or_else(|| s("/metadata/generateName").map(|g| format!("{g}*")))
            .unwrap_or_default();
        ObjectRef {
            api_version: s("/apiVersion").unwrap_or_default(),
            kind: s("/kind").unwrap_or_default(),
            namespace: s("/metadata/namespace"),
            name,
            uid: s("/metadata/uid"),
        }
    }

    /// `Kind/namespace/name` or `Kind/name` for cluster-scoped objects.
    pub fn display_name(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}/{}/{}", self.kind, ns, self.name),
            None => format!("{}/{}", self.kind, self.name),
        }
    }
}

/// Where an object was read from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Origin {
    /// Document `doc` (0-based) of a file; `-` is standard input. `item` is set for an item of a
    /// `kind: List` (its index in `items`).
    File {
        path: PathBuf,
        doc: usize,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        item: Option<usize>,
    },
    /// A live cluster, named by its kubeconfig context.
    Cluster { context: String },
}

impl Origin {
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            Origin::File { path, .. } => Some(path),
            Origin::Cluster { .. } => None,
        }
    }
}

/// One Kubernetes object.
#[derive(Clone, Debug)]
pub struct Resource {
    pub id: ObjectRef,
    pub raw: Value,
    pub origin: Origin,
    /// Positions of every field of `raw`, for objects read from files.
    pub positions: Option<Arc<PosTree>>,
}

impl Resource {
    pub fn new(raw: Value, origin: Origin) -> Self {
        Resource {
            id: ObjectRef::from_value(&raw),
            raw,
            origin,
            positions: None,
        }
    }

    pub fn kind(&self) -> &str {
        &self.id.kind
    }

    /// Resolves a pointer inside this object to a line and column, when it came from a file.
    pub fn locate(&self, pointer: &str) -> Option<Pos> {
        Some(self.positions.as_ref()?.locate(&self.raw, pointer))
    }

    /// `metadata.annotations[key]` as a string.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.raw
            .get("metadata")?
            .get("annotations")?
            .get(key)?
            .as_str()
    }
}

/// A copy of `value` without spare capacity. `Value::clone` is not one: a copied map reserves
/// room for as many entries as its hash table could hold (3 for a map of one entry, 7 for four),
/// over 100 bytes an empty slot, in every map of every object kept for the whole scan.
pub fn exact_clone(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = serde_json::Map::with_capacity(map.len());
            for (k, v) in map {
                out.insert(k.clone(), exact_clone(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(exact_clone).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::exact_clone;
    use serde_json::json;

    #[test]
    fn exact_clone_is_an_equal_copy_in_the_same_key_order() {
        let v = json!({"z": 1, "a": [{"y": null, "b": "x"}, [], {}], "m": {"k": true, "c": 1.5}});
        let c = exact_clone(&v);
        assert_eq!(c, v);
        assert_eq!(
            serde_json::to_string(&c).ok(),
            serde_json::to_string(&v).ok()
        );
    }
}
