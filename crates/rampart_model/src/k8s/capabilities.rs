//! Linux capability names as Kubernetes pod specs write them, and the sets the Pod Security
//! Standards allow.

/// The pseudo-capability naming every capability (`drop: [ALL]`, `add: [ALL]`).
pub const ALL: &str = "ALL";
/// Binding ports below 1024; the only capability the restricted policy lets a container add.
pub const NET_BIND_SERVICE: &str = "NET_BIND_SERVICE";
/// Mount, namespaces and most container escapes; implies privilege escalation.
pub const SYS_ADMIN: &str = "SYS_ADMIN";

/// Capabilities the baseline policy lets a container add (upstream `capabilities_baseline`: the
/// container runtimes' default set).
pub const PSS_BASELINE_ALLOWED: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Capabilities the restricted policy lets a container add (upstream `capabilities_restricted`).
pub const PSS_RESTRICTED_ALLOWED: &[&str] = &[NET_BIND_SERVICE];

/// A capability name as runtimes read it: trimmed, upper case, without the `CAP_` prefix
/// (`cap_sys_admin` -> `SYS_ADMIN`). The Pod Security Standards compare names exactly instead.
pub fn normalise(name: &str) -> String {
    let up = name.trim().to_ascii_uppercase();
    up.strip_prefix("CAP_").map(str::to_owned).unwrap_or(up)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises() {
        assert_eq!(normalise(" cap_sys_admin "), SYS_ADMIN);
        assert_eq!(normalise("all"), ALL);
        assert_eq!(normalise("NET_RAW"), "NET_RAW");
    }
}
