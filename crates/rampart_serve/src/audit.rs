//! The audit webhook part: the API server's audit webhook backend POSTs `EventList` batches
//! (`audit.k8s.io/v1`, or `v1beta1`) here; they are judged by the same engine as
//! `rampart audit scan` (`rampart_audit::Engine`), one worker thread in arrival order, so
//! windowed and first-seen rules see one stream.
//!
//! Between the HTTP handler and the worker is a queue bounded in events and in bytes. A batch
//! is accepted (200) only once it is in the queue; when it does not fit, the answer is 429 with
//! `Retry-After` (the API server's webhook backend retries) and the refusal is counted; after
//! shutdown has begun the answer is 503. An accepted batch is always judged: at shutdown the
//! worker finishes the queue before it stops. A body that is not JSON, or not audit events, is
//! answered 400 with the reason; one over `--max-body-bytes` 413. Both are counted.
//!
//! Alerts are written as JSON lines (the `Finding` of `rampart audit scan --format jsonl`) to
//! stdout or a file, and offered to the alert webhook ([`crate::sink`]) when one is set.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use rampart_audit::{Engine, Event, Origin, Posture, RuleSet};
use rampart_model::InputError;
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};

use crate::server::{BoxFuture, Part};
use crate::sink::{Sink, SinkOptions, SinkSender};

/// The path the API server posts to.
pub const PATH: &str = "/audit";

/// Where alerts are written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AlertOutput {
    Stdout,
    /// Appended to.
    File(PathBuf),
    /// Not written (metrics and the alert webhook only; for load tests).
    Discard,
}

/// Options of the audit webhook part.
pub struct AuditOptions {
    pub addr: SocketAddr,
    pub rules: RuleSet,
    pub posture: Option<Posture>,
    pub alerts: AlertOutput,
    pub alert_webhook: Option<SinkOptions>,
    /// Events waiting for the worker, at most.
    pub queue_events: usize,
    /// Bytes of request bodies waiting for the worker, at most.
    pub queue_bytes: usize,
    /// Largest request body.
    pub max_body_bytes: usize,
    /// How long the alert webhook may take to deliver what is queued at shutdown.
    pub drain_timeout: Duration,
    /// The worker holds this lock while it judges a batch: a test holding it stops the worker,
    /// to fill the queue or to shut down with work queued.
    pub pause: Option<Arc<std::sync::Mutex<()>>>,
}

