//! The admission webhook's HTTPS server, run by `rampart webhook serve --admission ADDR`.
//!
//! A stand-in until `rampart serve` (its own crate, with certificate reload) is merged, when the
//! admission part moves under `rampart serve --admission`: the handling of a request is the
//! library's ([`rampart_admission::Admission::review`]); this file only carries bytes, counts
//! and logs.
//!
//! - `POST /validate`: an AdmissionReview v1 in, the verdict out (200). A body over the limit
//!   or not a well-formed AdmissionReview: 400 with the reason as text, a log line on stderr,
//!   and `rampart_admission_bad_requests_total{reason}`.
//! - `GET /healthz`, `GET /readyz`: 200 `ok` (ready once the checks and policies are loaded).
//! - `GET /metrics`: Prometheus text: `rampart_admission_decisions_total{outcome, dry_run}`,
//!   `rampart_admission_duration_seconds` (histogram of the time to judge a request),
//!   `rampart_admission_bad_requests_total{reason}`, `rampart_admission_checks`.
//!
//! Decisions other than a plain allow are logged as one JSON line on stderr, with `dry_run`.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::AtomicI64;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use rampart_admission::{Admission, ReviewError};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    outcome: String,
    dry_run: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BadLabels {
    reason: String,
}

struct Metrics {
    registry: Registry,
    decisions: Family<DecisionLabels, Counter>,
    bad: Family<BadLabels, Counter>,
    duration: Histogram,
}

impl Metrics {
    fn new(checks: usize) -> Self {
        let mut registry = Registry::default();
        let decisions = Family::<DecisionLabels, Counter>::default();
        let bad = Family::<BadLabels, Counter>::default();
        let duration = Histogram::new([
            0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
        ]);
        let gauge = Gauge::<i64, AtomicI64>::default();
        gauge.set(i64::try_from(checks).unwrap_or(i64::MAX));
        registry.register(
            "rampart_admission_decisions",
            "Admission requests judged, by outcome (allow, audit, warn, deny, exempt) and dry run",
            decisions.clone(),
        );
        registry.register(
            "rampart_admission_bad_requests",
            "Requests answered 400 (malformed or oversized AdmissionReview), by reason",
            bad.clone(),
        );
        registry.register(
            "rampart_admission_duration_seconds",
            "Time to judge one admission request (body read to verdict)",
            duration.clone(),
        );
        registry.register(
            "rampart_admission_checks",
            "Object checks and user policies judging each request",
            gauge,
        );
        Metrics {
            registry,
            decisions,
            bad,
            duration,
        }
    }
}

struct State {
    admission: Admission,
    metrics: Metrics,
}

fn text(code: StatusCode, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = code;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

fn reason_of(e: &ReviewError) -> &'static str {
    match e {
        ReviewError::TooLarge { .. } => "too-large",
        ReviewError::NotJson(_) => "not-json",
        ReviewError::NotAReview { .. } => "not-a-review",
        ReviewError::Invalid(_) => "invalid",
    }
}

fn bad_request(state: &State, peer: SocketAddr, e: &ReviewError) -> Response<Full<Bytes>> {
    state
        .metrics
        .bad
        .get_or_create(&BadLabels {
            reason: reason_of(e).into(),
        })
        .inc();
    eprintln!(
        "{}",
        serde_json::json!({"level": "warn", "msg": "bad admission request", "peer": peer.to_string(),
            "reason": reason_of(e), "error": e.to_string()})
    );
    text(StatusCode::BAD_REQUEST, format!("{e}\n"))
}

