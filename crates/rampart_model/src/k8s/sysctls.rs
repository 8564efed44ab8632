//! The safe sysctls of the Pod Security Standards baseline policy, per policy version, as
//! k8s.io/pod-security-admission's `policy/check_sysctls.go` defines them.

/// The sysctls each revision of the upstream `sysctls` check adds to the safe set, oldest first:
/// (first policy minor version `1.N`, sysctls added). The safe set at version `1.N` is the union
/// of every entry whose minimum is `<= N`.
pub const SAFE_SYSCTLS_BY_VERSION: &[(u32, &[&str])] = &[
    (
        0,
        &[
            "kernel.shm_rmid_forced",
            "net.ipv4.ip_local_port_range",
            "net.ipv4.tcp_syncookies",
            "net.ipv4.ping_group_range",
            "net.ipv4.ip_unprivileged_port_start",
        ],
    ),
    (27, &["net.ipv4.ip_local_reserved_ports"]),
    (
        29,
        &[
            "net.ipv4.tcp_keepalive_time",
            "net.ipv4.tcp_fin_timeout",
            "net.ipv4.tcp_keepalive_intvl",
            "net.ipv4.tcp_keepalive_probes",
        ],
    ),
    (32, &["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"]),
    (
        37,
        &[
            "net.ipv4.tcp_slow_start_after_idle",
            "net.ipv4.tcp_notsent_lowat",
        ],
    ),
];

/// The newest policy minor version that changed the safe set.
pub const NEWEST_MINOR: u32 = SAFE_SYSCTLS_BY_VERSION[SAFE_SYSCTLS_BY_VERSION.len() - 1].0;

/// The safe sysctls at policy version `1.minor` (cumulative).
pub fn safe_at(minor: u32) -> impl Iterator<Item = &'static str> {
    SAFE_SYSCTLS_BY_VERSION
        .iter()
        .filter(move |(min, _)| *min <= minor)
        .flat_map(|(_, names)| names.iter().copied())
}

/// Whether `name` is safe at policy version `1.minor` (exact, case-sensitive match, as upstream).
pub fn is_safe_at(name: &str, minor: u32) -> bool {
    safe_at(minor).any(|s| s == name)
}

/// Whether `name` is safe at the latest policy version.
pub fn is_safe(name: &str) -> bool {
    is_safe_at(name, u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cumulative() {
        assert!(is_safe_at("kernel.shm_rmid_forced", 0));
        assert!(!is_safe_at("net.ipv4.tcp_rmem", 31));
        assert!(is_safe_at("net.ipv4.tcp_rmem", 32));
        assert!(!is_safe_at("net.ipv4.tcp_slow_start_after_idle", 36));
        assert!(is_safe("net.ipv4.tcp_slow_start_after_idle"));
        assert!(!is_safe("kernel.msgmax"));
        assert_eq!(NEWEST_MINOR, 37);
        assert_eq!(safe_at(u32::MAX).count(), 14);
    }
}
