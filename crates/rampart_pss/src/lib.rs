//! Pod Security Standards, evaluated exactly as the Kubernetes pod-security-admission library
//! (`k8s.io/pod-security-admission`) does it.
//!
//! [`evaluate`] runs the checks of a [`Level`] at a policy [`Version`] over one pod template (a
//! [`rampart_model::Workload`]) and returns one [`Violation`] per failed check, with the JSON
//! pointers of the offending fields.
//!
//! # How a level and version select checks (as upstream's `policy/registry.go`)
//!
//! - `privileged` allows everything.
//! - Each check has revisions, each with a minimum policy version; at version `v1.N` a check runs
//!   its newest revision whose minimum is `<= N`, and does not run at all below its first one.
//! - `latest`, and any version above the newest minimum of all checks (v1.37), mean v1.37.
//! - `baseline` runs the baseline checks. `restricted` runs the baseline checks *except* those
//!   overridden by an active restricted revision (for example `capabilities_restricted` from v1.22
//!   replaces `capabilities_baseline`, so a Windows pod exempt from the former from v1.25 is not
//!   checked by the latter either), then the restricted checks.
//!
//! # Input that upstream could not decode
//!
//! Upstream decodes a typed pod first; the loader here gives untyped JSON. `null` is treated as
//! absent (as Go decoding does). A field that a check inspects but that has a wrong JSON type (for
//! example `privileged: "true"`, a string) makes that check fail closed: it is reported with the
//! field's pointer and a note in the detail. The API server would reject such an object anyway.
//! Container entries that are not objects are not visited (see [`rampart_model::Workload`]).
//!
//! # API-server defaulting
//!
//! Upstream's conformance fixtures are admitted through a real API server, which defaults objects
//! before admission runs. One default changes a verdict: a volume that sets no source at all is
//! defaulted to `emptyDir: {}`, so `restrictedVolumes` accepts it. That default is applied here.
//! Others are not modelled: they either cannot change a verdict (`hostPort` defaulted from
//! `containerPort` only with `hostNetwork: true`, already denied) or only apply to bare Pods at
//! creation (the API server copies the deprecated seccomp/AppArmor annotations into the fields);
//! evaluation here is of the object as written.

mod checks;
mod read;

use std::fmt;
use std::str::FromStr;

use rampart_model::{Pointer, Workload};
use serde::Serialize;

use checks::CheckFn;

/// The newest policy version known here; `latest` means this one.
pub const LATEST_MINOR: u32 = 37;

/// A Pod Security Standards level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Privileged,
    Baseline,
    Restricted,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error of [`Level::from_str`] and [`Version::from_str`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError(String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseError {}

impl FromStr for Level {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "privileged" => Ok(Level::Privileged),
            "baseline" => Ok(Level::Baseline),
            "restricted" => Ok(Level::Restricted),
            _ => Err(ParseError(format!(
                "invalid level {s:?}: expected privileged, baseline or restricted"
            ))),
        }
    }
}

/// A policy version: `latest` or `v1.N`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Version {
    #[default]
    Latest,
    V1(u32),
}

impl Version {
    /// The minor version the checks are selected for: `latest`, and anything newer than
    /// [`LATEST_MINOR`], resolve to [`LATEST_MINOR`] (upstream clamps to its newest check version).
    pub fn resolved_minor(self) -> u32 {
        match self {
            Version::Latest => LATEST_MINOR,
            Version::V1(n) => n.min(LATEST_MINOR),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Latest => f.write_str("latest"),
            Version::V1(n) => write!(f, "v1.{n}"),
        }
    }
}

impl FromStr for Version {
    type Err = ParseError;

    /// Accepts `latest` and `v1.N` with `N <= 37` written without leading zeros (as upstream's
    /// `api.ParseVersion`, which additionally accepts newer minors).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "latest" {
            return Ok(Version::Latest);
        }
        let err = || {
            ParseError(format!(
                "invalid policy version {s:?}: expected \"latest\" or v1.0 ... v1.{LATEST_MINOR}"
            ))
        };
        let minor = s.strip_prefix("v1.").ok_or_else(err)?;
        let well_formed = !minor.is_empty()
            && minor.bytes().all(|b| b.is_ascii_digit())
            && (minor == "0" || !minor.starts_with('0'));
        if !well_formed {
            return Err(err());
        }
        match minor.parse::<u32>() {
            Ok(n) if n <= LATEST_MINOR => Ok(Version::V1(n)),
            _ => Err(err()),
        }
    }
}

