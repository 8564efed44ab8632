//! Results: one shape for every subject (a Kubernetes object, a node component, an image, a
//! package, an audit event, the cluster) and every source (files, cluster, snapshot, admission,
//! node, image, audit log).
//!
//! A [`Finding`] is one result of one check about one [`Subject`]: its [`Status`] (most checks
//! only report failures; benchmark-style checks also report passes, manual and not-applicable
//! items), the [`Evidence`] that decided it, [`Related`] objects (the binding and role behind an
//! RBAC finding), a [`Fingerprint`] that survives lines moving, and an optional [`Fix`].

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::{ObjectRef, Pointer, Pos, Severity};

/// A resolved place in a file.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    /// Shared by every finding in the same file.
    pub path: Arc<Path>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// The text of that line, when the reporter asked for it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub snippet: Option<String>,
}

/// The outcome of a check on its subject.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The subject fails the check. The only status most checks report.
    #[default]
    Fail,
    /// The subject was examined and passes.
    Pass,
    /// A person must judge (the evidence says what to look at).
    Manual,
    /// The check does not apply (the component is absent or managed by a provider).
    NotApplicable,
    /// The check could not decide (an unreadable file, a policy that failed to evaluate).
    Error,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Fail,
        Status::Pass,
        Status::Manual,
        Status::NotApplicable,
        Status::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Fail => "fail",
            Status::Pass => "pass",
            Status::Manual => "manual",
            Status::NotApplicable => "not-applicable",
            Status::Error => "error",
        }
    }

    /// True for the statuses that are problems a person must act on (fail, error).
    pub fn is_problem(self) -> bool {
        matches!(self, Status::Fail | Status::Error)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A component of a node (or of the control plane) that a check judged.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Component {
    /// The node, when known (e.g. the host name `rampart node` ran on).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub node: Option<String>,
    /// `kube-apiserver`, `etcd`, `kubelet`, ...
    pub name: String,
}

/// A container image.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ImageRef {
    /// The reference as written (`registry/repo:tag@digest`).
    pub reference: String,
    /// The manifest digest, when resolved.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub digest: Option<String>,
}

/// A package found inside an image (or a lockfile).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PackageRef {
    /// The image it was found in.
    pub image: ImageRef,
    /// OSV ecosystem name: `Debian`, `Alpine`, `Go`, `crates.io`, `npm`, `PyPI`, `Maven`, ...
    pub ecosystem: String,
    pub name: String,
    pub version: String,
    /// Where in the image the package was recorded (its database or manifest file).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub path: Option<String>,
}

/// One Kubernetes audit event, identified as an alert needs it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventRef {
    /// `auditID` of the event.
    pub audit_id: String,
    /// The acting user (`user.username`).
    pub user: String,
    pub verb: String,
    /// The object acted on, as far as the event names it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub object: Option<ObjectRef>,
    /// `requestReceivedTimestamp`, as written.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub time: Option<String>,
}

/// What a result is about. Large variants are shared (`Arc`): many results name the same subject.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Subject {
    /// A Kubernetes object, from a file, a cluster, a snapshot or an admission request.
    Object(Arc<ObjectRef>),
    /// A control-plane or node component (its flags and files).
    Component(Arc<Component>),
    /// A container image.
    Image(Arc<ImageRef>),
    /// A package inside an image.
    Package(Arc<PackageRef>),
    /// An API-server audit event.
    Event(Arc<EventRef>),
    /// The cluster as a whole (facts that belong to no object, e.g. its version).
    Cluster {
        #[serde(skip_serializing_if = "Option::is_none", default)]
        name: Option<String>,
    },
}

impl Subject {
    /// The Kubernetes object, when the subject is one.
    pub fn object(&self) -> Option<&ObjectRef> {
        match self {
            Subject::Object(o) => Some(o),
            _ => None,
        }
    }

