//! `matchConstraints` of a policy and `matchResources` of a binding: namespaceSelector,
//! objectSelector, resourceRules, excludeResourceRules and matchPolicy, decided as the API
//! server's matcher decides them.

use rampart_model::k8s::labels::{read_labels, Labels, Problems};
use rampart_model::k8s::selector::Selector;
use rampart_model::Pointer;
use serde_json::Value;

use super::{LoadError, Request};
use crate::review::Review;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Any,
    Cluster,
    Namespaced,
}

#[derive(Debug, Clone)]
struct Rule {
    api_groups: Vec<String>,
    api_versions: Vec<String>,
    resources: Vec<String>,
    operations: Vec<String>,
    scope: Scope,
    resource_names: Vec<String>,
}

/// A parsed `matchConstraints` / `matchResources`.
#[derive(Debug, Clone, Default)]
pub struct MatchResources {
    pub(crate) namespace_selector: Option<Selector>,
    object_selector: Option<Selector>,
    rules: Vec<Rule>,
    exclude: Vec<Rule>,
    /// `matchPolicy: Exact` (the default is Equivalent).
    exact: bool,
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

fn rules(v: Option<&Value>, ptr: &str) -> Result<Vec<Rule>, LoadError> {
    let mut out = Vec::new();
    for (i, r) in v
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let scope = match r.get("scope").and_then(Value::as_str) {
            None | Some("*") => Scope::Any,
            Some("Cluster") => Scope::Cluster,
            Some("Namespaced") => Scope::Namespaced,
            Some(o) => {
                return Err((
                    format!("{ptr}/{i}/scope"),
                    format!("unknown scope `{o}` (expected *, Cluster or Namespaced)"),
                ))
            }
        };
        out.push(Rule {
            api_groups: strings(r.get("apiGroups")),
            api_versions: strings(r.get("apiVersions")),
            resources: strings(r.get("resources")),
            operations: strings(r.get("operations")),
            scope,
            resource_names: strings(r.get("resourceNames")),
        });
    }
    Ok(out)
}

fn selector(v: Option<&Value>, ptr: &str) -> Result<Option<Selector>, LoadError> {
    match v.filter(|v| !v.is_null()) {
        None => Ok(None),
        Some(v) => {
            let (sel, problems) = Selector::read(v, &Pointer::from_raw(ptr));
            if let Some((p, m)) = problems.into_iter().next() {
                return Err((p.as_str().to_string(), m));
            }
            // An empty selector matches everything: the same as none.
            Ok(if sel.is_empty() { None } else { Some(sel) })
        }
    }
}

fn any(list: &[String], x: &str) -> bool {
    list.iter().any(|v| v == "*" || v == x)
}

impl Rule {
    fn matches(&self, req: &Request, exact: bool) -> bool {
        let resource_ok = self.resources.iter().any(|r| {
            let (res, sub) = r.split_once('/').unwrap_or((r.as_str(), ""));
            let res_ok = res == "*" || res == req.resource;
            let sub_ok = if req.subresource.is_empty() {
                sub.is_empty() || (sub == "*" && res == "*")
            } else {
                sub == "*" || sub == req.subresource
            };
            res_ok && sub_ok
        });
        let scope_ok = match self.scope {
            Scope::Any => true,
            Scope::Cluster => !req.namespaced,
            Scope::Namespaced => req.namespaced,
        };
        any(&self.operations, &req.operation)
            && any(&self.api_groups, &req.group)
            // Equivalent: another version of the same group and resource matches too.
            && (!exact || any(&self.api_versions, &req.version))
            && resource_ok
            && scope_ok
            && (self.resource_names.is_empty() || self.resource_names.contains(&req.name))
    }
}

fn labels(obj: &Value) -> Labels {
    let mut ignored = Problems::new();
    read_labels(
        obj.pointer("/metadata/labels"),
        &Pointer::root(),
        &mut ignored,
    )
}

impl MatchResources {
    pub fn parse(v: Option<&Value>, ptr: &str) -> Result<MatchResources, LoadError> {
        let Some(v) = v.filter(|v| !v.is_null()) else {
            return Ok(MatchResources::default());
        };
        let exact = match v.get("matchPolicy").and_then(Value::as_str) {
            None | Some("Equivalent") => false,
            Some("Exact") => true,
            Some(o) => {
                return Err((
                    format!("{ptr}/matchPolicy"),
                    format!("unknown matchPolicy `{o}` (expected Exact or Equivalent)"),
                ))
            }
        };
        Ok(MatchResources {
            namespace_selector: selector(
                v.get("namespaceSelector"),
                &format!("{ptr}/namespaceSelector"),
            )?,
            object_selector: selector(v.get("objectSelector"), &format!("{ptr}/objectSelector"))?,
            rules: rules(v.get("resourceRules"), &format!("{ptr}/resourceRules"))?,
            exclude: rules(
                v.get("excludeResourceRules"),
                &format!("{ptr}/excludeResourceRules"),
            )?,
            exact,
        })
    }

    /// Whether the request matches. `ns_labels` are the labels of the object's Namespace when
    /// it is known; a namespace selector on a namespaced object whose Namespace is unknown is
    /// an error (never a guess).
    pub(crate) fn matches(
        &self,
        req: &Request,
        review: &Review,
        ns_labels: Option<&Labels>,
    ) -> Result<bool, String> {
        if let Some(sel) = &self.namespace_selector {
            let is_namespace = req.resource == "namespaces" && req.group.is_empty();
            if is_namespace {
                let mut l = review.subject().map(labels).unwrap_or_default();
                l.insert(
                    rampart_model::k8s::labels::NAMESPACE_NAME_LABEL.to_string(),
                    req.name.clone(),
                );
                if !sel.matches(&l) {
                    return Ok(false);
                }
            } else if req.namespaced {
                match ns_labels {
                    Some(l) => {
                        if !sel.matches(l) {
                            return Ok(false);
                        }
                    }
                    None => {
                        return Err(format!(
                            "namespaceSelector: the Namespace `{}` of the object is not among the objects read, so the selector cannot be judged",
                            req.namespace
                        ))
                    }
                }
            }
        }
        if let Some(sel) = &self.object_selector {
            let hit = [review.object, review.old_object]
                .into_iter()
                .flatten()
                .any(|o| sel.matches(&labels(o)));
            if !hit {
                return Ok(false);
            }
        }
        if self.exclude.iter().any(|r| r.matches(req, self.exact)) {
            return Ok(false);
        }
        Ok(self.rules.iter().any(|r| r.matches(req, self.exact)))
    }
}
