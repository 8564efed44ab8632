//! The alert webhook sink: POSTs each alert (one JSON object) to a URL, with a timeout per
//! attempt and bounded retries with exponential backoff.
//!
//! It never holds up detection: alerts wait in a bounded queue, and when that queue is full
//! (the receiver is down or slow) the alert is dropped from the webhook (it was already written
//! to the alert output) and counted. Deliveries that fail after every retry are counted too.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Uri;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use tokio::sync::mpsc;

/// Options of the alert webhook.
#[derive(Clone, Debug)]
pub struct SinkOptions {
    pub url: String,
    /// CA bundle (PEM) to trust for an https URL; the system's roots otherwise.
    pub ca: Option<PathBuf>,
    /// Time allowed for one attempt (connect, send, response).
    pub timeout: Duration,
    /// Attempts after the first one.
    pub retries: u32,
    /// Wait before the first retry; doubled each time (at most 10 s).
    pub backoff: Duration,
    /// Alerts waiting for delivery at most.
    pub queue: usize,
}

impl SinkOptions {
    pub fn new(url: impl Into<String>) -> SinkOptions {
        SinkOptions {
            url: url.into(),
            ca: None,
            timeout: Duration::from_secs(5),
            retries: 3,
            backoff: Duration::from_millis(200),
            queue: 10_000,
        }
    }
}

/// Delivery counters.
#[derive(Clone, Debug, Default)]
pub struct SinkMetrics {
    pub delivered: Counter,
    pub failed: Counter,
    pub retries: Counter,
    pub dropped: Counter,
    pub queued: Gauge,
}

impl SinkMetrics {
    fn register(&self, r: &mut Registry) {
        r.register(
            "alert_webhook_delivered",
            "Alerts the alert webhook accepted (2xx)",
            self.delivered.clone(),
        );
        r.register(
            "alert_webhook_failed",
            "Alerts not delivered after every retry",
            self.failed.clone(),
        );
        r.register(
            "alert_webhook_retries",
            "Delivery attempts repeated after a failure",
            self.retries.clone(),
        );
        r.register(
            "alert_webhook_dropped",
            "Alerts not sent to the webhook because its queue was full or the server stopped first",
            self.dropped.clone(),
        );
        r.register(
            "alert_webhook_queued",
            "Alerts waiting for the alert webhook",
            self.queued.clone(),
        );
    }
}

/// The handle detection uses to hand alerts over; never blocks.
#[derive(Clone)]
pub struct SinkSender {
    tx: mpsc::Sender<Bytes>,
    metrics: SinkMetrics,
}

impl SinkSender {
    /// Queues one alert (JSON); when the queue is full the alert is dropped and counted.
    pub fn offer(&self, alert: Bytes) {
        match self.tx.try_send(alert) {
            Ok(()) => {
                self.metrics.queued.inc();
            }
            Err(_) => {
                self.metrics.dropped.inc();
            }
        }
    }
}

/// The running sink.
pub struct Sink {
    sender: Option<SinkSender>,
    task: tokio::task::JoinHandle<()>,
    pub metrics: SinkMetrics,
}

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

impl Sink {
    /// Starts the delivery task (needs a tokio runtime); registers its metrics in `registry`.
    pub fn start(opts: SinkOptions, registry: &mut Registry) -> anyhow::Result<Sink> {
        let uri: Uri = opts
            .url
            .parse()
            .with_context(|| format!("--alert-webhook {}: not a URL", opts.url))?;
        match uri.scheme_str() {
            Some("http") | Some("https") => {}
            _ => anyhow::bail!("--alert-webhook {}: must be an http or https URL", opts.url),
        }
        let tls = crate::tls::client_config(opts.ca.as_deref())?;
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        let client: HttpsClient = Client::builder(TokioExecutor::new()).build(https);
        let metrics = SinkMetrics::default();
        metrics.register(registry);
        let (tx, rx) = mpsc::channel(opts.queue.max(1));
        let task = tokio::spawn(deliver_all(
            client,
            uri,
            Arc::new(opts),
            rx,
            metrics.clone(),
        ));
        Ok(Sink {
            sender: Some(SinkSender {
                tx,
                metrics: metrics.clone(),
            }),
            task,
            metrics,
        })
    }

    /// A sender for the detection worker.
    pub fn sender(&self) -> Option<SinkSender> {
        self.sender.clone()
    }

    /// Delivers what is queued once every sender is gone, for at most `timeout`; what is left
    /// then is counted as dropped.
    pub async fn drain(mut self, timeout: Duration) {
        self.sender = None;
        let abort = self.task.abort_handle();
        if tokio::time::timeout(timeout, &mut self.task).await.is_err() {
            abort.abort();
            let left = self.metrics.queued.get().max(0) as u64;
            self.metrics.dropped.inc_by(left);
            self.metrics.queued.set(0);
            eprintln!("rampart serve: warning: alert webhook: {left} alerts not delivered before the shutdown timeout");
        }
    }
}

async fn deliver_all(
    client: HttpsClient,
    uri: Uri,
    opts: Arc<SinkOptions>,
    mut rx: mpsc::Receiver<Bytes>,
    metrics: SinkMetrics,
) {
    let mut warned = false;
    while let Some(alert) = rx.recv().await {
        let ok = deliver(&client, &uri, &opts, alert, &metrics).await;
        metrics.queued.dec();
        if ok {
            metrics.delivered.inc();
        } else {
            metrics.failed.inc();
            if !warned {
                warned = true;
                eprintln!(
                    "rampart serve: warning: alert webhook {uri}: delivery failed after {} retries (further failures are only counted)",
                    opts.retries
                );
            }
        }
    }
}

/// One alert, with retries; true when delivered.
async fn deliver(
    client: &HttpsClient,
    uri: &Uri,
    opts: &SinkOptions,
    alert: Bytes,
    metrics: &SinkMetrics,
) -> bool {
    let mut wait = opts.backoff;
    for attempt in 0..=opts.retries {
        if attempt > 0 {
            metrics.retries.inc();
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(10));
        }
        let req = match hyper::Request::post(uri.clone())
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header(hyper::header::USER_AGENT, "rampart-serve")
            .body(Full::new(alert.clone()))
        {
            Ok(r) => r,
            Err(_) => return false,
        };
        let attempt = async {
            let resp = client.request(req).await.map_err(|_| true)?;
            let status = resp.status();
            // Read the answer so the connection can be reused.
            let _ = resp.into_body().collect().await;
            if status.is_success() {
                Ok(())
            } else {
                // Retry what may pass later; a 4xx other than 408/429 will not.
                Err(status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429)
            }
        };
        match tokio::time::timeout(opts.timeout, attempt).await {
            Ok(Ok(())) => return true,
            Ok(Err(false)) => return false,
            Ok(Err(true)) | Err(_) => continue,
        }
    }
    false
}
