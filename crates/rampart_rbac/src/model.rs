//! The permission model: Roles, ClusterRoles (with aggregation), RoleBindings, ClusterRoleBindings,
//! and the workloads that run as service accounts, read from [`Resource`]s. Pure, no I/O.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use rampart_model::{AnalysisObject, ObjectRef, Pointer, Resource};
use serde::Serialize;
use serde_json::Value;

use crate::authz::{rule_allows, RequestAttributes, KNOWN_VERBS};

/// The group of every member of the API server's privileged group (`system:masters`), which the
/// API server allows everything before RBAC is consulted.
pub const SYSTEM_MASTERS: &str = "system:masters";
pub const SYSTEM_AUTHENTICATED: &str = "system:authenticated";
pub const SYSTEM_UNAUTHENTICATED: &str = "system:unauthenticated";
pub const SYSTEM_ANONYMOUS: &str = "system:anonymous";
pub const SYSTEM_SERVICEACCOUNTS: &str = "system:serviceaccounts";

/// The namespace given to namespaced objects that name none (what `kubectl apply` would use).
pub const DEFAULT_NAMESPACE: &str = "default";

/// One policy rule of a Role or ClusterRole.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    pub verbs: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub api_groups: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<String>,
    #[serde(rename = "nonResourceURLs", skip_serializing_if = "Vec::is_empty")]
    pub non_resource_urls: Vec<String>,
}

impl Rule {
    /// Reads a rule from JSON; fields of the wrong type are treated as absent.
    pub fn from_value(v: &Value) -> Rule {
        let list = |k: &str| -> Vec<String> {
            v.get(k)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        Rule {
            verbs: list("verbs"),
            api_groups: list("apiGroups"),
            resources: list("resources"),
            resource_names: list("resourceNames"),
            non_resource_urls: list("nonResourceURLs"),
        }
    }

    /// A compact one-line rendering, like `kubectl describe`.
    pub fn summary(&self) -> String {
        let j = |v: &[String]| v.join(",");
        let mut parts = vec![format!("verbs=[{}]", j(&self.verbs))];
        if !self.non_resource_urls.is_empty() {
            parts.push(format!("nonResourceURLs=[{}]", j(&self.non_resource_urls)));
        }
        if !self.resources.is_empty() || self.non_resource_urls.is_empty() {
            let groups: Vec<String> = self
                .api_groups
                .iter()
                .map(|g| {
                    if g.is_empty() {
                        "\"\"".into()
                    } else {
                        g.clone()
                    }
                })
                .collect();
            parts.push(format!("apiGroups=[{}]", groups.join(",")));
            parts.push(format!("resources=[{}]", j(&self.resources)));
        }
        if !self.resource_names.is_empty() {
            parts.push(format!("resourceNames=[{}]", j(&self.resource_names)));
        }
        parts.join(" ")
    }
}

/// Role or ClusterRole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum RoleKind {
    Role,
    ClusterRole,
}

/// A rule of a role: `role` and `rule` index into [`Rbac::roles`] and that role's own `rules`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RuleRef {
    pub role: usize,
    pub rule: usize,
}

/// A Role or ClusterRole.
#[derive(Clone, Debug)]
pub struct Role {
    /// Shared with every [`crate::query::Justification`] that names the role.
    pub id: Arc<ObjectRef>,
    /// Index of the object in the slice given to [`Rbac::build`].
    pub resource: usize,
    pub kind: RoleKind,
    /// Set for Roles (defaulted to `default` when the object names none).
    pub namespace: Option<String>,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    /// The rules the object lists, in order (`/rules/<i>`); shared with the justifications.
    pub rules: Vec<Arc<Rule>>,
    /// `aggregationRule.clusterRoleSelectors`, when present.
    pub aggregation: Option<Vec<LabelSelector>>,
    /// The rules in force: the object's own, then (for aggregated ClusterRoles) those of every
    /// ClusterRole its selectors match, deduplicated.
    pub effective: Vec<RuleRef>,
    /// For a role of Kubernetes' bootstrap policy that the input does not define, added because
    /// a binding refers to it (or an added aggregated role selects it): the minor version of the
    /// policy. Such a role has no object: its `resource` is [`NO_RESOURCE`].
    pub builtin: Option<u32>,
}

/// The `resource` of a role that is no input object (a built-in role of the bootstrap policy).
pub const NO_RESOURCE: usize = usize::MAX;

impl Role {
    /// `ClusterRole/cluster-admin`, or for a built-in role taken from the bootstrap policy
    /// `built-in ClusterRole cluster-admin` (`built-in Role kube-system/NAME`).
    pub fn display_name(&self) -> String {
        match (self.builtin, &self.namespace) {
            (Some(_), Some(ns)) => format!("built-in Role {ns}/{}", self.name),
            (Some(_), None) => format!("built-in ClusterRole {}", self.name),
            (None, _) => self.id.display_name(),
        }
    }
}

/// `Kubernetes 1.37 bootstrap policy`: where a built-in role comes from.
pub fn builtin_label(minor: u32) -> String {
    format!("Kubernetes 1.{minor} bootstrap policy")
}

