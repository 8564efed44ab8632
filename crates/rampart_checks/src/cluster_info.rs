//! The `ClusterInfo` object: what rampart learned about a cluster that is not itself a Kubernetes
//! object (the server version, the answers to unauthenticated requests).
//!
//! When rampart reads a live cluster or a snapshot it adds one such object to the scanned objects,
//! so cluster-level checks stay ordinary object checks: pure, testable with fixture files, and
//! identical for a live scan and a scan of its snapshot. Its shape (see `docs/cluster-info.md`):
//!
//! ```yaml
//! apiVersion: rampart.dev/v1
//! kind: ClusterInfo
//! metadata:
//!   name: prod              # the kubeconfig context (else the server URL)
//! server: https://10.0.0.1:6443
//! takenAt: "2026-11-27T07:00:00Z"   # when the cluster was read
//! serverVersion:
//!   gitVersion: v1.37.2
//!   major: "1"
//!   minor: "37"
//! anonymous:                # GET without credentials: HTTP status, or the error
//!   api: {status: 401}
//!   version: {status: 401}
//! ```

use jiff::civil::Date;
use rampart_model::{Pointer, Resource};
use serde_json::Value;

/// `apiVersion` of the object.
pub const API_VERSION: &str = "rampart.dev/v1";
/// `kind` of the object.
pub const KIND: &str = "ClusterInfo";

/// True for a `rampart.dev/v1` `ClusterInfo` object.
pub fn is_cluster_info(res: &Resource) -> bool {
    res.kind() == KIND && res.id.api_version == API_VERSION
}

/// A Kubernetes `major.minor` version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Minor {
    pub major: u32,
    pub minor: u32,
}

impl std::fmt::Display for Minor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// What the object says about the server version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerVersion {
    /// No version recorded.
    Absent,
    /// A version that is not `major.minor` (the text and the field holding it).
    Unreadable { text: String, pointer: Pointer },
    /// The version (`text` is `gitVersion`, or `major.minor`) and the field to point at.
    Known {
        minor: Minor,
        text: String,
        pointer: Pointer,
    },
}

/// The leading decimal digits of `s` as a number (`"28+"` is 28); `None` without any.
fn leading_number(s: &str) -> Option<u32> {
    let digits: &str = &s[..s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len())];
    digits.parse().ok()
}

/// `major.minor` of a `gitVersion` such as `v1.28.3-eks-4f4795d` or `1.37`.
pub fn parse_git_version(s: &str) -> Option<Minor> {
    let s = s.trim();
    let s = s.strip_prefix('v').unwrap_or(s);
    let mut parts = s.splitn(3, '.');
    let major = parts.next()?;
    if major.is_empty() || !major.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let minor = leading_number(parts.next()?)?;
    Some(Minor {
        major: major.parse().ok()?,
        minor,
    })
}

/// The server version of a `ClusterInfo` object: `serverVersion.major`/`minor` as `/version`
/// reports them (managed clusters add a `+` to the minor), else `serverVersion.gitVersion`, else
/// `serverVersion` written as a plain string.
pub fn server_version(raw: &Value) -> ServerVersion {
    let base = Pointer::root().join("serverVersion");
    let Some(sv) = raw.get("serverVersion") else {
        return ServerVersion::Absent;
    };
    let text_of = |v: Option<&Value>| -> Option<String> {
        match v? {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let (git, git_ptr) = match sv {
        Value::Object(m) => (text_of(m.get("gitVersion")), base.join("gitVersion")),
        Value::Null => return ServerVersion::Absent,
        other => (text_of(Some(other)), base.clone()),
    };
    let major = text_of(sv.get("major"));
    let minor = text_of(sv.get("minor"));
    if let (Some(ma), Some(mi)) = (&major, &minor) {
        if let (Ok(major_n), Some(minor_n)) = (ma.parse::<u32>(), leading_number(mi)) {
            let minor = Minor {
                major: major_n,
                minor: minor_n,
            };
            let pointer = if git.is_some() {
                git_ptr
            } else {
                base.join("minor")
            };
            return ServerVersion::Known {
                minor,
                text: git.unwrap_or_else(|| minor.to_string()),
                pointer,
            };
        }
    }
    match git {
        Some(text) => match parse_git_version(&text) {
            Some(minor) => ServerVersion::Known {
                minor,
                text,
                pointer: git_ptr,
            },
            None => ServerVersion::Unreadable {
                text,
                pointer: git_ptr,
            },
        },
        None => match (major, minor) {
            (None, None) => ServerVersion::Absent,
            (ma, mi) => ServerVersion::Unreadable {
                text: format!(
                    "major {:?}, minor {:?}",
                    ma.unwrap_or_default(),
                    mi.unwrap_or_default()
                ),
                pointer: base,
            },
        },
    }
}

/// The day the cluster was read (`takenAt`, RFC 3339, as a UTC date), if the object says.
pub fn taken_on(raw: &Value) -> Option<Date> {
    let s = raw.get("takenAt")?.as_str()?.trim();
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Some(ts.to_zoned_datetime(jiff::tz::TimeZone::UTC).date());
    }
    s.parse::<Date>().ok()
}

/// What one unauthenticated request got: an HTTP status, or an error (no answer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    Status(u16),
    Error(String),
    Unknown,
}

