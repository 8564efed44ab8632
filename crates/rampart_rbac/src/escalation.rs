//! Privilege-escalation paths.
//!
//! A directed graph (petgraph) whose nodes are subjects, workloads (footholds) and a few pools
//! ("any service account of namespace X"), and whose edges mean "can obtain the rights of". The
//! goal node is `cluster-admin`: reached by a subject bound cluster-wide to a rule with every verb
//! (`*` or all resource verbs listed) on `*` resources in `*` apiGroups, by `system:masters`, or
//! by rights that let one grant oneself that (bind + create clusterrolebindings; escalate +
//! update clusterroles).
//!
//! Edges:
//! - **member-of**: a user is in `system:authenticated`; a service account in
//!   `system:serviceaccounts`, `system:serviceaccounts:NS`, `system:authenticated`.
//! - **runs-as**: a workload whose pods mount a service account token has that account's rights.
//! - **impersonate**: `impersonate` on `users`, `groups` (any group includes `system:masters`),
//!   `serviceaccounts` (namespaced: the service account's namespace); `resourceNames` narrow it.
//! - **create-workloads**: `create` pods, or `create`/`update`/`patch` deployments, daemonsets,
//!   statefulsets, replicasets, jobs, cronjobs, replicationcontrollers in a namespace: any service
//!   account of that namespace (a pod may name any of them).
//! - **create-token**: `create` on `serviceaccounts/token`.
//! - **read-secrets**: `get`/`list`/`watch` on `secrets`: the service accounts whose *legacy token
//!   Secrets* (`type: kubernetes.io/service-account-token`) are in the inventory. Choice: only
//!   Secrets actually present count (since Kubernetes 1.24 no token Secret is created
//!   automatically, so "every service account" would mostly be false).
//! - **bind-escalate**: `bind` (or `escalate` with write access to roles) together with write
//!   access to bindings: cluster-wide on clusterroles/clusterrolebindings reaches cluster-admin;
//!   in a namespace it reaches every service account of that namespace (one can bind `admin`
//!   there). Conservative: `bind` on any role counts; with `resourceNames`, only names of
//!   cluster-admin-equivalent roles or `admin`, `edit`, `cluster-admin`.
//! - **exec**: `create` or `get` (websocket) on `pods/exec` or `pods/attach`: the service accounts
//!   of token-mounting workloads of that namespace.
//! - **nodes-proxy**: `get`/`create` on `nodes/proxy` (the kubelet API runs commands in any pod):
//!   the service accounts of every token-mounting workload.
//! - **admin**: the rule that makes a subject cluster-admin; **privileged-group**: system:masters.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt;
use std::fmt::Write as _;
use std::sync::Arc;

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use rampart_model::ObjectRef;
use serde::Serialize;

use crate::authz::{rule_allows, RequestAttributes};
use crate::model::{
    MatchKey, Rbac, Rule, RuleRef, Subject, SubjectKind, SYSTEM_ANONYMOUS, SYSTEM_AUTHENTICATED,
    SYSTEM_MASTERS, SYSTEM_SERVICEACCOUNTS, SYSTEM_UNAUTHENTICATED,
};
use crate::query::Justification;

/// A set of identities one may pick from once a capability is held.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pool {
    /// Any service account of a namespace (`None`: of every namespace).
    AnyServiceAccount(Option<String>),
    /// The service accounts of token-mounting workloads of a namespace (`None`: everywhere).
    PodServiceAccounts(Option<String>),
    /// Service accounts with a legacy token Secret in a namespace (`None`: everywhere).
    TokenSecrets(Option<String>),
    AnyUser,
    AnyGroup,
}

/// A node of the escalation graph.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    Subject(Subject),
    /// Shared with the model's [`crate::model::WorkloadInfo`]: a graph has one node per
    /// workload, and its index a second copy of each node.
    Workload(Arc<ObjectRef>),
    Pool(Pool),
    ClusterAdmin,
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scope = |ns: &Option<String>| match ns {
            Some(ns) => format!("namespace {ns}"),
            None => "every namespace".to_owned(),
        };
        match self {
            Node::Subject(s) => write!(f, "{s}"),
            Node::Workload(id) => write!(f, "workload:{}", id.display_name()),
            Node::Pool(Pool::AnyServiceAccount(ns)) => {
                write!(f, "any service account of {}", scope(ns))
            }
            Node::Pool(Pool::PodServiceAccounts(ns)) => {
                write!(f, "service accounts of running pods in {}", scope(ns))
            }
            Node::Pool(Pool::TokenSecrets(ns)) => {
                write!(f, "service account token Secrets in {}", scope(ns))
            }
            Node::Pool(Pool::AnyUser) => write!(f, "any user"),
            Node::Pool(Pool::AnyGroup) => write!(f, "any group"),
            Node::ClusterAdmin => write!(f, "cluster-admin"),
        }
    }
}

