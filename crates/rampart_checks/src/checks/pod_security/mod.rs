//! Pod security context checks: privileges, host namespaces, users, capabilities, profiles and
//! host paths.

pub mod allow_privilege_escalation;
pub mod apparmor_unconfined;
pub mod capabilities_not_dropped;
pub mod dangerous_capabilities;
pub mod host_ipc;
pub mod host_network;
pub mod host_pid;
pub mod host_port;
pub mod hostpath_host_root;
pub mod hostpath_runtime_socket;
pub mod hostpath_sensitive;
pub mod hostpath_volume;
pub mod privileged_container;
pub mod proc_mount_unmasked;
pub mod read_only_root_filesystem;
pub mod run_as_gid_zero;
pub mod run_as_non_root;
pub mod run_as_uid_zero;
pub mod seccomp_profile_missing;
pub mod seccomp_unconfined;
pub mod selinux_options_unsafe;
pub mod share_process_namespace;
pub mod unsafe_sysctls;
pub mod windows_host_process;