    /// The `type` tag of the subject in reports: `object`, `component`, `image`, `package`,
    /// `event` or `cluster`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Subject::Object(_) => "object",
            Subject::Component(_) => "component",
            Subject::Image(_) => "image",
            Subject::Package(_) => "package",
            Subject::Event(_) => "event",
            Subject::Cluster { .. } => "cluster",
        }
    }

    /// A short human name: `Deployment/prod/web`, `component kubelet on node-1`, `image nginx:1.27`,
    /// `package Debian openssl 3.0.11 in nginx:1.27`, `event 1f2e... (alice get secrets)`, `cluster`.
    pub fn display_name(&self) -> String {
        match self {
            Subject::Object(o) => o.display_name(),
            Subject::Component(c) => match &c.node {
                Some(n) => format!("{} on {n}", c.name),
                None => c.name.clone(),
            },
            Subject::Image(i) => format!("image {}", i.reference),
            Subject::Package(p) => format!(
                "{} {} {} in {}",
                p.ecosystem, p.name, p.version, p.image.reference
            ),
            Subject::Event(e) => format!("event {} ({} {})", e.audit_id, e.user, e.verb),
            Subject::Cluster { name: Some(n) } => format!("cluster {n}"),
            Subject::Cluster { name: None } => "cluster".to_owned(),
        }
    }

    /// The part of the fingerprint that names the subject: stable identity fields only (no uid,
    /// no file position, no time).
    fn identity(&self, out: &mut Fnv) {
        match self {
            Subject::Object(o) => {
                out.write_str("object");
                out.write_str(&o.kind);
                out.write_str(o.namespace.as_deref().unwrap_or(""));
                out.write_str(&o.name);
            }
            Subject::Component(c) => {
                out.write_str("component");
                out.write_str(c.node.as_deref().unwrap_or(""));
                out.write_str(&c.name);
            }
            Subject::Image(i) => {
                out.write_str("image");
                out.write_str(&i.reference);
            }
            Subject::Package(p) => {
                out.write_str("package");
                out.write_str(&p.image.reference);
                out.write_str(&p.ecosystem);
                out.write_str(&p.name);
                out.write_str(&p.version);
                out.write_str(p.path.as_deref().unwrap_or(""));
            }
            Subject::Event(e) => {
                out.write_str("event");
                out.write_str(&e.audit_id);
            }
            Subject::Cluster { name } => {
                out.write_str("cluster");
                out.write_str(name.as_deref().unwrap_or(""));
            }
        }
    }
}

impl From<ObjectRef> for Subject {
    fn from(o: ObjectRef) -> Self {
        Subject::Object(Arc::new(o))
    }
}

impl From<Arc<ObjectRef>> for Subject {
    fn from(o: Arc<ObjectRef>) -> Self {
        Subject::Object(o)
    }
}

/// What a check looked at and what it saw: a field, a flag, a file's content or permission bits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Evidence {
    /// What was examined, e.g. `--anonymous-auth`, `/etc/kubernetes/pki/ca.key (mode)`,
    /// `spec.hostNetwork`.
    pub source: String,
    /// What was found; absent when nothing was set or the file does not exist.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub found: Option<String>,
    /// What would pass, when the check knows.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub expected: Option<String>,
    /// Where it was seen (a file and line).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub location: Option<Location>,
}

impl Evidence {
    pub fn new(source: impl Into<String>, found: Option<String>) -> Self {
        Evidence {
            source: source.into(),
            found,
            expected: None,
            location: None,
        }
    }

    pub fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }
}

/// Another object that explains a result, e.g. the binding, role and rule behind an RBAC grant.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Related {
    /// What it is to the result: `binding`, `role`, `rule`, `policy`, ...
    pub role: Cow<'static, str>,
    pub object: Arc<ObjectRef>,
    /// The field that matters.
    pub pointer: Pointer,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub location: Option<Location>,
}

/// One change to an object, by JSON pointer (RFC 6902 semantics for `add`, `replace`, `remove`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Edit {
    /// Add the value at the pointer (creating the member, or inserting into an array).
    Add {
        pointer: Pointer,
        value: serde_json::Value,
    },
    /// Replace the value at the pointer.
    Replace {
        pointer: Pointer,
        value: serde_json::Value,
    },
    /// Remove the member or item at the pointer.
    Remove { pointer: Pointer },
}

/// How to fix a result: edits to the subject object.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Fix {
    /// One line saying what the fix does.
    pub description: String,
    /// False when the fix could break the workload (e.g. a read-only root filesystem for an app
    /// that writes to it): applied only when asked.
    pub safe: bool,
    pub edits: Vec<Edit>,
}

