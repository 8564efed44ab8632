//! A small blocking HTTP client over the stack already in the dependency graph (hyper-util's
//! client, hyper-rustls with ring): a private tokio runtime does the I/O, and response bodies are
//! handed to the caller's thread through a bounded channel, so a layer streams through the
//! decompressor without being buffered, from any thread (also one inside another runtime).
//! Every wait has a timeout: connecting, the response head, and each body chunk.

use std::io::{self, Read};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Once};
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, StatusCode, Uri};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::error::{Error, Result};

/// Chunks in flight between the I/O thread and the reader.
const CHANNEL_CHUNKS: usize = 16;

/// Installs ring as the process-wide rustls `CryptoProvider`, once (an installed one is kept).
fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

pub(crate) struct Http {
    /// Always `Some` until dropped (taken by `Drop` to shut down without waiting).
    rt: Option<tokio::runtime::Runtime>,
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
    timeout: Duration,
}

/// A response: status, headers, and the body as a blocking reader.
pub(crate) struct Response {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Body,
}

impl Response {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

type Head = std::result::Result<(StatusCode, HeaderMap), String>;
type Chunk = std::result::Result<Bytes, String>;

/// A response body read on the caller's thread.
pub(crate) struct Body {
    rx: Receiver<Chunk>,
    cur: Bytes,
    done: bool,
    timeout: Duration,
    url: String,
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.cur.is_empty() {
            if self.done {
                return Ok(0);
            }
            match self.rx.recv_timeout(self.timeout) {
                Ok(Ok(b)) => self.cur = b,
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(io::Error::other(format!("{}: {e}", self.url)));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.done = true;
                    return Ok(0);
                }
                Err(RecvTimeoutError::Timeout) => {
                    self.done = true;
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("{}: no data for {:?}", self.url, self.timeout),
                    ));
                }
            }
        }
        let n = buf.len().min(self.cur.len());
        buf[..n].copy_from_slice(&self.cur[..n]);
        let _ = self.cur.split_to(n);
        Ok(n)
    }
}

impl Body {
    /// Reads the whole body, refusing more than `limit` bytes.
    pub(crate) fn read_limited(&mut self, limit: u64) -> io::Result<Vec<u8>> {
        let mut v = Vec::new();
        self.take(limit + 1).read_to_end(&mut v)?;
        if v.len() as u64 > limit {
            return Err(io::Error::other(format!(
                "{}: response larger than {limit} bytes",
                self.url
            )));
        }
        Ok(v)
    }
}

impl Http {
    pub(crate) fn new(timeout: Duration) -> Result<Self> {
        install_crypto_provider();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("rampart-image-http")
            .enable_all()
            .build()
            .map_err(|e| Error::Http {
                url: String::new(),
                message: format!("starting the HTTP runtime: {e}"),
            })?;
        let mut roots = rustls::RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        for cert in native.certs {
            let _ = roots.add(cert);
        }
        let provider = rustls::crypto::CryptoProvider::get_default()
            .cloned()
            .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Http {
                url: String::new(),
                message: format!("TLS settings: {e}"),
            })?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(timeout));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new()).build(https);
        Ok(Http {
            rt: Some(rt),
            client,
            timeout,
        })
    }

    /// GET `url` with `headers`; waits at most the timeout for the response head.
    pub(crate) fn get(&self, url: &str, headers: &[(&str, String)]) -> Result<Response> {
        let http_err = |message: String| Error::Http {
            url: url.to_string(),
            message,
        };
        let uri: Uri = url
            .parse()
            .map_err(|e| http_err(format!("invalid URL: {e}")))?;
        let mut req = Request::get(uri);
        for (k, v) in headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|e| http_err(format!("header {k}: {e}")))?;
            let value =
                HeaderValue::from_str(v).map_err(|e| http_err(format!("header {k}: {e}")))?;
            req = req.header(name, value);
        }
        let req = req
            .body(Empty::<Bytes>::new())
            .map_err(|e| http_err(e.to_string()))?;

        let (head_tx, head_rx) = mpsc::sync_channel::<Head>(1);
        let (body_tx, body_rx) = mpsc::sync_channel::<Chunk>(CHANNEL_CHUNKS);
        let Some(rt) = &self.rt else {
            return Err(http_err("the HTTP runtime is shut down".into()));
        };
        let client = self.client.clone();
        let handle = rt.handle().clone();
        let timeout = self.timeout;
        // The pump runs on the runtime's blocking pool: it may block on the bounded channel
        // while the reader is slow, and drives the body's futures with `block_on`.
        rt.spawn_blocking(move || pump(&handle, client, req, timeout, &head_tx, &body_tx));
        let head = match head_rx.recv_timeout(timeout + Duration::from_secs(1)) {
            Ok(Ok(h)) => h,
            Ok(Err(e)) => return Err(http_err(e)),
            Err(_) => return Err(http_err(format!("no response within {timeout:?}"))),
        };
        Ok(Response {
            status: head.0,
            headers: head.1,
            body: Body {
                rx: body_rx,
                cur: Bytes::new(),
                done: false,
                timeout,
                url: url.to_string(),
            },
        })
    }
}

impl Drop for Http {
    fn drop(&mut self) {
        // A pump blocked on a body nobody reads must not hold up the drop.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

fn pump(
    handle: &tokio::runtime::Handle,
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
    req: Request<Empty<Bytes>>,
    timeout: Duration,
    head_tx: &SyncSender<Head>,
    body_tx: &SyncSender<Chunk>,
) {
    let resp = handle.block_on(async { tokio::time::timeout(timeout, client.request(req)).await });
    let resp = match resp {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            let _ = head_tx.send(Err(error_chain(&e)));
            return;
        }
        Err(_) => {
            let _ = head_tx.send(Err(format!("no response within {timeout:?}")));
            return;
        }
    };
    let (parts, mut body) = resp.into_parts();
    if head_tx.send(Ok((parts.status, parts.headers))).is_err() {
        return;
    }
    loop {
        let frame = handle.block_on(async { tokio::time::timeout(timeout, body.frame()).await });
        let msg = match frame {
            Ok(Some(Ok(f))) => match f.into_data() {
                Ok(d) if d.is_empty() => continue,
                Ok(d) => Ok(d),
                Err(_) => continue,
            },
            Ok(Some(Err(e))) => Err(error_chain(&e)),
            Ok(None) => return,
            Err(_) => Err(format!("no data for {timeout:?}")),
        };
        let stop = msg.is_err();
        if body_tx.send(msg).is_err() || stop {
            return;
        }
    }
}

/// An error and its causes, joined (hyper's own message alone is often just "client error").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}
