//! Snapshots: everything a cluster read gave, as JSON (zstd-compressed for `*.zst`).

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use rampart_model::{Origin, Resource};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::coverage::{AnonymousProbe, Coverage};
use crate::ClusterError;

/// The snapshot format version this code writes and reads.
pub const SCHEMA_VERSION: u32 = 1;

/// What one cluster read gave. This is also the snapshot file format.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub schema_version: u32,
    /// RFC 3339 time the read finished.
    pub taken_at: String,
    /// The kubeconfig context (`in-cluster` for the service-account config).
    pub context: String,
    /// The API server URL.
    #[serde(default)]
    pub server: String,
    /// `gitVersion` of `/version` (`v1.37.2`).
    pub server_version: String,
    /// `major` of `/version` (`1`). Empty in snapshots written before it was recorded.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub server_major: String,
    /// `minor` of `/version` (`37`; some managed clusters report `28+`). Empty in snapshots
    /// written before it was recorded.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub server_minor: String,
    pub coverage: Coverage,
    pub anonymous: AnonymousProbe,
    /// The objects, with `apiVersion` and `kind` set and `metadata.managedFields` dropped; Secrets
    /// carry metadata only.
    pub objects: Vec<Value>,
}

impl Snapshot {
    /// The objects as resources from this cluster context.
    pub fn resources(&self) -> Vec<Resource> {
        to_resources(&self.context, self.objects.iter().cloned())
    }

    /// Like [`Snapshot::resources`], consuming the snapshot's objects.
    pub fn take_resources(&mut self) -> Vec<Resource> {
        to_resources(&self.context, std::mem::take(&mut self.objects))
    }
}

/// Objects as resources with [`Origin::Cluster`].
pub fn to_resources(context: &str, objects: impl IntoIterator<Item = Value>) -> Vec<Resource> {
    objects
        .into_iter()
        .map(|o| {
            Resource::new(
                o,
                Origin::Cluster {
                    context: context.to_owned(),
                },
            )
        })
        .collect()
}

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Normalizes one listed item: `apiVersion` and `kind` first (list items lack them), no
/// `metadata.managedFields`. For a Secret, everything but metadata goes except `type`, and the
/// last-applied annotation (a copy of the applied data) is dropped.
pub fn clean_object(item: Value, api_version: &str, kind: &str) -> Value {
    let Value::Object(map) = item else {
        return item;
    };
    let secret = kind == "Secret" && api_version == "v1";
    let mut out = Map::with_capacity(map.len() + 2);
    out.insert("apiVersion".into(), Value::String(api_version.to_owned()));
    out.insert("kind".into(), Value::String(kind.to_owned()));
    for (k, mut v) in map {
        match k.as_str() {
            "apiVersion" | "kind" => continue,
            "metadata" => {
                if let Value::Object(m) = &mut v {
                    m.remove("managedFields");
                    if secret {
                        if let Some(Value::Object(a)) = m.get_mut("annotations") {
                            a.remove(LAST_APPLIED);
                            if a.is_empty() {
                                m.remove("annotations");
                            }
                        }
                    }
                }
            }
            "type" => {}
            _ if secret => continue,
            _ => {}
        }
        out.insert(k, v);
    }
    Value::Object(out)
}

/// Sorts objects by apiVersion, kind, namespace, name (stable snapshots and reports).
pub(crate) fn sort_objects(objects: &mut [Value]) {
    fn key(v: &Value) -> (&str, &str, &str, &str) {
        let s = |p: &str| v.pointer(p).and_then(Value::as_str).unwrap_or("");
        (
            s("/apiVersion"),
            s("/kind"),
            s("/metadata/namespace"),
            s("/metadata/name"),
        )
    }
    objects.sort_by(|a, b| key(a).cmp(&key(b)));
}

fn is_zst(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "zst")
}

/// Writes a snapshot as JSON, zstd-compressed when the file name ends in `.zst`.
pub fn write_snapshot(path: &Path, snapshot: &Snapshot) -> Result<(), ClusterError> {
    let err = |detail: String| ClusterError::SnapshotWrite {
        path: path.to_owned(),
        detail,
    };
    let file = File::create(path).map_err(|e| err(e.to_string()))?;
    let mut w = BufWriter::with_capacity(1 << 16, file);
    if is_zst(path) {
        let mut enc = zstd::Encoder::new(&mut w, 3).map_err(|e| err(e.to_string()))?;
        serde_json::to_writer(&mut enc, snapshot).map_err(|e| err(e.to_string()))?;
        enc.finish().map_err(|e| err(e.to_string()))?;
    } else {
        serde_json::to_writer_pretty(&mut w, snapshot).map_err(|e| err(e.to_string()))?;
        w.write_all(b"\n").map_err(|e| err(e.to_string()))?;
    }
    w.flush().map_err(|e| err(e.to_string()))
}

