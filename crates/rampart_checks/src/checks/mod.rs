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
    &rbac::rbac_anonymous_grant::CHECK,
    &rbac::rbac_bind::CHECK,
    &rbac::rbac_cluster_admin::CHECK,
    &rbac::rbac_escalation_path::CHECK,
    &rbac::rbac_create_workloads::CHECK,
    &rbac::rbac_csr_approval::CHECK,
    &rbac::rbac_csr_signer::CHECK,
    &rbac::rbac_default_sa_bound::CHECK,
    &rbac::rbac_escalate::CHECK,
    &rbac::rbac_impersonate::CHECK,
    &rbac::rbac_nodes_proxy::CHECK,
    &rbac::rbac_persistentvolume_create::CHECK,
    &rbac::rbac_pods_attach::CHECK,
    &rbac::rbac_pods_exec::CHECK,
    &rbac::rbac_pods_portforward::CHECK,
    &rbac::rbac_read_secrets_cluster::CHECK,
    &rbac::rbac_read_secrets_namespace::CHECK,
    &rbac::rbac_serviceaccount_token::CHECK,
    &rbac::rbac_webhook_write::CHECK,
    &rbac::rbac_wildcard_resources::CHECK,
    &rbac::rbac_wildcard_verbs::CHECK,
    &rbac::rbac_workload_token_power::CHECK,
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
    &network_policy::netpol_allow_all::CHECK,
    &network_policy::netpol_ingress_from_internet::CHECK,
    &network_policy::netpol_metadata_egress::CHECK,
    &network_policy::netpol_namespace_without_policy::CHECK,
    &network_policy::netpol_no_default_deny_egress::CHECK,
    &network_policy::netpol_no_default_deny_ingress::CHECK,
    &network_policy::netpol_policy_selects_nothing::CHECK,
    &network_policy::netpol_workload_unselected::CHECK,
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