impl Serialize for Node {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What an edge means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeKind {
    MemberOf,
    RunsAs,
    Impersonate,
    CreateWorkloads,
    CreateToken,
    ReadSecrets,
    BindEscalate,
    Exec,
    NodesProxy,
    Admin,
    PrivilegedGroup,
    /// From a pool to one of its members.
    Choose,
}

/// One edge: what it is, a sentence, and the binding -> role -> rule chains that justify it.
#[derive(Clone, Debug, Serialize)]
pub struct Edge {
    pub kind: EdgeKind,
    pub detail: String,
    pub why: Vec<Justification>,
}

/// One step of a path (pools are folded into the step that enters them).
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub from: Node,
    pub to: Node,
    pub kind: EdgeKind,
    pub detail: String,
    pub why: Vec<Justification>,
}

/// A shortest path from a foothold to cluster-admin.
#[derive(Clone, Debug, Serialize)]
pub struct Path {
    pub from: Node,
    pub steps: Vec<Step>,
}

impl Path {
    /// Node names along the path, from the foothold to `cluster-admin`.
    pub fn nodes(&self) -> Vec<String> {
        let mut v = vec![self.from.to_string()];
        v.extend(self.steps.iter().map(|s| s.to.to_string()));
        v
    }
}

/// A path as node names only: where it starts, the node each step reaches (the last one is
/// cluster-admin), and the first binding -> role -> rule chain along it.
#[derive(Clone, Debug)]
pub struct Route<'a> {
    pub from: &'a Node,
    pub to: Vec<&'a Node>,
    pub first_why: Option<&'a Justification>,
}

/// The escalation graph with, for every node, its distance to cluster-admin.
pub struct Escalation {
    pub graph: DiGraph<Node, Edge>,
    index: HashMap<Node, NodeIndex>,
    goal: NodeIndex,
    /// Distance (in steps; pool members cost nothing) to the goal; `u32::MAX` when unreachable.
    dist: Vec<u32>,
    next: Vec<Option<EdgeIndex>>,
}

/// What one rule lets its holder reach, before it is placed in a namespace.
#[derive(Clone, Debug)]
enum Cap {
    Admin,
    ImpersonateUsers(Option<Vec<String>>),
    ImpersonateGroups(Option<Vec<String>>),
    ImpersonateSas(Option<Vec<String>>),
    CreateWorkloads(String),
    CreateToken(Option<Vec<String>>),
    ReadSecrets(Option<Vec<String>>),
    Exec(String),
    NodesProxy,
    Flag(u8),
}

const F_BIND: u8 = 1; // bind on roles or clusterroles
const F_ESCALATE: u8 = 2; // escalate on roles or clusterroles
const F_WRITE_ROLES: u8 = 4; // create/update/patch roles or clusterroles
const F_WRITE_RB: u8 = 8; // create/update/patch rolebindings
const F_WRITE_CRB: u8 = 16; // create/update/patch clusterrolebindings
const F_BIND_CR: u8 = 32; // bind on clusterroles
const F_ESC_CR: u8 = 64; // escalate on clusterroles
const F_WRITE_CR: u8 = 128; // create/update/patch clusterroles

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";
const WRITE: &[&str] = &["create", "update", "patch"];

/// `Some(None)`: any name; `Some(Some(names))`: only these names; `None`: not allowed.
fn names_allowed(
    rule: &Rule,
    verbs: &[&str],
    group: &str,
    resource: &str,
    sub: &str,
) -> Option<Option<Vec<String>>> {
    let mut names = Vec::new();
    for verb in verbs {
        let attrs = RequestAttributes::resource(verb, group, resource).subresource(sub);
        if rule_allows(rule, &attrs) {
            return Some(None);
        }
        for n in &rule.resource_names {
            if !names.contains(n) && rule_allows(rule, &attrs.clone().named(n)) {
                names.push(n.clone());
            }
        }
    }
    (!names.is_empty()).then_some(Some(names))
}

fn any_name(rule: &Rule, verbs: &[&str], group: &str, resource: &str, sub: &str) -> bool {
    names_allowed(rule, verbs, group, resource, sub).is_some()
}

