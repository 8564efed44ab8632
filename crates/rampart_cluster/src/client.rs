//! Connecting: kubeconfig or in-cluster config, timeouts, bounded retries, error classification.

use std::error::Error as StdError;
use std::path::PathBuf;
use std::sync::Once;
use std::time::Duration;

use kube::config::{AuthInfo, KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use serde_json::Value;

use crate::coverage::{GapReason, ProbeStatus};
use crate::ClusterError;

/// Installs ring as the process-wide rustls `CryptoProvider`, once. An already installed provider
/// (by the binary or another library) is kept.
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// How to connect.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// Kubeconfig file; `None`: `KUBECONFIG` or `~/.kube/config`, else the in-cluster service account.
    pub kubeconfig: Option<PathBuf>,
    /// Context; `None`: the kubeconfig's current context.
    pub context: Option<String>,
    /// TCP + TLS connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout (each attempt).
    pub request_timeout: Duration,
    /// Retries of a request after a transient failure (429, 5xx, connection reset).
    pub retries: u32,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            kubeconfig: None,
            context: None,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            retries: 3,
        }
    }
}

/// A connected client and what names it.
pub(crate) struct Conn {
    pub client: Client,
    /// The client with no credentials (same CA and TLS settings), for the anonymous probe.
    pub anonymous: Option<Client>,
    pub url: String,
    pub context: String,
    pub opts: ConnectOptions,
}

/// Why one request failed.
#[derive(Debug, Clone)]
pub(crate) enum Failure {
    Api {
        code: u16,
        message: String,
        retry_after: u32,
    },
    Refused(String),
    Reset(String),
    Timeout,
    Tls(String),
    Invalid(String),
    Other(String),
}

impl Failure {
    fn retryable(&self) -> bool {
        match self {
            Failure::Api { code, .. } => matches!(code, 429 | 500 | 502 | 503 | 504),
            Failure::Reset(_) => true,
            _ => false,
        }
    }

    pub fn gap(&self) -> (GapReason, String) {
        match self {
            Failure::Api { code, message, .. } => {
                let reason = match code {
                    401 => GapReason::Unauthorized,
                    403 => GapReason::Forbidden,
                    404 | 410 => GapReason::NotFound,
                    500..=599 | 405 | 406 | 429 => GapReason::ServerError,
                    _ => GapReason::Other,
                };
                (reason, format!("{code}: {message}"))
            }
            Failure::Refused(d) | Failure::Reset(d) => (GapReason::Unreachable, d.clone()),
            Failure::Timeout => (GapReason::Timeout, "request timed out".into()),
            Failure::Tls(d) => (GapReason::Other, format!("TLS: {d}")),
            Failure::Invalid(d) => (GapReason::Invalid, d.clone()),
            Failure::Other(d) => (GapReason::Other, d.clone()),
        }
    }

    /// The error to stop with when this request was needed to go on.
    pub fn fatal(&self, conn: &Conn, path: &str) -> ClusterError {
        let url = conn.url.clone();
        match self {
            Failure::Api { code: 401, .. } => ClusterError::Unauthorized {
                url,
                context: conn.context.clone(),
            },
            Failure::Api { code, message, .. } => ClusterError::Api {
                url,
                path: path.into(),
                code: *code,
                message: message.clone(),
            },
            Failure::Refused(d) | Failure::Reset(d) => ClusterError::Unreachable {
                url,
                detail: d.clone(),
            },
            Failure::Timeout => ClusterError::Timeout {
                url,
                secs: conn.opts.request_timeout.as_secs(),
            },
            Failure::Tls(d) => ClusterError::Tls {
                url,
                detail: d.clone(),
            },
            Failure::Invalid(d) | Failure::Other(d) => ClusterError::Other {
                url,
                detail: d.clone(),
            },
        }
    }
}

fn config_err(what: impl std::fmt::Display) -> ClusterError {
    ClusterError::Config(what.to_string())
}

/// The whole chain of an error on one line, without repeats.
fn chain(e: &(dyn StdError + 'static)) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = Some(e);
    while let Some(err) = cur {
        let s = err.to_string();
        if !out.iter().any(|o| o.contains(&s)) {
            out.push(s);
        }
        if let Some(inner) = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            let s = inner.to_string();
            if !out.iter().any(|o| o.contains(&s)) {
                out.push(s);
            }
        }
        cur = err.source();
    }
    out
}