impl Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One failed check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The upstream check id, e.g. `privileged`, `seccompProfile_restricted`.
    pub check: &'static str,
    /// The upstream forbidden reason, e.g. `privileged`, `host namespaces`.
    pub reason: String,
    /// The upstream-style forbidden detail, e.g.
    /// `container "app" must not set securityContext.privileged=true`.
    pub detail: String,
    /// The offending fields; for a missing field, the securityContext (or the container) that
    /// should hold it.
    pub pointers: Vec<Pointer>,
}

/// Static description of an upstream check.
#[derive(Debug)]
pub struct CheckInfo {
    /// The upstream check id.
    pub id: &'static str,
    /// `Baseline` or `Restricted`.
    pub level: Level,
    /// The Pod Security Standards control it implements.
    pub control: &'static str,
    /// What it requires.
    pub summary: &'static str,
    /// Its revisions, oldest first.
    pub versions: &'static [CheckVersion],
}

/// One revision of a check.
#[derive(Debug)]
pub struct CheckVersion {
    /// The first policy minor version (`1.N`) this revision applies to.
    pub min_minor: u32,
    /// Baseline checks this (restricted) revision replaces while it is active.
    pub overrides: &'static [&'static str],
    /// What changed in this revision.
    pub note: &'static str,
    run: CheckFn,
}

impl CheckInfo {
    /// The revision active at policy minor version `minor`, if the check exists there.
    pub fn version_at(&self, minor: u32) -> Option<&'static CheckVersion> {
        self.versions.iter().rev().find(|v| v.min_minor <= minor)
    }
}

const fn rev(min_minor: u32, run: CheckFn, note: &'static str) -> CheckVersion {
    CheckVersion {
        min_minor,
        overrides: &[],
        note,
        run,
    }
}

const fn rev_over(
    min_minor: u32,
    run: CheckFn,
    overrides: &'static [&'static str],
    note: &'static str,
) -> CheckVersion {
    CheckVersion {
        min_minor,
        overrides,
        note,
        run,
    }
}