impl Probe {
    /// How the message names the answer: `answered 200`, `got no answer (timed out)`.
    pub fn describe(&self) -> String {
        match self {
            Probe::Status(s) => format!("answered {s}"),
            Probe::Error(e) => format!("got no answer ({e})"),
            Probe::Unknown => "was not probed".into(),
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Probe::Status(s) => Some(*s),
            _ => None,
        }
    }
}

/// The anonymous probe of a `ClusterInfo` object: `(path, answer)` for `/api` and `/version`.
/// `None` when the object records no probe.
pub fn anonymous(raw: &Value) -> Option<[(&'static str, Probe); 2]> {
    let a = raw.get("anonymous")?.as_object()?;
    let one = |key: &str| -> Probe {
        let Some(p) = a.get(key) else {
            return Probe::Unknown;
        };
        match p.get("status").and_then(Value::as_u64) {
            Some(s) => match u16::try_from(s) {
                Ok(s) => Probe::Status(s),
                Err(_) => Probe::Unknown,
            },
            None => match p.get("error").and_then(Value::as_str) {
                Some(e) => Probe::Error(e.to_owned()),
                None => Probe::Unknown,
            },
        }
    };
    Some([("/api", one("api")), ("/version", one("version"))])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn versions() {
        let m = |major, minor| Minor { major, minor };
        assert_eq!(parse_git_version("v1.37.2"), Some(m(1, 37)));
        assert_eq!(parse_git_version("v1.28.3-eks-4f4795d"), Some(m(1, 28)));
        assert_eq!(parse_git_version("1.20"), Some(m(1, 20)));
        assert_eq!(parse_git_version("v1.30.0+k3s1"), Some(m(1, 30)));
        assert_eq!(parse_git_version("v1"), None);
        assert_eq!(parse_git_version("vx.y"), None);
        assert_eq!(parse_git_version(""), None);
        assert_eq!(parse_git_version("v99999999999.1"), None);

        let known = |v: Value| match server_version(&v) {
            ServerVersion::Known { minor, .. } => Some(minor),
            _ => None,
        };
        assert_eq!(
            known(
                json!({"serverVersion": {"gitVersion": "v1.28.3-gke.1", "major": "1", "minor": "28+"}})
            ),
            Some(m(1, 28))
        );
        assert_eq!(known(json!({"serverVersion": "v1.20.4"})), Some(m(1, 20)));
        assert_eq!(
            known(json!({"serverVersion": {"major": "1", "minor": "31"}})),
            Some(m(1, 31))
        );
        assert_eq!(server_version(&json!({})), ServerVersion::Absent);
        assert_eq!(
            server_version(&json!({"serverVersion": {}})),
            ServerVersion::Absent
        );
        assert!(matches!(
            server_version(&json!({"serverVersion": {"gitVersion": "banana"}})),
            ServerVersion::Unreadable { .. }
        ));
        assert!(matches!(
            server_version(&json!({"serverVersion": [1, 2]})),
            ServerVersion::Absent | ServerVersion::Unreadable { .. }
        ));
    }

    #[test]
    fn dates_and_probes() {
        assert_eq!(
            taken_on(&json!({"takenAt": "2026-11-27T23:30:00-05:00"})),
            Some(jiff::civil::date(2026, 11, 28))
        );
        assert_eq!(
            taken_on(&json!({"takenAt": "2026-11-27"})),
            Some(jiff::civil::date(2026, 11, 27))
        );
        assert_eq!(taken_on(&json!({"takenAt": "soon"})), None);
        assert_eq!(taken_on(&json!({"takenAt": 5})), None);

        let p = anonymous(
            &json!({"anonymous": {"api": {"status": 403}, "version": {"error": "timed out"}}}),
        )
        .expect("probe");
        assert_eq!(p[0], ("/api", Probe::Status(403)));
        assert_eq!(p[1], ("/version", Probe::Error("timed out".into())));
        let p = anonymous(&json!({"anonymous": {"api": {"status": 70000}}})).expect("probe");
        assert_eq!(p[0].1, Probe::Unknown);
        assert_eq!(p[1].1, Probe::Unknown);
        assert!(anonymous(&json!({"anonymous": "yes"})).is_none());
    }
}