/// A `metav1.LabelSelector` (the shared implementation of `rampart_model::k8s`): an empty
/// selector matches everything; a malformed one matches nothing (as `LabelSelectorAsSelector`
/// rejects it) and is reported as an [`Issue`].
pub type LabelSelector = rampart_model::k8s::selector::Selector;

fn scalar_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// User, Group or ServiceAccount.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum SubjectKind {
    User,
    Group,
    ServiceAccount,
}

/// Someone permissions are granted to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subject {
    pub kind: SubjectKind,
    pub name: String,
    /// For service accounts.
    pub namespace: Option<String>,
}

impl Subject {
    pub fn user(name: &str) -> Subject {
        Subject {
            kind: SubjectKind::User,
            name: name.to_owned(),
            namespace: None,
        }
    }

    pub fn group(name: &str) -> Subject {
        Subject {
            kind: SubjectKind::Group,
            name: name.to_owned(),
            namespace: None,
        }
    }

    pub fn service_account(namespace: &str, name: &str) -> Subject {
        Subject {
            kind: SubjectKind::ServiceAccount,
            name: name.to_owned(),
            namespace: Some(namespace.to_owned()),
        }
    }

    /// The user name the API server authenticates this subject as (`system:serviceaccount:NS:NAME`
    /// for service accounts), or `None` for groups.
    pub fn user_name(&self) -> Option<String> {
        match self.kind {
            SubjectKind::User => Some(self.name.clone()),
            SubjectKind::Group => None,
            SubjectKind::ServiceAccount => Some(format!(
                "system:serviceaccount:{}:{}",
                self.namespace.as_deref().unwrap_or(""),
                self.name
            )),
        }
    }

    /// Whether this is a built-in `system:` identity (or a service account of a `kube-*`
    /// namespace), which risk checks about ordinary subjects leave out.
    pub fn is_system(&self) -> bool {
        match self.kind {
            SubjectKind::ServiceAccount => self
                .namespace
                .as_deref()
                .is_some_and(|ns| ns.starts_with("kube-")),
            _ => self.name.starts_with("system:"),
        }
    }

    /// The user a `User` subject named `system:serviceaccount:NS:NAME` really is.
    pub fn canonical(self) -> Subject {
        if self.kind == SubjectKind::User {
            if let Some(rest) = self.name.strip_prefix("system:serviceaccount:") {
                if let Some((ns, name)) = rest.split_once(':') {
                    if !ns.is_empty() && !name.is_empty() && !name.contains(':') {
                        return Subject::service_account(ns, name);
                    }
                }
            }
        }
        self
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            SubjectKind::User => write!(f, "user:{}", self.name),
            SubjectKind::Group => write!(f, "group:{}", self.name),
            SubjectKind::ServiceAccount => write!(
                f,
                "sa:{}/{}",
                self.namespace.as_deref().unwrap_or(""),
                self.name
            ),
        }
    }
}

impl Serialize for Subject {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl FromStr for Subject {
    type Err = String;

    /// `user:NAME`, `group:NAME`, `sa:NS/NAME` (also `serviceaccount:NS/NAME` and
    /// `system:serviceaccount:NS:NAME`).
    fn from_str(s: &str) -> Result<Subject, String> {
        let bad = || format!("invalid subject {s:?}: expected user:NAME, group:NAME or sa:NS/NAME");
        if let Some(rest) = s.strip_prefix("system:serviceaccount:") {
            let (ns, name) = rest.split_once(':').ok_or_else(bad)?;
            return Ok(Subject::service_account(ns, name));
        }
        let (kind, rest) = s.split_once(':').ok_or_else(bad)?;
        if rest.is_empty() {
            return Err(bad());
        }
        match kind.to_ascii_lowercase().as_str() {
            "user" | "u" => Ok(Subject::user(rest).canonical()),
            "group" | "g" => Ok(Subject::group(rest)),
            "sa" | "serviceaccount" => {
                let (ns, name) = rest.split_once('/').ok_or_else(bad)?;
                if ns.is_empty() || name.is_empty() {
                    return Err(bad());
                }
                Ok(Subject::service_account(ns, name))
            }
            _ => Err(bad()),
        }
    }
}

/// What an authenticated request carries: a user name and groups.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub user: String,
    pub groups: Vec<String>,
}

impl Identity {
    /// The identity of a subject as the API server would authenticate it: a user gets
    /// `system:authenticated` (`system:anonymous` gets `system:unauthenticated`); a service account
    /// gets `system:serviceaccounts`, `system:serviceaccounts:NS` and `system:authenticated`; a
    /// group stands for a member of it with no other name (plus `system:authenticated`, except for
    /// `system:unauthenticated`).
    pub fn of(subject: &Subject) -> Identity {
        match subject.kind {
            SubjectKind::User if subject.name == SYSTEM_ANONYMOUS => Identity {
                user: subject.name.clone(),
                groups: vec![SYSTEM_UNAUTHENTICATED.into()],
            },
            SubjectKind::User => Identity {
                user: subject.name.clone(),
                groups: vec![SYSTEM_AUTHENTICATED.into()],
            },
            SubjectKind::Group => {
                let mut groups = vec![subject.name.clone()];
                if subject.name != SYSTEM_UNAUTHENTICATED && subject.name != SYSTEM_AUTHENTICATED {
                    groups.push(SYSTEM_AUTHENTICATED.into());
                }
                Identity {
                    user: String::new(),
                    groups,
                }
            }
            SubjectKind::ServiceAccount => {
                let ns = subject.namespace.as_deref().unwrap_or("");
                Identity {
                    user: subject.user_name().unwrap_or_default(),
                    groups: vec![
                        SYSTEM_SERVICEACCOUNTS.into(),
                        format!("{SYSTEM_SERVICEACCOUNTS}:{ns}"),
                        SYSTEM_AUTHENTICATED.into(),
                    ],
                }
            }
        }
    }
}

