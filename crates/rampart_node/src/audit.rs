//! Audit policy analysis (audit.k8s.io/v1 Policy), beyond the benchmark's "a policy exists".
//!
//! Rules are matched as the API server's policy checker matches them: the first rule whose
//! users, groups, verbs, namespaces and resources (or non-resource URLs) all match the request
//! decides its level. The probes below are requests of an ordinary authenticated user
//! (`rampart-probe`, group `system:authenticated`) in namespace `default`: rules limited to
//! named users or groups do not match them, so a policy that logs Secrets at RequestResponse only
//! for some users is not seen by [`secret_content`].

use std::sync::Arc;

use rampart_model::{Evidence, Location, Status};
use serde_json::Value;

use crate::eval::Outcome;
use crate::input::{Component, Doc, Node};

/// One rule of the policy.
#[derive(Debug, Clone, Default)]
pub struct Rule {
    pub index: usize,
    pub level: String,
    pub users: Vec<String>,
    pub groups: Vec<String>,
    pub verbs: Vec<String>,
    pub namespaces: Vec<String>,
    pub resources: Vec<GroupResources>,
    pub non_resource_urls: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct GroupResources {
    pub group: String,
    pub resources: Vec<String>,
    pub names: Vec<String>,
}

/// A request to match against the rules.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub verb: &'a str,
    pub group: &'a str,
    pub resource: &'a str,
    pub subresource: &'a str,
    pub namespace: &'a str,
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The rules of a policy document.
pub fn rules(doc: &Doc) -> Vec<Rule> {
    doc.value
        .get("rules")
        .and_then(Value::as_array)
        .map(|rs| {
            rs.iter()
                .enumerate()
                .map(|(index, r)| Rule {
                    index,
                    level: r
                        .get("level")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                    users: strings(r, "users"),
                    groups: strings(r, "userGroups"),
                    verbs: strings(r, "verbs"),
                    namespaces: strings(r, "namespaces"),
                    resources: r
                        .get("resources")
                        .and_then(Value::as_array)
                        .map(|gs| {
                            gs.iter()
                                .map(|g| GroupResources {
                                    group: g
                                        .get("group")
                                        .and_then(Value::as_str)
                                        .unwrap_or("")
                                        .to_owned(),
                                    resources: strings(g, "resources"),
                                    names: strings(g, "resourceNames"),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    non_resource_urls: strings(r, "nonResourceURLs"),
                })
                .collect()
        })
        .unwrap_or_default()
}

const PROBE_USER: &str = "rampart-probe";
const PROBE_GROUPS: &[&str] = &["system:authenticated"];

impl Rule {
    fn unrestricted(&self) -> bool {
        self.users.is_empty()
            && self.groups.is_empty()
            && self.verbs.is_empty()
            && self.namespaces.is_empty()
            && self.resources.is_empty()
            && self.non_resource_urls.is_empty()
    }

    /// Whether the rule matches a resource request of the probe user.
    pub fn matches(&self, r: &Request) -> bool {
        if !self.users.is_empty() && !self.users.iter().any(|u| u == PROBE_USER) {
            return false;
        }
        if !self.groups.is_empty()
            && !self
                .groups
                .iter()
                .any(|g| PROBE_GROUPS.contains(&g.as_str()))
        {
            return false;
        }
        if !self.verbs.is_empty() && !self.verbs.iter().any(|v| v == r.verb) {
            return false;
        }
        if !self.namespaces.is_empty() || !self.resources.is_empty() {
            if !self.namespaces.is_empty() && !self.namespaces.iter().any(|n| n == r.namespace) {
                return false;
            }
            if self.resources.is_empty() {
                return true;
            }
            let combined = if r.subresource.is_empty() {
                r.resource.to_owned()
            } else {
                format!("{}/{}", r.resource, r.subresource)
            };
            return self.resources.iter().any(|g| {
                g.group == r.group
                    && (g.resources.is_empty()
                        || (g.names.is_empty()
                            && g.resources.iter().any(|res| {
                                *res == combined
                                    || res == "*"
                                    || (!r.subresource.is_empty()
                                        && res.strip_prefix("*/") == Some(r.subresource))
                                    || res.strip_suffix("/*") == Some(r.resource)
                            })))
            });
        }
        // A rule limited to non-resource URLs does not match resource requests.
        self.non_resource_urls.is_empty()
    }

    fn pointer(&self) -> String {
        format!("/rules/{}", self.index)
    }
}

fn level_of<'r>(rules: &'r [Rule], r: &Request) -> Option<&'r Rule> {
    rules.iter().find(|rule| rule.matches(r))
}

fn rule_evidence(doc: &Doc, rule: &Rule) -> Evidence {
    let pos = doc.pos(&rule.pointer());
    let mut e = Evidence::new(
        format!("{} rule {}", doc.path.display(), rule.index),
        Some(format!("level {}", rule.level)),
    );
    e.location = Some(Location {
        path: Arc::from(doc.path.as_path()),
        line: pos.line,
        column: pos.col,
        snippet: None,
    });
    e
}

fn with_policy(node: &Node, f: impl FnOnce(&Doc, &[Rule]) -> Outcome) -> Outcome {
    match &node.configs.audit_policy {
        Some(doc) => f(doc, &rules(doc)),
        None => Outcome::new(
            Status::NotApplicable,
            "no audit policy read (3.2.1 reports a missing one)",
        ),
    }
}

/// The last rule does not match everything, or the catch-all drops everything.
pub fn no_catch_all(node: &Node, _: &Component) -> Outcome {
    with_policy(node, |doc, rules| {
        match rules.iter().find(|r| r.unrestricted()) {
            Some(r) if r.level == "None" => Outcome::new(
                Status::Fail,
                format!(
                    "the catch-all rule {} has level None: unmatched requests are not logged",
                    r.index
                ),
            )
            .with(rule_evidence(doc, r)),
            Some(r) => Outcome::new(
                Status::Pass,
                format!("rule {} logs every other request at {}", r.index, r.level),
            )
            .with(rule_evidence(doc, r)),
            None => Outcome::new(
                Status::Fail,
                "no rule matches every request: requests that no rule names are not logged",
            ),
        }
    })
}

fn probe(
    doc: &Doc,
    rules: &[Rule],
    requests: &[Request],
    bad: impl Fn(Option<&Rule>) -> bool,
    what: &str,
) -> Outcome {
    let mut o = Outcome::new(Status::Pass, "");
    let mut failing = Vec::new();
    for r in requests {
        let rule = level_of(rules, r);
        let res = if r.subresource.is_empty() {
            r.resource.to_owned()
        } else {
            format!("{}/{}", r.resource, r.subresource)
        };
        if bad(rule) {
            let level = rule.map_or("no rule (not logged)".to_owned(), |r| {
                format!("level {} (rule {})", r.level, r.index)
            });
            failing.push(format!("{} {res}: {level}", r.verb));
            if let Some(rule) = rule {
                let e = rule_evidence(doc, rule);
                if !o.evidence.contains(&e) {
                    o.evidence.push(e);
                }
            }
        }
    }
    if failing.is_empty() {
        o.message = format!("{what}: every probe request is logged as it should be");
    } else {
        o.status = Status::Fail;
        o.message = format!("{what}: {}", failing.join(", "));
    }
    o
}

fn req<'a>(
    verb: &'a str,
    group: &'a str,
    resource: &'a str,
    sub: &'a str,
    ns: &'a str,
) -> Request<'a> {
    Request {
        verb,
        group,
        resource,
        subresource: sub,
        namespace: ns,
    }
}

/// Secrets, ConfigMaps or TokenReviews logged at Request or RequestResponse.
pub fn secret_content(node: &Node, _: &Component) -> Outcome {
    with_policy(node, |doc, rules| {
        let mut requests = Vec::new();
        for verb in ["get", "list", "watch", "create", "update", "patch"] {
            requests.push(req(verb, "", "secrets", "", "default"));
            requests.push(req(verb, "", "configmaps", "", "default"));
        }
        requests.push(req(
            "create",
            "authentication.k8s.io",
            "tokenreviews",
            "",
            "",
        ));
        requests.push(req("create", "", "serviceaccounts", "token", "default"));
        probe(
            doc,
            rules,
            &requests,
            |r| r.is_some_and(|r| r.level == "Request" || r.level == "RequestResponse"),
            "content logged",
        )
    })
}

/// exec, attach and port-forward not logged.
pub fn exec_not_logged(node: &Node, _: &Component) -> Outcome {
    with_policy(node, |doc, rules| {
        let mut requests = Vec::new();
        for sub in ["exec", "attach", "portforward"] {
            for verb in ["create", "get"] {
                requests.push(req(verb, "", "pods", sub, "default"));
            }
        }
        probe(
            doc,
            rules,
            &requests,
            |r| r.is_none_or(|r| r.level == "None"),
            "not logged",
        )
    })
}

/// Writes to RBAC objects not logged.
pub fn rbac_not_logged(node: &Node, _: &Component) -> Outcome {
    with_policy(node, |doc, rules| {
        let mut requests = Vec::new();
        for (res, ns) in [
            ("roles", "default"),
            ("rolebindings", "default"),
            ("clusterroles", ""),
            ("clusterrolebindings", ""),
        ] {
            for verb in ["create", "update", "patch", "delete"] {
                requests.push(req(verb, "rbac.authorization.k8s.io", res, "", ns));
            }
        }
        probe(
            doc,
            rules,
            &requests,
            |r| r.is_none_or(|r| r.level == "None"),
            "not logged",
        )
    })
}

/// RequestReceived is not in the policy's omitStages.
pub fn request_received(node: &Node, _: &Component) -> Outcome {
    with_policy(node, |doc, _| {
        let omitted = strings(&doc.value, "omitStages");
        let mut e = Evidence::new(
            format!("{} omitStages", doc.path.display()),
            Some(omitted.join(",")),
        )
        .expected("RequestReceived");
        let pos = doc.pos("/omitStages");
        e.location = Some(Location {
            path: Arc::from(doc.path.as_path()),
            line: pos.line,
            column: pos.col,
            snippet: None,
        });
        if omitted.iter().any(|s| s == "RequestReceived") {
            Outcome::new(Status::Pass, "RequestReceived is omitted").with(e)
        } else {
            Outcome::new(
                Status::Fail,
                "RequestReceived is not omitted: every request is logged twice",
            )
            .with(e)
        }
    })
}

fn subset(inner: &[String], outer: &[String]) -> bool {
    outer.is_empty() || (!inner.is_empty() && inner.iter().all(|i| outer.contains(i)))
}

fn url_covered(url: &str, pattern: &str) -> bool {
    pattern == "*"
        || pattern == url
        || pattern
            .strip_suffix('*')
            .is_some_and(|p| url.starts_with(p))
}

/// True when every request `later` matches, `earlier` matches too.
pub fn shadows(earlier: &Rule, later: &Rule) -> bool {
    if !subset(&later.users, &earlier.users)
        || !subset(&later.groups, &earlier.groups)
        || !subset(&later.verbs, &earlier.verbs)
    {
        return false;
    }
    let e_res = !earlier.namespaces.is_empty() || !earlier.resources.is_empty();
    let l_res = !later.namespaces.is_empty() || !later.resources.is_empty();
    if e_res {
        if !l_res || !subset(&later.namespaces, &earlier.namespaces) {
            return false;
        }
        if earlier.resources.is_empty() {
            return true;
        }
        if later.resources.is_empty() {
            return false;
        }
        later.resources.iter().all(|lg| {
            earlier.resources.iter().any(|eg| {
                eg.group == lg.group
                    && (eg.resources.is_empty()
                        || (!lg.resources.is_empty()
                            && lg.resources.iter().all(|r| {
                                eg.resources.contains(r) || eg.resources.iter().any(|e| e == "*")
                            })))
                    && subset(&lg.names, &eg.names)
            })
        })
    } else if !earlier.non_resource_urls.is_empty() {
        !l_res
            && !later.non_resource_urls.is_empty()
            && later
                .non_resource_urls
                .iter()
                .all(|u| earlier.non_resource_urls.iter().any(|p| url_covered(u, p)))
    } else {
        true
    }
}

/// Rules an earlier rule shadows.
pub fn shadowed_rules(node: &Node, _: &Component) -> Outcome {
    with_policy(node, |doc, rules| {
        let mut o = Outcome::new(Status::Pass, "no rule is shadowed by an earlier one");
        let mut pairs = Vec::new();
        for (j, later) in rules.iter().enumerate() {
            if let Some(earlier) = rules[..j].iter().find(|e| shadows(e, later)) {
                pairs.push(format!(
                    "rule {} is shadowed by rule {}",
                    later.index, earlier.index
                ));
                o.evidence.push(rule_evidence(doc, later));
            }
        }
        if !pairs.is_empty() {
            o.status = Status::Fail;
            o.message = pairs.join("; ");
        }
        o
    })
}