/// The controllers that create pods from a template (group, resource).
pub(crate) const CONTROLLERS: &[(&str, &str)] = rampart_model::k8s::kinds::POD_CONTROLLER_RESOURCES;

impl Rbac {
    /// Whether a rule is cluster-admin-equivalent (bound cluster-wide): `*` resources in `*`
    /// apiGroups, for every name, with `*` verbs or every resource request verb listed
    /// ([`rampart_model::k8s::verbs::RESOURCE_VERBS`]).
    pub fn is_admin_rule(rule: &Rule) -> bool {
        rule_allows(rule, &RequestAttributes::resource("*", "*", "*"))
            || rampart_model::k8s::verbs::RESOURCE_VERBS
                .iter()
                .all(|v| rule_allows(rule, &RequestAttributes::resource(v, "*", "*")))
    }

    /// Whether a ClusterRole grants cluster-admin-equivalent rights.
    pub fn is_admin_role(&self, role: usize) -> bool {
        self.roles[role]
            .effective
            .iter()
            .any(|rr| Rbac::is_admin_rule(self.rule(*rr)))
    }

    fn caps_of_rule(&self, rule: &Rule) -> Vec<Cap> {
        let mut caps = Vec::new();
        if Rbac::is_admin_rule(rule) {
            caps.push(Cap::Admin);
        }
        if let Some(n) = names_allowed(rule, &["impersonate"], "", "users", "") {
            caps.push(Cap::ImpersonateUsers(n));
        }
        if let Some(n) = names_allowed(rule, &["impersonate"], "", "groups", "") {
            caps.push(Cap::ImpersonateGroups(n));
        }
        if let Some(n) = names_allowed(rule, &["impersonate"], "", "serviceaccounts", "") {
            caps.push(Cap::ImpersonateSas(n));
        }
        if rule_allows(rule, &RequestAttributes::resource("create", "", "pods")) {
            caps.push(Cap::CreateWorkloads("create pods".into()));
        } else {
            for (g, r) in CONTROLLERS {
                let create = rule_allows(rule, &RequestAttributes::resource("create", g, r));
                let modify = any_name(rule, &["update", "patch"], g, r, "");
                if create || modify {
                    let what = if create { "create" } else { "update" };
                    caps.push(Cap::CreateWorkloads(format!("{what} {r}")));
                    break;
                }
            }
        }
        if let Some(n) = names_allowed(rule, &["create"], "", "serviceaccounts", "token") {
            caps.push(Cap::CreateToken(n));
        }
        if any_name(rule, &["list", "watch"], "", "secrets", "")
            && rule_allows(rule, &RequestAttributes::resource("list", "", "secrets"))
        {
            caps.push(Cap::ReadSecrets(None));
        } else if let Some(n) = names_allowed(rule, &["get"], "", "secrets", "") {
            caps.push(Cap::ReadSecrets(n));
        }
        for sub in ["exec", "attach"] {
            if any_name(rule, &["create", "get"], "", "pods", sub) {
                caps.push(Cap::Exec(format!("pods/{sub}")));
                break;
            }
        }
        if any_name(rule, &["get", "create"], "", "nodes", "proxy") {
            caps.push(Cap::NodesProxy);
        }
        let mut flags = 0u8;
        let powerful_names = |names: &Option<Vec<String>>| match names {
            None => true,
            Some(ns) => ns.iter().any(|n| {
                matches!(n.as_str(), "cluster-admin" | "admin" | "edit")
                    || self
                        .cluster_roles_by_name
                        .get(n)
                        .is_some_and(|&r| self.is_admin_role(r))
            }),
        };
        if let Some(n) = names_allowed(rule, &["bind"], RBAC_GROUP, "clusterroles", "") {
            if powerful_names(&n) {
                flags |= F_BIND | F_BIND_CR;
            }
        }
        if names_allowed(rule, &["bind"], RBAC_GROUP, "roles", "").is_some() {
            flags |= F_BIND;
        }
        if any_name(rule, &["escalate"], RBAC_GROUP, "clusterroles", "") {
            flags |= F_ESCALATE | F_ESC_CR;
        }
        if any_name(rule, &["escalate"], RBAC_GROUP, "roles", "") {
            flags |= F_ESCALATE;
        }
        if any_name(rule, WRITE, RBAC_GROUP, "clusterroles", "") {
            flags |= F_WRITE_ROLES | F_WRITE_CR;
        }
        if any_name(rule, WRITE, RBAC_GROUP, "roles", "") {
            flags |= F_WRITE_ROLES;
        }
        if any_name(rule, WRITE, RBAC_GROUP, "rolebindings", "") {
            flags |= F_WRITE_RB;
        }
        if any_name(rule, WRITE, RBAC_GROUP, "clusterrolebindings", "") {
            flags |= F_WRITE_CRB;
        }
        if flags != 0 {
            caps.push(Cap::Flag(flags));
        }
        caps
    }

