//! The errors of image reading: each names the file, blob or URL and what was expected.

use std::io;

/// Why an image could not be opened or read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A local file or directory could not be read.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
    /// A JSON document (manifest, index, config, token response) did not parse.
    #[error("{what}: not a valid {expected}: {message}")]
    Json {
        what: String,
        expected: &'static str,
        message: String,
    },
    /// The source is structurally wrong: a missing file, a reference to nothing, a bad media type.
    #[error("{what}: {message}")]
    Format { what: String, message: String },
    /// Content does not match the digest that names it.
    #[error("{what}: digest mismatch: expected {expected}, got {actual}")]
    Digest {
        what: String,
        expected: String,
        actual: String,
    },
    /// A layer could not be read (corrupt or truncated tar, gzip or zstd stream).
    #[error("layer {layer}: {message}")]
    Layer { layer: String, message: String },
    /// No image in an index matches the requested platform.
    #[error("{what}: no image for platform {wanted} (available: {})", if available.is_empty() { "none".to_string() } else { available.join(", ") })]
    Platform {
        what: String,
        wanted: String,
        available: Vec<String>,
    },
    /// A transport failure talking to a registry (connection, TLS, timeout).
    #[error("{url}: {message}")]
    Http { url: String, message: String },
    /// A registry answered with an unexpected HTTP status.
    #[error("{url}: HTTP {status}{}", if body.is_empty() { String::new() } else { format!(": {body}") })]
    Status {
        url: String,
        status: u16,
        body: String,
    },
    /// Authentication failed or is needed.
    #[error("{url}: authentication failed: {message}")]
    Auth { url: String, message: String },
    /// Plain HTTP was refused: only loopback registries, or with `insecure`.
    #[error("registry {registry}: plain http is only used for 127.0.0.0/8, ::1 and localhost, or with --insecure")]
    Insecure { registry: String },
    /// A signature is missing or does not verify.
    #[error("{what}: {message}")]
    Signature { what: String, message: String },
    /// The argument names no source this reader understands.
    #[error("{source_arg}: {message}")]
    Source { source_arg: String, message: String },
}

impl Error {
    pub(crate) fn io(path: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn format(what: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Format {
            what: what.into(),
            message: message.into(),
        }
    }

    pub(crate) fn json(what: impl Into<String>, expected: &'static str, e: impl ToString) -> Self {
        Error::Json {
            what: what.into(),
            expected,
            message: e.to_string(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