/// Whether a finding counts, and why not when it does not.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Suppression {
    /// It counts.
    #[default]
    Open,
    /// Waived by a config waiver or annotation; kept in JSON output for audit, not counted.
    Suppressed { by: String, reason: String },
    /// A waiver matched but expired on `expired`; the finding counts again.
    WaiverExpired { expired: String, reason: String },
}

/// A key that identifies a result across runs (for history and `--baseline`): a hash of the check
/// id, the subject's identity and the pointer. Line numbers, messages and severities are not part
/// of it, so moving lines or rewording a message does not make a finding new.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub u64);

impl Fingerprint {
    pub fn of(check: &str, subject: &Subject, pointer: &Pointer) -> Self {
        let mut h = Fnv::new();
        h.write_str(check);
        subject.identity(&mut h);
        h.write_str(pointer.as_str());
        Fingerprint(h.0)
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl std::str::FromStr for Fingerprint {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() != 16 {
            return Err(format!("fingerprint `{s}`: expected 16 hex digits"));
        }
        u64::from_str_radix(s, 16)
            .map(Fingerprint)
            .map_err(|_| format!("fingerprint `{s}`: expected 16 hex digits"))
    }
}

impl Fingerprint {
    /// The 16 lower-case hex digits, without the formatting machinery (reports write hundreds of
    /// thousands of them).
    pub fn to_hex(self) -> [u8; 16] {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 16];
        for (i, b) in out.iter_mut().enumerate() {
            *b = DIGITS[((self.0 >> (60 - 4 * i)) & 0xf) as usize];
        }
        out
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let hex = self.to_hex();
        // Hex digits are ASCII.
        s.serialize_str(std::str::from_utf8(&hex).unwrap_or_default())
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<str>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// 64-bit FNV-1a: a fixed, documented hash (fingerprints are stored and compared across versions
/// and machines, so the standard library's randomly keyed hashers will not do). Fields are
/// separated by a 0xff byte, which never occurs in UTF-8, so `("ab","c")` and `("a","bc")` differ.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn write_str(&mut self, s: &str) {
        for b in s.bytes().chain(std::iter::once(0xff)) {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// One result of one check on one subject.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Finding {
    /// The check id.
    pub check: Cow<'static, str>,
    /// Fail for most findings; benchmark-style checks also report the other outcomes.
    #[serde(default)]
    pub status: Status,
    pub severity: Severity,
    /// What the result is about.
    pub subject: Subject,
    /// The field the finding is about (the root for subjects that are not objects).
    #[serde(default)]
    pub pointer: Pointer,
    /// Where that field is, for objects read from files.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub location: Option<Location>,
    pub message: String,
    /// What decided the result (flags, files, permission bits, fields seen).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// Objects that explain the result.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
    /// Stable across runs; see [`Fingerprint`].
    pub fingerprint: Fingerprint,
    /// How to fix it, when the check knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Box<Fix>>,
    /// Waived, or counted.
    #[serde(default, skip_serializing_if = "is_open")]
    pub suppression: Suppression,
}

fn is_open(s: &Suppression) -> bool {
    *s == Suppression::Open
}

impl Finding {
    /// A failing result with no evidence, related objects or fix; its fingerprint computed.
    pub fn new(
        check: Cow<'static, str>,
        severity: Severity,
        subject: Subject,
        pointer: Pointer,
        message: String,
    ) -> Self {
        let fingerprint = Fingerprint::of(&check, &subject, &pointer);
        Finding {
            check,
            status: Status::Fail,
            severity,
            subject,
            pointer,
            location: None,
            message,
            evidence: Vec::new(),
            related: Vec::new(),
            fingerprint,
            fix: None,
            suppression: Suppression::Open,
        }
    }

    /// The Kubernetes object the result is about, when it is about one.
    pub fn object(&self) -> Option<&ObjectRef> {
        self.subject.object()
    }

    /// True when the finding counts toward the exit code and the summary: a failure (or an
    /// evaluation error) that no waiver suppresses.
    pub fn is_open(&self) -> bool {
        self.status.is_problem() && !matches!(self.suppression, Suppression::Suppressed { .. })
    }