    /// Builds the escalation graph and the distance of every node to cluster-admin.
    pub fn escalation(&self) -> Escalation {
        let mut b = Builder {
            graph: DiGraph::new(),
            index: HashMap::new(),
            seen_edges: HashSet::new(),
        };
        let sas = self.service_accounts_by_namespace();
        let sas_in = |ns: &str| -> Vec<String> {
            sas.get(ns)
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_else(|| vec!["default".to_owned()])
        };
        let goal = b.node(Node::ClusterAdmin);
        let masters = b.node(Node::Subject(Subject::group(SYSTEM_MASTERS)));
        b.edge(
            masters,
            goal,
            EdgeKind::PrivilegedGroup,
            "system:masters is allowed everything by the API server".into(),
            vec![],
        );
        let mut role_caps: Vec<Option<Vec<(Cap, RuleRef)>>> = vec![None; self.roles.len()];
        // (node, scope) -> (flags, first justification of each flag bit)
        type Flags = (u8, Vec<(u8, Justification)>);
        // Ordered maps: the order nodes and edges are added decides which of several shortest
        // paths is reported, and that must not change from one run to the next.
        let mut flags: BTreeMap<NodeIndex, BTreeMap<Option<String>, Flags>> = BTreeMap::new();
        for (bi, bnd) in self.bindings.iter().enumerate() {
            if !bnd.active {
                continue;
            }
            let Some(role) = bnd.role else { continue };
            let caps = role_caps[role].get_or_insert_with(|| {
                self.roles[role]
                    .effective
                    .iter()
                    .flat_map(|rr| {
                        self.caps_of_rule(self.rule(*rr))
                            .into_iter()
                            .map(|c| (c, *rr))
                    })
                    .collect()
            });
            if caps.is_empty() {
                continue;
            }
            let scope = bnd.namespace.clone();
            for (si, s) in bnd.subjects.iter().enumerate() {
                if s.key == MatchKey::None {
                    continue;
                }
                let src = b.node(Node::Subject(s.subject.clone()));
                for (cap, rr) in caps.iter() {
                    let why = || vec![self.justify(bi, si, *rr)];
                    let in_scope = match &scope {
                        Some(ns) => format!("in namespace {ns}"),
                        None => "in every namespace".to_owned(),
                    };
                    match cap {
                        Cap::Admin => {
                            if scope.is_none() {
                                b.edge(
                                    src,
                                    goal,
                                    EdgeKind::Admin,
                                    "bound cluster-wide to * verbs on * resources in * apiGroups"
                                        .into(),
                                    why(),
                                );
                            }
                        }
                        Cap::ImpersonateUsers(names) | Cap::ImpersonateGroups(names) => {
                            // users and groups are cluster-scoped: only ClusterRoleBindings count.
                            if scope.is_some() {
                                continue;
                            }
                            let users = matches!(cap, Cap::ImpersonateUsers(_));
                            match names {
                                None => {
                                    let pool = if users { Pool::AnyUser } else { Pool::AnyGroup };
                                    let p = b.node(Node::Pool(pool));
                                    let what = if users {
                                        "any user"
                                    } else {
                                        "any group (including system:masters)"
                                    };
                                    b.edge(
                                        src,
                                        p,
                                        EdgeKind::Impersonate,
                                        format!("can impersonate {what}"),
                                        why(),
                                    );
                                }
                                Some(names) => {
                                    for n in names {
                                        let t = if users {
                                            Subject::user(n).canonical()
                                        } else {
                                            Subject::group(n)
                                        };
                                        let dst = b.node(Node::Subject(t));
                                        b.edge(
                                            src,
                                            dst,
                                            EdgeKind::Impersonate,
                                            format!("can impersonate {n}"),
                                            why(),
                                        );
                                    }
                                }
                            }
                        }
                        Cap::ImpersonateSas(names) | Cap::CreateToken(names) => {
                            let (kind, verb) = if matches!(cap, Cap::ImpersonateSas(_)) {
                                (EdgeKind::Impersonate, "can impersonate")
                            } else {
                                (EdgeKind::CreateToken, "can create tokens for")
                            };
                            match names {
                                None => {
                                    let p =
                                        b.node(Node::Pool(Pool::AnyServiceAccount(scope.clone())));
                                    b.edge(
                                        src,
                                        p,
                                        kind,
                                        format!("{verb} any service account {in_scope}"),
                                        why(),
                                    );
                                }
                                Some(names) => {
                                    let nss: Vec<String> = match &scope {
                                        Some(ns) => vec![ns.clone()],
                                        None => self.namespaces.iter().cloned().collect(),
                                    };
                                    for ns in &nss {
                                        for n in names {
                                            let dst = b.node(Node::Subject(
                                                Subject::service_account(ns, n),
                                            ));
                                            b.edge(
                                                src,
                                                dst,
                                                kind,
                                                format!("{verb} service account {ns}/{n}"),
                                                why(),
                                            );
                                        }
                                    }
                                }
                            }
                        }
                        Cap::CreateWorkloads(what) => {
                            let p = b.node(Node::Pool(Pool::AnyServiceAccount(scope.clone())));
                            b.edge(
                                src,
                                p,
                                EdgeKind::CreateWorkloads,
                                format!(
                                    "can {what} {in_scope}, running as any service account there"
                                ),
                                why(),
                            );
                        }
                        Cap::ReadSecrets(None) => {
                            let p = b.node(Node::Pool(Pool::TokenSecrets(scope.clone())));
                            b.edge(
                                src,
                                p,
                                EdgeKind::ReadSecrets,
                                format!(
                                    "can read secrets {in_scope}, including service account tokens"
                                ),
                                why(),
                            );
                        }
                        Cap::ReadSecrets(Some(names)) => {
                            for t in &self.token_secrets {
                                if names.contains(&t.name)
                                    && scope.as_ref().is_none_or(|ns| *ns == t.namespace)
                                {
                                    let dst = b.node(Node::Subject(Subject::service_account(
                                        &t.namespace,
                                        &t.service_account,
                                    )));
                                    b.edge(
                                        src,
                                        dst,
                                        EdgeKind::ReadSecrets,
                                        format!("can read token Secret {}/{}", t.namespace, t.name),
                                        why(),
                                    );
                                }
                            }
                        }
                        Cap::Exec(what) => {
                            let p = b.node(Node::Pool(Pool::PodServiceAccounts(scope.clone())));
                            b.edge(
                                src,
                                p,
                                EdgeKind::Exec,
                                format!("can use {what} {in_scope}"),
                                why(),
                            );
                        }
                        Cap::NodesProxy => {
                            if scope.is_none() {
                                let p = b.node(Node::Pool(Pool::PodServiceAccounts(None)));
                                b.edge(src, p, EdgeKind::NodesProxy, "can use nodes/proxy (the kubelet API runs commands in any pod)".into(), why());
                            }
                        }
                        Cap::Flag(f) => {
                            let e = flags
                                .entry(src)
                                .or_default()
                                .entry(scope.clone())
                                .or_default();
                            for bit in 0..8 {
                                let m = 1u8 << bit;
                                if f & m != 0 && e.0 & m == 0 {
                                    e.0 |= m;
                                    e.1.push((m, self.justify(bi, si, *rr)));
                                }
                            }
                        }
                    }
                }
            }
        }
        // Workloads run as their service accounts.
        for w in &self.workloads {
            if !w.mounts_token {
                continue;
            }
            let src = b.node(Node::Workload(Arc::clone(&w.id)));
            let dst = b.node(Node::Subject(Subject::service_account(
                &w.namespace,
                &w.service_account,
            )));
            b.edge(
                src,
                dst,
                EdgeKind::RunsAs,
                format!(
                    "its pods run as service account {}/{} with the token mounted",
                    w.namespace, w.service_account
                ),
                vec![],
            );
        }
        // Pools to their members.
        let pools: Vec<(NodeIndex, Pool)> = b
            .graph
            .node_indices()
            .filter_map(|i| match &b.graph[i] {
                Node::Pool(p) => Some((i, p.clone())),
                _ => None,
            })
            .collect();
        for (pi, pool) in pools {
            let members: Vec<Subject> = match &pool {
                Pool::AnyServiceAccount(Some(ns)) => sas_in(ns)
                    .into_iter()
                    .map(|n| Subject::service_account(ns, &n))
                    .collect(),
                Pool::AnyServiceAccount(None) => sas
                    .iter()
                    .flat_map(|(ns, names)| {
                        names.iter().map(move |n| Subject::service_account(ns, n))
                    })
                    .collect(),
                Pool::PodServiceAccounts(ns) => self
                    .workloads
                    .iter()
                    .filter(|w| w.mounts_token && ns.as_ref().is_none_or(|n| *n == w.namespace))
                    .map(|w| Subject::service_account(&w.namespace, &w.service_account))
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
                Pool::TokenSecrets(ns) => self
                    .token_secrets
                    .iter()
                    .filter(|t| ns.as_ref().is_none_or(|n| *n == t.namespace))
                    .map(|t| Subject::service_account(&t.namespace, &t.service_account))
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
                Pool::AnyUser => b
                    .graph
                    .node_weights()
                    .filter_map(|n| match n {
                        Node::Subject(s) if s.kind != SubjectKind::Group => Some(s.clone()),
                        _ => None,
                    })
                    .collect(),
                Pool::AnyGroup => b
                    .graph
                    .node_weights()
                    .filter_map(|n| match n {
                        Node::Subject(s) if s.kind == SubjectKind::Group => Some(s.clone()),
                        _ => None,
                    })
                    .collect(),
            };
            for m in members {
                let dst = b.node(Node::Subject(m));
                b.edge(pi, dst, EdgeKind::Choose, String::new(), vec![]);
            }
        }
        // Membership: users and service accounts have the rights of their groups.
        let subjects: Vec<(NodeIndex, Subject)> = b
            .graph
            .node_indices()
            .filter_map(|i| match &b.graph[i] {
                Node::Subject(s) if s.kind != SubjectKind::Group => Some((i, s.clone())),
                _ => None,
            })
            .collect();
        let empty = BTreeMap::new();
        for (si, s) in &subjects {
            let groups: Vec<String> = match s.kind {
                SubjectKind::ServiceAccount => vec![
                    SYSTEM_SERVICEACCOUNTS.into(),
                    format!(
                        "{SYSTEM_SERVICEACCOUNTS}:{}",
                        s.namespace.as_deref().unwrap_or("")
                    ),
                    SYSTEM_AUTHENTICATED.into(),
                ],
                _ if s.name == SYSTEM_ANONYMOUS => vec![SYSTEM_UNAUTHENTICATED.into()],
                _ => vec![SYSTEM_AUTHENTICATED.into()],
            };
            let mut group_nodes = Vec::new();
            for g in groups {
                if let Some(&gi) = b.index.get(&Node::Subject(Subject::group(&g))) {
                    b.edge(
                        *si,
                        gi,
                        EdgeKind::MemberOf,
                        format!("is a member of {g}"),
                        vec![],
                    );
                    group_nodes.push(gi);
                }
            }
            // Rights that only combine across the subject's own bindings and its groups'.
            let own = flags.get(si).unwrap_or(&empty);
            let with_flags = group_nodes.iter().filter(|g| flags.contains_key(g)).count();
            if own.is_empty() && with_flags < 2 {
                continue;
            }
            let mut merged: BTreeMap<Option<String>, Flags> = own.clone();
            for g in &group_nodes {
                for (scope, (f, why)) in flags.get(g).unwrap_or(&empty) {
                    let e = merged.entry(scope.clone()).or_default();
                    e.0 |= f;
                    e.1.extend(why.iter().cloned());
                }
            }
            flags.insert(*si, merged);
        }
        let flag_nodes: Vec<NodeIndex> = flags.keys().copied().collect();
        for src in flag_nodes {
            let scopes = &flags[&src];
            let cluster = scopes.get(&None).map(|f| f.0).unwrap_or(0);
            let pick = |scope: &Option<String>, bits: &[u8]| -> Vec<Justification> {
                let mut out = Vec::new();
                for bit in bits {
                    let found = scopes
                        .get(scope)
                        .and_then(|(_, w)| w.iter().find(|(m, _)| m == bit))
                        .or_else(|| {
                            scopes
                                .get(&None)
                                .and_then(|(_, w)| w.iter().find(|(m, _)| m == bit))
                        });
                    if let Some((_, j)) = found {
                        out.push(j.clone());
                    }
                }
                out
            };
            let mut edges = Vec::new();
            if cluster & F_BIND_CR != 0 && cluster & F_WRITE_CRB != 0 {
                edges.push((Node::ClusterAdmin, "can bind cluster-admin with a ClusterRoleBinding (bind on clusterroles + write clusterrolebindings)".to_owned(), pick(&None, &[F_BIND_CR, F_WRITE_CRB])));
            }
            if cluster & F_ESC_CR != 0 && cluster & F_WRITE_CR != 0 {
                edges.push((
                    Node::ClusterAdmin,
                    "can grant any permission through ClusterRoles (escalate + write clusterroles)"
                        .to_owned(),
                    pick(&None, &[F_ESC_CR, F_WRITE_CR]),
                ));
            }
            for (scope, (f, _)) in scopes {
                let f = f | cluster;
                let bind = f & F_BIND != 0 && f & F_WRITE_RB != 0;
                let esc = f & F_ESCALATE != 0 && f & F_WRITE_ROLES != 0;
                if bind || esc {
                    let where_ = match scope {
                        Some(ns) => format!("namespace {ns}"),
                        None => "every namespace".to_owned(),
                    };
                    let (bits, how): (&[u8], &str) = if bind {
                        (&[F_BIND, F_WRITE_RB], "bind + write rolebindings")
                    } else {
                        (&[F_ESCALATE, F_WRITE_ROLES], "escalate + write roles")
                    };
                    edges.push((
                        Node::Pool(Pool::AnyServiceAccount(scope.clone())),
                        format!("can grant itself admin of {where_} ({how})"),
                        pick(scope, bits),
                    ));
                }
            }
            for (dst, detail, why) in edges {
                let pool = matches!(dst, Node::Pool(_));
                let existed = b.index.contains_key(&dst);
                let d = b.node(dst.clone());
                b.edge(src, d, EdgeKind::BindEscalate, detail, why);
                if pool && !existed {
                    if let Node::Pool(Pool::AnyServiceAccount(ns)) = &dst {
                        let nss: Vec<String> = match ns {
                            Some(ns) => vec![ns.clone()],
                            None => sas.keys().cloned().collect(),
                        };
                        for ns in nss {
                            for n in sas_in(&ns) {
                                let m = b.node(Node::Subject(Subject::service_account(&ns, &n)));
                                b.edge(d, m, EdgeKind::Choose, String::new(), vec![]);
                            }
                        }
                    }
                }
            }
        }
        Escalation::finish(b, goal)
    }
}