fn describe_tls(e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => {
                "the server's certificate is not signed by a CA the kubeconfig trusts (UnknownIssuer)"
                    .into()
            }
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                format!("the server's certificate does not name this address ({c:?})")
            }
            C::Expired | C::ExpiredContext { .. } => {
                "the server's certificate has expired".into()
            }
            other => format!("invalid server certificate: {other:?}"),
        },
        other => other.to_string(),
    }
}

/// Sorts a client error into a [`Failure`].
pub(crate) fn classify(e: &kube::Error) -> Failure {
    if let kube::Error::Api(s) = e {
        return Failure::Api {
            code: s.code,
            message: if s.message.is_empty() {
                s.reason.clone()
            } else {
                s.message.clone()
            },
            retry_after: s.details.as_ref().map_or(0, |d| d.retry_after_seconds),
        };
    }
    if let kube::Error::SerdeError(e) = e {
        return Failure::Invalid(format!("cannot decode the answer: {e}"));
    }
    let mut tls = None;
    let mut io_kind = None;
    let mut cur: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<rustls::Error>() {
            tls.get_or_insert_with(|| describe_tls(r));
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            io_kind.get_or_insert(io.kind());
            if let Some(r) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                tls.get_or_insert_with(|| describe_tls(r));
            }
        }
        cur = err.source();
    }
    let texts = chain(e);
    let detail = texts.last().cloned().unwrap_or_default();
    let all = texts.join(": ");
    if let Some(t) = tls {
        return Failure::Tls(t);
    }
    let lower = all.to_ascii_lowercase();
    if lower.contains("certificate") || lower.contains("handshake") {
        let detail = texts
            .iter()
            .rev()
            .find(|t| t.to_ascii_lowercase().contains("certificate"))
            .unwrap_or(&detail);
        let hint = if detail.contains("UnknownIssuer") {
            "the server's certificate is not signed by a CA the kubeconfig trusts: "
        } else if detail.contains("Expired") {
            "the server's certificate has expired: "
        } else {
            ""
        };
        return Failure::Tls(format!("{hint}{detail}"));
    }
    use std::io::ErrorKind as K;
    match io_kind {
        Some(K::TimedOut) => return Failure::Timeout,
        Some(K::ConnectionRefused) => return Failure::Refused(detail),
        Some(K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof) => {
            return Failure::Reset(detail)
        }
        _ => {}
    }
    if lower.contains("timed out") || lower.contains("deadline has elapsed") {
        Failure::Timeout
    } else if lower.contains("connection refused") || lower.contains("dns error") {
        Failure::Refused(detail)
    } else if lower.contains("connection closed")
        || lower.contains("connection reset")
        || lower.contains("incomplete message")
        || lower.contains("client error (connect)")
        || lower.contains("client error (sendrequest)")
    {
        Failure::Reset(all)
    } else {
        Failure::Other(all)
    }
}

impl Conn {
    /// Loads the configuration and builds the clients. Makes no request.
    pub async fn connect(opts: &ConnectOptions) -> Result<Conn, ClusterError> {
        install_crypto_provider();
        let (mut config, context) = load_config(opts).await?;
        config.connect_timeout = Some(opts.connect_timeout);
        config.read_timeout = Some(opts.request_timeout);
        config.write_timeout = Some(opts.request_timeout);
        config.reset_reader_on_write = true;
        // Our own bounded retries (see `get`), so the total time stays bounded and known.
        config.default_retry = false;
        let url = config
            .cluster_url
            .to_string()
            .trim_end_matches('/')
            .to_owned();
        let mut anon_config = config.clone();
        anon_config.auth_info = AuthInfo::default();
        anon_config.headers.clear();
        // A version-1 client certificate (what `openssl x509 -req` makes without extensions)
        // works with kubectl; rustls would refuse to load it, so it gets its own client.
        let client = match crate::legacy_cert::v1_identity(&config) {
            Some((cert_chain, key)) => crate::legacy_cert::client(&config, cert_chain, key)
                .map_err(|e| {
                    config_err(format!(
                        "cannot set up a client for {url} (context {context:?}) with its X.509 version 1 client certificate: {e}"
                    ))
                })?,
            None => Client::try_from(config).map_err(|e| {
                config_err(format!(
                    "cannot set up a client for {url} (context {context:?}): {}",
                    chain(&e).join(": ")
                ))
            })?,
        };
        let anonymous = Client::try_from(anon_config).ok();
        Ok(Conn {
            client,
            anonymous,
            url,
            context,
            opts: opts.clone(),
        })
    }

