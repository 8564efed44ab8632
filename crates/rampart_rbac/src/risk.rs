//! Risk-check API: risky grants, each pointing at the exact subject and rule that causes it.
//!
//! Rule-based risks are reported per (binding, subject, rule): the rule's role and `/rules/<i>`
//! pointer are in [`Risk::object`]/[`Risk::pointer`], the binding and `/subjects/<i>` in
//! [`Risk::why`]. Built-in grants (a binding named `system:*` to a `system:` subject, or to a
//! service account of a `kube-*` namespace) are left out unless asked for.
//!
//! A grant through a built-in role of the bootstrap policy that the input does not define
//! ([`crate::Role::builtin`]) has no rule in any input object: its risk points at the binding's
//! subject, and its message names the role as `built-in ClusterRole NAME`. The rules of an input
//! role that no active binding reaches (directly or through aggregation) are reported on the rule
//! with [`Risk::unbound`] set (no subject): what the role would grant once bound; roles some
//! binding reaches are judged through their grants only.

use std::collections::HashMap;
use std::sync::Arc;

use rampart_model::{ObjectRef, Pointer};
use serde::Serialize;

use crate::authz::{rule_allows, RequestAttributes};
use crate::escalation::CONTROLLERS;
use crate::model::{
    Binding, BindingSubject, Identity, MatchKey, Rbac, Rule, RuleRef, Subject, SubjectKind,
    SYSTEM_ANONYMOUS, SYSTEM_AUTHENTICATED, SYSTEM_UNAUTHENTICATED,
};
use crate::query::Justification;

/// The kinds of risky grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RiskKind {
    /// Every verb (`*`, or every resource request verb listed) on `*` resources in `*` apiGroups
    /// to a non-system subject: cluster-admin through a ClusterRoleBinding, admin of the namespace
    /// through a RoleBinding. A binding to the built-in `cluster-admin` ClusterRole when the scan
    /// does not define it, or to the built-in `admin` ClusterRole, counts by name.
    ClusterAdmin,
    WildcardVerbs,
    WildcardResources,
    ReadSecretsClusterWide,
    ReadSecretsNamespace,
    /// create pods, or create/update/patch pod controllers.
    CreateWorkloads,
    PodsExec,
    PodsAttach,
    PodsPortForward,
    NodesProxy,
    Escalate,
    Bind,
    Impersonate,
    ServiceAccountToken,
    /// update certificatesigningrequests/approval.
    CsrApproval,
    /// approve or sign on certificates.k8s.io signers.
    CsrSigner,
    /// write mutating/validating webhook configurations.
    WebhookConfigurationWrite,
    PersistentVolumeCreate,
    /// Any grant to system:anonymous, system:unauthenticated or system:authenticated.
    AnonymousOrAllAuthenticated,
    /// A `default` service account named in a binding.
    DefaultServiceAccountBound,
    /// A workload mounting the token of a service account that holds one of the powers above.
    WorkloadTokenWithPower,
}

impl RiskKind {
    pub fn id(self) -> &'static str {
        match self {
            RiskKind::ClusterAdmin => "rbac-cluster-admin",
            RiskKind::WildcardVerbs => "rbac-wildcard-verbs",
            RiskKind::WildcardResources => "rbac-wildcard-resources",
            RiskKind::ReadSecretsClusterWide => "rbac-read-secrets-cluster",
            RiskKind::ReadSecretsNamespace => "rbac-read-secrets-namespace",
            RiskKind::CreateWorkloads => "rbac-create-workloads",
            RiskKind::PodsExec => "rbac-pods-exec",
            RiskKind::PodsAttach => "rbac-pods-attach",
            RiskKind::PodsPortForward => "rbac-pods-portforward",
            RiskKind::NodesProxy => "rbac-nodes-proxy",
            RiskKind::Escalate => "rbac-escalate",
            RiskKind::Bind => "rbac-bind",
            RiskKind::Impersonate => "rbac-impersonate",
            RiskKind::ServiceAccountToken => "rbac-serviceaccount-token",
            RiskKind::CsrApproval => "rbac-csr-approval",
            RiskKind::CsrSigner => "rbac-csr-signer",
            RiskKind::WebhookConfigurationWrite => "rbac-webhook-write",
            RiskKind::PersistentVolumeCreate => "rbac-persistentvolume-create",
            RiskKind::AnonymousOrAllAuthenticated => "rbac-anonymous-grant",
            RiskKind::DefaultServiceAccountBound => "rbac-default-sa-bound",
            RiskKind::WorkloadTokenWithPower => "rbac-workload-token-power",
        }
    }
}

