//! Labels and label selectors (`matchLabels` + `matchExpressions`, ANDed).

use std::collections::BTreeMap;

use rampart_model::Pointer;
use serde_json::Value;

/// A label set.
pub type Labels = BTreeMap<String, String>;

/// A problem in an object: where (pointer) and what.
pub(crate) type Problems = Vec<(Pointer, String)>;

/// Reads a `labels` mapping; non-string values are reported and left out.
pub(crate) fn read_labels(v: Option<&Value>, ptr: &Pointer, problems: &mut Problems) -> Labels {
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Op {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Requirement {
    key: String,
    op: Op,
    values: Vec<String>,
}

/// A Kubernetes label selector. An empty selector matches everything; an invalid one (the API
/// server would reject the object) matches nothing.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Selector {
    match_labels: Vec<(String, String)>,
    exprs: Vec<Requirement>,
    invalid: bool,
}

impl Selector {
    /// Reads a selector at `ptr`; problems make it match nothing.
    pub(crate) fn parse(v: &Value, ptr: &Pointer, problems: &mut Problems) -> Selector {
        let mut sel = Selector::default();
        let Some(map) = v.as_object() else {
            if !v.is_null() {
                problems.push((ptr.clone(), "a label selector must be a mapping".into()));
                sel.invalid = true;
            }
            return sel;
        };
        for (k, _) in map {
            if k != "matchLabels" && k != "matchExpressions" {
                problems.push((
                    ptr.join(k),
                    format!("unknown label selector field `{k}` (expected matchLabels or matchExpressions)"),
                ));
            }
        }
        let before_fields = problems.len();
        match map.get("matchLabels") {
            None | Some(Value::Null) => {}
            Some(Value::Object(ml)) => {
                for (k, val) in ml {
                    match val.as_str() {
                        Some(s) => sel.match_labels.push((k.clone(), s.to_string())),
                        None => problems.push((
                            ptr.join("matchLabels").join(k),
                            format!("matchLabels value of `{k}` must be a string"),
                        )),
                    }
                }
            }
            Some(_) => problems.push((
                ptr.join("matchLabels"),
                "matchLabels must be a mapping".into(),
            )),
        }
        match map.get("matchExpressions") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                let base = ptr.join("matchExpressions");
                for (i, e) in items.iter().enumerate() {
                    if let Some(r) = parse_requirement(e, &base.join(i), problems) {
                        sel.exprs.push(r);
                    }
                }
            }
            Some(_) => problems.push((
                ptr.join("matchExpressions"),
                "matchExpressions must be a list".into(),
            )),
        }
        sel.invalid = problems.len() > before_fields;
        sel
    }

    /// True when the selector matches every label set (`{}`).
    pub fn is_empty(&self) -> bool {
        !self.invalid && self.match_labels.is_empty() && self.exprs.is_empty()
    }

    pub fn is_invalid(&self) -> bool {
        self.invalid
    }

    pub fn matches(&self, labels: &Labels) -> bool {
        if self.invalid {
            return false;
        }
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.exprs.iter().all(|r| {
                let val = labels.get(&r.key);
                match r.op {
                    Op::In => val.is_some_and(|v| r.values.contains(v)),
                    Op::NotIn => val.is_none_or(|v| !r.values.contains(v)),
                    Op::Exists => val.is_some(),
                    Op::DoesNotExist => val.is_none(),
                }
            })
    }
}

fn parse_requirement(e: &Value, ptr: &Pointer, problems: &mut Problems) -> Option<Requirement> {
    let Some(key) = e.get("key").and_then(Value::as_str) else {
        problems.push((
            ptr.clone(),
            "a match expression needs a string `key`".into(),
        ));
        return None;
    };
    let op = match e.get("operator").and_then(Value::as_str) {
        Some("In") => Op::In,
        Some("NotIn") => Op::NotIn,
        Some("Exists") => Op::Exists,
        Some("DoesNotExist") => Op::DoesNotExist,
        other => {
            problems.push((
                ptr.join("operator"),
                format!(
                    "operator {} is not one of In, NotIn, Exists, DoesNotExist",
                    other.map_or_else(|| "(missing)".to_string(), |o| format!("`{o}`"))
                ),
            ));
            return None;
        }
    };
    let mut values = Vec::new();
    match e.get("values") {
        None | Some(Value::Null) => {}
        Some(Value::Array(vs)) => {
            for (i, v) in vs.iter().enumerate() {
                match v.as_str() {
                    Some(s) => values.push(s.to_string()),
                    None => {
                        problems
                            .push((ptr.join("values").join(i), "values must be strings".into()));
                        return None;
                    }
                }
            }
        }
        Some(_) => {
            problems.push((ptr.join("values"), "values must be a list".into()));
            return None;
        }
    }
    match op {
        Op::In | Op::NotIn if values.is_empty() => {
            problems.push((
                ptr.join("values"),
                "values must be non-empty for In and NotIn".into(),
            ));
            None
        }
        Op::Exists | Op::DoesNotExist if !values.is_empty() => {
            problems.push((
                ptr.join("values"),
                "values must be empty for Exists and DoesNotExist".into(),
            ));
            None
        }
        _ => Some(Requirement {
            key: key.to_string(),
            op,
            values,
        }),
    }
}