impl AuditOptions {
    /// Defaults: the built-in rules, alerts to stdout, a queue of 100,000 events or 256 MiB,
    /// bodies up to 32 MiB.
    pub fn new(addr: SocketAddr) -> AuditOptions {
        AuditOptions {
            addr,
            rules: RuleSet::builtin(),
            posture: None,
            alerts: AlertOutput::Stdout,
            alert_webhook: None,
            queue_events: 100_000,
            queue_bytes: 256 << 20,
            max_body_bytes: 32 << 20,
            drain_timeout: Duration::from_secs(10),
            pause: None,
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AlertLabels {
    rule: String,
    severity: String,
}

/// The part's counters (Prometheus metrics under `rampart_audit_`; readable in tests).
#[derive(Clone)]
pub struct AuditMetrics {
    /// Events in accepted requests.
    pub events_received: Counter,
    /// Events the engine has judged.
    pub events_processed: Counter,
    /// Events in refused requests (`queue_full`: 429, `shutting_down`: 503).
    events_refused: Family<ReasonLabels, Counter>,
    /// Requests rejected for their body (`malformed`, `not_events`, `oversized`, `unreadable`).
    requests_rejected: Family<ReasonLabels, Counter>,
    alerts: Family<AlertLabels, Counter>,
    /// Alerts that could not be written to the alert output.
    pub alert_write_errors: Counter,
    /// CEL evaluation errors (a rule that fails on an event counts as no match).
    pub rule_errors: Counter,
    pub queue_events: Gauge,
    pub queue_bytes: Gauge,
    /// From acceptance to judged, per batch.
    delay: Histogram,
}

impl AuditMetrics {
    fn new() -> AuditMetrics {
        AuditMetrics {
            events_received: Counter::default(),
            events_processed: Counter::default(),
            events_refused: Family::default(),
            requests_rejected: Family::default(),
            alerts: Family::default(),
            alert_write_errors: Counter::default(),
            rule_errors: Counter::default(),
            queue_events: Gauge::default(),
            queue_bytes: Gauge::default(),
            delay: Histogram::new(exponential_buckets(0.0001, 2.0, 17)),
        }
    }

    fn register(&self, r: &mut Registry) {
        r.register(
            "events_received",
            "Audit events in requests accepted into the queue",
            self.events_received.clone(),
        );
        r.register(
            "events_processed",
            "Audit events judged by the rules",
            self.events_processed.clone(),
        );
        r.register(
            "events_refused",
            "Audit events in refused requests (queue_full: 429, shutting_down: 503); the API server retries them",
            self.events_refused.clone(),
        );
        r.register(
            "requests_rejected",
            "Requests rejected for their body (malformed, not_events, oversized, unreadable)",
            self.requests_rejected.clone(),
        );
        r.register(
            "alerts",
            "Alerts raised, by rule and severity",
            self.alerts.clone(),
        );
        r.register(
            "alert_write_errors",
            "Alerts that could not be written to the alert output",
            self.alert_write_errors.clone(),
        );
        r.register(
            "rule_errors",
            "Rule evaluations that failed (counted as no match)",
            self.rule_errors.clone(),
        );
        r.register(
            "queue_events",
            "Audit events waiting for the rules",
            self.queue_events.clone(),
        );
        r.register(
            "queue_bytes",
            "Bytes of audit requests waiting for the rules",
            self.queue_bytes.clone(),
        );
        r.register(
            "event_delay_seconds",
            "Time from a batch's acceptance to the end of its judgement",
            self.delay.clone(),
        );
    }

    /// Events refused for `reason` (`queue_full`, `shutting_down`).
    pub fn refused(&self, reason: &'static str) -> u64 {
        self.events_refused
            .get_or_create(&ReasonLabels { reason })
            .get()
    }

    /// Requests rejected for `reason`.
    pub fn rejected(&self, reason: &'static str) -> u64 {
        self.requests_rejected
            .get_or_create(&ReasonLabels { reason })
            .get()
    }

    /// Alerts raised by `rule`, whatever their severity.
    pub fn alerts_of(&self, rule: &str) -> u64 {
        ["info", "low", "medium", "high", "critical"]
            .iter()
            .map(|s| {
                self.alerts
                    .get_or_create(&AlertLabels {
                        rule: rule.to_owned(),
                        severity: (*s).to_owned(),
                    })
                    .get()
            })
            .sum()
    }
}

enum Job {
    Batch {
        body: Bytes,
        events: u32,
        accepted: Instant,
        _permits: (OwnedSemaphorePermit, OwnedSemaphorePermit),
    },
    Stop,
}

struct Shared {
    tx: mpsc::UnboundedSender<Job>,
    events_room: Arc<Semaphore>,
    bytes_room: Arc<Semaphore>,
    queue_events: usize,
    queue_bytes: usize,
    max_body: usize,
    closing: AtomicBool,
    metrics: AuditMetrics,
}

/// What the worker did over its life.
#[derive(Clone, Debug, Default)]
pub struct WorkerSummary {
    pub batches: u64,
    pub events: u64,
    pub alerts: u64,
}

/// The audit webhook part.
pub struct AuditWebhook {
    addr: SocketAddr,
    shared: Arc<Shared>,
    done: oneshot::Receiver<WorkerSummary>,
    sink: Option<Sink>,
    drain_timeout: Duration,
    /// Rules in force.
    pub rules: usize,
    /// Problems compiling rules (those rules are left out).
    pub rule_errors: Vec<InputError>,
}

impl AuditWebhook {
    /// Compiles the rules, starts the worker thread (and the alert webhook sink), and registers
    /// the metrics under `rampart_audit_`.
    pub async fn start(
        opts: AuditOptions,
        registry: &mut Registry,
    ) -> anyhow::Result<AuditWebhook> {
        let reg = registry.sub_registry_with_prefix("audit");
        let metrics = AuditMetrics::new();
        metrics.register(reg);
        let sink = match opts.alert_webhook {
            Some(s) => Some(Sink::start(s, reg)?),
            None => None,
        };
        let queue_events = opts.queue_events.clamp(1, u32::MAX as usize);
        let queue_bytes = opts.queue_bytes.clamp(1, u32::MAX as usize);
        let max_body = opts.max_body_bytes.min(queue_bytes);
        let output: Box<dyn Write + Send> = match &opts.alerts {
            AlertOutput::Stdout => Box::new(std::io::stdout()),
            AlertOutput::File(p) => Box::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .with_context(|| format!("--alerts {}: cannot open", p.display()))?,
            ),
            AlertOutput::Discard => Box::new(std::io::sink()),
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let (ready_tx, ready_rx) = oneshot::channel();
        let (done_tx, done) = oneshot::channel();
        let worker = Worker {
            rx,
            out: std::io::BufWriter::with_capacity(1 << 16, output),
            sink: sink.as_ref().and_then(Sink::sender),
            metrics: metrics.clone(),
            cel_errors_seen: 0,
            summary: WorkerSummary::default(),
            pause: opts.pause.clone(),
        };
        let (rules, posture) = (opts.rules, opts.posture);
        std::thread::Builder::new()
            .name("rampart-audit".to_owned())
            .spawn(move || {
                let mut engine = Engine::new(&rules);
                if let Some(p) = posture {
                    engine = engine.with_posture(p);
                }
                let _ = ready_tx.send((engine.rules().count(), std::mem::take(&mut engine.errors)));
                let summary = worker.run(engine);
                let _ = done_tx.send(summary);
            })
            .context("cannot start the audit worker thread")?;
        let (rules, rule_errors) = ready_rx
            .await
            .context("the audit worker stopped while compiling the rules")?;
        Ok(AuditWebhook {
            addr: opts.addr,
            shared: Arc::new(Shared {
                tx,
                events_room: Arc::new(Semaphore::new(queue_events)),
                bytes_room: Arc::new(Semaphore::new(queue_bytes)),
                queue_events,
                queue_bytes,
                max_body,
                closing: AtomicBool::new(false),
                metrics,
            }),
            done,
            sink,
            drain_timeout: opts.drain_timeout,
            rules,
            rule_errors,
        })
    }

    /// The counters (also exported as metrics).
    pub fn metrics(&self) -> AuditMetrics {
        self.shared.metrics.clone()
    }
}

impl Part for AuditWebhook {
    fn name(&self) -> &'static str {
        "audit-webhook"
    }

    fn addr(&self) -> SocketAddr {
        self.addr
    }

    fn router(&self) -> Router {
        Router::new()
            .route(PATH, post(ingest))
            .with_state(self.shared.clone())
    }

    fn ready(&self) -> bool {
        !self.shared.closing.load(Ordering::SeqCst)
    }

    fn drain(self: Box<Self>) -> BoxFuture {
        Box::pin(async move {
            let AuditWebhook {
                shared,
                done,
                sink,
                drain_timeout,
                ..
            } = *self;
            shared.closing.store(true, Ordering::SeqCst);
            // Everything accepted is ahead of Stop in the queue.
            let _ = shared.tx.send(Job::Stop);
            match done.await {
                Ok(s) => {
                    let m = &shared.metrics;
                    eprintln!(
                        "rampart serve: audit-webhook: {} events received, {} judged in {} batches, {} alerts; refused {} (queue full) + {} (shutting down)",
                        m.events_received.get(),
                        s.events,
                        s.batches,
                        s.alerts,
                        m.refused("queue_full"),
                        m.refused("shutting_down"),
                    );
                }
                Err(_) => eprintln!("rampart serve: error: the audit worker stopped unexpectedly"),
            }
            if let Some(sink) = sink {
                sink.drain(drain_timeout).await;
            }
        })
    }
}

fn answer(code: StatusCode, msg: impl Into<String>) -> Response {
    let mut m = msg.into();
    m.push('\n');
    (code, m).into_response()
}

/// Checks a request body: an `EventList` (or one `Event`) of audit.k8s.io; returns how many
/// events it holds.
pub fn count_events(body: &[u8]) -> Result<usize, (&'static str, String)> {
    let doc: Event<'_> = serde_json::from_slice(body).map_err(|e| {
        (
            "malformed",
            format!("body is not an audit EventList: invalid JSON: {e}"),
        )
    })?;
    if let Some(v) = doc.api_version.as_deref() {
        if !v.starts_with("audit.k8s.io/") {
            return Err((
                "not_events",
                format!("apiVersion {v:?}: expected audit.k8s.io/v1 (or v1beta1)"),
            ));
        }
    }
    if doc.is_list() {
        return Ok(doc.items.as_ref().map_or(0, Vec::len));
    }
    if doc.looks_like_event() {
        return Ok(1);
    }
    Err((
        "not_events",
        "body is not an audit EventList (expected kind EventList with items, or one Event with verb and auditID)"
            .to_owned(),
    ))
}