/// One risky grant (or workload).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Risk {
    pub kind: RiskKind,
    pub subject: Option<Subject>,
    /// Scope of the grant: `None` cluster-wide.
    pub namespace: Option<String>,
    /// The object to point at: the rule's role, the binding (subject risks) or the workload.
    /// Shared with the model (many risks name one binding or workload).
    pub object: Arc<ObjectRef>,
    #[serde(skip)]
    pub resource: usize,
    pub pointer: Pointer,
    /// Shared: every workload running as one powerful account carries the same chain.
    pub why: Option<std::sync::Arc<Justification>>,
    pub message: String,
    /// A risk of a role's own rule that nothing in the input binds: what the role would grant
    /// (no subject, no justification; `object`/`pointer` are the role's rule).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unbound: bool,
}

fn any_verb(rule: &Rule, verbs: &[&str], group: &str, resource: &str, sub: &str) -> bool {
    verbs.iter().any(|v| {
        let a = RequestAttributes::resource(v, group, resource).subresource(sub);
        rule_allows(rule, &a)
            || rule
                .resource_names
                .iter()
                .any(|n| rule_allows(rule, &a.clone().named(n)))
    })
}

/// Rule-based risks of one rule, for a grant in a scope (`cluster` = ClusterRoleBinding).
fn rule_risks(rule: &Rule, cluster: bool) -> Vec<RiskKind> {
    let mut out = Vec::new();
    if Rbac::is_admin_rule(rule) {
        out.push(RiskKind::ClusterAdmin);
    }
    if rule.verbs.iter().any(|v| v == "*") {
        out.push(RiskKind::WildcardVerbs);
    }
    if rule.resources.iter().any(|r| r == "*") || rule.non_resource_urls.iter().any(|u| u == "*") {
        out.push(RiskKind::WildcardResources);
    }
    if any_verb(rule, &["get", "list", "watch"], "", "secrets", "") {
        out.push(if cluster {
            RiskKind::ReadSecretsClusterWide
        } else {
            RiskKind::ReadSecretsNamespace
        });
    }
    if any_verb(rule, &["create"], "", "pods", "")
        || CONTROLLERS
            .iter()
            .any(|(g, r)| any_verb(rule, &["create", "update", "patch"], g, r, ""))
    {
        out.push(RiskKind::CreateWorkloads);
    }
    for (sub, kind) in [
        ("exec", RiskKind::PodsExec),
        ("attach", RiskKind::PodsAttach),
        ("portforward", RiskKind::PodsPortForward),
    ] {
        if any_verb(rule, &["create", "get"], "", "pods", sub) {
            out.push(kind);
        }
    }
    if any_verb(rule, &["get", "create"], "", "nodes", "proxy") {
        out.push(RiskKind::NodesProxy);
    }
    let rbac = "rbac.authorization.k8s.io";
    if any_verb(rule, &["escalate"], rbac, "roles", "")
        || any_verb(rule, &["escalate"], rbac, "clusterroles", "")
    {
        out.push(RiskKind::Escalate);
    }
    if any_verb(rule, &["bind"], rbac, "roles", "")
        || any_verb(rule, &["bind"], rbac, "clusterroles", "")
    {
        out.push(RiskKind::Bind);
    }
    if ["users", "groups", "serviceaccounts", "uids", "userextras"]
        .iter()
        .any(|r| any_verb(rule, &["impersonate"], "", r, ""))
        || any_verb(
            rule,
            &["impersonate"],
            "authentication.k8s.io",
            "userextras",
            "",
        )
        || any_verb(rule, &["impersonate"], "authentication.k8s.io", "uids", "")
    {
        out.push(RiskKind::Impersonate);
    }
    if any_verb(rule, &["create"], "", "serviceaccounts", "token") {
        out.push(RiskKind::ServiceAccountToken);
    }
    let certs = "certificates.k8s.io";
    if any_verb(
        rule,
        &["update", "patch"],
        certs,
        "certificatesigningrequests",
        "approval",
    ) {
        out.push(RiskKind::CsrApproval);
    }
    if any_verb(rule, &["approve", "sign"], certs, "signers", "") {
        out.push(RiskKind::CsrSigner);
    }
    let adm = "admissionregistration.k8s.io";
    if [
        "mutatingwebhookconfigurations",
        "validatingwebhookconfigurations",
    ]
    .iter()
    .any(|r| any_verb(rule, &["create", "update", "patch", "delete"], adm, r, ""))
    {
        out.push(RiskKind::WebhookConfigurationWrite);
    }
    if any_verb(rule, &["create"], "", "persistentvolumes", "") {
        out.push(RiskKind::PersistentVolumeCreate);
    }
    out
}

