//! The server: HTTPS listeners for the parts, the common endpoints, metrics and shutdown.
//!
//! Every listener serves its parts' routes plus `/healthz` (the process is up), `/readyz`
//! (every part is ready and the server is not shutting down; 503 otherwise) and `/metrics`
//! (Prometheus / OpenMetrics text of the whole process). Parts given the same address share one
//! listener. An optional plain-HTTP `--metrics ADDR` listener serves only the common endpoints,
//! for scrapers that do not speak TLS to it (bind it to loopback).
//!
//! Shutdown (SIGTERM, SIGINT, or the future given to [`Bound::serve`]): `/readyz` turns 503,
//! listeners stop accepting, requests in flight finish (connections are closed once idle, up
//! to `shutdown_timeout`), then each part drains what it accepted ([`Part::drain`]).

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::tls::{Tls, TlsSource};

/// A boxed future, as parts return them.
pub type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// One part of the server (the audit webhook, the admission webhook, ...).
///
/// A part is built by its own constructor, which registers its metrics in the server's
/// registry ([`Server::registry`]) and starts its background workers; it is then handed to
/// [`Server::add`]. The server binds its address, serves its [`router`](Part::router) over TLS
/// next to the common endpoints, asks it for readiness, and calls [`drain`](Part::drain) once
/// no request can reach it any more.
pub trait Part: Send + 'static {
    /// Short name for logs and metric labels (`audit-webhook`).
    fn name(&self) -> &'static str;
    /// Where it listens (port 0 picks a free port; see [`Bound::addrs`]).
    fn addr(&self) -> SocketAddr;
    /// Its routes. Paths must not clash with `/healthz`, `/readyz`, `/metrics`, or the routes
    /// of another part on the same address.
    fn router(&self) -> Router;
    /// Whether it can take requests now (`/readyz`).
    fn ready(&self) -> bool {
        true
    }
    /// Called once, after the listeners have stopped and requests in flight have finished:
    /// finish the accepted work (queues, outgoing deliveries) and stop the workers.
    fn drain(self: Box<Self>) -> BoxFuture;
}

/// Options of the server itself.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    pub tls: TlsSource,
    /// A PEM CA bundle: when set, clients must present a certificate it signed.
    pub client_ca: Option<std::path::PathBuf>,
    /// A plain-HTTP listener for `/healthz`, `/readyz` and `/metrics` only.
    pub metrics_addr: Option<SocketAddr>,
    /// How long requests in flight may take to finish at shutdown.
    pub shutdown_timeout: Duration,
    /// How long a client may take for the TLS handshake.
    pub handshake_timeout: Duration,
}

impl ServerOptions {
    /// Defaults around `tls`.
    pub fn new(tls: TlsSource) -> ServerOptions {
        ServerOptions {
            tls,
            client_ca: None,
            metrics_addr: None,
            shutdown_timeout: Duration::from_secs(30),
            handshake_timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    listener: String,
    path: String,
    code: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PathLabels {
    listener: String,
    path: String,
}

#[derive(Clone)]
struct HttpMetrics {
    requests: Family<HttpLabels, Counter>,
    duration: Family<PathLabels, Histogram>,
}

fn latency_histogram() -> Histogram {
    // 100 µs .. ~6.5 s.
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        0.0001, 2.0, 17,
    ))
}

/// A readiness probe: true when ready.
type ReadyCheck = Box<dyn Fn() -> bool + Send + Sync>;

/// State the common endpoints read.
struct Common {
    registry: Registry,
    shutting_down: AtomicBool,
    readiness: Vec<(&'static str, ReadyCheck)>,
}

/// The server being assembled: TLS, the metrics registry, the parts.
pub struct Server {
    opts: ServerOptions,
    tls: Tls,
    registry: Registry,
    parts: Vec<Box<dyn Part>>,
    http: HttpMetrics,
}

impl Server {
    /// Sets up TLS (loading or generating the certificate) and the registry.
    pub fn new(opts: ServerOptions) -> anyhow::Result<Server> {
        crate::tls::install_default_provider();
        let tls = crate::tls::setup(&opts.tls, opts.client_ca.as_deref())?;
        let mut registry = Registry::with_prefix("rampart");
        let http = HttpMetrics {
            requests: Family::default(),
            duration: Family::new_with_constructor(latency_histogram),
        };
        let serve = registry.sub_registry_with_prefix("serve");
        serve.register(
            "http_requests",
            "HTTP requests answered, by listener, route and status code",
            http.requests.clone(),
        );
        serve.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by listener and route",
            http.duration.clone(),
        );
        serve.register(
            "tls_reloads",
            "Serving certificates reloaded from changed files",
            tls.resolver.reloads.clone(),
        );
        serve.register(
            "tls_reload_errors",
            "Changed certificate files that could not be loaded (the previous pair stays)",
            tls.resolver.reload_errors.clone(),
        );
        Ok(Server {
            opts,
            tls,
            registry,
            parts: Vec::new(),
            http,
        })
    }

