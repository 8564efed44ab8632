//! API request verbs (<https://kubernetes.io/docs/reference/access-authn-authz/authorization/#determine-the-request-verb>).

/// The verbs of resource requests, the ones the API server derives from the HTTP method
/// (`get`, `list` and `watch` from GET, `create` from POST, `update` from PUT, `patch` from PATCH,
/// `delete` and `deletecollection` from DELETE). A rule holding all of them on every resource
/// of every API group is the `*` wildcard spelled out: it can read every Secret and create pods
/// (and `pods/exec`) as any service account, so it is cluster-admin in all but name. The special
/// verbs RBAC checks on top of these (`bind`, `escalate`, `impersonate`, `use`, `approve`, `sign`,
/// `attest`) each grant one more power and are not needed for that.
pub const RESOURCE_VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
];
