//! Kubernetes API versions that are deprecated or no longer served, per kind, with the release
//! that removes them and what replaces them.
//!
//! Read by the `deprecated-api` and `removed-api` checks.
//!
//! # Sources
//! - Removals and replacements: the Kubernetes "Deprecated API Migration Guide"
//!   (kubernetes.io/docs/reference/using-api/deprecation-guide/, sections v1.16 to v1.32; no later
//!   release removes a built-in API version there). `since` is the release from which the
//!   replacement is served ("available since" in the guide), i.e. from which the old version is
//!   deprecated; for the 1.16 removals, the release that served `apps/v1` and
//!   `networking.k8s.io/v1` alongside the old groups (1.9; 1.10 for `policy/v1beta1`).
//! - APIs deprecated without a removal release (`v1 ComponentStatus`, `v1 Endpoints`) are left
//!   out on purpose: the API server and its controllers write them in every cluster, so a cluster
//!   scan would report objects no user wrote. `removed: None` is kept for such entries.
//!
//! Checked on 2026-12-06. To add a removal: append rows (the test keeps them consistent) and, if
//! the release is newer than [`NEWEST_MINOR`], raise it.

/// The newest Kubernetes minor release this table knows (1.N): the default target version.
pub const NEWEST_MINOR: u32 = 37;

/// One API version of one kind that is deprecated, and perhaps removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApiChange {
    /// `group/version` as written in `apiVersion` (`v1` for the core group).
    pub api_version: &'static str,
    pub kind: &'static str,
    /// The minor release (1.N) from which the replacement is served and this version deprecated.
    pub since: u32,
    /// The minor release (1.N) that no longer serves it, if one is scheduled.
    pub removed: Option<u32>,
    /// What to use instead (`apiVersion`, or a description when nothing replaces it).
    pub replacement: &'static str,
}

const fn c(
    api_version: &'static str,
    kind: &'static str,
    since: u32,
    removed: u32,
    replacement: &'static str,
) -> ApiChange {
    ApiChange {
        api_version,
        kind,
        since,
        removed: Some(removed),
        replacement,
    }
}

