//! Label sets.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::Pointer;

/// A label set.
pub type Labels = BTreeMap<String, String>;

/// Problems found while reading: where (pointer) and what.
pub type Problems = Vec<(Pointer, String)>;

/// The label the API server sets on every namespace, holding its name.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Reads a `labels` mapping; non-string values are reported and left out.
pub fn read_labels(v: Option<&Value>, ptr: &Pointer, problems: &mut Problems) -> Labels {
    let mut out = Labels::new();
    match v {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, val) in m {
                match val {
                    Value::String(s) => {
                        out.insert(k.clone(), s.clone());
                    }
                    _ => problems.push((
                        ptr.join(k),
                        format!("label `{k}` must be a string (quote it); it is ignored"),
                    )),
                }
            }
        }
        Some(_) => problems.push((ptr.clone(), "labels must be a mapping".into())),
    }
    out
}