    /// GET `path` as JSON, with the per-attempt timeout and bounded retries with backoff.
    pub async fn get(&self, path: &str, accept: Option<&str>) -> Result<Value, Failure> {
        let mut attempt = 0;
        loop {
            let failure = match self.get_once(path, accept).await {
                Ok(v) => return Ok(v),
                Err(f) => f,
            };
            if !failure.retryable() || attempt >= self.opts.retries {
                return Err(failure);
            }
            let mut delay = Duration::from_millis(200 << attempt.min(5));
            if let Failure::Api { retry_after, .. } = &failure {
                delay = delay.max(Duration::from_secs(u64::from(*retry_after).min(5)));
            }
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn get_once(&self, path: &str, accept: Option<&str>) -> Result<Value, Failure> {
        let mut req = http::Request::get(path);
        req = req.header(http::header::ACCEPT, accept.unwrap_or("application/json"));
        let req = req
            .body(Vec::new())
            .map_err(|e| Failure::Other(format!("bad request {path}: {e}")))?;
        // The timeout also bounds body reading, which the client's read timeout does per read.
        let text = match tokio::time::timeout(
            self.opts.request_timeout + Duration::from_secs(1),
            self.client.request_text(req),
        )
        .await
        {
            Err(_) => return Err(Failure::Timeout),
            Ok(Err(e)) => return Err(classify(&e)),
            Ok(Ok(t)) => t,
        };
        serde_json::from_str(&text)
            .map_err(|e| Failure::Invalid(format!("{path}: cannot decode the answer: {e}")))
    }

    /// The status the server answers to `GET path` without credentials.
    pub async fn probe_anonymous(&self, path: &str) -> ProbeStatus {
        let Some(client) = &self.anonymous else {
            return ProbeStatus {
                status: None,
                error: Some("cannot build a client without credentials".into()),
            };
        };
        let req = match http::Request::get(path).body(kube::client::Body::from(Vec::new())) {
            Ok(r) => r,
            Err(e) => {
                return ProbeStatus {
                    status: None,
                    error: Some(e.to_string()),
                }
            }
        };
        match tokio::time::timeout(self.opts.request_timeout, client.send(req)).await {
            Err(_) => ProbeStatus {
                status: None,
                error: Some("timed out".into()),
            },
            Ok(Err(e)) => ProbeStatus {
                status: None,
                error: Some(chain(&e).join(": ")),
            },
            Ok(Ok(res)) => ProbeStatus {
                status: Some(res.status().as_u16()),
                error: None,
            },
        }
    }
}

/// The client configuration and the name of the context it came from.
async fn load_config(opts: &ConnectOptions) -> Result<(Config, String), ClusterError> {
    let kube_opts = KubeConfigOptions {
        context: opts.context.clone(),
        ..Default::default()
    };
    let (kubeconfig, source) = match &opts.kubeconfig {
        Some(path) => {
            let kc = Kubeconfig::read_from(path).map_err(|e| {
                config_err(format!(
                    "cannot load kubeconfig {}: {}",
                    path.display(),
                    chain(&e).join(": ")
                ))
            })?;
            (kc, path.display().to_string())
        }
        None => match Kubeconfig::read() {
            Ok(kc) => (
                kc,
                "the default kubeconfig (KUBECONFIG or ~/.kube/config)".into(),
            ),
            Err(kc_err) => {
                if opts.context.is_some() {
                    return Err(config_err(format!(
                        "--context needs a kubeconfig, and none was found: {}",
                        chain(&kc_err).join(": ")
                    )));
                }
                return match Config::incluster() {
                    Ok(c) => Ok((c, "in-cluster".into())),
                    Err(ic_err) => Err(config_err(format!(
                        "no kubeconfig (KUBECONFIG, ~/.kube/config: {}) and not running in a cluster ({}): pass --kubeconfig FILE",
                        chain(&kc_err).join(": "),
                        chain(&ic_err).join(": ")
                    ))),
                };
            }
        },
    };
    let context = opts
        .context
        .clone()
        .or_else(|| kubeconfig.current_context.clone())
        .unwrap_or_default();
    if !context.is_empty() && !kubeconfig.contexts.iter().any(|c| c.name == context) {
        let known: Vec<&str> = kubeconfig
            .contexts
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        return Err(config_err(format!(
            "context {context:?} is not in {source} (contexts: {})",
            known.join(", ")
        )));
    }
    let config = Config::from_custom_kubeconfig(kubeconfig, &kube_opts)
        .await
        .map_err(|e| {
            config_err(format!(
                "cannot use context {context:?} of {source}: {}",
                chain(&e).join(": ")
            ))
        })?;
    Ok((config, context))
}