/// Every upstream check, in upstream registration order (file name order).
static CHECKS: &[CheckInfo] = &[
    CheckInfo {
        id: "allowPrivilegeEscalation",
        level: Level::Restricted,
        control: "Privilege Escalation",
        summary: "Every container must set securityContext.allowPrivilegeEscalation=false.",
        versions: &[
            rev(8, checks::allow_privilege_escalation_1_8, "introduced"),
            rev(
                25,
                checks::allow_privilege_escalation_1_25,
                "pods with spec.os.name=windows are exempt",
            ),
        ],
    },
    CheckInfo {
        id: "appArmorProfile",
        level: Level::Baseline,
        control: "AppArmor",
        summary: "appArmorProfile.type (pod, containers) must be RuntimeDefault or Localhost when set; \
                  container.apparmor.security.beta.kubernetes.io/* annotations must be runtime/default, \
                  localhost/* or empty.",
        versions: &[rev(
            0,
            checks::app_armor_profile_1_0,
            "annotations and fields (the field check was added to this revision in place)",
        )],
    },
    CheckInfo {
        id: "capabilities_baseline",
        level: Level::Baseline,
        control: "Capabilities",
        summary: "securityContext.capabilities.add may only hold the default capabilities \
                  (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, \
                  SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT).",
        versions: &[rev(0, checks::capabilities_baseline_1_0, "introduced")],
    },
    CheckInfo {
        id: "capabilities_restricted",
        level: Level::Restricted,
        control: "Capabilities",
        summary: "Every container must drop ALL and may add only NET_BIND_SERVICE.",
        versions: &[
            rev_over(
                22,
                checks::capabilities_restricted_1_22,
                &["capabilities_baseline"],
                "introduced; replaces capabilities_baseline",
            ),
            rev_over(
                25,
                checks::capabilities_restricted_1_25,
                &["capabilities_baseline"],
                "pods with spec.os.name=windows are exempt",
            ),
        ],
    },
    CheckInfo {
        id: "hostNamespaces",
        level: Level::Baseline,
        control: "Host Namespaces",
        summary: "spec.hostNetwork, spec.hostPID and spec.hostIPC must not be true.",
        versions: &[rev(0, checks::host_namespaces_1_0, "introduced")],
    },
    CheckInfo {
        id: "hostPathVolumes",
        level: Level::Baseline,
        control: "HostPath Volumes",
        summary: "No volume may be a hostPath volume.",
        versions: &[rev(0, checks::host_path_volumes_1_0, "introduced")],
    },
    CheckInfo {
        id: "hostPorts",
        level: Level::Baseline,
        control: "Host Ports",
        summary: "No container port may set a non-zero hostPort.",
        versions: &[rev(0, checks::host_ports_1_0, "introduced")],
    },
    CheckInfo {
        id: "hostProbesAndHostLifecycle",
        level: Level::Baseline,
        control: "Host Probes / Lifecycle Hooks",
        summary: "Probes (liveness, readiness, startup) and lifecycle handlers (postStart, preStop) \
                  must not set httpGet.host or tcpSocket.host.",
        versions: &[rev(
            34,
            checks::host_probes_and_host_lifecycle_1_34,
            "introduced",
        )],
    },
    CheckInfo {
        id: "privileged",
        level: Level::Baseline,
        control: "Privileged Containers",
        summary: "No container may set securityContext.privileged=true.",
        versions: &[rev(0, checks::privileged_1_0, "introduced")],
    },
    CheckInfo {
        id: "procMount",
        level: Level::Baseline,
        control: "/proc Mount Type",
        summary: "securityContext.procMount must be Default when set.",
        versions: &[
            rev(0, checks::proc_mount_1_0, "introduced"),
            rev(
                35,
                checks::proc_mount_1_35_baseline,
                "any value is allowed for pods with spec.hostUsers=false",
            ),
        ],
    },
    CheckInfo {
        id: "procMount_restricted",
        level: Level::Restricted,
        control: "/proc Mount Type",
        summary: "securityContext.procMount must be Default when set, also in user namespaces.",
        versions: &[rev_over(
            35,
            checks::proc_mount_1_0,
            &["procMount"],
            "introduced; replaces procMount",
        )],
    },
    CheckInfo {
        id: "restrictedVolumes",
        level: Level::Restricted,
        control: "Volume Types",
        summary: "Volumes may only be configMap, csi, downwardAPI, emptyDir, ephemeral, image, \
                  persistentVolumeClaim, projected or secret.",
        versions: &[rev_over(
            0,
            checks::restricted_volumes_1_0,
            &["hostPathVolumes"],
            "introduced (image was added to this revision in place); replaces hostPathVolumes",
        )],
    },
    CheckInfo {
        id: "runAsNonRoot",
        level: Level::Restricted,
        control: "Running as Non-root",
        summary: "runAsNonRoot must be true at pod level or in every container, and never false.",
        versions: &[
            rev(0, checks::run_as_non_root_1_0, "introduced"),
            rev(
                35,
                checks::run_as_non_root_1_35,
                "pods with spec.hostUsers=false are exempt",
            ),
        ],
    },
    CheckInfo {
        id: "runAsUser",
        level: Level::Restricted,
        control: "Running as Non-root user",
        summary: "Neither the pod nor a container may set runAsUser=0.",
        versions: &[
            rev(23, checks::run_as_user_1_23, "introduced"),
            rev(
                35,
                checks::run_as_user_1_35,
                "pods with spec.hostUsers=false are exempt",
            ),
        ],
    },
    CheckInfo {
        id: "seLinuxOptions",
        level: Level::Baseline,
        control: "SELinux",
        summary: "seLinuxOptions.type must be empty, container_t, container_init_t, container_kvm_t \
                  (or container_engine_t from v1.31); user and role must not be set.",
        versions: &[
            rev(0, checks::se_linux_options_1_0, "introduced"),
            rev(
                31,
                checks::se_linux_options_1_31,
                "container_engine_t is allowed",
            ),
        ],
    },
    CheckInfo {
        id: "seccompProfile_baseline",
        level: Level::Baseline,
        control: "Seccomp",
        summary: "The seccomp profile must not be Unconfined (or another invalid value) when set.",
        versions: &[
            rev(
                0,
                checks::seccomp_profile_baseline_1_0,
                "the seccomp.security.alpha.kubernetes.io annotations",
            ),
            rev(
                19,
                checks::seccomp_profile_baseline_1_19,
                "the securityContext.seccompProfile fields instead of the annotations",
            ),
        ],
    },
    CheckInfo {
        id: "seccompProfile_restricted",
        level: Level::Restricted,
        control: "Seccomp",
        summary: "seccompProfile.type must be RuntimeDefault or Localhost, set at pod level or in \
                  every container.",
        versions: &[
            rev_over(
                19,
                checks::seccomp_profile_restricted_1_19,
                &["seccompProfile_baseline"],
                "introduced; replaces seccompProfile_baseline",
            ),
            rev_over(
                25,
                checks::seccomp_profile_restricted_1_25,
                &["seccompProfile_baseline"],
                "pods with spec.os.name=windows are exempt",
            ),
        ],
    },
    CheckInfo {
        id: "sysctls",
        level: Level::Baseline,
        control: "Sysctls",
        summary: "spec.securityContext.sysctls may only name the safe sysctls of the version.",
        versions: &[
            rev(
                0,
                checks::sysctls_1_0,
                "kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies, \
                 net.ipv4.ping_group_range, net.ipv4.ip_unprivileged_port_start",
            ),
            rev(
                27,
                checks::sysctls_1_27,
                "+ net.ipv4.ip_local_reserved_ports",
            ),
            rev(
                29,
                checks::sysctls_1_29,
                "+ net.ipv4.tcp_keepalive_time, net.ipv4.tcp_fin_timeout, \
                 net.ipv4.tcp_keepalive_intvl, net.ipv4.tcp_keepalive_probes",
            ),
            rev(
                32,
                checks::sysctls_1_32,
                "+ net.ipv4.tcp_rmem, net.ipv4.tcp_wmem",
            ),
            rev(
                37,
                checks::sysctls_1_37,
                "+ net.ipv4.tcp_slow_start_after_idle, net.ipv4.tcp_notsent_lowat",
            ),
        ],
    },
    CheckInfo {
        id: "windowsHostProcess",
        level: Level::Baseline,
        control: "HostProcess",
        summary: "Neither the pod nor a container may set windowsOptions.hostProcess=true.",
        versions: &[rev(0, checks::windows_host_process_1_0, "introduced")],
    },
];

