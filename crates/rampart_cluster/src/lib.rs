//! Live cluster and snapshot source.
//!
//! - [`read_cluster`] connects with a kubeconfig context (or the in-cluster service account),
//!   discovers every served resource type that supports `list` (preferred versions, CRDs included,
//!   no subresources), lists each with pagination and bounded concurrency, and returns a
//!   [`Snapshot`]: the objects, what was and was not read ([`Coverage`]), the server version and an
//!   anonymous-access probe ([`AnonymousProbe`]).
//! - Secret values are never read: Secrets are listed as metadata only (the server is asked for
//!   `PartialObjectMetadataList`), and `data`/`stringData` and the last-applied annotation (which
//!   holds a copy of the data) are dropped in any case.
//! - [`write_snapshot`] / [`read_snapshot`] store a snapshot as JSON, zstd-compressed when the file
//!   name ends in `.zst`; [`Snapshot::resources`] turns its objects into [`rampart_model::Resource`]s
//!   with [`rampart_model::Origin::Cluster`].

mod client;
mod coverage;
mod error;
mod legacy_cert;
mod read;
mod snapshot;
pub mod watch;

pub use client::{install_crypto_provider, ConnectOptions};
pub use coverage::{AnonymousProbe, Coverage, GapReason, ProbeStatus, TypeGap, TypeRead};
pub use error::ClusterError;
pub use read::{
    read_cluster, read_cluster_async, read_cluster_pages, NamespaceFilter, ReadOptions,
};
pub use snapshot::{
    clean_object, read_snapshot, to_resources, write_snapshot, Snapshot, SCHEMA_VERSION,
};
