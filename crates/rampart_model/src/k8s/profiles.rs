//! Seccomp and AppArmor profiles: the field values and the legacy annotations.

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
