//! Errors that stop a cluster read, each one line saying what to check.

use std::path::PathBuf;

/// Why a cluster could not be read (or a snapshot could not be loaded). The messages are one line
/// and name what to check; they carry no error source so `{:#}` does not repeat them.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The kubeconfig (or in-cluster config) could not be loaded.
    #[error("{0}")]
    Config(String),
    /// Connection refused, DNS failure, connect timeout.
    #[error("cannot reach {url}: is the cluster running and the kubeconfig's server address right? ({detail})")]
    Unreachable { url: String, detail: String },
    /// The server answered no request in time.
    #[error("timed out talking to {url} after {secs} s: is the cluster running and reachable from here?")]
    Timeout { url: String, secs: u64 },
    /// The server's certificate is not trusted or does not name the server.
    #[error("TLS handshake with {url} failed: {detail}: check that the kubeconfig's certificate-authority matches the cluster's CA and that its server address is a name in the server certificate")]
    Tls { url: String, detail: String },
    /// 401: wrong or expired credentials.
    #[error("{url} rejected the credentials (401 Unauthorized): the kubeconfig's token or client certificate is wrong or expired; refresh the credentials of context {context:?}")]
    Unauthorized { url: String, context: String },
    /// Another error answer from the API server where the read cannot go on.
    #[error("{url} answered {code} to {path}: {message}")]
    Api {
        url: String,
        path: String,
        code: u16,
        message: String,
    },
    /// Any other failure talking to the server.
    #[error("request to {url} failed: {detail}")]
    Other { url: String, detail: String },
    /// Snapshot files.
    #[error("cannot read snapshot {}: {detail}", path.display())]
    SnapshotRead { path: PathBuf, detail: String },
    #[error("cannot write snapshot {}: {detail}", path.display())]
    SnapshotWrite { path: PathBuf, detail: String },
}
