//! SELinux options the Pod Security Standards baseline policy allows (upstream
//! `policy/check_seLinuxOptions.go`).

/// The `seLinuxOptions.type` values each revision of the upstream `seLinuxOptions` check allows,
/// oldest first: (first policy minor version `1.N`, types added). `""` is an unset type.
pub const ALLOWED_TYPES_BY_VERSION: &[(u32, &[&str])] = &[
    (
        0,
        &["", "container_t", "container_init_t", "container_kvm_t"],
    ),
    (31, &["container_engine_t"]),
];

/// Whether `t` is an allowed `seLinuxOptions.type` at policy version `1.minor`.
pub fn is_allowed_type_at(t: &str, minor: u32) -> bool {
    ALLOWED_TYPES_BY_VERSION
        .iter()
        .filter(|(min, _)| *min <= minor)
        .any(|(_, types)| types.contains(&t))
}

/// Whether `t` is an allowed `seLinuxOptions.type` at the latest policy version.
pub fn is_allowed_type(t: &str) -> bool {
    is_allowed_type_at(t, u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert!(is_allowed_type(""));
        assert!(is_allowed_type("container_engine_t"));
        assert!(!is_allowed_type_at("container_engine_t", 30));
        assert!(!is_allowed_type("spc_t"));
    }
}