struct Builder {
    graph: DiGraph<Node, Edge>,
    index: HashMap<Node, NodeIndex>,
    seen_edges: HashSet<(NodeIndex, NodeIndex)>,
}

impl Builder {
    fn node(&mut self, n: Node) -> NodeIndex {
        if let Some(&i) = self.index.get(&n) {
            return i;
        }
        let i = self.graph.add_node(n.clone());
        self.index.insert(n, i);
        i
    }

    fn edge(
        &mut self,
        a: NodeIndex,
        b: NodeIndex,
        kind: EdgeKind,
        detail: String,
        mut why: Vec<Justification>,
    ) {
        if a != b && self.seen_edges.insert((a, b)) {
            // Kept for the graph's life: without the spare room the lists grew with (about half
            // of their slots, 128 bytes each, on a large cluster).
            why.shrink_to_fit();
            self.graph.add_edge(a, b, Edge { kind, detail, why });
        }
    }
}

impl Escalation {
    fn finish(b: Builder, goal: NodeIndex) -> Escalation {
        let n = b.graph.node_count();
        let mut dist = vec![u32::MAX; n];
        let mut next: Vec<Option<EdgeIndex>> = vec![None; n];
        // 0-1 BFS backwards from the goal; leaving a pool costs nothing.
        let mut dq = VecDeque::new();
        dist[goal.index()] = 0;
        dq.push_back(goal);
        while let Some(v) = dq.pop_front() {
            let dv = dist[v.index()];
            for e in b.graph.edges_directed(v, Direction::Incoming) {
                let u = e.source();
                let w = if matches!(b.graph[u], Node::Pool(_)) {
                    0
                } else {
                    1
                };
                let du = dv.saturating_add(w);
                if du < dist[u.index()] {
                    dist[u.index()] = du;
                    next[u.index()] = Some(e.id());
                    if w == 0 {
                        dq.push_front(u);
                    } else {
                        dq.push_back(u);
                    }
                }
            }
        }
        Escalation {
            graph: b.graph,
            index: b.index,
            goal,
            dist,
            next,
        }
    }

