//! RBAC analysis: the Kubernetes RBAC authorizer's exact semantics, who-can, effective
//! permissions per subject, privilege-escalation paths and risk checks.
//!
//! Build an [`Rbac`] from an inventory of [`rampart_model::Resource`]s, then ask it:
//! - [`Rbac::allowed`]: would the API server allow this request (as a SubjectAccessReview)?
//! - [`Rbac::who_can`]: every subject allowed a request, each with binding -> role -> rule;
//! - [`Rbac::can`]: what one subject may do, per namespace;
//! - [`Rbac::escalation`]: the graph of "can obtain the rights of" and shortest paths to
//!   cluster-admin;
//! - [`Rbac::risks`]: risky grants for checks; [`Rbac::issues`](Rbac#structfield.issues): bad input.
//!
//! # Semantics
//!
//! Matching is the RBAC authorizer's (`evaluation_helpers.go`, `rbac.go`, the rule resolver):
//! `*` verbs/apiGroups/resources; `resource/subresource` exact; `*/subresource` for any resource;
//! `resource/*` is *not* a wildcard; resourceNames never match a request without a name;
//! nonResourceURLs exact, `*`, or prefix with a trailing `*`. ClusterRoleBindings apply to every
//! request; RoleBindings only to resource requests in their own namespace (so never to
//! cluster-scoped, all-namespaces or non-resource requests). A RoleBinding's `Role` is looked up in
//! the binding's namespace; a ClusterRoleBinding to a `Role` grants nothing. Subjects: `User` and
//! `Group` by exact name, `ServiceAccount` by the user name `system:serviceaccount:NS:NAME` (NS
//! defaults to the RoleBinding's namespace; none in a ClusterRoleBinding matches nobody); other
//! kinds match nobody.
//!
//! Choices where a manifest inventory differs from a live cluster:
//! - [`Rbac::allowed`] also allows members of `system:masters`, as kube-apiserver's privileged-group
//!   authorizer does before RBAC; [`Rbac::rbac_allows`] is RBAC alone.
//! - Aggregated ClusterRoles keep the rules they list and gain the rules of every other ClusterRole
//!   a selector matches, to a fixed point (the controller would overwrite the listed rules with the
//!   union; in a cluster dump both are the same).
//! - Namespaced objects that name no namespace are in `default`. When the same kind/namespace/name
//!   is defined twice, the later definition is the one in force and the duplicate is an issue.
//! - Users and service accounts are given `system:authenticated` (and service accounts their two
//!   service-account groups) by [`Identity::of`], used by `can`, escalation and risks; `allowed`
//!   takes groups literally, like a SubjectAccessReview.
//! - A binding to a role the input does not define, named like one of Kubernetes' built-in
//!   roles (`cluster-admin`, `admin`, `edit`, `view`, `system:*`), uses that role of the bootstrap
//!   policy (`rampart_model::k8s::bootstrap_rbac`, per minor; [`Rbac::build_for`]): every API
//!   server creates them. Such roles are marked [`Role::builtin`] and have no object.
//! - Roles no binding reaches are judged on their own rules ([`Risk::unbound`]).
//! - Escalation choices are listed in [`escalation`].

pub mod authz;
pub mod escalation;
pub mod model;
pub mod query;
pub mod risk;

pub use authz::{rule_allows, RequestAttributes};
pub use escalation::{Edge, EdgeKind, Escalation, Node, Path, Pool, Route, Step};
pub use model::{
    Binding, BindingSubject, Identity, Issue, LabelSelector, MatchKey, Rbac, Role, RoleKind, Rule,
    RuleRef, Subject, SubjectKind, TokenSecret, WorkloadInfo, NO_RESOURCE,
};
pub use query::{EffectiveRule, Grant, Justification, Permissions};
pub use risk::{Risk, RiskKind};