/// What a risk means for its subject; `namespaced` for a grant through a RoleBinding.
fn describe(kind: RiskKind, namespaced: bool) -> &'static str {
    match kind {
        RiskKind::ClusterAdmin if namespaced => {
            "is namespace admin (every verb on * resources in * apiGroups)"
        }
        RiskKind::ClusterAdmin => "is cluster-admin (every verb on * resources in * apiGroups)",
        RiskKind::WildcardVerbs => "holds a rule with * verbs",
        RiskKind::WildcardResources => "holds a rule with * resources",
        RiskKind::ReadSecretsClusterWide => "can read Secrets in every namespace",
        RiskKind::ReadSecretsNamespace => "can read Secrets",
        RiskKind::CreateWorkloads => {
            "can create pods or pod controllers (and so run as any service account)"
        }
        RiskKind::PodsExec => "can exec into pods",
        RiskKind::PodsAttach => "can attach to pods",
        RiskKind::PodsPortForward => "can port-forward to pods",
        RiskKind::NodesProxy => "can use nodes/proxy (kubelet API: exec in any pod on the node)",
        RiskKind::Escalate => "can escalate roles (grant permissions it does not hold)",
        RiskKind::Bind => "can bind roles (grant roles it does not hold)",
        RiskKind::Impersonate => "can impersonate users, groups or service accounts",
        RiskKind::ServiceAccountToken => "can create service account tokens",
        RiskKind::CsrApproval => "can approve certificate signing requests",
        RiskKind::CsrSigner => "can approve or sign for certificate signers",
        RiskKind::WebhookConfigurationWrite => "can write admission webhook configurations",
        RiskKind::PersistentVolumeCreate => "can create PersistentVolumes (hostPath on any node)",
        RiskKind::AnonymousOrAllAuthenticated => "is granted permissions",
        RiskKind::DefaultServiceAccountBound => "is a default service account with a binding",
        RiskKind::WorkloadTokenWithPower => "mounts the token of a powerful service account",
    }
}

impl Rbac {
    /// Every risk of ordinary (non-built-in) grants, sorted by kind.
    pub fn risks(&self) -> Vec<Risk> {
        self.risks_with(false)
    }

    /// Risks of one kind.
    pub fn risks_of(&self, kind: RiskKind) -> Vec<Risk> {
        self.risks()
            .into_iter()
            .filter(|r| r.kind == kind)
            .collect()
    }