async fn ingest(State(st): State<Arc<Shared>>, body: Body) -> Response {
    let m = &st.metrics;
    if st.closing.load(Ordering::SeqCst) {
        m.requests_rejected
            .get_or_create(&ReasonLabels {
                reason: "shutting_down",
            })
            .inc();
        return answer(StatusCode::SERVICE_UNAVAILABLE, "shutting down");
    }
    let body = match Limited::new(body, st.max_body).collect().await {
        Ok(c) => c.to_bytes(),
        Err(e) => {
            if e.downcast_ref::<LengthLimitError>().is_some() {
                m.requests_rejected
                    .get_or_create(&ReasonLabels {
                        reason: "oversized",
                    })
                    .inc();
                return answer(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "body larger than {} bytes (--max-body-bytes); lower the API server's --audit-webhook-batch-max-size",
                        st.max_body
                    ),
                );
            }
            m.requests_rejected
                .get_or_create(&ReasonLabels {
                    reason: "unreadable",
                })
                .inc();
            return answer(StatusCode::BAD_REQUEST, format!("cannot read body: {e}"));
        }
    };
    let n = match count_events(&body) {
        Ok(n) => n,
        Err((reason, msg)) => {
            m.requests_rejected
                .get_or_create(&ReasonLabels { reason })
                .inc();
            return answer(StatusCode::BAD_REQUEST, msg);
        }
    };
    if n == 0 {
        return answer(StatusCode::OK, "no events");
    }
    if n > st.queue_events {
        m.requests_rejected
            .get_or_create(&ReasonLabels {
                reason: "oversized",
            })
            .inc();
        return answer(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{n} events in one batch; the queue holds {} (--queue-events)",
                st.queue_events
            ),
        );
    }
    let refuse = |reason: &'static str| {
        m.events_refused
            .get_or_create(&ReasonLabels { reason })
            .inc_by(n as u64);
    };
    let len = body.len().max(1);
    let permits = match (
        st.events_room.clone().try_acquire_many_owned(n as u32),
        st.bytes_room.clone().try_acquire_many_owned(len as u32),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        _ => {
            refuse("queue_full");
            let mut r = answer(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "queue full ({} events or {} bytes waiting); retry",
                    st.queue_events, st.queue_bytes
                ),
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
            return r;
        }
    };
    m.queue_events.inc_by(n as i64);
    m.queue_bytes.inc_by(len as i64);
    let job = Job::Batch {
        body,
        events: n as u32,
        accepted: Instant::now(),
        _permits: permits,
    };
    match st.tx.send(job) {
        Ok(()) => {
            m.events_received.inc_by(n as u64);
            answer(StatusCode::OK, "accepted")
        }
        Err(_) => {
            m.queue_events.dec_by(n as i64);
            m.queue_bytes.dec_by(len as i64);
            refuse("shutting_down");
            answer(StatusCode::SERVICE_UNAVAILABLE, "shutting down")
        }
    }
}

