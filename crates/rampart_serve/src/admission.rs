//! The admission webhook part (`--admission ADDR`): `POST /validate` takes an AdmissionReview v1
//! from the API server and answers with the verdict of [`rampart_admission::Admission`] (the
//! built-in object checks and the user policies).
//!
//! - A body over the limit, or not a well-formed AdmissionReview: 400 with the reason as text,
//!   one JSON log line on stderr, and `rampart_admission_bad_requests_total{reason}`.
//! - Every decision is counted in `rampart_admission_decisions_total{action, dry_run}` (action:
//!   allow, audit, warn, deny, exempt) and timed in `rampart_admission_duration_seconds` (body
//!   read to verdict); `rampart_admission_checks` is the number of checks and policies judging
//!   each request; `rampart_admission_policy_errors_ignored` counts the expression errors of
//!   ValidatingAdmissionPolicies with `failurePolicy: Ignore` (admitted). Decisions other than a plain allow are logged as one JSON line on stderr.
//! - Judging is CPU work: it runs on the runtime's worker threads (one per core), which is
//!   where the request already is; nothing in it blocks on I/O.
//! - With a cluster (`--admission-cluster`, [`AdmissionOptions::cluster`]), requests are judged
//!   with a watch-fed cache of the cluster, and with `--policies-from-cluster` the policies are
//!   read from the cluster too: see [`crate::admission_cluster`]. `/readyz` waits for the
//!   cache's first list.

use std::net::SocketAddr;
use std::sync::atomic::AtomicI64;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use http_body_util::BodyExt;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use rampart_admission::{Admission, ObjectCache, ReviewError};

use crate::admission_cluster::{self, ClusterOptions, Judge, Metrics, Running};
use crate::server::{BoxFuture, Part};

/// The route the API server calls.
pub const PATH: &str = "/validate";

/// `--admission ADDR` and what to judge with.
pub struct AdmissionOptions {
    pub addr: SocketAddr,
    /// Checks, policies and config, as the library takes them.
    pub admission: rampart_admission::AdmissionOptions,
    /// Judge with a watch-fed cache of this cluster (and read policies from it, when asked).
    pub cluster: Option<ClusterOptions>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    action: &'static str,
    dry_run: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

struct Shared {
    judge: Arc<Judge>,
    decisions: Family<DecisionLabels, Counter>,
    bad: Family<ReasonLabels, Counter>,
    duration: Histogram,
    ignored: Gauge<i64, AtomicI64>,
}

/// The running part.
pub struct AdmissionWebhook {
    addr: SocketAddr,
    shared: Arc<Shared>,
    watches: Option<Running>,
}

impl AdmissionWebhook {
    /// Loads the checks and policies (any error in them refuses to start: a webhook does not
    /// run with a policy missing), registers the metrics under `rampart_admission_` and, with a
    /// cluster, connects and starts the watches (fails when the cluster cannot be used).
    pub async fn start(opts: AdmissionOptions, registry: &mut Registry) -> anyhow::Result<Self> {
        let mut base = opts.admission;
        base.with_cluster = opts.cluster.is_some();
        base.policies_from_cluster = opts
            .cluster
            .as_ref()
            .is_some_and(|c| c.policies_from_cluster);
        let admission = Admission::new(base.clone())?;
        let reg = registry.sub_registry_with_prefix("admission");
        let decisions = Family::<DecisionLabels, Counter>::default();
        let bad = Family::<ReasonLabels, Counter>::default();
        // 50 µs .. ~1.6 s.
        let duration = Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
            0.00005, 2.0, 16,
        ));
        let cluster_metrics = Metrics::default();
        let checks = cluster_metrics.checks.clone();
        checks.set(i64::try_from(admission.checks()).unwrap_or(i64::MAX));
        reg.register(
            "decisions",
            "Admission requests judged, by action (allow, audit, warn, deny, exempt) and dry run",
            decisions.clone(),
        );
        reg.register(
            "bad_requests",
            "Requests answered 400 (malformed or oversized AdmissionReview), by reason",
            bad.clone(),
        );
        reg.register(
            "duration_seconds",
            "Time to judge one admission request (body read to verdict)",
            duration.clone(),
        );
        let ignored = Gauge::<i64, AtomicI64>::default();
        reg.register(
            "policy_errors_ignored",
            "Expression errors of ValidatingAdmissionPolicies with failurePolicy Ignore (the request was admitted as if the policy allowed it)",
            ignored.clone(),
        );
        reg.register(
            "checks",
            "Object checks and user policies judging each request",
            checks,
        );
        cluster_metrics.register(
            reg,
            opts.cluster.is_some(),
            opts.cluster
                .as_ref()
                .is_some_and(|c| c.policies_from_cluster),
        );
        if !admission.not_at_admission().is_empty() {
            let why = if opts.cluster.is_some() {
                "not judged at admission (they report what objects created later would fix, or are about files; a scan reports them)"
            } else {
                "not judged at admission (they read other objects: give --admission-cluster; a scan reports them)"
            };
            eprintln!(
                "{}",
                serde_json::json!({"level": "info", "msg": why,
                    "checks": admission.not_at_admission()})
            );
        }
        eprintln!(
            "rampart serve: admission: {} checks and policies judge requests",
            admission.checks()
        );
        let cache = opts
            .cluster
            .as_ref()
            .map(|c| Arc::new(ObjectCache::new(c.min_rebuild)));
        let judge = Arc::new(Judge::new(admission, cache));
        let watches = match opts.cluster {
            Some(c) => {
                Some(admission_cluster::start(c, base, judge.clone(), cluster_metrics).await?)
            }
            None => None,
        };
        Ok(AdmissionWebhook {
            addr: opts.addr,
            shared: Arc::new(Shared {
                judge,
                decisions,
                bad,
                duration,
                ignored,
            }),
            watches,
        })
    }
}

