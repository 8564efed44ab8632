//! What a cluster read covered: the types read, the types not read and why, and whether the
//! result is partial.

use serde::{Deserialize, Serialize};

/// What a cluster read covered. Serialized as the `coverage` section of reports and snapshots.
///
/// `partial` is true whenever anything is missing: a type that could not be listed (forbidden,
/// failed, or the server went away mid-scan). A partial result is never complete coverage.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Coverage {
    /// Types listed in full (in the namespaces asked for), sorted by group, version, resource.
    pub read: Vec<TypeRead>,
    /// Types (or whole group-versions, with `resource: "*"`) that could not be listed, and why.
    pub not_read: Vec<TypeGap>,
    /// True when anything could not be read.
    pub partial: bool,
}

/// One resource type that was listed.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeRead {
    /// API group; empty for the core group.
    pub group: String,
    pub version: String,
    /// Plural resource name (`pods`).
    pub resource: String,
    pub kind: String,
    pub namespaced: bool,
    /// Objects kept (after namespace filters).
    pub count: usize,
    /// True when only metadata was read (Secrets).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub metadata_only: bool,
}

/// One resource type (or group-version) that could not be listed.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeGap {
    pub group: String,
    pub version: String,
    /// Plural resource name, or `*` when the group-version's discovery failed.
    pub resource: String,
    /// Empty when unknown (discovery failed).
    pub kind: String,
    pub namespaced: bool,
    /// The namespace whose list failed, when lists were made per namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub reason: GapReason,
    /// What the server (or the connection) said.
    pub message: String,
}

/// Why a type was not read.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum GapReason {
    /// RBAC denied the list (403).
    Forbidden,
    /// The credentials were rejected (401) after the scan started.
    Unauthorized,
    /// The type disappeared between discovery and list (404), or its API is gone.
    NotFound,
    /// The server answered with an error (5xx after retries, 406, ...).
    ServerError,
    /// The request timed out after retries.
    Timeout,
    /// The connection to the server failed (the server stopped mid-scan?).
    Unreachable,
    /// The answer could not be decoded.
    Invalid,
    /// Deliberately not read (e.g. a duplicate view of objects read under another group).
    Skipped,
    /// Anything else.
    #[default]
    Other,
}

impl GapReason {
    pub fn as_str(self) -> &'static str {
        match self {
            GapReason::Forbidden => "forbidden",
            GapReason::Unauthorized => "unauthorized",
            GapReason::NotFound => "notFound",
            GapReason::ServerError => "serverError",
            GapReason::Timeout => "timeout",
            GapReason::Unreachable => "unreachable",
            GapReason::Invalid => "invalid",
            GapReason::Skipped => "skipped",
            GapReason::Other => "other",
        }
    }
}

impl std::fmt::Display for GapReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TypeRead {
    /// `resource.group/version` (`pods/v1`, `deployments.apps/v1`).
    pub fn display_name(&self) -> String {
        type_name(&self.group, &self.version, &self.resource)
    }
}

impl TypeGap {
    /// `resource.group/version`, with ` in NAMESPACE` when the gap is one namespace.
    pub fn display_name(&self) -> String {
        let t = type_name(&self.group, &self.version, &self.resource);
        match &self.namespace {
            Some(ns) => format!("{t} in {ns}"),
            None => t,
        }
    }
}

fn type_name(group: &str, version: &str, resource: &str) -> String {
    if group.is_empty() {
        format!("{resource}/{version}")
    } else {
        format!("{resource}.{group}/{version}")
    }
}

impl Coverage {
    /// Sorts both lists and sets `partial` from `not_read` (skipped types do not count). Call
    /// after filling the lists; `partial` stays true if it was already set.
    pub fn finish(&mut self) {
        self.read.sort();
        self.not_read.sort();
        self.partial |= self.not_read.iter().any(|g| g.reason != GapReason::Skipped);
    }

    /// True when the server stopped answering (or stopped accepting the credentials) during the
    /// read: some types failed for unreachable, timeout or unauthorized. Unlike RBAC gaps, this
    /// is a failed read whose results are partial.
    pub fn interrupted(&self) -> bool {
        self.not_read.iter().any(|g| {
            matches!(
                g.reason,
                GapReason::Unreachable | GapReason::Timeout | GapReason::Unauthorized
            )
        })
    }

    /// Objects read over every type.
    pub fn objects(&self) -> usize {
        self.read.iter().map(|t| t.count).sum()
    }

    /// Gaps that are not deliberate skips.
    pub fn gaps(&self) -> impl Iterator<Item = &TypeGap> {
        self.not_read
            .iter()
            .filter(|g| g.reason != GapReason::Skipped)
    }