struct Worker {
    rx: mpsc::UnboundedReceiver<Job>,
    out: std::io::BufWriter<Box<dyn Write + Send>>,
    sink: Option<SinkSender>,
    metrics: AuditMetrics,
    cel_errors_seen: u64,
    summary: WorkerSummary,
    pause: Option<Arc<std::sync::Mutex<()>>>,
}

impl Worker {
    fn run(mut self, mut engine: Engine) -> WorkerSummary {
        let mut alerts = Vec::new();
        while let Some(job) = self.rx.blocking_recv() {
            match job {
                Job::Batch {
                    body,
                    events,
                    accepted,
                    _permits,
                } => {
                    self.batch(&mut engine, &body, events, accepted, &mut alerts);
                    // `_permits` dropped here: the room is given back.
                }
                Job::Stop => {
                    // Nothing new can be queued; finish what is (a send that won the race
                    // against close is still in the queue).
                    self.rx.close();
                    while let Ok(job) = self.rx.try_recv() {
                        if let Job::Batch {
                            body,
                            events,
                            accepted,
                            _permits,
                        } = job
                        {
                            self.batch(&mut engine, &body, events, accepted, &mut alerts);
                        }
                    }
                    break;
                }
            }
        }
        let _ = self.out.flush();
        self.summary
    }

