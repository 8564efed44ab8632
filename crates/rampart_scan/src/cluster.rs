//! The cluster source: a live cluster or a snapshot file read into resources, with what the read
//! covered and the cluster's own facts as a synthetic `ClusterInfo` object.

use std::path::PathBuf;

use rampart_checks::cluster_info;
use rampart_cluster::{AnonymousProbe, Coverage, ReadOptions, Snapshot};
use rampart_model::{Origin, Resource};
use serde_json::{json, Map, Value};

use crate::ScanError;

/// A live cluster or a snapshot of one.
#[derive(Debug, Clone)]
pub enum ClusterSource {
    /// Read the cluster these options reach (kubeconfig, context, namespaces).
    Live(ReadOptions),
    /// Read a snapshot written by `rampart snapshot`; the namespace filter of the options
    /// applies to it too (connection options must be empty).
    Snapshot { path: PathBuf, read: ReadOptions },
}

/// Objects read from a cluster or a snapshot, and what the read covered.
#[derive(Debug)]
pub struct Loaded {
    /// The objects, each with `Origin::Cluster { context }`.
    pub resources: Vec<Resource>,
    /// Types read and not read; `partial` when anything is missing.
    pub coverage: Coverage,
    /// `gitVersion` of the API server (`v1.37.2`).
    pub server_version: String,
    /// `major` and `minor` of the API server's `/version` (empty when an older snapshot lacks them).
    pub server_major: String,
    pub server_minor: String,
    /// What the server answered to `/api` and `/version` without credentials.
    pub anonymous: AnonymousProbe,
    /// The kubeconfig context (`in-cluster` for the service account), as recorded in a snapshot.
    pub context: String,
    /// The API server URL.
    pub server: String,
    /// RFC 3339 time of the read (of the snapshot, for `--snapshot`).
    pub taken_at: String,
    /// True when this came from a snapshot file.
    pub from_snapshot: bool,
    /// The objects' results, when they were checked as the read went (then `resources` is
    /// empty): see [`crate::Scanner::sources`]. Empty otherwise.
    pub checked: Checked,
}

/// Results of objects checked as a live read brought them (opaque: only the scan reads them).
#[derive(Debug, Default)]
pub struct Checked(pub(crate) Option<crate::pipeline::Part>);

impl Loaded {
    fn new(mut s: Snapshot, from_snapshot: bool) -> Self {
        let resources = s.take_resources();
        Loaded {
            resources,
            coverage: s.coverage,
            server_version: s.server_version,
            server_major: s.server_major,
            server_minor: s.server_minor,
            anonymous: s.anonymous,
            context: s.context,
            server: s.server,
            taken_at: s.taken_at,
            from_snapshot,
            checked: Checked::default(),
        }
    }

    /// The `rampart.dev/v1` `ClusterInfo` object of this read: the facts about the cluster that
    /// are not Kubernetes objects (server version, the anonymous probe, when it was read), for the
    /// cluster-level checks. The same for a live read and its snapshot. See
    /// `docs/cluster-info.md`.
    pub fn cluster_info(&self) -> Resource {
        let name = [&self.context, &self.server]
            .into_iter()
            .find(|s| !s.is_empty())
            .map_or_else(|| "cluster".to_owned(), |s| s.to_owned());
        let mut version = Map::new();
        for (key, value) in [
            ("gitVersion", &self.server_version),
            ("major", &self.server_major),
            ("minor", &self.server_minor),
        ] {
            if !value.is_empty() {
                version.insert(key.into(), Value::String(value.clone()));
            }
        }
        let obj = json!({
            "apiVersion": cluster_info::API_VERSION,
            "kind": cluster_info::KIND,
            "metadata": {"name": name},
            "context": self.context,
            "server": self.server,
            "takenAt": self.taken_at,
            "serverVersion": version,
            "anonymous": serde_json::to_value(&self.anonymous).unwrap_or_default(),
        });
        Resource::new(
            obj,
            Origin::Cluster {
                context: self.context.clone(),
            },
        )
    }

    /// The report's `source` section: where the objects came from.
    pub fn source_json(&self) -> Value {
        json!({
            "type": if self.from_snapshot { "snapshot" } else { "cluster" },
            "context": self.context,
            "server": self.server,
            "serverVersion": self.server_version,
            "takenAt": self.taken_at,
            "anonymous": self.anonymous,
        })
    }
}

/// Reads the source. A read that missed something succeeds with `coverage.partial` set.
pub fn load(source: &ClusterSource) -> Result<Loaded, ScanError> {
    let from_snapshot = matches!(source, ClusterSource::Snapshot { .. });
    Ok(Loaded::new(read(source)?, from_snapshot))
}

/// Reads a live cluster, handing its objects to `on_page` a page at a time as they arrive (see
/// [`rampart_cluster::read_cluster_pages`]): the [`Loaded`] returned has no resources.
pub(crate) fn load_pages(
    read: &ReadOptions,
    mut on_page: impl FnMut(Vec<Resource>),
) -> Result<Loaded, ScanError> {
    let snapshot = rampart_cluster::read_cluster_pages(read, |context, page| {
        on_page(rampart_cluster::to_resources(context, page));
    })?;
    Ok(Loaded::new(snapshot, false))
}

/// Like [`load`], keeping the snapshot form (for `rampart snapshot`).
pub fn read(source: &ClusterSource) -> Result<Snapshot, ScanError> {
    match source {
        ClusterSource::Snapshot { path, read } => {
            if read.connect.kubeconfig.is_some() || read.connect.context.is_some() {
                return Err(ScanError::SnapshotWithConnection);
            }
            let mut s = rampart_cluster::read_snapshot(path)?;
            // Namespace filters apply to snapshots too.
            let filter = &read.namespaces;
            if !filter.include.is_empty() || !filter.exclude.is_empty() {
                s.objects.retain(|o| {
                    let ns = o.pointer("/metadata/namespace").and_then(|v| v.as_str());
                    let is_ns = o.get("kind").and_then(|k| k.as_str()) == Some("Namespace")
                        && o.get("apiVersion").and_then(|k| k.as_str()) == Some("v1");
                    match ns {
                        Some(ns) => filter.keeps(ns),
                        None if is_ns => filter.keeps(
                            o.pointer("/metadata/name")
                                .and_then(|v| v.as_str())
                                .unwrap_or(""),
                        ),
                        None => true,
                    }
                });
            }
            Ok(s)
        }
        ClusterSource::Live(read) => Ok(rampart_cluster::read_cluster(read)?),
    }
}