/// What a binding subject matches: a user name (users, and service accounts by their user name)
/// or a group; `None` for subjects that can never match (unknown kind, a service account with no
/// namespace in a ClusterRoleBinding).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MatchKey {
    User(String),
    Group(String),
    None,
}

/// One entry of a binding's `subjects`.
#[derive(Clone, Debug)]
pub struct BindingSubject {
    /// The subject, with a service account's namespace defaulted to the binding's.
    pub subject: Subject,
    /// The `kind` as written.
    pub raw_kind: String,
    pub key: MatchKey,
    /// `/subjects/<i>`
    pub pointer: Pointer,
}

/// A RoleBinding or ClusterRoleBinding.
#[derive(Clone, Debug)]
pub struct Binding {
    /// Shared with every [`crate::query::Justification`] that names the binding.
    pub id: Arc<ObjectRef>,
    pub resource: usize,
    /// ClusterRoleBinding.
    pub cluster: bool,
    /// Set for RoleBindings (defaulted to `default`).
    pub namespace: Option<String>,
    pub name: String,
    pub role_ref_kind: String,
    pub role_ref_name: String,
    pub subjects: Vec<BindingSubject>,
    /// The role `roleRef` resolves to, if it exists.
    pub role: Option<usize>,
    /// False for an earlier object with the same kind/namespace/name as a later one (the later
    /// one is the one a cluster would keep).
    pub active: bool,
}

/// A pod-bearing object and the service account its pods run as.
#[derive(Clone, Debug)]
pub struct WorkloadInfo {
    pub id: Arc<ObjectRef>,
    pub resource: usize,
    pub namespace: String,
    pub service_account: String,
    /// Pointer to `serviceAccountName` (or the pod spec when defaulted).
    pub sa_pointer: Pointer,
    /// Whether the service account token is mounted into the pods.
    pub mounts_token: bool,
    /// Pointer to the field deciding `mounts_token` (the pod spec when defaulted).
    pub automount_pointer: Pointer,
}

/// A legacy service account token Secret (`type: kubernetes.io/service-account-token`).
#[derive(Clone, Debug)]
pub struct TokenSecret {
    pub id: ObjectRef,
    pub resource: usize,
    pub namespace: String,
    pub name: String,
    pub service_account: String,
}

/// Something wrong or odd in the RBAC input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub object: ObjectRef,
    #[serde(skip)]
    pub resource: usize,
    pub pointer: Pointer,
    pub message: String,
}

/// The whole permission model.
#[derive(Clone, Debug, Default)]
pub struct Rbac {
    pub roles: Vec<Role>,
    pub bindings: Vec<Binding>,
    pub workloads: Vec<WorkloadInfo>,
    pub token_secrets: Vec<TokenSecret>,
    /// ServiceAccount objects: (namespace, name) -> (resource index, automountServiceAccountToken).
    pub service_accounts: BTreeMap<(String, String), (usize, Option<bool>)>,
    pub issues: Vec<Issue>,
    /// Namespaces seen on any object.
    pub namespaces: BTreeSet<String>,
    /// The minor of the bootstrap policy whose built-in roles stand in for roles the input does
    /// not define (see [`Rbac::build_for`]).
    pub bootstrap_minor: u32,
    pub(crate) cluster_roles_by_name: HashMap<String, usize>,
    pub(crate) roles_by_key: HashMap<(String, String), usize>,
    /// Active ClusterRoleBindings.
    pub(crate) crbs: Vec<usize>,
    /// Active RoleBindings by namespace.
    pub(crate) rbs_by_ns: HashMap<String, Vec<usize>>,
    /// (binding, subject index) by user name and by group.
    pub(crate) by_user: HashMap<String, Vec<(usize, usize)>>,
    pub(crate) by_group: HashMap<String, Vec<(usize, usize)>>,
}

fn str_at<'a>(v: &'a Value, ptr: &str) -> Option<&'a str> {
    v.pointer(ptr).and_then(Value::as_str)
}

/// The labels of a role of the bootstrap policy.
fn builtin_labels(r: &Value) -> BTreeMap<String, String> {
    r.get("labels")
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), scalar_string(v)))
                .collect()
        })
        .unwrap_or_default()
}

fn is_rbac_api(api_version: &str) -> bool {
    api_version.starts_with("rbac.authorization.k8s.io/")
}