    /// The TLS setup (the CA bundle for kubeconfig snippets and webhook configurations).
    pub fn tls(&self) -> &Tls {
        &self.tls
    }

    /// The metrics registry, for parts to register theirs in (use a sub-registry with the
    /// part's prefix: `registry().sub_registry_with_prefix("audit")`).
    pub fn registry(&mut self) -> &mut Registry {
        &mut self.registry
    }

    /// Adds a part.
    pub fn add(&mut self, part: Box<dyn Part>) {
        self.parts.push(part);
    }

    /// Binds every listener (a busy or invalid address is an error here, before serving).
    pub async fn bind(self) -> anyhow::Result<Bound> {
        let Server {
            opts,
            tls,
            registry,
            parts,
            http,
        } = self;
        let mut by_addr: BTreeMap<SocketAddr, Vec<usize>> = BTreeMap::new();
        for (i, p) in parts.iter().enumerate() {
            by_addr.entry(p.addr()).or_default().push(i);
        }
        let mut readiness: Vec<(&'static str, ReadyCheck)> = Vec::new();
        let mut listeners = Vec::new();
        let mut pending = Vec::new();
        for (addr, idx) in &by_addr {
            let listener = TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr}"))?;
            let local = listener.local_addr().context("local address")?;
            let names: Vec<&'static str> = idx.iter().map(|&i| parts[i].name()).collect();
            let mut router = Router::new();
            for &i in idx {
                router = router.merge(parts[i].router());
            }
            pending.push((listener, local, names.join("+"), router, true));
            listeners.push((names.join("+"), local));
        }
        // Readiness: every part's `ready()`, asked on each `/readyz`.
        let parts_shared: Arc<std::sync::Mutex<Vec<Box<dyn Part>>>> =
            Arc::new(std::sync::Mutex::new(parts));
        {
            let shared = parts_shared.clone();
            readiness.push((
                "parts",
                Box::new(move || match shared.lock() {
                    Ok(ps) => ps.iter().all(|p| p.ready()),
                    Err(_) => false,
                }),
            ));
        }
        if let Some(addr) = opts.metrics_addr {
            let listener = TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr} (--metrics)"))?;
            let local = listener.local_addr().context("local address")?;
            pending.push((listener, local, "metrics".to_owned(), Router::new(), false));
            listeners.push(("metrics".to_owned(), local));
        }
        let common = Arc::new(Common {
            registry,
            shutting_down: AtomicBool::new(false),
            readiness,
        });
        let mut bound = Vec::new();
        for (listener, local, name, router, tls_on) in pending {
            let router = with_common(router, common.clone(), http.clone(), name.clone());
            bound.push(BoundListener {
                listener,
                local,
                name,
                router,
                tls: tls_on,
            });
        }
        Ok(Bound {
            opts,
            acceptor: TlsAcceptor::from(tls.config.clone()),
            tls,
            listeners: bound,
            addrs: listeners,
            parts: parts_shared,
            common,
        })
    }
}

fn with_common(router: Router, common: Arc<Common>, http: HttpMetrics, name: String) -> Router {
    let common_routes = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(common);
    router
        .merge(common_routes)
        .layer(axum::middleware::from_fn_with_state(
            (http, Arc::<str>::from(name)),
            observe,
        ))
}

async fn readyz(State(common): State<Arc<Common>>) -> Response {
    if common.shutting_down.load(Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n").into_response();
    }
    for (name, ready) in &common.readiness {
        if !ready() {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("not ready: {name}\n"),
            )
                .into_response();
        }
    }
    "ok\n".into_response()
}

async fn metrics(State(common): State<Arc<Common>>) -> Response {
    let mut text = String::new();
    match prometheus_client::encoding::text::encode(&mut text, &common.registry) {
        Ok(()) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot encode metrics: {e}\n"),
        )
            .into_response(),
    }
}

/// Counts every answer and times it, by listener and matched route (never the raw path, so
/// scanners probing random URLs cannot blow up the label set).
async fn observe(
    State((http, listener)): State<(HttpMetrics, Arc<str>)>,
    req: Request,
    next: Next,
) -> Response {
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_owned();
    let start = Instant::now();
    let resp = next.run(req).await;
    let labels = PathLabels {
        listener: listener.to_string(),
        path,
    };
    http.duration
        .get_or_create(&labels)
        .observe(start.elapsed().as_secs_f64());
    http.requests
        .get_or_create(&HttpLabels {
            listener: labels.listener,
            path: labels.path,
            code: resp.status().as_u16(),
        })
        .inc();
    resp
}