    fn batch(
        &mut self,
        engine: &mut Engine,
        body: &[u8],
        events: u32,
        accepted: Instant,
        alerts: &mut Vec<rampart_model::Finding>,
    ) {
        let pause = self.pause.clone();
        let _held = pause.as_ref().map(|p| p.lock());
        alerts.clear();
        // The handler decoded the same bytes with the same type, so this does not fail.
        if let Ok(doc) = serde_json::from_slice::<Event<'_>>(body) {
            let origin = || Origin {
                path: None,
                line: 0,
            };
            if doc.is_list() {
                for ev in doc.items.iter().flatten() {
                    engine.process(ev, origin(), &mut |f| alerts.push(f));
                }
            } else {
                engine.process(&doc, origin(), &mut |f| alerts.push(f));
            }
        }
        let m = &self.metrics;
        for a in alerts.iter() {
            m.alerts
                .get_or_create(&AlertLabels {
                    rule: a.check.to_string(),
                    severity: a.severity.to_string(),
                })
                .inc();
            match serde_json::to_vec(a) {
                Ok(mut line) => {
                    if let Some(s) = &self.sink {
                        s.offer(Bytes::from(line.clone()));
                    }
                    line.push(b'\n');
                    if self.out.write_all(&line).is_err() {
                        m.alert_write_errors.inc();
                    }
                }
                Err(_) => {
                    m.alert_write_errors.inc();
                }
            }
        }
        if !alerts.is_empty() && self.out.flush().is_err() {
            m.alert_write_errors.inc();
        }
        let cel = engine.stats.cel_errors;
        m.rule_errors
            .inc_by(cel.saturating_sub(self.cel_errors_seen));
        self.cel_errors_seen = cel;
        m.events_processed.inc_by(u64::from(events));
        m.queue_events.dec_by(i64::from(events));
        m.queue_bytes.dec_by(body.len().max(1) as i64);
        m.delay.observe(accepted.elapsed().as_secs_f64());
        self.summary.batches += 1;
        self.summary.events += u64::from(events);
        self.summary.alerts += alerts.len() as u64;
    }
}

/// The kubeconfig the API server's `--audit-webhook-config-file` names: the webhook's URL and
/// the CA (base64 PEM) that signed its certificate.
pub fn webhook_kubeconfig(url: &str, ca_bundle_base64: &str) -> String {
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: rampart
  cluster:
    server: {url}
    certificate-authority-data: {ca_bundle_base64}
users:
- name: kube-apiserver
  user: {{}}
contexts:
- name: rampart
  context:
    cluster: rampart
    user: kube-apiserver
current-context: rampart
"
    )
}