    /// The node index of a node, if it is in the graph.
    pub fn find(&self, node: &Node) -> Option<NodeIndex> {
        self.index.get(node).copied()
    }

    /// Steps from `node` to cluster-admin, or `None` when it cannot get there.
    pub fn distance(&self, node: &Node) -> Option<u32> {
        let i = self.find(node)?;
        let d = self.dist[i.index()];
        (d != u32::MAX).then_some(d)
    }

    /// A shortest path from `node` to cluster-admin.
    pub fn path_from(&self, node: &Node) -> Option<Path> {
        let start = self.find(node)?;
        if self.dist[start.index()] == u32::MAX || start == self.goal {
            return None;
        }
        let mut steps: Vec<Step> = Vec::new();
        let mut at = start;
        let mut guard = 0;
        while at != self.goal && guard <= self.graph.node_count() {
            guard += 1;
            let e = self.next[at.index()]?;
            let (_, to) = self.graph.edge_endpoints(e)?;
            let edge = &self.graph[e];
            if edge.kind == EdgeKind::Choose {
                if let Some(last) = steps.last_mut() {
                    let _ = write!(last.detail, " (for example {})", self.graph[to]);
                    last.to = self.graph[to].clone();
                }
            } else {
                steps.push(Step {
                    from: self.graph[at].clone(),
                    to: self.graph[to].clone(),
                    kind: edge.kind,
                    detail: edge.detail.clone(),
                    why: edge.why.clone(),
                });
            }
            at = to;
        }
        Some(Path {
            from: node.clone(),
            steps,
        })
    }

