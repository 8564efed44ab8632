//! The built-in checks, one per file, grouped by category.
//!
//! To add a check: write `checks/<category>/<id_with_underscores>.rs` with a `pub static CHECK`,
//! add it to [`ALL`], add fixtures under `fixtures/<id>/` (`fail*.yaml` with `# expect: <id>`
//! markers on the offending lines, `pass*.yaml` with none), and run `cargo run -p xtask -- docs`.

pub mod admission;
pub mod cluster;
pub mod common;
pub mod hygiene;
pub mod identity;
pub mod images;
pub mod network;
pub mod network_policy;
pub mod pod_security;
pub mod rbac;
pub mod resources;
pub mod secrets;

use crate::Check;

/// Every built-in check (the registry sorts them).
pub static ALL: &[&Check] = &[
    &admission::namespace_pss_enforce::CHECK,
    &admission::webhook_exempts_nothing::CHECK,
    &admission::webhook_fail_open::CHECK,
    &cluster::anonymous_access::CHECK,
    &cluster::anonymous_auth_enabled::CHECK,
    &cluster::kubernetes_version_eol::CHECK,
    &rbac::anonymous_grant::CHECK,
    &rbac::bind::CHECK,
    &rbac::cluster_admin::CHECK,
    &rbac::escalation_path::CHECK,
    &rbac::create_workloads::CHECK,
    &rbac::csr_approval::CHECK,
    &rbac::csr_signer::CHECK,
    &rbac::default_sa_bound::CHECK,
    &rbac::escalate::CHECK,
    &rbac::impersonate::CHECK,
    &rbac::nodes_proxy::CHECK,
    &rbac::persistentvolume_create::CHECK,
    &rbac::pods_attach::CHECK,
    &rbac::pods_exec::CHECK,
    &rbac::pods_portforward::CHECK,
    &rbac::read_secrets_cluster::CHECK,
    &rbac::read_secrets_namespace::CHECK,
    &rbac::serviceaccount_token::CHECK,
    &rbac::webhook_write::CHECK,
    &rbac::wildcard_resources::CHECK,
    &rbac::wildcard_verbs::CHECK,
    &rbac::workload_token_power::CHECK,
    &hygiene::default_namespace::CHECK,
    &hygiene::invalid_ignore_annotation::CHECK,
    &hygiene::liveness_probe_missing::CHECK,
    &hygiene::readiness_probe_missing::CHECK,
    &identity::automount_service_account_token::CHECK,
    &identity::default_service_account::CHECK,
    &identity::service_account_automount::CHECK,
    &images::image_not_pinned_by_digest::CHECK,
    &images::image_pull_policy::CHECK,
    &images::image_tag_latest::CHECK,
    &network::ingress_without_tls::CHECK,
    &network::service_external_ips::CHECK,
    &network::service_loadbalancer::CHECK,
    &network::service_nodeport::CHECK,
    &network_policy::allow_all::CHECK,
    &network_policy::ingress_from_internet::CHECK,
    &network_policy::metadata_egress::CHECK,
    &network_policy::namespace_without_policy::CHECK,
    &network_policy::no_default_deny_egress::CHECK,
    &network_policy::no_default_deny_ingress::CHECK,
    &network_policy::policy_selects_nothing::CHECK,
    &network_policy::workload_unselected::CHECK,
    &pod_security::allow_privilege_escalation::CHECK,
    &pod_security::apparmor_unconfined::CHECK,
    &pod_security::capabilities_not_dropped::CHECK,
    &pod_security::dangerous_capabilities::CHECK,
    &pod_security::host_ipc::CHECK,
    &pod_security::host_network::CHECK,
    &pod_security::host_pid::CHECK,
    &pod_security::host_port::CHECK,
    &pod_security::hostpath_host_root::CHECK,
    &pod_security::hostpath_runtime_socket::CHECK,
    &pod_security::hostpath_sensitive::CHECK,
    &pod_security::hostpath_volume::CHECK,
    &pod_security::privileged_container::CHECK,
    &pod_security::proc_mount_unmasked::CHECK,
    &pod_security::read_only_root_filesystem::CHECK,
    &pod_security::run_as_gid_zero::CHECK,
    &pod_security::run_as_non_root::CHECK,
    &pod_security::run_as_uid_zero::CHECK,
    &pod_security::seccomp_profile_missing::CHECK,
    &pod_security::seccomp_unconfined::CHECK,
    &pod_security::selinux_options_unsafe::CHECK,
    &pod_security::share_process_namespace::CHECK,
    &pod_security::unsafe_sysctls::CHECK,
    &pod_security::windows_host_process::CHECK,
    &resources::cpu_limit_missing::CHECK,
    &resources::cpu_request_missing::CHECK,
    &resources::memory_limit_missing::CHECK,
    &resources::memory_request_missing::CHECK,
    &secrets::configmap_credential::CHECK,
    &secrets::env_literal_credential::CHECK,
    &secrets::secret_committed::CHECK,
    &secrets::secret_in_env::CHECK,
];
