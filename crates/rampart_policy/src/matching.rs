//! Gatekeeper's `spec.match` of a constraint: kinds, scope, namespaces, excludedNamespaces,
//! labelSelector, namespaceSelector and name, every field ANDed, as Gatekeeper's matcher
//! decides it.

use rampart_model::k8s::labels::{read_labels, Problems};
use rampart_model::k8s::selector::Selector;
use rampart_model::Pointer;
use serde_json::Value;

use crate::review::{group_version, str_at};

/// A parsed `spec.match`.
#[derive(Debug, Clone, Default)]
pub struct Match {
    kinds: Vec<(Vec<String>, Vec<String>)>,
    scope: Scope,
    namespaces: Vec<String>,
    excluded_namespaces: Vec<String>,
    label_selector: Option<Selector>,
    namespace_selector: Option<Selector>,
    name: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Scope {
    #[default]
    Any,
    Cluster,
    Namespaced,
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

impl Match {
    /// Reads `spec.match` (at pointer `ptr` of the constraint). Problems are returned with the
    /// pointer of the field at fault.
    pub fn parse(v: Option<&Value>, ptr: &Pointer) -> (Match, Problems) {
        let mut problems = Problems::new();
        let mut m = Match::default();
        let Some(v) = v.filter(|v| !v.is_null()) else {
            return (m, problems);
        };
        let Some(map) = v.as_object() else {
            problems.push((ptr.clone(), "`match` must be a mapping".into()));
            return (m, problems);
        };
        for (k, val) in map {
            let at = ptr.join(k);
            match k.as_str() {
                "kinds" => match val.as_array() {
                    Some(items) => {
                        for item in items {
                            m.kinds
                                .push((strings(item.get("apiGroups")), strings(item.get("kinds"))));
                        }
                    }
                    None if val.is_null() => {}
                    None => problems.push((at, "`kinds` must be a list".into())),
                },
                "scope" => {
                    m.scope = match val.as_str() {
                        Some("Cluster") => Scope::Cluster,
                        Some("Namespaced") => Scope::Namespaced,
                        // Gatekeeper treats any other value (a typo included) as `*`.
                        _ => Scope::Any,
                    }
                }
                "namespaces" => m.namespaces = strings(Some(val)),
                "excludedNamespaces" => m.excluded_namespaces = strings(Some(val)),
                "labelSelector" | "namespaceSelector" => {
                    if val.is_null() {
                        continue;
                    }
                    let sel = Selector::parse(val, &at, &mut problems);
                    if k == "labelSelector" {
                        m.label_selector = Some(sel);
                    } else {
                        m.namespace_selector = Some(sel);
                    }
                }
                "name" => m.name = val.as_str().unwrap_or("").to_string(),
                "source" => {}
                other => problems.push((
                    at,
                    format!("unknown match field `{other}` (expected kinds, scope, namespaces, excludedNamespaces, labelSelector, namespaceSelector, name or source)"),
                )),
            }
        }
        (m, problems)
    }

    /// True when matching needs the object's Namespace (a namespace selector).
    pub fn needs_namespaces(&self) -> bool {
        self.namespace_selector.is_some()
    }

    /// Whether the constraint applies to `obj`, whose Namespace object (when known) is `ns`.
    /// An error when a namespace selector needs a Namespace that is not known (as Gatekeeper).
    pub fn matches(&self, obj: &Value, ns: Option<&Value>) -> Result<bool, String> {
        Ok(self.kinds_match(obj)
            && self.scope_match(obj, ns)
            && self.namespaces_match(obj, ns)
            && self.excluded_match(obj, ns)
            && self.labels_match(obj)
            && self.namespace_selector_match(obj, ns)?
            && (self.name.is_empty() || wildcard(&self.name, str_at(obj, "/metadata/name"))))
    }

    fn kinds_match(&self, obj: &Value) -> bool {
        if self.kinds.is_empty() {
            return true;
        }
        let (group, _) = group_version(obj);
        let kind = str_at(obj, "/kind");
        self.kinds.iter().any(|(groups, kinds)| {
            let k = kinds.is_empty() || kinds.iter().any(|x| x == "*" || x == kind);
            let g = groups.is_empty() || groups.iter().any(|x| x == "*" || x == group);
            k && g
        })
    }

    fn scope_match(&self, obj: &Value, ns: Option<&Value>) -> bool {
        let has_ns = !str_at(obj, "/metadata/namespace").is_empty() || ns.is_some();
        let is_ns = is_namespace(obj);
        match self.scope {
            Scope::Any => true,
            Scope::Cluster => is_ns || !has_ns,
            Scope::Namespaced => !is_ns && has_ns,
        }
    }

    /// The namespace the namespace lists judge: a Namespace's own name, else its namespace.
    fn namespace_of<'v>(obj: &'v Value, ns: Option<&'v Value>) -> Option<&'v str> {
        if is_namespace(obj) {
            return Some(str_at(obj, "/metadata/name"));
        }
        if let Some(ns) = ns {
            return Some(str_at(ns, "/metadata/name"));
        }
        Some(str_at(obj, "/metadata/namespace")).filter(|s| !s.is_empty())
    }

    fn namespaces_match(&self, obj: &Value, ns: Option<&Value>) -> bool {
        if self.namespaces.is_empty() {
            return true;
        }
        match Self::namespace_of(obj, ns) {
            Some(n) => self.namespaces.iter().any(|w| wildcard(w, n)),
            None => true,
        }
    }

    fn excluded_match(&self, obj: &Value, ns: Option<&Value>) -> bool {
        if self.excluded_namespaces.is_empty() {
            return true;
        }
        match Self::namespace_of(obj, ns) {
            Some(n) => !self.excluded_namespaces.iter().any(|w| wildcard(w, n)),
            None => true,
        }
    }

    fn labels_match(&self, obj: &Value) -> bool {
        match &self.label_selector {
            None => true,
            Some(sel) => sel.matches(&labels(obj)),
        }
    }

    fn namespace_selector_match(&self, obj: &Value, ns: Option<&Value>) -> Result<bool, String> {
        let Some(sel) = &self.namespace_selector else {
            return Ok(true);
        };
        let is_ns = is_namespace(obj);
        let obj_ns = str_at(obj, "/metadata/namespace");
        if !is_ns && ns.is_none() && obj_ns.is_empty() {
            // Cluster-scoped objects other than Namespaces match.
            return Ok(true);
        }
        if is_ns {
            return Ok(sel.matches(&labels(obj)));
        }
        match ns {
            Some(ns) => Ok(sel.matches(&labels(ns))),
            None => Err(format!(
                "namespaceSelector: the Namespace `{obj_ns}` of the object is not among the objects read, so the selector cannot be judged"
            )),
        }
    }
}

fn labels(obj: &Value) -> rampart_model::k8s::labels::Labels {
    let mut ignored = Problems::new();
    read_labels(
        obj.pointer("/metadata/labels"),
        &Pointer::root(),
        &mut ignored,
    )
}

/// A Namespace of the core group.
pub fn is_namespace(obj: &Value) -> bool {
    str_at(obj, "/kind") == "Namespace" && group_version(obj).0.is_empty()
}

/// Gatekeeper's wildcard: an exact name, a prefix (`kube-*`) or a suffix (`*-system`).
pub fn wildcard(pattern: &str, name: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix('*') {
        return name.starts_with(prefix);
    }
    if let Some(suffix) = pattern.strip_prefix('*') {
        return name.ends_with(suffix);
    }
    pattern == name
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(v: Value) -> Match {
        let (m, p) = Match::parse(Some(&v), &Pointer::root());
        assert!(p.is_empty(), "{p:?}");
        m
    }

    #[test]
    fn every_field_is_anded() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-1", "namespace": "kube-system", "labels": {"app": "web"}}});
        assert!(m(json!({})).matches(&pod, None).expect("judged"));
        assert!(m(json!({"kinds": [{"apiGroups": [""], "kinds": ["Pod"]}]}))
            .matches(&pod, None)
            .expect("judged"));
        assert!(
            !m(json!({"kinds": [{"apiGroups": ["apps"], "kinds": ["Pod"]}]}))
                .matches(&pod, None)
                .expect("judged")
        );
        assert!(m(json!({"namespaces": ["kube-*"]}))
            .matches(&pod, None)
            .expect("judged"));
        assert!(!m(json!({"excludedNamespaces": ["*-system"]}))
            .matches(&pod, None)
            .expect("judged"));
        assert!(!m(json!({"scope": "Cluster"}))
            .matches(&pod, None)
            .expect("judged"));
        assert!(m(json!({"name": "web-*"}))
            .matches(&pod, None)
            .expect("judged"));
        assert!(!m(json!({"labelSelector": {"matchLabels": {"app": "db"}}}))
            .matches(&pod, None)
            .expect("judged"));
        let sel = m(json!({"namespaceSelector": {"matchLabels": {"env": "prod"}}}));
        assert!(sel.matches(&pod, None).is_err());
        let ns = json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "kube-system", "labels": {"env": "prod"}}});
        assert!(sel.matches(&pod, Some(&ns)).expect("judged"));
        assert!(sel.matches(&ns, None).expect("judged"));
        let cr = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "x"}});
        assert!(sel.matches(&cr, None).expect("judged"));
    }
}
