//! Secrets checks: credentials in manifests and how Secrets reach containers.

pub mod configmap_credential;
pub mod env_literal_credential;
pub mod secret_committed;
pub mod secret_in_env;