    /// True when a waiver or annotation suppresses it.
    pub fn is_suppressed(&self) -> bool {
        matches!(self.suppression, Suppression::Suppressed { .. })
    }
}

/// A problem with the input: which file, where, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct InputError {
    pub path: PathBuf,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    pub message: String,
}

impl InputError {
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        InputError {
            path: path.to_path_buf(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    pub fn at(path: &Path, pos: Pos, message: impl Into<String>) -> Self {
        InputError {
            path: path.to_path_buf(),
            line: Some(pos.line),
            column: Some(pos.col),
            message: message.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment() -> Subject {
        Subject::from(ObjectRef {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: Some("prod".into()),
            name: "web".into(),
            uid: None,
        })
    }

    /// The algorithm is part of the stored format: this value must never change.
    #[test]
    fn fingerprint_is_fixed() {
        let f = Fingerprint::of(
            "host-network",
            &deployment(),
            &Pointer::from_raw("/spec/template/spec/hostNetwork"),
        );
        assert_eq!(f.to_string(), "50fe5568c5a0ce4d");
        assert_eq!(
            serde_json::to_value(f).unwrap_or_default(),
            serde_json::json!("50fe5568c5a0ce4d")
        );
        let small = Fingerprint(0xab);
        assert_eq!(
            serde_json::to_value(small).unwrap_or_default(),
            serde_json::json!(small.to_string())
        );
        assert_eq!(f.to_string().parse::<Fingerprint>(), Ok(f));
    }

    #[test]
    fn fingerprint_ignores_position_uid_and_message_but_not_fields() {
        let ptr = Pointer::from_raw("/spec/hostNetwork");
        let mut a = Finding::new(
            "host-network".into(),
            Severity::High,
            deployment(),
            ptr.clone(),
            "one".into(),
        );
        let mut with_uid = ObjectRef::clone(deployment().object().unwrap_or(&ObjectRef::default()));
        with_uid.uid = Some("1234".into());
        let b = Finding::new(
            "host-network".into(),
            Severity::Low,
            Subject::from(with_uid),
            ptr,
            "two".into(),
        );
        a.location = Some(Location {
            path: Arc::from(Path::new("a.yaml")),
            line: 9,
            column: 3,
            snippet: None,
        });
        assert_eq!(a.fingerprint, b.fingerprint);
        let c = Finding::new(
            "host-network".into(),
            Severity::High,
            deployment(),
            Pointer::from_raw("/spec/hostPID"),
            "one".into(),
        );
        assert_ne!(a.fingerprint, c.fingerprint);
        // Field boundaries count: ("ab", "c") is not ("a", "bc").
        let x = Fingerprint::of(
            "ab",
            &Subject::Cluster {
                name: Some("c".into()),
            },
            &Pointer::root(),
        );
        let y = Fingerprint::of(
            "a",
            &Subject::Cluster {
                name: Some("bc".into()),
            },
            &Pointer::root(),
        );
        assert_ne!(x, y);
    }

    #[test]
    fn subjects_serialize_with_a_type_tag() {
        let v = serde_json::to_value(deployment()).unwrap_or_default();
        assert_eq!(v["type"], "object");
        assert_eq!(v["kind"], "Deployment");
        let c = Subject::Component(Arc::new(Component {
            node: None,
            name: "kubelet".into(),
        }));
        let v = serde_json::to_value(&c).unwrap_or_default();
        assert_eq!(
            v,
            serde_json::json!({"type": "component", "name": "kubelet"})
        );
        let back: Subject = serde_json::from_value(v).expect("round trip");
        assert_eq!(back, c);
    }

    #[test]
    fn only_unsuppressed_failures_and_errors_count() {
        let mut f = Finding::new(
            "x".into(),
            Severity::High,
            Subject::Cluster { name: None },
            Pointer::root(),
            "m".into(),
        );
        assert!(f.is_open());
        f.status = Status::Pass;
        assert!(!f.is_open());
        f.status = Status::Error;
        assert!(f.is_open());
        f.suppression = Suppression::Suppressed {
            by: "config".into(),
            reason: "r".into(),
        };
        assert!(!f.is_open());
    }
}