impl Rbac {
    /// Builds the model from every object of an inventory (objects of other kinds are used for
    /// workloads, service accounts, token Secrets and namespaces, or ignored).
    ///
    /// Takes whole [`Resource`]s or any other [`AnalysisObject`] (a scan's compact inventory):
    /// only pod facts are read of pod-bearing objects.
    pub fn build<O: AnalysisObject>(objects: &[O]) -> Rbac {
        Rbac::build_for(objects, None)
    }

    /// [`Rbac::build`] for a target Kubernetes minor version: a binding to a role the input does
    /// not define, whose name is one of Kubernetes' built-in roles (`cluster-admin`, `admin`,
    /// `edit`, `view`, `system:*`; the Roles of `kube-system` and `kube-public`), is resolved to
    /// that role of the bootstrap policy of `target_minor` (the nearest shipped minor; the newest
    /// when `None`), as a cluster would (every API server creates them at start). A role of the
    /// input with a built-in name is the one in force. Built-in aggregated roles (`admin`, `edit`,
    /// `view`) are resolved with the built-in roles they select and any input ClusterRole that
    /// carries their aggregation labels.
    pub fn build_for<O: AnalysisObject>(objects: &[O], target_minor: Option<u32>) -> Rbac {
        let mut m = Rbac::default();
        let policy = rampart_model::k8s::bootstrap_rbac::policy_for(target_minor);
        m.bootstrap_minor = policy.minor;
        let mut seen: HashMap<(String, Option<String>, String), usize> = HashMap::new();
        let mut role_objs: Vec<(usize, &Resource)> = Vec::new();
        let mut binding_objs: Vec<(usize, &Resource)> = Vec::new();
        for (i, obj) in objects.iter().enumerate() {
            if let Some(ns) = &obj.id().namespace {
                m.namespaces.insert(ns.clone());
            }
            let Some(res) = obj.whole() else {
                continue;
            };
            let kind = res.kind();
            let rbac_kind = matches!(
                kind,
                "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding"
            ) && (is_rbac_api(&res.id.api_version)
                || res.id.api_version.is_empty());
            if rbac_kind {
                let ns = match kind {
                    "Role" | "RoleBinding" => Some(
                        res.id
                            .namespace
                            .clone()
                            .unwrap_or_else(|| DEFAULT_NAMESPACE.into()),
                    ),
                    _ => None,
                };
                let key = (kind.to_owned(), ns, res.id.name.clone());
                if let Some(prev) = seen.insert(key, i) {
                    m.issues.push(Issue {
                        object: res.id.clone(),
                        resource: i,
                        pointer: Pointer::from_raw("/metadata/name"),
                        message: format!(
                            "duplicate {}: this definition replaces an earlier one with the same name{}",
                            kind,
                            objects[prev]
                                .path()
                                .map(|p| format!(" (in {})", p.display()))
                                .unwrap_or_default()
                        ),
                    });
                }
                if kind.ends_with("Binding") {
                    binding_objs.push((i, res));
                } else {
                    role_objs.push((i, res));
                }
                continue;
            }
            match kind {
                "ServiceAccount" => {
                    let ns = res
                        .id
                        .namespace
                        .clone()
                        .unwrap_or_else(|| DEFAULT_NAMESPACE.into());
                    let automount = res
                        .raw
                        .get("automountServiceAccountToken")
                        .and_then(Value::as_bool);
                    m.service_accounts
                        .insert((ns, res.id.name.clone()), (i, automount));
                }
                "Secret"
                    if str_at(&res.raw, "/type") == Some("kubernetes.io/service-account-token") =>
                {
                    if let Some(sa) = res.annotation("kubernetes.io/service-account.name") {
                        m.token_secrets.push(TokenSecret {
                            id: res.id.clone(),
                            resource: i,
                            namespace: res
                                .id
                                .namespace
                                .clone()
                                .unwrap_or_else(|| DEFAULT_NAMESPACE.into()),
                            name: res.id.name.clone(),
                            service_account: sa.to_owned(),
                        });
                    }
                }
                _ => {}
            }
        }
        // Roles: the last definition of a kind/namespace/name wins.
        for &(i, res) in &role_objs {
            let kind = if res.kind() == "Role" {
                RoleKind::Role
            } else {
                RoleKind::ClusterRole
            };
            let namespace = (kind == RoleKind::Role).then(|| {
                res.id
                    .namespace
                    .clone()
                    .unwrap_or_else(|| DEFAULT_NAMESPACE.into())
            });
            let mut rules = Vec::new();
            match res.raw.get("rules") {
                Some(Value::Array(items)) => {
                    for (ri, item) in items.iter().enumerate() {
                        let rule = Rule::from_value(item);
                        let ptr = Pointer::root().join("rules").join(ri);
                        m.note_rule_problems(res, i, &rule, &ptr, item);
                        rules.push(Arc::new(rule));
                    }
                }
                Some(Value::Null) | None => {}
                Some(_) => m.issues.push(Issue {
                    object: res.id.clone(),
                    resource: i,
                    pointer: Pointer::from_raw("/rules"),
                    message: "rules is not a list; the role grants nothing".into(),
                }),
            }
            let aggregation = (kind == RoleKind::ClusterRole)
                .then(|| {
                    let base = Pointer::from_raw("/aggregationRule/clusterRoleSelectors");
                    let items = res.raw.pointer(base.as_str()).and_then(Value::as_array)?;
                    let mut problems = Vec::new();
                    let selectors = items
                        .iter()
                        .enumerate()
                        .map(|(si, v)| LabelSelector::parse(v, &base.join(si), &mut problems))
                        .collect::<Vec<_>>();
                    for (pointer, message) in problems {
                        m.issues.push(Issue {
                            object: res.id.clone(),
                            resource: i,
                            pointer,
                            message: format!("{message}; the selector selects no ClusterRole"),
                        });
                    }
                    Some(selectors)
                })
                .flatten();
            if rules.is_empty() && aggregation.is_none() {
                m.issues.push(Issue {
                    object: res.id.clone(),
                    resource: i,
                    pointer: Pointer::from_raw("/rules"),
                    message: format!("{} has no rules; it grants nothing", res.kind()),
                });
            }
            let labels = res
                .raw
                .pointer("/metadata/labels")
                .and_then(Value::as_object)
                .map(|o| {
                    o.iter()
                        .map(|(k, v)| (k.clone(), scalar_string(v)))
                        .collect()
                })
                .unwrap_or_default();
            let idx = m.roles.len();
            let effective = (0..rules.len())
                .map(|rule| RuleRef { role: idx, rule })
                .collect();
            let name = res.id.name.clone();
            match &namespace {
                Some(ns) => {
                    m.roles_by_key.insert((ns.clone(), name.clone()), idx);
                }
                None => {
                    m.cluster_roles_by_name.insert(name.clone(), idx);
                }
            }
            m.roles.push(Role {
                id: Arc::new(res.id.clone()),
                resource: i,
                kind,
                namespace,
                name,
                labels,
                rules,
                aggregation,
                effective,
                builtin: None,
            });
        }
        m.add_builtin_roles(policy, &binding_objs);
        m.aggregate();
        // Bindings.
        let mut last_binding: HashMap<(bool, Option<String>, String), usize> = HashMap::new();
        for &(i, res) in &binding_objs {
            let cluster = res.kind() == "ClusterRoleBinding";
            let namespace = (!cluster).then(|| {
                res.id
                    .namespace
                    .clone()
                    .unwrap_or_else(|| DEFAULT_NAMESPACE.into())
            });
            let role_ref_kind = str_at(&res.raw, "/roleRef/kind").unwrap_or("").to_owned();
            let role_ref_name = str_at(&res.raw, "/roleRef/name").unwrap_or("").to_owned();
            let role = match role_ref_kind.as_str() {
                "ClusterRole" => m.cluster_roles_by_name.get(&role_ref_name).copied(),
                // A RoleBinding's roleRef has no namespace: the Role is looked up in the
                // binding's own namespace. A ClusterRoleBinding cannot use a Role.
                "Role" => namespace
                    .as_ref()
                    .and_then(|ns| m.roles_by_key.get(&(ns.clone(), role_ref_name.clone())))
                    .copied(),
                _ => None,
            };
            if role.is_none() {
                let message = match role_ref_kind.as_str() {
                    "Role" if cluster => format!(
                        "ClusterRoleBinding refers to Role {role_ref_name:?}; a ClusterRoleBinding can only refer to a ClusterRole, so it grants nothing"
                    ),
                    "Role" => format!(
                        "binding refers to Role {:?}, which is not defined in namespace {:?}; it grants nothing",
                        role_ref_name,
                        namespace.as_deref().unwrap_or("")
                    ),
                    "ClusterRole" => format!(
                        "binding refers to ClusterRole {role_ref_name:?}, which is not defined; it grants nothing"
                    ),
                    other => format!(
                        "roleRef.kind {other:?} is neither Role nor ClusterRole; the binding grants nothing"
                    ),
                };
                m.issues.push(Issue {
                    object: res.id.clone(),
                    resource: i,
                    pointer: Pointer::from_raw("/roleRef"),
                    message,
                });
            }
            let mut subjects = Vec::new();
            if let Some(Value::Array(items)) = res.raw.get("subjects") {
                for (si, item) in items.iter().enumerate() {
                    let pointer = Pointer::root().join("subjects").join(si);
                    let raw_kind = item.get("kind").and_then(Value::as_str).unwrap_or("");
                    let name = item.get("name").and_then(Value::as_str).unwrap_or("");
                    let sns = item
                        .get("namespace")
                        .and_then(Value::as_str)
                        .filter(|s| !s.is_empty());
                    let (subject, key) = match raw_kind {
                        "User" => (
                            Subject::user(name).canonical(),
                            MatchKey::User(name.to_owned()),
                        ),
                        "Group" => (Subject::group(name), MatchKey::Group(name.to_owned())),
                        "ServiceAccount" => {
                            let ns = sns.or(namespace.as_deref());
                            match ns {
                                Some(ns) => {
                                    let s = Subject::service_account(ns, name);
                                    let key = MatchKey::User(s.user_name().unwrap_or_default());
                                    (s, key)
                                }
                                None => {
                                    m.issues.push(Issue {
                                        object: res.id.clone(),
                                        resource: i,
                                        pointer: pointer.clone(),
                                        message: format!(
                                            "ServiceAccount subject {name:?} has no namespace; in a ClusterRoleBinding it matches nobody"
                                        ),
                                    });
                                    (Subject::service_account("", name), MatchKey::None)
                                }
                            }
                        }
                        other => {
                            m.issues.push(Issue {
                                object: res.id.clone(),
                                resource: i,
                                pointer: pointer.join("kind"),
                                message: format!(
                                    "subject kind {other:?} is not User, Group or ServiceAccount; it matches nobody"
                                ),
                            });
                            (Subject::user(name), MatchKey::None)
                        }
                    };
                    subjects.push(BindingSubject {
                        subject,
                        raw_kind: raw_kind.to_owned(),
                        key,
                        pointer,
                    });
                }
            }
            if subjects.is_empty() {
                m.issues.push(Issue {
                    object: res.id.clone(),
                    resource: i,
                    pointer: Pointer::from_raw("/subjects"),
                    message: "binding has no subjects; it grants nothing".into(),
                });
            }
            let idx = m.bindings.len();
            if let Some(prev) =
                last_binding.insert((cluster, namespace.clone(), res.id.name.clone()), idx)
            {
                m.bindings[prev].active = false;
            }
            m.bindings.push(Binding {
                id: Arc::new(res.id.clone()),
                resource: i,
                cluster,
                namespace,
                name: res.id.name.clone(),
                role_ref_kind,
                role_ref_name,
                subjects,
                role,
                active: true,
            });
        }
        for (bi, b) in m.bindings.iter().enumerate() {
            if !b.active {
                continue;
            }
            match &b.namespace {
                None => m.crbs.push(bi),
                Some(ns) => m.rbs_by_ns.entry(ns.clone()).or_default().push(bi),
            }
            for (si, s) in b.subjects.iter().enumerate() {
                match &s.key {
                    MatchKey::User(u) => m.by_user.entry(u.clone()).or_default().push((bi, si)),
                    MatchKey::Group(g) => m.by_group.entry(g.clone()).or_default().push((bi, si)),
                    MatchKey::None => {}
                }
            }
        }
        // Workloads.
        for (i, obj) in objects.iter().enumerate() {
            let Some(w) = obj.pod_facts() else {
                continue;
            };
            let id = obj.id();
            let namespace = id
                .namespace
                .clone()
                .unwrap_or_else(|| DEFAULT_NAMESPACE.into());
            let (service_account, sa_pointer) = match (&w.service_account_name, &w.service_account)
            {
                (Some(s), _) => (s.clone(), w.ptr("serviceAccountName")),
                (None, Some(s)) => (s.clone(), w.ptr("serviceAccount")),
                (None, None) => ("default".to_owned(), w.spec_ptr.clone()),
            };
            let sa_automount = m
                .service_accounts
                .get(&(namespace.clone(), service_account.clone()))
                .and_then(|(_, a)| *a);
            let projected = w.projected_token;
            let (mounts_token, automount_pointer) = match w.automount {
                Some(b) => (b || projected, w.ptr("automountServiceAccountToken")),
                None => (
                    sa_automount.unwrap_or(true) || projected,
                    w.spec_ptr.clone(),
                ),
            };
            m.namespaces.insert(namespace.clone());
            m.workloads.push(WorkloadInfo {
                id: Arc::new(id.clone()),
                resource: i,
                namespace,
                service_account,
                sa_pointer,
                mounts_token,
                automount_pointer,
            });
        }
        for b in &m.bindings {
            if let Some(ns) = &b.namespace {
                m.namespaces.insert(ns.clone());
            }
        }
        m
    }