    /// Workloads and subjects that are not cluster-admin already but can become it, each with a
    /// shortest path; sorted by path length, then name.
    pub fn paths(&self) -> Vec<Path> {
        self.paths_iter().collect()
    }

    /// The paths of [`Escalation::paths`], in the same order, built one at a time (a large
    /// cluster has tens of thousands of footholds; their paths need not all be held at once).
    pub fn paths_iter(&self) -> impl Iterator<Item = Path> + '_ {
        self.footholds()
            .into_iter()
            .filter_map(move |i| self.path_from(&self.graph[i]))
    }

    /// The same paths as [`Escalation::paths_iter`], in the same order, as borrowed [`Route`]s:
    /// no step is copied, for callers that only name the nodes and the first grant.
    pub fn routes(&self) -> impl Iterator<Item = Route<'_>> + '_ {
        self.footholds()
            .into_iter()
            .filter_map(move |i| self.route(i))
    }

    /// Workloads and subjects that are not cluster-admin already but can become it, by path
    /// length, then name.
    fn footholds(&self) -> Vec<NodeIndex> {
        let mut starts: Vec<NodeIndex> = self
            .graph
            .node_indices()
            .filter(|&i| matches!(self.graph[i], Node::Subject(_) | Node::Workload(_)))
            .filter(|&i| self.dist[i.index()] != u32::MAX)
            .filter(|&i| {
                // Already cluster-admin: not an escalation.
                self.next[i.index()].is_some_and(|e| {
                    !matches!(
                        self.graph[e].kind,
                        EdgeKind::Admin | EdgeKind::PrivilegedGroup
                    )
                })
            })
            .collect();
        // The number of steps of a path is the distance: pool exits cost nothing and are folded
        // into the step that enters the pool.
        starts.sort_by(|&a, &b| {
            self.dist[a.index()]
                .cmp(&self.dist[b.index()])
                .then_with(|| self.graph[a].cmp(&self.graph[b]))
        });
        starts
    }

    /// The route of [`Escalation::path_from`] for a node index, borrowed.
    fn route(&self, start: NodeIndex) -> Option<Route<'_>> {
        if self.dist[start.index()] == u32::MAX || start == self.goal {
            return None;
        }
        let mut to: Vec<&Node> = Vec::new();
        let mut first_why = None;
        let mut at = start;
        let mut guard = 0;
        while at != self.goal && guard <= self.graph.node_count() {
            guard += 1;
            let e = self.next[at.index()]?;
            let (_, next) = self.graph.edge_endpoints(e)?;
            let edge = &self.graph[e];
            if edge.kind == EdgeKind::Choose {
                // Folded into the step that entered the pool, as in `path_from`.
                if let Some(last) = to.last_mut() {
                    *last = &self.graph[next];
                }
            } else {
                to.push(&self.graph[next]);
                if first_why.is_none() {
                    first_why = edge.why.first();
                }
            }
            at = next;
        }
        Some(Route {
            from: &self.graph[start],
            to,
            first_why,
        })
    }
}