/// Every deprecated API version of a built-in kind, by removal release.
pub const CHANGES: &[ApiChange] = &[
    // v1.16
    c("extensions/v1beta1", "Deployment", 9, 16, "apps/v1"),
    c("extensions/v1beta1", "DaemonSet", 9, 16, "apps/v1"),
    c("extensions/v1beta1", "ReplicaSet", 9, 16, "apps/v1"),
    c(
        "extensions/v1beta1",
        "NetworkPolicy",
        9,
        16,
        "networking.k8s.io/v1",
    ),
    c(
        "extensions/v1beta1",
        "PodSecurityPolicy",
        10,
        16,
        "policy/v1beta1",
    ),
    c("apps/v1beta1", "Deployment", 9, 16, "apps/v1"),
    c("apps/v1beta1", "StatefulSet", 9, 16, "apps/v1"),
    c("apps/v1beta2", "Deployment", 9, 16, "apps/v1"),
    c("apps/v1beta2", "DaemonSet", 9, 16, "apps/v1"),
    c("apps/v1beta2", "ReplicaSet", 9, 16, "apps/v1"),
    c("apps/v1beta2", "StatefulSet", 9, 16, "apps/v1"),
    // v1.22
    c(
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
        16,
        22,
        "admissionregistration.k8s.io/v1",
    ),
    c(
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
        16,
        22,
        "admissionregistration.k8s.io/v1",
    ),
    c(
        "apiextensions.k8s.io/v1beta1",
        "CustomResourceDefinition",
        16,
        22,
        "apiextensions.k8s.io/v1",
    ),
    c(
        "apiregistration.k8s.io/v1beta1",
        "APIService",
        10,
        22,
        "apiregistration.k8s.io/v1",
    ),
    c(
        "authentication.k8s.io/v1beta1",
        "TokenReview",
        6,
        22,
        "authentication.k8s.io/v1",
    ),
    c(
        "authorization.k8s.io/v1beta1",
        "SubjectAccessReview",
        6,
        22,
        "authorization.k8s.io/v1",
    ),
    c(
        "authorization.k8s.io/v1beta1",
        "LocalSubjectAccessReview",
        6,
        22,
        "authorization.k8s.io/v1",
    ),
    c(
        "authorization.k8s.io/v1beta1",
        "SelfSubjectAccessReview",
        6,
        22,
        "authorization.k8s.io/v1",
    ),
    c(
        "authorization.k8s.io/v1beta1",
        "SelfSubjectRulesReview",
        6,
        22,
        "authorization.k8s.io/v1",
    ),
    c(
        "certificates.k8s.io/v1beta1",
        "CertificateSigningRequest",
        19,
        22,
        "certificates.k8s.io/v1",
    ),
    c(
        "coordination.k8s.io/v1beta1",
        "Lease",
        14,
        22,
        "coordination.k8s.io/v1",
    ),
    c(
        "extensions/v1beta1",
        "Ingress",
        19,
        22,
        "networking.k8s.io/v1",
    ),
    c(
        "networking.k8s.io/v1beta1",
        "Ingress",
        19,
        22,
        "networking.k8s.io/v1",
    ),
    c(
        "networking.k8s.io/v1beta1",
        "IngressClass",
        19,
        22,
        "networking.k8s.io/v1",
    ),
    c(
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRole",
        8,
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    c(
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRoleBinding",
        8,
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    c(
        "rbac.authorization.k8s.io/v1beta1",
        "Role",
        8,
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    c(
        "rbac.authorization.k8s.io/v1beta1",
        "RoleBinding",
        8,
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    c(
        "scheduling.k8s.io/v1beta1",
        "PriorityClass",
        14,
        22,
        "scheduling.k8s.io/v1",
    ),
    c(
        "storage.k8s.io/v1beta1",
        "CSIDriver",
        19,
        22,
        "storage.k8s.io/v1",
    ),
    c(
        "storage.k8s.io/v1beta1",
        "CSINode",
        17,
        22,
        "storage.k8s.io/v1",
    ),
    c(
        "storage.k8s.io/v1beta1",
        "StorageClass",
        6,
        22,
        "storage.k8s.io/v1",
    ),
    c(
        "storage.k8s.io/v1beta1",
        "VolumeAttachment",
        13,
        22,
        "storage.k8s.io/v1",
    ),
    // v1.25
    c("batch/v1beta1", "CronJob", 21, 25, "batch/v1"),
    c(
        "discovery.k8s.io/v1beta1",
        "EndpointSlice",
        21,
        25,
        "discovery.k8s.io/v1",
    ),
    c("events.k8s.io/v1beta1", "Event", 19, 25, "events.k8s.io/v1"),
    c(
        "autoscaling/v2beta1",
        "HorizontalPodAutoscaler",
        23,
        25,
        "autoscaling/v2",
    ),
    c("policy/v1beta1", "PodDisruptionBudget", 21, 25, "policy/v1"),
    c(
        "policy/v1beta1",
        "PodSecurityPolicy",
        21,
        25,
        "nothing: use Pod Security Admission or a policy engine",
    ),
    c(
        "node.k8s.io/v1beta1",
        "RuntimeClass",
        20,
        25,
        "node.k8s.io/v1",
    ),
    // v1.26
    c(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "FlowSchema",
        23,
        26,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    c(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "PriorityLevelConfiguration",
        23,
        26,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    c(
        "autoscaling/v2beta2",
        "HorizontalPodAutoscaler",
        23,
        26,
        "autoscaling/v2",
    ),
    // v1.27
    c(
        "storage.k8s.io/v1beta1",
        "CSIStorageCapacity",
        24,
        27,
        "storage.k8s.io/v1",
    ),
    // v1.29
    c(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "FlowSchema",
        26,
        29,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    c(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "PriorityLevelConfiguration",
        26,
        29,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    // v1.32
    c(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "FlowSchema",
        29,
        32,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    c(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "PriorityLevelConfiguration",
        29,
        32,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
];

/// The change recorded for `apiVersion` and `kind`, if that version is deprecated.
pub fn lookup(api_version: &str, kind: &str) -> Option<&'static ApiChange> {
    CHANGES
        .iter()
        .find(|c| c.kind == kind && c.api_version == api_version)
}

/// How an API version stands in a target minor release (1.N).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Served and not deprecated (or not deprecated yet in that release).
    Current,
    /// Served but deprecated.
    Deprecated(&'static ApiChange),
    /// No longer served: the API server rejects it.
    Removed(&'static ApiChange),
}

/// The status of `apiVersion`/`kind` in Kubernetes 1.`target`.
pub fn status(api_version: &str, kind: &str, target: u32) -> Status {
    match lookup(api_version, kind) {
        None => Status::Current,
        Some(c) if c.removed.is_some_and(|r| target >= r) => Status::Removed(c),
        Some(c) if target >= c.since => Status::Deprecated(c),
        Some(_) => Status::Current,
    }
}

/// Reads a Kubernetes version `1.N`, `v1.N` or `v1.N.P` (and `1.N+` as GKE writes it) as N.
pub fn parse_minor(text: &str) -> Option<u32> {
    let t = text.trim();
    let t = t.strip_prefix('v').unwrap_or(t);
    let rest = t.strip_prefix("1.")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let after = &rest[digits.len()..];
    if digits.is_empty() || !(after.is_empty() || after.starts_with(['.', '+', '-'])) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        let mut seen = std::collections::HashSet::new();
        for c in CHANGES {
            assert!(seen.insert((c.api_version, c.kind)), "duplicate {c:?}");
            if let Some(r) = c.removed {
                assert!(c.since < r, "{c:?}");
                assert!(r <= NEWEST_MINOR, "{c:?}");
            }
            assert!(c.since <= NEWEST_MINOR, "{c:?}");
            assert_ne!(c.api_version, c.replacement, "{c:?}");
        }
    }

    #[test]
    fn status_depends_on_the_target() {
        assert_eq!(status("apps/v1", "Deployment", 30), Status::Current);
        assert!(matches!(
            status("batch/v1beta1", "CronJob", 25),
            Status::Removed(_)
        ));
        assert!(matches!(
            status("batch/v1beta1", "CronJob", 24),
            Status::Deprecated(_)
        ));
        assert_eq!(status("batch/v1beta1", "CronJob", 20), Status::Current);
    }

    #[test]
    fn parses_versions() {
        assert_eq!(parse_minor("1.29"), Some(29));
        assert_eq!(parse_minor("v1.31.2"), Some(31));
        assert_eq!(parse_minor("v1.30.4-gke.100"), Some(30));
        assert_eq!(parse_minor("1.28+"), Some(28));
        assert_eq!(parse_minor("2.1"), None);
        assert_eq!(parse_minor("1.x"), None);
        assert_eq!(parse_minor("1.29a"), None);
    }
}