    /// Adds the roles of the bootstrap policy that bindings refer to and the input does not
    /// define, and (for built-in aggregated roles) the built-in ClusterRoles they select.
    fn add_builtin_roles(
        &mut self,
        policy: &rampart_model::k8s::bootstrap_rbac::Policy,
        binding_objs: &[(usize, &Resource)],
    ) {
        let mut cluster_wanted: Vec<&Value> = Vec::new();
        let mut roles_wanted: Vec<&Value> = Vec::new();
        for &(_, res) in binding_objs {
            let name = str_at(&res.raw, "/roleRef/name").unwrap_or("");
            match str_at(&res.raw, "/roleRef/kind") {
                Some("ClusterRole") if !self.cluster_roles_by_name.contains_key(name) => {
                    if let Some(r) = policy.cluster_role(name) {
                        cluster_wanted.push(r);
                    }
                }
                Some("Role") if res.kind() == "RoleBinding" => {
                    let ns = res.id.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
                    if !self
                        .roles_by_key
                        .contains_key(&(ns.to_owned(), name.to_owned()))
                    {
                        if let Some(r) = policy.role(ns, name) {
                            roles_wanted.push(r);
                        }
                    }
                }
                _ => {}
            }
        }
        if cluster_wanted.is_empty() && roles_wanted.is_empty() {
            return;
        }
        // The closure over aggregation: a built-in aggregated role brings the built-in roles
        // its selectors match (which the input does not shadow).
        let mut added: BTreeSet<&str> = BTreeSet::new();
        while let Some(r) = cluster_wanted.pop() {
            let name = r.get("name").and_then(Value::as_str).unwrap_or("");
            if self.cluster_roles_by_name.contains_key(name) || !added.insert(name) {
                continue;
            }
            let idx = self.push_builtin(policy.minor, r, RoleKind::ClusterRole);
            if let Some(sels) = self.roles[idx].aggregation.clone() {
                for other in &policy.cluster_roles {
                    let labels = builtin_labels(other);
                    if sels.iter().any(|s| s.matches(&labels)) {
                        cluster_wanted.push(other);
                    }
                }
            }
        }
        for r in roles_wanted {
            let ns = r.get("namespace").and_then(Value::as_str).unwrap_or("");
            let name = r.get("name").and_then(Value::as_str).unwrap_or("");
            if !self
                .roles_by_key
                .contains_key(&(ns.to_owned(), name.to_owned()))
            {
                self.push_builtin(policy.minor, r, RoleKind::Role);
            }
        }
    }

