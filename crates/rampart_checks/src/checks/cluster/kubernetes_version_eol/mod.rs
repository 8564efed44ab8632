//! `kubernetes-version-eol`: the cluster runs a Kubernetes minor version past its end of life.
//!
//! The day judged is the day the cluster was read (`takenAt` of the `ClusterInfo` object), so a
//! snapshot scanned later gives the findings of the live scan; an object without `takenAt` (one
//! written by hand) is judged on the day of the scan.

use jiff::civil::Date;
use rampart_model::{meta, Category, Control, Severity};

use super::kubernetes_releases::{self as releases, Support};
use crate::cluster_info::{self, ServerVersion};
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "kubernetes-version-eol",
        title: "Kubernetes version is past its end of life",
        severity: Severity::High,
        category: Category::Hygiene,
        controls: &[
            Control::Nsa {
                section: "Upgrading and application security practices",
            },
            Control::MitreAttack {
                id: "T1190",
                name: "Exploit Public-Facing Application",
            },
            Control::MitreAttack {
                id: "T1068",
                name: "Exploitation for Privilege Escalation",
            },
        ],
        rationale: "The Kubernetes project supports each minor release for about 14 months (12 \
            months of patches, then 2 months to upgrade). After its end-of-life date a minor gets no \
            more patch releases: vulnerabilities found later in the API server, kubelet or \
            controllers stay open, and published advisories tell attackers exactly what works. \
            rampart compares the server's minor version with a dated table of releases \
            (crates/rampart_checks/src/checks/cluster/kubernetes_releases.rs, dates from \
            kubernetes.io/releases) on the day the cluster was read. A version newer than the table \
            is not reported; one that cannot be read is reported, since its support cannot be shown.",
        remediation: "Upgrade the control plane one minor version at a time (then the nodes, \
            within the version skew policy) until it runs a supported minor; before each step, move \
            manifests off the APIs it removes (kubernetes.io Deprecated API Migration Guide). On a managed \
            service, a vendor's extended support may still patch the version: if so, record it \
            with a waiver that expires when that support ends.",
        kinds: &["ClusterInfo"],
        example_fail: "apiVersion: rampart.dev/v1\nkind: ClusterInfo\nmetadata:\n  name: prod\nserverVersion:\n  gitVersion: v1.20.15\n",
        example_pass: "apiVersion: rampart.dev/v1\nkind: ClusterInfo\nmetadata:\n  name: prod\ntakenAt: \"2026-11-27T07:00:00Z\"\nserverVersion:\n  gitVersion: v1.37.2\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if !cluster_info::is_cluster_info(ctx.res) {
        return;
    }
    let (day, when) = match cluster_info::taken_on(ctx.raw()) {
        Some(d) => (d, "when the cluster was read"),
        None => (jiff::ZonedDateTime::now().date(), "today"),
    };
    if let Some((ptr, message)) = judge(&cluster_info::server_version(ctx.raw()), day, when) {
        out.emit(ptr, message);
    }
}

/// The finding for a server version on a day, if any.
fn judge(
    version: &ServerVersion,
    day: Date,
    when: &str,
) -> Option<(rampart_model::Pointer, String)> {
    let upgrade = |day: Date| match releases::oldest_supported(day) {
        Some(r) => format!("; the oldest supported minor on {day} is {}", r.minor),
        None => String::new(),
    };
    match version {
        ServerVersion::Absent => None,
        ServerVersion::Unreadable { text, pointer } => Some((
            pointer.clone(),
            format!(
                "the server version {text:?} is not a Kubernetes major.minor version: rampart cannot tell whether it is still supported"
            ),
        )),
        ServerVersion::Known {
            minor,
            text,
            pointer,
        } => match releases::support(*minor, day) {
            Support::EndOfLife(r) => Some((
                pointer.clone(),
                format!(
                    "Kubernetes {text} (minor {}) reached its end of life on {} and gets no security fixes ({when}: {day}){}",
                    r.minor,
                    r.end_of_life,
                    upgrade(day)
                ),
            )),
            Support::OlderThanTable => Some((
                pointer.clone(),
                format!(
                    "Kubernetes {text} (minor {minor}) is older than 1.19 and long past its end of life{}",
                    upgrade(day)
                ),
            )),
            Support::Supported(_) | Support::Unknown => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster_info::Minor;
    use jiff::civil::date;
    use rampart_model::Pointer;

    fn known(minor: u32) -> ServerVersion {
        ServerVersion::Known {
            minor: Minor { major: 1, minor },
            text: format!("v1.{minor}.0"),
            pointer: Pointer::root(),
        }
    }

    #[test]
    fn judged_on_the_given_day() {
        let (_, msg) = judge(&known(20), date(2026, 11, 27), "today").expect("finding");
        assert!(msg.contains("2022-02-28"), "{msg}");
        assert!(
            msg.contains("oldest supported minor on 2026-11-27 is 1.35"),
            "{msg}"
        );
        assert!(judge(&known(34), date(2026, 10, 27), "today").is_none());
        assert!(judge(&known(34), date(2026, 10, 28), "today").is_some());
        assert!(judge(&known(37), date(2026, 11, 27), "today").is_none());
        assert!(judge(&known(99), date(2026, 11, 27), "today").is_none());
        let (_, msg) = judge(&known(9), date(2026, 11, 27), "today").expect("finding");
        assert!(msg.contains("older than 1.19"), "{msg}");
        assert!(judge(&ServerVersion::Absent, date(2026, 11, 27), "today").is_none());
        let unreadable = ServerVersion::Unreadable {
            text: "banana".into(),
            pointer: Pointer::root(),
        };
        assert!(judge(&unreadable, date(2026, 11, 27), "today").is_some());
    }
}