impl Part for AdmissionWebhook {
    fn name(&self) -> &'static str {
        "admission"
    }

    fn addr(&self) -> SocketAddr {
        self.addr
    }

    fn router(&self) -> Router {
        Router::new()
            .route(PATH, post(validate))
            .with_state(self.shared.clone())
    }

    fn ready(&self) -> bool {
        self.shared
            .judge
            .ready
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    fn drain(self: Box<Self>) -> BoxFuture {
        // Nothing is queued: a request is answered before its connection is released. The
        // watches stop.
        Box::pin(async move {
            if let Some(w) = self.watches {
                w.stop().await;
            }
        })
    }
}

fn reason_of(e: &ReviewError) -> &'static str {
    match e {
        ReviewError::TooLarge { .. } => "too-large",
        ReviewError::NotJson(_) => "not-json",
        ReviewError::NotAReview { .. } => "not-a-review",
        ReviewError::Invalid(_) => "invalid",
    }
}

fn bad_request(st: &Shared, e: &ReviewError, text: String) -> Response {
    let reason = reason_of(e);
    st.bad.get_or_create(&ReasonLabels { reason }).inc();
    eprintln!(
        "{}",
        serde_json::json!({"level": "warn", "msg": "bad admission request",
            "reason": reason, "error": text})
    );
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{text}\n"),
    )
        .into_response()
}

async fn validate(State(st): State<Arc<Shared>>, body: Body) -> Response {
    let start = Instant::now();
    let admission = st.judge.get();
    let limit = admission.max_body();
    let body = match read_body(body, limit).await {
        Ok(b) => b,
        Err(Some(read)) => {
            let err = ReviewError::TooLarge { size: read, limit };
            let text = format!("request body is over the limit of {limit} bytes");
            return bad_request(&st, &err, text);
        }
        Err(None) => {
            let err = ReviewError::Invalid("the request body could not be read".into());
            return bad_request(&st, &err, err.to_string());
        }
    };
    let d = match admission.review_in(&body, st.judge.cache.as_deref()) {
        Ok(d) => d,
        Err(e) => return bad_request(&st, &e, e.to_string()),
    };
    st.ignored
        .set(i64::try_from(admission.policy_errors_ignored()).unwrap_or(i64::MAX));
    let action = d.outcome();
    st.decisions
        .get_or_create(&DecisionLabels {
            action,
            dry_run: if d.dry_run { "true" } else { "false" },
        })
        .inc();
    if action != "allow" {
        eprintln!(
            "{}",
            serde_json::json!({"level": "info", "msg": "admission decision",
                "uid": d.uid, "operation": d.operation, "object": d.object,
                "action": action, "dry_run": d.dry_run,
                "results": d.results.iter().map(|j| format!("{} {}", j.action.as_str(), j.line())).collect::<Vec<_>>()})
        );
    }
    let out = serde_json::to_vec(&d.response()).unwrap_or_default();
    st.duration.observe(start.elapsed().as_secs_f64());
    ([(header::CONTENT_TYPE, "application/json")], out).into_response()
}

/// Bytes read past the limit before answering 400 anyway: reading them lets the client (which
/// is still sending) see the answer rather than a reset connection.
const DISCARD_PAST_LIMIT: usize = 64 * 1024 * 1024;

/// Reads the body up to `limit` bytes. Over it: `Err(Some(bytes read))`, after reading and
/// dropping the rest (up to [`DISCARD_PAST_LIMIT`]); unreadable: `Err(None)`.
async fn read_body(mut body: Body, limit: usize) -> Result<Bytes, Option<usize>> {
    let mut buf: Vec<u8> = Vec::new();
    let mut read = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return if read > limit {
                Err(Some(read))
            } else {
                Err(None)
            };
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        read = read.saturating_add(data.len());
        if read <= limit {
            buf.extend_from_slice(&data);
        } else {
            buf = Vec::new();
            if read > limit.saturating_add(DISCARD_PAST_LIMIT) {
                return Err(Some(read));
            }
        }
    }
    if read > limit {
        Err(Some(read))
    } else {
        Ok(Bytes::from(buf))
    }
}