    /// Adds one role of the bootstrap policy; returns its index.
    fn push_builtin(&mut self, minor: u32, r: &Value, kind: RoleKind) -> usize {
        let name = r
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let namespace = (kind == RoleKind::Role).then(|| {
            r.get("namespace")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        });
        let rules: Vec<Arc<Rule>> = r
            .get("rules")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|v| Arc::new(Rule::from_value(v))).collect())
            .unwrap_or_default();
        let aggregation = r
            .pointer("/aggregationRule/clusterRoleSelectors")
            .and_then(Value::as_array)
            .map(|items| {
                let base = Pointer::from_raw("/aggregationRule/clusterRoleSelectors");
                let mut problems = Vec::new();
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| LabelSelector::parse(v, &base.join(i), &mut problems))
                    .collect()
            });
        let idx = self.roles.len();
        let id = ObjectRef {
            api_version: "rbac.authorization.k8s.io/v1".into(),
            kind: match kind {
                RoleKind::Role => "Role".into(),
                RoleKind::ClusterRole => "ClusterRole".into(),
            },
            namespace: namespace.clone(),
            name: name.clone(),
            uid: None,
        };
        match &namespace {
            Some(ns) => self.roles_by_key.insert((ns.clone(), name.clone()), idx),
            None => self.cluster_roles_by_name.insert(name.clone(), idx),
        };
        self.roles.push(Role {
            id: Arc::new(id),
            resource: NO_RESOURCE,
            kind,
            namespace,
            name,
            labels: builtin_labels(r),
            effective: (0..rules.len())
                .map(|rule| RuleRef { role: idx, rule })
                .collect(),
            rules,
            aggregation,
            builtin: Some(minor),
        });
        idx
    }

    fn note_rule_problems(
        &mut self,
        res: &Resource,
        i: usize,
        rule: &Rule,
        ptr: &Pointer,
        raw: &Value,
    ) {
        let mut note = |pointer: Pointer, message: String| {
            self.issues.push(Issue {
                object: res.id.clone(),
                resource: i,
                pointer,
                message,
            })
        };
        if rule.verbs.is_empty() {
            note(
                ptr.clone(),
                "rule has no verbs; it allows nothing".to_owned(),
            );
        }
        if rule.resources.is_empty() && rule.non_resource_urls.is_empty() {
            note(
                ptr.clone(),
                "rule has neither resources nor nonResourceURLs; it allows nothing".to_owned(),
            );
        }
        if !rule.resources.is_empty() && rule.api_groups.is_empty() {
            note(
                ptr.join("resources"),
                "rule lists resources but no apiGroups; it allows nothing (use \"\" for the core group)".to_owned(),
            );
        }
        for (vi, v) in rule.verbs.iter().enumerate() {
            if !KNOWN_VERBS.contains(&v.as_str()) {
                note(
                    ptr.join("verbs").join(vi),
                    format!("unknown verb {v:?} (verbs are case-sensitive)"),
                );
            }
        }
        for field in [
            "verbs",
            "apiGroups",
            "resources",
            "resourceNames",
            "nonResourceURLs",
        ] {
            if let Some(Value::Array(items)) = raw.get(field) {
                for (k, item) in items.iter().enumerate() {
                    if !item.is_string() {
                        note(
                            ptr.join(field).join(k),
                            format!("{field} item is not a string; ignored"),
                        );
                    }
                }
            } else if raw.get(field).is_some_and(|v| !v.is_null()) {
                note(ptr.join(field), format!("{field} is not a list; ignored"));
            }
        }
    }

    /// Resolves aggregated ClusterRoles to a fixed point (an aggregated role may select another
    /// aggregated role). Each aggregated role keeps the rules it lists and gains, deduplicated,
    /// the rules of every other ClusterRole a selector matches.
    fn aggregate(&mut self) {
        let cluster_roles: Vec<usize> = {
            let mut v: Vec<usize> = self.cluster_roles_by_name.values().copied().collect();
            // byName order, as the aggregation controller sorts.
            v.sort_by(|a, b| self.roles[*a].name.cmp(&self.roles[*b].name));
            v
        };
        let aggregated: Vec<(usize, Vec<usize>)> = cluster_roles
            .iter()
            .filter_map(|&r| {
                let sels = self.roles[r].aggregation.as_ref()?;
                let mut sources = Vec::new();
                for sel in sels {
                    for &c in &cluster_roles {
                        if c != r && sel.matches(&self.roles[c].labels) && !sources.contains(&c) {
                            sources.push(c);
                        }
                    }
                }
                Some((r, sources))
            })
            .collect();
        if aggregated.is_empty() {
            return;
        }
        for _round in 0..=aggregated.len() {
            let mut changed = false;
            for (r, sources) in &aggregated {
                let mut eff = self.roles[*r].effective.clone();
                let mut seen: std::collections::HashSet<&Rule> =
                    eff.iter().map(|rr| self.rule(*rr).as_ref()).collect();
                let mut added = Vec::new();
                for &s in sources {
                    for rr in &self.roles[s].effective {
                        let rule = self.rule(*rr);
                        if seen.insert(rule) {
                            added.push(*rr);
                        }
                    }
                }
                if !added.is_empty() {
                    eff.extend(added);
                    changed = true;
                    self.roles[*r].effective = eff;
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// The rule a [`RuleRef`] names.
    pub fn rule(&self, r: RuleRef) -> &Arc<Rule> {
        &self.roles[r.role].rules[r.rule]
    }

    /// The bindings (with the index of the subject) that apply to an identity.
    pub(crate) fn bindings_for<'a>(
        &'a self,
        user: &'a str,
        groups: &'a [&'a str],
    ) -> impl Iterator<Item = (usize, usize)> + 'a {
        let by_user = self.by_user.get(user).into_iter().flatten().copied();
        let by_group = groups
            .iter()
            .filter_map(|g| self.by_group.get(*g))
            .flatten()
            .copied();
        by_user.chain(by_group)
    }

    /// The first rule of the role bound by `binding` that allows `attrs`.
    pub(crate) fn binding_allows(
        &self,
        binding: usize,
        attrs: &RequestAttributes,
    ) -> Option<RuleRef> {
        let b = &self.bindings[binding];
        let role = b.role?;
        self.roles[role]
            .effective
            .iter()
            .copied()
            .find(|rr| rule_allows(self.rule(*rr), attrs))
    }

    /// Whether a binding takes part in deciding a request: ClusterRoleBindings always;
    /// RoleBindings only for requests in their namespace (never for cluster-scoped, all-namespace
    /// or non-resource requests, whose namespace is empty).
    pub(crate) fn binding_in_scope(&self, binding: usize, namespace: &str) -> bool {
        let b = &self.bindings[binding];
        b.active
            && match &b.namespace {
                None => true,
                Some(ns) => !namespace.is_empty() && ns == namespace,
            }
    }

    /// The API server's decision for a request by `user` in `groups`: members of
    /// `system:masters` are allowed everything (the privileged-group authorizer that precedes RBAC
    /// in kube-apiserver); otherwise the RBAC authorizer decides (see [`Rbac::rbac_allows`]).
    pub fn allowed(&self, user: &str, groups: &[&str], attrs: &RequestAttributes) -> bool {
        groups.contains(&SYSTEM_MASTERS) || self.rbac_allows(user, groups, attrs).is_some()
    }

    /// The RBAC authorizer alone: the first (binding, rule) that allows the request, if any.
    /// Groups are taken as given (the authenticator, not the authorizer, adds
    /// `system:authenticated`).
    pub fn rbac_allows(
        &self,
        user: &str,
        groups: &[&str],
        attrs: &RequestAttributes,
    ) -> Option<(usize, usize, RuleRef)> {
        // A non-resource request has no namespace, whatever the attributes say.
        let namespace = if attrs.path.is_some() {
            ""
        } else {
            attrs.namespace.as_str()
        };
        self.bindings_for(user, groups)
            .filter(|(b, _)| self.binding_in_scope(*b, namespace))
            .find_map(|(b, s)| self.binding_allows(b, attrs).map(|r| (b, s, r)))
    }

    /// Known service accounts of a namespace: ServiceAccount objects, the ones workloads and
    /// bindings name, the ones token Secrets belong to, and `default`.
    pub fn service_accounts_in(&self, namespace: &str) -> BTreeSet<String> {
        self.service_accounts_by_namespace()
            .remove(namespace)
            .unwrap_or_else(|| BTreeSet::from(["default".to_owned()]))
    }

    /// [`Rbac::service_accounts_in`] for every namespace seen.
    pub fn service_accounts_by_namespace(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for ns in &self.namespaces {
            out.entry(ns.clone())
                .or_default()
                .insert("default".to_owned());
        }
        let mut add = |ns: &str, name: &str| {
            let e = out.entry(ns.to_owned()).or_default();
            e.insert("default".to_owned());
            e.insert(name.to_owned());
        };
        for (ns, name) in self.service_accounts.keys() {
            add(ns, name);
        }
        for w in &self.workloads {
            add(&w.namespace, &w.service_account);
        }
        for t in &self.token_secrets {
            add(&t.namespace, &t.service_account);
        }
        for b in &self.bindings {
            for s in &b.subjects {
                if s.subject.kind == SubjectKind::ServiceAccount {
                    if let Some(ns) = s.subject.namespace.as_deref().filter(|n| !n.is_empty()) {
                        add(ns, &s.subject.name);
                    }
                }
            }
        }
        out
    }
}
