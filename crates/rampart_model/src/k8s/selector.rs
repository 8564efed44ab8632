//! Label selectors (`metav1.LabelSelector`: `matchLabels` and `matchExpressions`, ANDed), as
//! `metav1.LabelSelectorAsSelector` reads them. The one implementation used by the network
//! policy analysis, the RBAC aggregation model and the checks.

use std::fmt;

use serde_json::Value;

use super::labels::{Labels, Problems};
use crate::Pointer;

/// The operator of a `matchExpressions` requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl Operator {
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::In => "In",
            Operator::NotIn => "NotIn",
            Operator::Exists => "Exists",
            Operator::DoesNotExist => "DoesNotExist",
        }
    }

    /// Reads an operator; operators are case-sensitive.
    pub fn parse(s: &str) -> Option<Operator> {
        match s {
            "In" => Some(Operator::In),
            "NotIn" => Some(Operator::NotIn),
            "Exists" => Some(Operator::Exists),
            "DoesNotExist" => Some(Operator::DoesNotExist),
            _ => None,
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `matchExpressions` requirement.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Requirement {
    pub key: String,
    pub operator: Operator,
    /// Non-empty for `In` and `NotIn`, empty for `Exists` and `DoesNotExist`.
    pub values: Vec<String>,
}

impl Requirement {
    /// Whether a label set satisfies this requirement.
    pub fn matches(&self, labels: &Labels) -> bool {
        let val = labels.get(&self.key);
        match self.operator {
            Operator::In => val.is_some_and(|v| self.values.contains(v)),
            Operator::NotIn => val.is_none_or(|v| !self.values.contains(v)),
            Operator::Exists => val.is_some(),
            Operator::DoesNotExist => val.is_none(),
        }
    }
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
    /// Reads a selector at `ptr`. Each problem is pushed to `problems` with the pointer of the
    /// offending field and makes the selector match nothing. `null` is the empty selector.
    pub fn parse(v: &Value, ptr: &Pointer, problems: &mut Problems) -> Selector {
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

    /// Reads a selector, returning its problems instead of collecting them.
    pub fn read(v: &Value, ptr: &Pointer) -> (Selector, Problems) {
        let mut problems = Problems::new();
        let sel = Selector::parse(v, ptr, &mut problems);
        (sel, problems)
    }

    /// True when the selector matches every label set (`{}`).
    pub fn is_empty(&self) -> bool {
        !self.invalid && self.match_labels.is_empty() && self.exprs.is_empty()
    }

    /// True when the selector is malformed (it then matches nothing).
    pub fn is_invalid(&self) -> bool {
        self.invalid
    }

    /// The `matchLabels` pairs, in order.
    pub fn match_labels(&self) -> &[(String, String)] {
        &self.match_labels
    }

    /// The `matchExpressions` requirements, in order.
    pub fn requirements(&self) -> &[Requirement] {
        &self.exprs
    }

    /// Whether a label set satisfies the selector.
    /// The `matchLabels` pairs (every matching label set holds each of them): a caller with an
    /// index of label pairs can take its candidates from the rarest one.
    pub fn required_pairs(&self) -> &[(String, String)] {
        &self.match_labels
    }

    pub fn matches(&self, labels: &Labels) -> bool {
        if self.invalid {
            return false;
        }
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.exprs.iter().all(|r| r.matches(labels))
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
    let op_value = e.get("operator").and_then(Value::as_str);
    let Some(operator) = op_value.and_then(Operator::parse) else {
        problems.push((
            ptr.join("operator"),
            format!(
                "operator {} is not one of In, NotIn, Exists, DoesNotExist",
                op_value.map_or_else(|| "(missing)".to_string(), |o| format!("`{o}`"))
            ),
        ));
        return None;
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
    match operator {
        Operator::In | Operator::NotIn if values.is_empty() => {
            problems.push((
                ptr.join("values"),
                "values must be non-empty for In and NotIn".into(),
            ));
            None
        }
        Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
            problems.push((
                ptr.join("values"),
                "values must be empty for Exists and DoesNotExist".into(),
            ));
            None
        }
        _ => Some(Requirement {
            key: key.to_string(),
            operator,
            values,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn matches_like_the_api_server() {
        let (sel, problems) = Selector::read(
            &json!({"matchLabels": {"app": "web"}, "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["a", "b"]},
                {"key": "env", "operator": "NotIn", "values": ["dev"]},
                {"key": "team", "operator": "Exists"},
                {"key": "legacy", "operator": "DoesNotExist"},
            ]}),
            &Pointer::root(),
        );
        assert!(problems.is_empty());
        assert!(sel.matches(&labels(&[("app", "web"), ("tier", "a"), ("team", "x")])));
        assert!(!sel.matches(&labels(&[("app", "web"), ("tier", "c"), ("team", "x")])));
        assert!(!sel.matches(&labels(&[("app", "web"), ("tier", "a")])));
        assert!(!sel.matches(&labels(&[
            ("app", "web"),
            ("tier", "a"),
            ("team", "x"),
            ("env", "dev")
        ])));
        assert!(!sel.matches(&labels(&[
            ("app", "web"),
            ("tier", "a"),
            ("team", "x"),
            ("legacy", "1")
        ])));
        let (empty, _) = Selector::read(&json!({}), &Pointer::root());
        assert!(empty.is_empty() && empty.matches(&Labels::new()));
        let (null, _) = Selector::read(&Value::Null, &Pointer::root());
        assert!(null.is_empty());
    }

    #[test]
    fn malformed_selectors_match_nothing_and_say_where() {
        for (v, at, msg) in [
            (json!(5), "", "must be a mapping"),
            (
                json!({"matchLabels": []}),
                "/matchLabels",
                "must be a mapping",
            ),
            (
                json!({"matchLabels": {"a": 1}}),
                "/matchLabels/a",
                "must be a string",
            ),
            (
                json!({"matchExpressions": {}}),
                "/matchExpressions",
                "must be a list",
            ),
            (
                json!({"matchExpressions": [5]}),
                "/matchExpressions/0",
                "string `key`",
            ),
            (
                json!({"matchExpressions": [{"key": "a", "operator": "in", "values": ["x"]}]}),
                "/matchExpressions/0/operator",
                "`in` is not one of",
            ),
            (
                json!({"matchExpressions": [{"key": "a", "operator": "In"}]}),
                "/matchExpressions/0/values",
                "non-empty",
            ),
            (
                json!({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}),
                "/matchExpressions/0/values",
                "must be empty",
            ),
        ] {
            let (sel, problems) = Selector::read(&v, &Pointer::root());
            assert!(sel.is_invalid(), "{v}");
            assert!(!sel.matches(&labels(&[("a", "x")])), "{v}");
            assert_eq!(problems.len(), 1, "{v}");
            assert_eq!(problems[0].0.as_str(), at, "{v}");
            assert!(problems[0].1.contains(msg), "{v}: {}", problems[0].1);
        }
    }
}