    /// Every risk; `include_system` keeps built-in grants (bindings named `system:*` to system
    /// subjects).
    pub fn risks_with(&self, include_system: bool) -> Vec<Risk> {
        let mut out = Vec::new();
        let mut memo: HashMap<(usize, bool), Vec<(RiskKind, RuleRef)>> = HashMap::new();
        // Powers held per matching key, for the workload check.
        let mut powers: HashMap<MatchKey, (RiskKind, bool, std::sync::Arc<Justification>)> =
            HashMap::new();
        for (bi, b) in self.bindings.iter().enumerate() {
            if !b.active {
                continue;
            }
            let cluster = b.namespace.is_none();
            let Some(role) = b.role else {
                // The role is not in the scan: only the built-in admin roles are known by name.
                out.extend(self.builtin_admin_risks(b, include_system));
                continue;
            };
            let risks = memo.entry((role, cluster)).or_insert_with(|| {
                self.roles[role]
                    .effective
                    .iter()
                    .flat_map(|rr| {
                        rule_risks(self.rule(*rr), cluster)
                            .into_iter()
                            .map(move |k| (k, *rr))
                    })
                    .collect()
            });
            if !risks.iter().any(|(k, _)| *k == RiskKind::ClusterAdmin) {
                out.extend(self.builtin_admin_risks(b, include_system));
            }
            for (si, s) in b.subjects.iter().enumerate() {
                if s.key == MatchKey::None {
                    continue;
                }
                let (builtin, system_name) = system_grant(b, s);
                let anonymous = matches!(
                    (&s.subject.kind, s.subject.name.as_str()),
                    (SubjectKind::User, SYSTEM_ANONYMOUS)
                        | (
                            SubjectKind::Group,
                            SYSTEM_UNAUTHENTICATED | SYSTEM_AUTHENTICATED
                        )
                );
                let first_rule = self.roles[role].effective.first().copied();
                if anonymous && (!b.name.starts_with("system:") || include_system) {
                    if let Some(rr) = first_rule {
                        out.push(Risk {
                            kind: RiskKind::AnonymousOrAllAuthenticated,
                            subject: Some(s.subject.clone()),
                            namespace: b.namespace.clone(),
                            object: Arc::clone(&b.id),
                            resource: b.resource,
                            pointer: s.pointer.clone(),
                            why: Some(std::sync::Arc::new(self.justify(bi, si, rr))),
                            unbound: false,
                            message: format!(
                                "{} is granted {} {} through {}",
                                s.subject,
                                self.roles[role].display_name(),
                                scope_text(&b.namespace),
                                b.id.display_name()
                            ),
                        });
                    }
                }
                if s.subject.kind == SubjectKind::ServiceAccount && s.subject.name == "default" {
                    if let Some(rr) = first_rule {
                        if include_system || !s.subject.is_system() {
                            out.push(Risk {
                                kind: RiskKind::DefaultServiceAccountBound,
                                subject: Some(s.subject.clone()),
                                namespace: b.namespace.clone(),
                                object: Arc::clone(&b.id),
                                resource: b.resource,
                                pointer: s.pointer.clone(),
                                why: Some(std::sync::Arc::new(self.justify(bi, si, rr))),
                                unbound: false,
                                message: format!(
                                    "default service account {} is bound to {} by {}; every pod of its namespace that names no service account gets these rights",
                                    s.subject,
                                    self.roles[role].display_name(),
                                    b.id.display_name()
                                ),
                            });
                        }
                    }
                }
                for (kind, rr) in risks.iter() {
                    if !include_system
                        && (builtin || (system_name && *kind == RiskKind::ClusterAdmin))
                    {
                        continue;
                    }
                    let why = std::sync::Arc::new(self.justify(bi, si, *rr));
                    powers
                        .entry(s.key.clone())
                        .or_insert_with(|| (*kind, !cluster, why.clone()));
                    let rule_role = &self.roles[rr.role];
                    // A rule of a built-in role is in no input object: point at the grant.
                    let (object, resource, pointer) = if rule_role.builtin.is_some() {
                        (Arc::clone(&b.id), b.resource, s.pointer.clone())
                    } else {
                        (
                            Arc::clone(&rule_role.id),
                            rule_role.resource,
                            why.rule_pointer.clone(),
                        )
                    };
                    out.push(Risk {
                        kind: *kind,
                        subject: Some(s.subject.clone()),
                        namespace: b.namespace.clone(),
                        object,
                        resource,
                        pointer,
                        message: format!(
                            "{} {} {} ({} -> {} {})",
                            s.subject,
                            describe(*kind, !cluster),
                            scope_text(&b.namespace),
                            b.id.display_name(),
                            rule_role.display_name(),
                            why.rule_pointer
                        ),
                        why: Some(why),
                        unbound: false,
                    });
                }
            }
        }
        for w in &self.workloads {
            if !w.mounts_token {
                continue;
            }
            let sa = Subject::service_account(&w.namespace, &w.service_account);
            let id = Identity::of(&sa);
            let keys = std::iter::once(MatchKey::User(id.user.clone()))
                .chain(id.groups.iter().map(|g| MatchKey::Group(g.clone())));
            if let Some((kind, namespaced, why)) = keys.filter_map(|k| powers.get(&k)).next() {
                out.push(Risk {
                    kind: RiskKind::WorkloadTokenWithPower,
                    subject: Some(sa.clone()),
                    namespace: Some(w.namespace.clone()),
                    object: Arc::clone(&w.id),
                    resource: w.resource,
                    pointer: w.sa_pointer.clone(),
                    message: format!(
                        "{} runs as {} with its token mounted; that account {} ({})",
                        w.id.display_name(),
                        sa,
                        describe(*kind, *namespaced),
                        kind.id()
                    ),
                    why: Some(why.clone()),
                    unbound: false,
                });
            }
        }
        out.extend(self.unbound_role_risks(include_system));
        out.sort_by_key(|a| a.kind);
        // Kept for the whole inventory phase: without the spare capacity of growth.
        out.shrink_to_fit();
        out
    }

