//! Queries: who can do something, and what a subject can do.

use std::collections::BTreeMap;
use std::sync::Arc;

use rampart_model::{ObjectRef, Pointer};
use serde::Serialize;

use crate::authz::RequestAttributes;
use crate::model::{Identity, Rbac, Rule, RuleRef, Subject};

/// Why a permission is held: binding -> role -> rule, each with its object and JSON pointer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Justification {
    /// Shared with the model (a justification per edge must not copy names: escalation routes
    /// hold many).
    pub binding: Arc<ObjectRef>,
    /// Index of the binding object in the slice given to [`Rbac::build`].
    pub binding_resource: usize,
    /// `/subjects/<i>` of the binding.
    pub subject_pointer: Pointer,
    /// The role the binding refers to.
    pub role: Arc<ObjectRef>,
    pub role_resource: usize,
    /// The role whose `rules` hold the rule: the bound role itself, or for an aggregated
    /// ClusterRole the ClusterRole the rule was aggregated from.
    pub rule_role: Arc<ObjectRef>,
    pub rule_resource: usize,
    /// `/rules/<i>` of `rule_role`.
    pub rule_pointer: Pointer,
    /// The rule, for display.
    pub rule: Arc<Rule>,
    /// Set when the bound role is not in the input but a built-in role of Kubernetes' bootstrap
    /// policy (`built-in role, Kubernetes 1.37 bootstrap policy`); its `role_resource` (and
    /// `rule_resource`, for its own rules) is [`crate::model::NO_RESOURCE`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub builtin: Option<String>,
}

/// One subject allowed to make a request, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub subject: Subject,
    /// Where the grant holds: `None` cluster-wide (ClusterRoleBinding), else the RoleBinding's
    /// namespace.
    pub namespace: Option<String>,
    pub why: Justification,
}

/// A rule a subject holds, where, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EffectiveRule {
    /// The binding subject that matched (the subject itself or one of its groups).
    pub via: Subject,
    pub rule: Rule,
    pub why: Justification,
}

/// What a subject can do: rules held cluster-wide, and rules held in each namespace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Permissions {
    pub subject: Subject,
    pub identity: Identity,
    /// Members of `system:masters` may do everything, whatever RBAC says.
    pub superuser: bool,
    /// From ClusterRoleBindings: in force in every namespace and for cluster-scoped and
    /// non-resource requests.
    pub cluster: Vec<EffectiveRule>,
    /// From RoleBindings, by namespace.
    pub namespaces: BTreeMap<String, Vec<EffectiveRule>>,
}

impl Rbac {
    /// The justification of `rule` granted through subject `subject` of binding `binding`.
    pub fn justify(&self, binding: usize, subject: usize, rule: RuleRef) -> Justification {
        let b = &self.bindings[binding];
        let role = &self.roles[b.role.unwrap_or(rule.role)];
        let rule_role = &self.roles[rule.role];
        Justification {
            binding: b.id.clone(),
            binding_resource: b.resource,
            subject_pointer: b
                .subjects
                .get(subject)
                .map(|s| s.pointer.clone())
                .unwrap_or_else(|| Pointer::from_raw("/subjects")),
            role: role.id.clone(),
            role_resource: role.resource,
            rule_role: rule_role.id.clone(),
            rule_resource: rule_role.resource,
            rule_pointer: Pointer::root().join("rules").join(rule.rule),
            rule: self.rule(rule).clone(),
            builtin: role.builtin.map(crate::model::builtin_label),
        }
    }

    /// Every subject allowed to make the request, with the binding, role and rule that allow it
    /// (the first allowing rule of each binding). `namespace` `""` asks about cluster-scoped
    /// requests (or requests across all namespaces), which only ClusterRoleBindings can allow.
    /// Members of `system:masters` are allowed everything and are not listed.
    pub fn who_can(
        &self,
        verb: &str,
        resource: &str,
        subresource: &str,
        namespace: &str,
        name: &str,
        api_group: &str,
    ) -> Vec<Grant> {
        let attrs = RequestAttributes {
            verb: verb.to_owned(),
            api_group: api_group.to_owned(),
            resource: resource.to_owned(),
            subresource: subresource.to_owned(),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            path: None,
        };
        self.who_can_request(&attrs)
    }

    /// [`Rbac::who_can`] for any request, including non-resource requests.
    pub fn who_can_request(&self, attrs: &RequestAttributes) -> Vec<Grant> {
        let mut out = Vec::new();
        let mut memo: Vec<Option<Option<RuleRef>>> = vec![None; self.roles.len()];
        let rbs = if attrs.namespace.is_empty() || attrs.path.is_some() {
            None
        } else {
            self.rbs_by_ns.get(&attrs.namespace)
        };
        for &bi in self.crbs.iter().chain(rbs.into_iter().flatten()) {
            let b = &self.bindings[bi];
            let Some(role) = b.role else { continue };
            let hit = *memo[role].get_or_insert_with(|| self.binding_allows(bi, attrs));
            let Some(rule) = hit else { continue };
            for (si, s) in b.subjects.iter().enumerate() {
                if s.key == crate::model::MatchKey::None {
                    continue;
                }
                out.push(Grant {
                    subject: s.subject.clone(),
                    namespace: b.namespace.clone(),
                    why: self.justify(bi, si, rule),
                });
            }
        }
        out
    }

    /// Everything a subject can do, as rules per scope, each with its justification. The subject
    /// is taken with the groups the API server would give it (see [`Identity::of`]).
    pub fn can(&self, subject: &Subject) -> Permissions {
        let identity = Identity::of(subject);
        let groups: Vec<&str> = identity.groups.iter().map(String::as_str).collect();
        let mut cluster = Vec::new();
        let mut namespaces: BTreeMap<String, Vec<EffectiveRule>> = BTreeMap::new();
        let mut hits: Vec<(usize, usize)> = self.bindings_for(&identity.user, &groups).collect();
        hits.sort_unstable();
        hits.dedup_by_key(|(b, _)| *b);
        for (bi, si) in hits {
            let b = &self.bindings[bi];
            if !b.active {
                continue;
            }
            let Some(role) = b.role else { continue };
            let rules = self.roles[role].effective.iter().map(|rr| EffectiveRule {
                via: b.subjects[si].subject.clone(),
                rule: Rule::clone(self.rule(*rr)),
                why: self.justify(bi, si, *rr),
            });
            match &b.namespace {
                None => cluster.extend(rules),
                Some(ns) => namespaces.entry(ns.clone()).or_default().extend(rules),
            }
        }
        Permissions {
            subject: subject.clone(),
            superuser: groups.contains(&crate::model::SYSTEM_MASTERS),
            identity,
            cluster,
            namespaces,
        }
    }

    /// [`Rbac::allowed`] for a subject, with the groups the API server would give it.
    pub fn subject_allowed(&self, subject: &Subject, attrs: &RequestAttributes) -> bool {
        let id = Identity::of(subject);
        let groups: Vec<&str> = id.groups.iter().map(String::as_str).collect();
        self.allowed(&id.user, &groups, attrs)
    }
}