/// Reads a snapshot written by [`write_snapshot`]. Compression is recognized by content, so a
/// renamed file still reads.
pub fn read_snapshot(path: &Path) -> Result<Snapshot, ClusterError> {
    let err = |detail: String| ClusterError::SnapshotRead {
        path: path.to_owned(),
        detail,
    };
    let file = File::open(path).map_err(|e| err(e.to_string()))?;
    let mut r = BufReader::with_capacity(1 << 16, file);
    let mut bytes = Vec::new();
    r.read_to_end(&mut bytes).map_err(|e| err(e.to_string()))?;
    if bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        bytes = zstd::decode_all(&bytes[..])
            .map_err(|e| err(format!("not a valid zstd stream: {e}")))?;
    }
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| err(format!("not JSON: {e}")))?;
    match v.get("schemaVersion").and_then(Value::as_u64) {
        Some(n) if n == u64::from(SCHEMA_VERSION) => {}
        Some(n) => {
            return Err(err(format!(
                "schemaVersion {n} is not supported (this rampart reads {SCHEMA_VERSION})"
            )))
        }
        None => return Err(err("not a rampart snapshot (no schemaVersion)".into())),
    }
    serde_json::from_value(v).map_err(|e| err(format!("invalid snapshot: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::{GapReason, ProbeStatus, TypeGap, TypeRead};
    use serde_json::json;

    fn sample() -> Snapshot {
        let mut coverage = Coverage {
            read: vec![TypeRead {
                version: "v1".into(),
                resource: "pods".into(),
                kind: "Pod".into(),
                namespaced: true,
                count: 1,
                ..Default::default()
            }],
            not_read: vec![TypeGap {
                version: "v1".into(),
                resource: "secrets".into(),
                kind: "Secret".into(),
                namespaced: true,
                reason: GapReason::Forbidden,
                message: "403: secrets is forbidden".into(),
                ..Default::default()
            }],
            partial: false,
        };
        coverage.finish();
        Snapshot {
            schema_version: SCHEMA_VERSION,
            taken_at: "2026-11-27T07:00:00Z".into(),
            context: "kind-test".into(),
            server: "https://127.0.0.1:6443".into(),
            server_version: "v1.37.2".into(),
            server_major: "1".into(),
            server_minor: "37".into(),
            coverage,
            anonymous: AnonymousProbe {
                api: ProbeStatus {
                    status: Some(401),
                    error: None,
                },
                version: ProbeStatus {
                    status: Some(200),
                    error: None,
                },
            },
            objects: vec![json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "p", "namespace": "default", "uid": "u-1"},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]}
            })],
        }
    }

    #[test]
    fn round_trips_json_and_zst() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = sample();
        for name in ["snap.json", "snap.json.zst"] {
            let p = dir.path().join(name);
            write_snapshot(&p, &s).expect("write");
            let bytes = std::fs::read(&p).expect("read bytes");
            assert_eq!(
                bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]),
                name.ends_with(".zst"),
                "{name}"
            );
            let back = read_snapshot(&p).expect("read");
            assert_eq!(back, s, "{name}");
            assert!(back.coverage.partial);
        }
        let text = std::fs::read_to_string(dir.path().join("snap.json")).expect("text");
        let v: Value = serde_json::from_str(&text).expect("json");
        for key in [
            "schemaVersion",
            "takenAt",
            "context",
            "serverVersion",
            "coverage",
            "anonymous",
            "objects",
        ] {
            assert!(v.get(key).is_some(), "{key}");
        }
        assert_eq!(v["coverage"]["notRead"][0]["reason"], "forbidden");
    }

    #[test]
    fn reads_snapshots_written_before_major_and_minor() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("old.json");
        let mut v = serde_json::to_value(sample()).expect("json");
        if let Value::Object(m) = &mut v {
            m.remove("serverMajor");
            m.remove("serverMinor");
        }
        std::fs::write(&p, v.to_string()).expect("write");
        let back = read_snapshot(&p).expect("old snapshot reads");
        assert_eq!(back.server_version, "v1.37.2");
        assert!(back.server_major.is_empty() && back.server_minor.is_empty());
        assert_eq!(back.anonymous, sample().anonymous);
    }

    #[test]
    fn resources_name_the_cluster() {
        let s = sample();
        let r = s.resources();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].id.uid.as_deref(), Some("u-1"));
        assert_eq!(r[0].id.display_name(), "Pod/default/p");
        assert_eq!(
            r[0].origin,
            Origin::Cluster {
                context: "kind-test".into()
            }
        );
        assert!(r[0].positions.is_none());
    }

    #[test]
    fn rejects_bad_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("x.json");
        std::fs::write(&p, "{\"schemaVersion\": 2}").expect("write");
        let e = read_snapshot(&p).expect_err("v2").to_string();
        assert!(e.contains("schemaVersion 2"), "{e}");
        std::fs::write(&p, "[]").expect("write");
        assert!(read_snapshot(&p)
            .expect_err("no version")
            .to_string()
            .contains("not a rampart snapshot"));
        std::fs::write(&p, [0x28, 0xb5, 0x2f, 0xfd, 1, 2]).expect("write");
        assert!(read_snapshot(&p)
            .expect_err("zstd")
            .to_string()
            .contains("zstd"));
        assert!(read_snapshot(&dir.path().join("missing.json")).is_err());
    }

    #[test]
    fn cleans_objects_and_never_keeps_secret_values() {
        let pod = clean_object(
            json!({"metadata": {"name": "p", "managedFields": [{}]}, "spec": {}}),
            "v1",
            "Pod",
        );
        assert_eq!(
            pod,
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {}})
        );
        let keys: Vec<_> = pod
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        assert_eq!(keys[..2], ["apiVersion".to_string(), "kind".to_string()]);
        let secret = clean_object(
            json!({
                "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                "metadata": {"name": "s", "annotations": {LAST_APPLIED: "{\"data\":{\"k\":\"c2VjcmV0\"}}", "a": "b"}},
                "type": "Opaque",
                "data": {"k": "c2VjcmV0"}, "stringData": {"k": "secret"}
            }),
            "v1",
            "Secret",
        );
        assert_eq!(
            secret,
            json!({"apiVersion": "v1", "kind": "Secret",
                   "metadata": {"name": "s", "annotations": {"a": "b"}}, "type": "Opaque"})
        );
    }
}