    /// One line for humans: `read 61 types (412 objects); 3 not read (forbidden: 2, timeout: 1): partial`.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "read {} types ({} objects)",
            self.read.len(),
            self.objects()
        );
        let gaps: Vec<_> = self.gaps().collect();
        if !gaps.is_empty() {
            let mut by_reason: std::collections::BTreeMap<GapReason, usize> = Default::default();
            for g in &gaps {
                *by_reason.entry(g.reason).or_default() += 1;
            }
            let reasons: Vec<String> = by_reason.iter().map(|(r, n)| format!("{r}: {n}")).collect();
            s.push_str(&format!(
                "; {} not read ({})",
                gaps.len(),
                reasons.join(", ")
            ));
        }
        if self.partial {
            s.push_str("; PARTIAL: results do not cover the whole cluster");
        }
        s
    }
}

/// What the API server answered to requests without credentials (same CA and TLS settings).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnonymousProbe {
    /// `GET /api` without credentials.
    pub api: ProbeStatus,
    /// `GET /version` without credentials.
    pub version: ProbeStatus,
}

/// The HTTP status of one unauthenticated request, or why there was none.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProbeStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl AnonymousProbe {
    /// `Some(true)` when the server accepted an anonymous request (any answer other than 401),
    /// `Some(false)` when it rejected both with 401, `None` when the probe got no answer.
    pub fn anonymous_auth_enabled(&self) -> Option<bool> {
        let statuses: Vec<u16> = [self.api.status, self.version.status]
            .into_iter()
            .flatten()
            .collect();
        if statuses.is_empty() {
            None
        } else {
            Some(statuses.iter().any(|s| *s != 401))
        }
    }

    /// True when an anonymous request got a 2xx answer (read access without credentials).
    pub fn anonymous_read_allowed(&self) -> bool {
        [self.api.status, self.version.status]
            .into_iter()
            .flatten()
            .any(|s| (200..300).contains(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gap(resource: &str, reason: GapReason) -> TypeGap {
        TypeGap {
            resource: resource.into(),
            version: "v1".into(),
            reason,
            ..Default::default()
        }
    }

    #[test]
    fn partial_follows_gaps_but_not_skips() {
        let mut c = Coverage {
            read: vec![TypeRead {
                resource: "pods".into(),
                version: "v1".into(),
                kind: "Pod".into(),
                namespaced: true,
                count: 3,
                ..Default::default()
            }],
            not_read: vec![gap("events", GapReason::Skipped)],
            partial: false,
        };
        c.finish();
        assert!(!c.partial);
        assert_eq!(c.summary(), "read 1 types (3 objects)");
        c.not_read.push(gap("secrets", GapReason::Forbidden));
        c.finish();
        assert!(c.partial);
        assert!(c.summary().contains("1 not read (forbidden: 1)"));
        assert!(c.summary().contains("PARTIAL"));
    }

    #[test]
    fn serializes_camel_case() {
        let mut c = Coverage::default();
        c.read.push(TypeRead {
            group: "apps".into(),
            version: "v1".into(),
            resource: "deployments".into(),
            kind: "Deployment".into(),
            namespaced: true,
            count: 2,
            metadata_only: false,
        });
        c.not_read.push(TypeGap {
            namespace: Some("kube-system".into()),
            ..gap("secrets", GapReason::Forbidden)
        });
        c.finish();
        let v = serde_json::to_value(&c).unwrap_or_default();
        assert_eq!(v["partial"], true);
        assert_eq!(v["read"][0]["resource"], "deployments");
        assert!(v["read"][0].get("metadataOnly").is_none());
        assert_eq!(v["notRead"][0]["reason"], "forbidden");
        assert_eq!(v["notRead"][0]["namespace"], "kube-system");
        let back: Coverage = serde_json::from_value(v).unwrap_or_default();
        assert_eq!(back, c);
        assert_eq!(c.not_read[0].display_name(), "secrets/v1 in kube-system");
        assert_eq!(c.read[0].display_name(), "deployments.apps/v1");
    }

    #[test]
    fn anonymous_probe() {
        let mut p = AnonymousProbe::default();
        assert_eq!(p.anonymous_auth_enabled(), None);
        p.api.status = Some(401);
        p.version.status = Some(401);
        assert_eq!(p.anonymous_auth_enabled(), Some(false));
        assert!(!p.anonymous_read_allowed());
        p.version.status = Some(200);
        p.api.status = Some(403);
        assert_eq!(p.anonymous_auth_enabled(), Some(true));
        assert!(p.anonymous_read_allowed());
    }
}