struct BoundListener {
    listener: TcpListener,
    local: SocketAddr,
    name: String,
    router: Router,
    tls: bool,
}

/// What happened over the server's life.
#[derive(Debug, Default)]
pub struct ServeReport {
    /// Connections still open when `shutdown_timeout` ran out (their requests were cut).
    pub connections_cut: bool,
}

/// A server whose listeners are bound, ready to serve.
pub struct Bound {
    opts: ServerOptions,
    acceptor: TlsAcceptor,
    tls: Tls,
    listeners: Vec<BoundListener>,
    addrs: Vec<(String, SocketAddr)>,
    parts: Arc<std::sync::Mutex<Vec<Box<dyn Part>>>>,
    common: Arc<Common>,
}

impl Bound {
    /// Each listener's name (its parts joined by `+`, or `metrics`) and bound address.
    pub fn addrs(&self) -> &[(String, SocketAddr)] {
        &self.addrs
    }

    /// The address of the listener serving the part `name`.
    pub fn addr_of(&self, name: &str) -> Option<SocketAddr> {
        self.addrs
            .iter()
            .find(|(n, _)| n.split('+').any(|p| p == name))
            .map(|(_, a)| *a)
    }

    /// The TLS setup.
    pub fn tls(&self) -> &Tls {
        &self.tls
    }

    /// Serves until `shutdown` completes, then shuts down gracefully and drains the parts.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<ServeReport> {
        let Bound {
            opts,
            acceptor,
            tls: _tls,
            listeners,
            addrs: _,
            parts,
            common,
        } = self;
        let graceful = Arc::new(GracefulShutdown::new());
        let stop = tokio_util::sync::CancellationToken::new();
        let mut accept_loops = Vec::new();
        for l in listeners {
            let acceptor = l.tls.then(|| acceptor.clone());
            accept_loops.push(tokio::spawn(accept_loop(
                l,
                acceptor,
                graceful.clone(),
                stop.clone(),
                opts.handshake_timeout,
            )));
        }
        shutdown.await;
        eprintln!("rampart serve: shutting down: no new connections; finishing requests in flight");
        common.shutting_down.store(true, Ordering::SeqCst);
        stop.cancel();
        for h in accept_loops {
            let _ = h.await;
        }
        let mut report = ServeReport::default();
        // Every accept loop has returned, so this is the only handle left.
        match Arc::try_unwrap(graceful) {
            Ok(g) => {
                if tokio::time::timeout(opts.shutdown_timeout, g.shutdown())
                    .await
                    .is_err()
                {
                    report.connections_cut = true;
                    eprintln!(
                        "rampart serve: warning: requests still in flight after {:?}; closing",
                        opts.shutdown_timeout
                    );
                }
            }
            Err(_) => report.connections_cut = true,
        }
        let parts = match parts.lock() {
            Ok(mut ps) => std::mem::take(&mut *ps),
            Err(p) => std::mem::take(&mut *p.into_inner()),
        };
        for p in parts {
            let name = p.name();
            p.drain().await;
            eprintln!("rampart serve: {name}: drained");
        }
        Ok(report)
    }
}

async fn accept_loop(
    l: BoundListener,
    acceptor: Option<TlsAcceptor>,
    graceful: Arc<GracefulShutdown>,
    stop: tokio_util::sync::CancellationToken,
    handshake_timeout: Duration,
) {
    let BoundListener {
        listener,
        local,
        name,
        router,
        ..
    } = l;
    loop {
        let (tcp, _peer) = tokio::select! {
            _ = stop.cancelled() => break,
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // EMFILE and friends: wait a little rather than spin.
                    eprintln!("rampart serve: {name} ({local}): accept: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = tcp.set_nodelay(true);
        let svc = TowerToHyperService::new(router.clone());
        let watcher = graceful.watcher();
        match &acceptor {
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let tls =
                        match tokio::time::timeout(handshake_timeout, acceptor.accept(tcp)).await {
                            Ok(Ok(s)) => s,
                            // Failed handshakes (scanners, clients not trusting the CA) are
                            // the client's problem; nothing to serve.
                            _ => return,
                        };
                    let builder =
                        hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                    let conn = builder
                        .serve_connection(TokioIo::new(tls), svc)
                        .into_owned();
                    let _ = watcher.watch(conn).await;
                });
            }
            None => {
                tokio::spawn(async move {
                    let builder =
                        hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                    let conn = builder
                        .serve_connection(TokioIo::new(tcp), svc)
                        .into_owned();
                    let _ = watcher.watch(conn).await;
                });
            }
        }
    }
}

/// Completes on SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {},
                    _ = tokio::signal::ctrl_c() => {},
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