/// Static description of each upstream check (id, level, control, revisions), for docs.
pub fn checks() -> &'static [CheckInfo] {
    CHECKS
}

/// The check with upstream id `id`.
pub fn check(id: &str) -> Option<&'static CheckInfo> {
    CHECKS.iter().find(|c| c.id == id)
}

/// The checks run for `level` at `version`, with the revision of each, in evaluation order
/// (baseline checks first, then restricted ones, as upstream).
pub fn active_checks(
    level: Level,
    version: Version,
) -> Vec<(&'static CheckInfo, &'static CheckVersion)> {
    if level == Level::Privileged {
        return Vec::new();
    }
    let minor = version.resolved_minor();
    let active = |lvl: Level| {
        CHECKS
            .iter()
            .filter(move |c| c.level == lvl)
            .filter_map(move |c| Some((c, c.version_at(minor)?)))
    };
    let restricted: Vec<_> = if level == Level::Restricted {
        active(Level::Restricted).collect()
    } else {
        Vec::new()
    };
    let overridden = |id: &str| restricted.iter().any(|(_, v)| v.overrides.contains(&id));
    let mut out: Vec<_> = active(Level::Baseline)
        .filter(|(c, _)| !overridden(c.id))
        .collect();
    out.extend(restricted.iter().copied());
    out
}

/// Evaluates the pod template of `w` at `level` and `version`: one violation per failed check.
pub fn evaluate(level: Level, version: Version, w: &Workload<'_>) -> Vec<Violation> {
    active_checks(level, version)
        .into_iter()
        .filter_map(|(info, rev)| {
            let out = (rev.run)(w)?;
            Some(Violation {
                check: info.id,
                reason: out.reason,
                detail: out.detail,
                pointers: out.pointers,
            })
        })
        .collect()
}

/// Whether the pod template of `w` is allowed at `level` and `version`.
pub fn allowed(level: Level, version: Version, w: &Workload<'_>) -> bool {
    active_checks(level, version)
        .into_iter()
        .all(|(_, rev)| (rev.run)(w).is_none())
}

#[cfg(test)]
mod tests;