async fn handle(
    state: Arc<State>,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let path = req.uri().path().to_string();
    Ok(match (req.method(), path.as_str()) {
        (&Method::GET, "/healthz" | "/readyz") => text(StatusCode::OK, "ok\n"),
        (&Method::GET, "/metrics") => {
            let mut out = String::new();
            match prometheus_client::encoding::text::encode(&mut out, &state.metrics.registry) {
                Ok(()) => {
                    let mut r = text(StatusCode::OK, out);
                    r.headers_mut().insert(
                        hyper::header::CONTENT_TYPE,
                        hyper::header::HeaderValue::from_static(
                            "application/openmetrics-text; version=1.0.0; charset=utf-8",
                        ),
                    );
                    r
                }
                Err(e) => text(StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")),
            }
        }
        (&Method::POST, "/validate") => {
            let start = Instant::now();
            let limit = state.admission.max_body();
            let body = match Limited::new(req.into_body(), limit).collect().await {
                Ok(b) => b.to_bytes(),
                Err(e) => {
                    let err = if e.is::<http_body_util::LengthLimitError>() {
                        ReviewError::TooLarge {
                            size: limit + 1,
                            limit,
                        }
                    } else {
                        ReviewError::Invalid(format!("reading the body: {e}"))
                    };
                    let mut r = bad_request(&state, peer, &err);
                    if let ReviewError::TooLarge { .. } = err {
                        *r.body_mut() = Full::new(Bytes::from(format!(
                            "request body is over the limit of {limit} bytes\n"
                        )));
                    }
                    return Ok(r);
                }
            };
            match state.admission.review(&body) {
                Err(e) => bad_request(&state, peer, &e),
                Ok(d) => {
                    let outcome = d.outcome();
                    state
                        .metrics
                        .decisions
                        .get_or_create(&DecisionLabels {
                            outcome: outcome.into(),
                            dry_run: d.dry_run.to_string(),
                        })
                        .inc();
                    state
                        .metrics
                        .duration
                        .observe(start.elapsed().as_secs_f64());
                    if outcome != "allow" {
                        eprintln!(
                            "{}",
                            serde_json::json!({"level": "info", "msg": "admission decision",
                                "uid": d.uid, "operation": d.operation, "object": d.object,
                                "outcome": outcome, "dry_run": d.dry_run,
                                "results": d.results.iter().map(|j| format!("{} {}", j.action.as_str(), j.line())).collect::<Vec<_>>()})
                        );
                    }
                    let body = serde_json::to_vec(&d.response()).unwrap_or_default();
                    let mut r = Response::new(Full::new(Bytes::from(body)));
                    r.headers_mut().insert(
                        hyper::header::CONTENT_TYPE,
                        hyper::header::HeaderValue::from_static("application/json"),
                    );
                    r
                }
            }
        }
        _ => text(StatusCode::NOT_FOUND, "not found\n"),
    })
}

fn tls_config(cert: &Path, key: &Path) -> anyhow::Result<rustls::ServerConfig> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("{}: cannot read certificates", cert.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("{}: not a PEM certificate chain", cert.display()))?;
    if certs.is_empty() {
        anyhow::bail!("{}: no certificate in the file", cert.display());
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("{}: not a PEM private key", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("the certificate and key do not form a TLS identity")?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(cfg)
}

/// Serves until interrupted.
pub fn serve(addr: &str, cert: &Path, key: &Path, admission: Admission) -> anyhow::Result<()> {
    let tls = tokio_rustls::TlsAcceptor::from(Arc::new(tls_config(cert, key)?));
    let metrics = Metrics::new(admission.checks());
    if !admission.not_at_admission().is_empty() {
        eprintln!(
            "{}",
            serde_json::json!({"level": "info", "msg": "not judged at admission (they read other objects; a scan reports them)",
                "checks": admission.not_at_admission()})
        );
    }
    let state = Arc::new(State { admission, metrics });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("start the runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("listen on {addr}"))?;
        eprintln!(
            "{}",
            serde_json::json!({"level": "info", "msg": "admission webhook listening",
                "addr": listener.local_addr().map(|a| a.to_string()).unwrap_or_default(),
                "checks": state.admission.checks()})
        );
        loop {
            let (tcp, peer) = tokio::select! {
                r = listener.accept() => match r {
                    Ok(x) => x,
                    Err(e) => {
                        eprintln!("{}", serde_json::json!({"level": "warn", "msg": "accept", "error": e.to_string()}));
                        continue;
                    }
                },
                _ = tokio::signal::ctrl_c() => return Ok(()),
            };
            let _ = tcp.set_nodelay(true);
            let tls = tls.clone();
            let state = state.clone();
            tokio::spawn(async move {
                let Ok(stream) = tls.accept(tcp).await else {
                    return;
                };
                let svc = hyper::service::service_fn(move |req| handle(state.clone(), peer, req));
                let _ = hyper::server::conn::http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                    .await;
            });
        }
    })
}