    /// The risks of the rules of input roles that no active binding reaches, directly or
    /// through an aggregated ClusterRole: what the role would grant if bound (a ClusterRole as
    /// through a ClusterRoleBinding, a Role in its namespace). A role any binding reaches is
    /// judged on its grants instead, never twice. Roles of the system's own (named `system:*`,
    /// or labelled `kubernetes.io/bootstrapping: rbac-defaults`, as in a cluster dump) are left
    /// out unless `include_system`; built-in roles added from the bootstrap policy are bound
    /// by definition.
    fn unbound_role_risks(&self, include_system: bool) -> Vec<Risk> {
        let mut reached = vec![false; self.roles.len()];
        for b in self.bindings.iter().filter(|b| b.active) {
            if let Some(role) = b.role {
                reached[role] = true;
                for rr in &self.roles[role].effective {
                    reached[rr.role] = true;
                }
            }
        }
        let mut out = Vec::new();
        for (ri, role) in self.roles.iter().enumerate() {
            if reached[ri] || role.builtin.is_some() {
                continue;
            }
            let system = role.name.starts_with("system:")
                || role
                    .labels
                    .get("kubernetes.io/bootstrapping")
                    .map(String::as_str)
                    == Some("rbac-defaults");
            if system && !include_system {
                continue;
            }
            let cluster = role.kind == crate::model::RoleKind::ClusterRole;
            let scope = match &role.namespace {
                Some(ns) => format!("in namespace {ns}"),
                None => "cluster-wide".to_owned(),
            };
            for (i, rule) in role.rules.iter().enumerate() {
                let pointer = Pointer::root().join("rules").join(i);
                for kind in rule_risks(rule, cluster) {
                    out.push(Risk {
                        kind,
                        subject: None,
                        namespace: role.namespace.clone(),
                        object: Arc::clone(&role.id),
                        resource: role.resource,
                        message: format!(
                            "{} is bound by nothing in the input; a subject bound to it {} {} ({})",
                            role.display_name(),
                            scope,
                            describe(kind, !cluster),
                            pointer
                        ),
                        pointer: pointer.clone(),
                        why: None,
                        unbound: true,
                    });
                }
            }
        }
        out
    }
}

impl Rbac {
    /// [`RiskKind::ClusterAdmin`] of a binding by its role's name: a ClusterRole reference to
    /// the built-in `admin`, or to the built-in `cluster-admin` when the scan does not define it
    /// (a cluster reconciles both at start). One risk per subject, pointing at the subject.
    fn builtin_admin_risks(&self, b: &Binding, include_system: bool) -> Vec<Risk> {
        let name = b.role_ref_name.as_str();
        if b.role_ref_kind != "ClusterRole"
            || !(name == "admin" || (name == "cluster-admin" && b.role.is_none()))
        {
            return Vec::new();
        }
        let what = match (name, &b.namespace) {
            (_, Some(_)) => "is namespace admin",
            ("cluster-admin", None) => "is cluster-admin",
            _ => "is admin of every namespace",
        };
        b.subjects
            .iter()
            .filter(|s| s.key != MatchKey::None)
            .filter(|s| {
                let (builtin, system_name) = system_grant(b, s);
                include_system || !(builtin || system_name)
            })
            .map(|s| Risk {
                kind: RiskKind::ClusterAdmin,
                subject: Some(s.subject.clone()),
                namespace: b.namespace.clone(),
                object: Arc::clone(&b.id),
                resource: b.resource,
                pointer: s.pointer.clone(),
                why: None,
                unbound: false,
                message: format!(
                    "{} {what} {} ({} -> {})",
                    s.subject,
                    scope_text(&b.namespace),
                    b.id.display_name(),
                    match b.role.map(|r| &self.roles[r]) {
                        Some(role) => role.display_name(),
                        None => format!("built-in ClusterRole {name}"),
                    }
                ),
            })
            .collect()
    }
}

/// Whether a grant is the system's own: (a binding named `system:*` to a system subject, a
/// user or group named `system:*`; the latter is left out only for cluster-admin).
fn system_grant(b: &Binding, s: &BindingSubject) -> (bool, bool) {
    let builtin = b.name.starts_with("system:") && s.subject.is_system();
    let system_name =
        s.subject.kind != SubjectKind::ServiceAccount && s.subject.name.starts_with("system:");
    (builtin, system_name)
}

fn scope_text(ns: &Option<String>) -> String {
    match ns {
        Some(ns) => format!("in namespace {ns}"),
        None => "cluster-wide".to_owned(),
    }
}
