//! Seccomp and AppArmor profiles: the field values and the legacy annotations.
//!
//! **Which one wins.** A pod may set a profile by field (`securityContext.seccompProfile`,
//! `securityContext.appArmorProfile`, on the pod and on each container) or by the deprecated
//! annotations. What takes effect, and so what rampart's checks read
//! ([`crate::Workload::profile`]), is, for each container, the first of:
//! 1. the container's field;
//! 2. for AppArmor only, the container's annotation: when the field is empty, the API server
//!    copies a valid annotation into it as it creates the pod (an invalid value is not copied);
//! 3. the pod's field.
//!
//! The seccomp annotations (pod and container) have had no effect since Kubernetes 1.27: the API
//! server only warns about them, so a pod that relies on `runtime/default` in an annotation runs
//! without seccomp, and one with `unconfined` in an annotation is not unconfined by it. AppArmor
//! never had a pod-level annotation. The Pod Security Standards checks are the exception to this
//! rule: they follow the upstream policy literally, which judges every field and annotation on
//! its own.

/// `seccompProfile.type` / `appArmorProfile.type`: the container runtime's default profile.
pub const RUNTIME_DEFAULT: &str = "RuntimeDefault";
/// `seccompProfile.type` / `appArmorProfile.type`: a profile loaded on the node.
pub const LOCALHOST: &str = "Localhost";
/// `seccompProfile.type` / `appArmorProfile.type`: no profile.
pub const UNCONFINED: &str = "Unconfined";

/// Whether a profile type confines the process (the values the Pod Security Standards allow).
pub fn is_confining_type(t: &str) -> bool {
    t == RUNTIME_DEFAULT || t == LOCALHOST
}

/// The deprecated (alpha) seccomp annotation of the pod.
pub const SECCOMP_POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
/// The deprecated (alpha) seccomp annotation of one container: the prefix, then its name.
pub const SECCOMP_CONTAINER_ANNOTATION_PREFIX: &str =
    "container.seccomp.security.alpha.kubernetes.io/";
/// The deprecated (beta) AppArmor annotation of one container: the prefix, then its name.
pub const APPARMOR_CONTAINER_ANNOTATION_PREFIX: &str =
    "container.apparmor.security.beta.kubernetes.io/";

/// Annotation value: no profile (seccomp and AppArmor).
pub const ANNOTATION_UNCONFINED: &str = "unconfined";
/// Annotation value: the runtime's default profile.
pub const ANNOTATION_RUNTIME_DEFAULT: &str = "runtime/default";
/// Seccomp annotation value: Docker's default profile (an older spelling of `runtime/default`).
pub const ANNOTATION_DOCKER_DEFAULT: &str = "docker/default";
/// Annotation value prefix: a profile loaded on the node.
pub const ANNOTATION_LOCALHOST_PREFIX: &str = "localhost/";

/// Whether a seccomp annotation value is allowed by the baseline policy.
pub fn seccomp_annotation_allowed(v: &str) -> bool {
    v == ANNOTATION_RUNTIME_DEFAULT
        || v == ANNOTATION_DOCKER_DEFAULT
        || v.starts_with(ANNOTATION_LOCALHOST_PREFIX)
}

/// Whether an AppArmor annotation value is allowed by the baseline policy (empty means the
/// runtime default).
pub fn apparmor_annotation_allowed(v: &str) -> bool {
    v.is_empty() || v == ANNOTATION_RUNTIME_DEFAULT || v.starts_with(ANNOTATION_LOCALHOST_PREFIX)
}

/// The two kinds of confinement profile a pod spec sets, by field or by deprecated annotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileKind {
    Seccomp,
    AppArmor,
}

impl ProfileKind {
    /// The `securityContext` field (pod and container level).
    pub fn field(self) -> &'static str {
        match self {
            ProfileKind::Seccomp => "seccompProfile",
            ProfileKind::AppArmor => "appArmorProfile",
        }
    }

    /// The prefix (then the container's name) of the deprecated per-container annotation that
    /// still takes effect: AppArmor's, which the API server copies into a container's empty
    /// field when it creates the pod. The seccomp annotations have had no effect since 1.27 (the
    /// API server only warns about them), so there is none for seccomp.
    pub fn functional_annotation_prefix(self) -> Option<&'static str> {
        match self {
            ProfileKind::Seccomp => None,
            ProfileKind::AppArmor => Some(APPARMOR_CONTAINER_ANNOTATION_PREFIX),
        }
    }
}

/// The field type the API server derives from an AppArmor annotation value when it copies the
/// annotation into the field: `unconfined`, `runtime/default`, `localhost/<non-empty name>`.
/// `None` for anything else: the API server copies nothing (and warns).
pub fn apparmor_annotation_type(value: &str) -> Option<&'static str> {
    match value {
        ANNOTATION_UNCONFINED => Some(UNCONFINED),
        ANNOTATION_RUNTIME_DEFAULT => Some(RUNTIME_DEFAULT),
        v if v.len() > ANNOTATION_LOCALHOST_PREFIX.len()
            && v.starts_with(ANNOTATION_LOCALHOST_PREFIX) =>
        {
            Some(LOCALHOST)
        }
        _ => None,
    }
}

/// Where the profile that applies to a container was set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileSource {
    ContainerField,
    /// AppArmor's per-container annotation, standing in for an empty container field.
    ContainerAnnotation,
    PodField,
}

impl ProfileSource {
    /// Whether the profile was set for the whole pod (and so applies to every container that
    /// sets none of its own).
    pub fn is_pod_level(self) -> bool {
        self == ProfileSource::PodField
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apparmor_annotation_values_as_the_api_server_translates_them() {
        assert_eq!(apparmor_annotation_type("unconfined"), Some(UNCONFINED));
        assert_eq!(
            apparmor_annotation_type("runtime/default"),
            Some(RUNTIME_DEFAULT)
        );
        assert_eq!(
            apparmor_annotation_type("localhost/k8s-nginx"),
            Some(LOCALHOST)
        );
        // An empty localhost name, other spellings and padding are not translated.
        assert_eq!(apparmor_annotation_type("localhost/"), None);
        assert_eq!(apparmor_annotation_type(" unconfined"), None);
        assert_eq!(apparmor_annotation_type("Unconfined"), None);
        assert_eq!(apparmor_annotation_type(""), None);
    }
}
