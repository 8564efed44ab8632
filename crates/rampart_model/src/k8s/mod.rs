//! Kubernetes facts, written down once and read by the checks, the Pod Security Standards
//! evaluator and the analyses alike. Pure data and small pure functions; no I/O.
//!
//! - [`addons`]: custom resources of popular add-ons (Istio, cert-manager, Argo CD, Prometheus
//!   Operator, Gateway API, ingress-nginx, Cilium), matched by API group and kind.
//! - [`sysctls`]: the safe sysctls of each Pod Security Standards policy version.
//! - [`capabilities`]: Linux capability names and the PSS allowed sets.
//! - [`kinds`]: the pod-bearing kinds, where each keeps its pod template, and their resources.
//! - [`labels`] and [`selector`]: label sets and the one label-selector implementation.
//! - [`host_paths`]: classification of hostPath paths (node root, runtime sockets, sensitive
//!   directories).
//! - [`profiles`]: seccomp and AppArmor profile types and their legacy annotations.
//! - [`selinux`]: the SELinux types the Pod Security Standards allow, per policy version.
//! - [`volumes`]: volume source fields and the restricted policy's allowed ones.
//! - [`image_ref`]: the one container image reference parser (name, tag, digest validation).
//! - [`verbs`]: the API request verbs of resource requests.
//! - [`api_versions`]: deprecated and removed API versions per kind, with removal releases.
//! - [`bootstrap_rbac`]: Kubernetes' bootstrap RBAC policy (built-in roles), per minor version.
//! - [`helm`]: Helm values file names and the `HelmValues` object they are read into.

pub mod addons;
pub mod api_versions;
pub mod bootstrap_rbac;
pub mod capabilities;
pub mod helm;
pub mod host_paths;
pub mod image_ref;
pub mod kinds;
pub mod labels;
pub mod profiles;
pub mod selector;
pub mod selinux;
pub mod sysctls;
pub mod verbs;
pub mod volumes;
