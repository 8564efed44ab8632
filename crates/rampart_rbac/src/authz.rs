//! The Kubernetes RBAC authorizer's matching rules, as in `k8s.io/kubernetes`
//! `pkg/apis/rbac/v1/evaluation_helpers.go` (`VerbMatches`, `APIGroupMatches`, `ResourceMatches`,
//! `ResourceNameMatches`, `NonResourceURLMatches`) and `plugin/pkg/auth/authorizer/rbac/rbac.go`
//! (`RuleAllows`).

use serde::Serialize;

use crate::model::Rule;

/// The attributes of one request, as the API server hands them to the authorizer.
///
/// A resource request has `path == None`; a non-resource request (`/healthz`, `/metrics`, ...)
/// has `path == Some(..)` and only `verb` (`get`, `post`, ...) matters besides the path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct RequestAttributes {
    pub verb: String,
    /// `""` for the core group.
    pub api_group: String,
    pub resource: String,
    pub subresource: String,
    /// `""` for cluster-scoped requests and for requests across all namespaces.
    pub namespace: String,
    /// `""` when the request names no object (`list`, `create`, `watch` of a collection).
    pub name: String,
    /// The URL path of a non-resource request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl RequestAttributes {
    /// A resource request `verb` on `resource` in `api_group` (`""` for core), cluster-wide.
    pub fn resource(verb: &str, api_group: &str, resource: &str) -> Self {
        RequestAttributes {
            verb: verb.to_owned(),
            api_group: api_group.to_owned(),
            resource: resource.to_owned(),
            ..Default::default()
        }
    }

    /// A non-resource request `verb` on `path`.
    pub fn non_resource(verb: &str, path: &str) -> Self {
        RequestAttributes {
            verb: verb.to_owned(),
            path: Some(path.to_owned()),
            ..Default::default()
        }
    }

    pub fn in_namespace(mut self, namespace: &str) -> Self {
        self.namespace = namespace.to_owned();
        self
    }

    pub fn named(mut self, name: &str) -> Self {
        self.name = name.to_owned();
        self
    }

    pub fn subresource(mut self, subresource: &str) -> Self {
        self.subresource = subresource.to_owned();
        self
    }

    pub fn is_resource_request(&self) -> bool {
        self.path.is_none()
    }

    /// `resource` or `resource/subresource`.
    pub fn combined_resource(&self) -> String {
        if self.subresource.is_empty() {
            self.resource.clone()
        } else {
            format!("{}/{}", self.resource, self.subresource)
        }
    }
}

/// `VerbMatches`: `*` or the exact verb.
pub fn verb_matches(rule: &Rule, verb: &str) -> bool {
    rule.verbs.iter().any(|v| v == "*" || v == verb)
}

/// `APIGroupMatches`: `*` or the exact group (`""` is the core group).
pub fn api_group_matches(rule: &Rule, group: &str) -> bool {
    rule.api_groups.iter().any(|g| g == "*" || g == group)
}

/// `ResourceMatches`: `*`, the exact `resource` or `resource/subresource`, or `*/subresource`
/// when the request has that subresource. `resource/*` is *not* a wildcard (it matches only a
/// request whose subresource is literally `*`).
pub fn resource_matches(rule: &Rule, combined: &str, subresource: &str) -> bool {
    rule.resources.iter().any(|r| {
        r == "*"
            || r == combined
            || (!subresource.is_empty()
                && r.len() == subresource.len() + 2
                && r.starts_with("*/")
                && r.ends_with(subresource))
    })
}

/// `ResourceNameMatches`: no resourceNames means every name; otherwise the exact name (a request
/// without a name, such as `list` or `create`, does not match a rule with resourceNames).
pub fn resource_name_matches(rule: &Rule, name: &str) -> bool {
    rule.resource_names.is_empty() || rule.resource_names.iter().any(|n| n == name)
}

/// `NonResourceURLMatches`: `*`, the exact path, or a prefix when the rule's URL ends in `*`
/// (every trailing `*` is trimmed before the prefix test).
pub fn non_resource_url_matches(rule: &Rule, path: &str) -> bool {
    rule.non_resource_urls.iter().any(|u| {
        u == "*" || u == path || (u.ends_with('*') && path.starts_with(u.trim_end_matches('*')))
    })
}

/// `RuleAllows`: whether one policy rule allows a request.
pub fn rule_allows(rule: &Rule, attrs: &RequestAttributes) -> bool {
    match &attrs.path {
        None => {
            let combined = attrs.combined_resource();
            verb_matches(rule, &attrs.verb)
                && api_group_matches(rule, &attrs.api_group)
                && resource_matches(rule, &combined, &attrs.subresource)
                && resource_name_matches(rule, &attrs.name)
        }
        Some(path) => verb_matches(rule, &attrs.verb) && non_resource_url_matches(rule, path),
    }
}

/// Verbs the API server knows (including the RBAC-specific ones); others are noted, not rejected.
pub const KNOWN_VERBS: &[&str] = &[
    "*",
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "impersonate",
    "bind",
    "escalate",
    "approve",
    "sign",
    "attest",
    "use",
    "proxy",
    "connect",
    // non-resource request verbs
    "post",
    "put",
    "head",
    "options",
];
