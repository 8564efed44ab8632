//! `rampart serve` in process, over real TLS on loopback: the common endpoints, the audit
//! webhook (acceptance, alerts, bad bodies, a full queue, draining at shutdown), certificate
//! reload, and the alert webhook's retries.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rampart_serve::audit::{AlertOutput, AuditMetrics, AuditOptions, AuditWebhook};
use rampart_serve::sink::SinkOptions;
use rampart_serve::{ServeOptions, ServeReport, Server, ServerOptions, TlsSource};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use serde_json::{json, Value};
use tokio::sync::oneshot;

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

fn client_tls(ca_pem: &str) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(c.expect("CA PEM")).expect("CA");
    }
    rustls::ClientConfig::builder_with_provider(rampart_serve::tls::provider())
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

fn client(ca_pem: &str) -> HttpsClient {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(client_tls(ca_pem))
        .https_only()
        .enable_http1()
        .build();
    Client::builder(TokioExecutor::new()).build(https)
}

/// A running server: its address, CA, counters, and how to stop it.
struct Running {
    addr: SocketAddr,
    ca_pem: String,
    metrics: AuditMetrics,
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<anyhow::Result<ServeReport>>,
    client: HttpsClient,
}

impl Running {
    fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.addr.port())
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let req = hyper::Request::get(self.url(path))
            .body(Full::new(Bytes::new()))
            .expect("request");
        let resp = self.client.request(req).await.expect("GET");
        let code = resp.status().as_u16();
        let body = resp.into_body().collect().await.expect("body").to_bytes();
        (code, String::from_utf8_lossy(&body).into_owned())
    }

    async fn post(&self, body: impl Into<Bytes>) -> (u16, String) {
        let req = hyper::Request::post(self.url("/audit"))
            .header("content-type", "application/json")
            .body(Full::new(body.into()))
            .expect("request");
        let resp = self.client.request(req).await.expect("POST");
        let code = resp.status().as_u16();
        let body = resp.into_body().collect().await.expect("body").to_bytes();
        (code, String::from_utf8_lossy(&body).into_owned())
    }

    /// Asks for shutdown without waiting.
    fn signal_stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }

    async fn stop(mut self) -> ServeReport {
        self.signal_stop();
        tokio::time::timeout(Duration::from_secs(30), self.done)
            .await
            .expect("shutdown in time")
            .expect("join")
            .expect("serve")
    }
}

/// Builds the server the way `rampart_serve::serve` does, through the public part API, keeping
/// a handle on the audit part's counters.
async fn start(audit: AuditOptions, tls: TlsSource) -> Running {
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let mut opts = ServerOptions::new(tls);
    opts.shutdown_timeout = Duration::from_secs(10);
    let mut server = Server::new(opts).expect("server");
    let part = AuditWebhook::start(audit, server.registry())
        .await
        .expect("audit part");
    assert!(part.rule_errors.is_empty(), "{:?}", part.rule_errors);
    let metrics = part.metrics();
    server.add(Box::new(part));
    let bound = server.bind().await.expect("bind");
    let addr = bound.addr_of("audit-webhook").expect("audit listener");
    let ca_pem = bound.tls().ca_pem.clone();
    let done = tokio::spawn(bound.serve(async move {
        let _ = stop_rx.await;
    }));
    Running {
        addr,
        client: client(&ca_pem),
        ca_pem,
        metrics,
        stop: Some(stop_tx),
        done,
    }
}

fn generated() -> TlsSource {
    TlsSource::Generated {
        dir: None,
        sans: vec![],
    }
}

fn options(alerts: &Path) -> AuditOptions {
    let mut a = AuditOptions::new("127.0.0.1:0".parse().expect("addr"));
    a.alerts = AlertOutput::File(alerts.to_path_buf());
    a
}

fn event(id: &str, verb: &str, user: &str, resource: &str, ns: &str, name: &str) -> Value {
    json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Request",
        "auditID": id, "stage": "ResponseComplete",
        "requestURI": format!("/api/v1/namespaces/{ns}/{resource}"),
        "verb": verb, "user": {"username": user, "groups": ["system:authenticated"]},
        "sourceIPs": ["127.0.0.1"], "userAgent": "kubectl/v1.37.2",
        "objectRef": {"resource": resource, "namespace": ns, "name": name, "apiVersion": "v1"},
        "responseStatus": {"code": 201},
        "requestReceivedTimestamp": "2026-12-06T09:00:00.000000Z",
        "stageTimestamp": "2026-12-06T09:00:00.010000Z",
    })
}

fn privileged_pod(id: &str) -> Value {
    let mut e = event(id, "create", "mallory", "pods", "default", "evil");
    e["requestObject"] = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "evil", "namespace": "default"},
        "spec": {"containers": [{"name": "c", "image": "busybox",
            "securityContext": {"privileged": true}}]},
    });
    e
}

fn event_list(items: Vec<Value>) -> String {
    json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": {}, "items": items})
        .to_string()
}

fn alert_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("alert JSON line"))
        .collect()
}

/// Waits until `cond` holds (the worker is asynchronous to the 200).
async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..200 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_ready_and_metrics_over_tls() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = start(options(&dir.path().join("alerts.jsonl")), generated()).await;
    assert_eq!(r.get("/healthz").await, (200, "ok\n".to_owned()));
    assert_eq!(r.get("/readyz").await, (200, "ok\n".to_owned()));
    let (code, text) = r.get("/metrics").await;
    assert_eq!(code, 200);
    for name in [
        "rampart_audit_events_received_total",
        "rampart_audit_events_processed_total",
        "rampart_serve_http_requests_total",
        "rampart_serve_tls_reloads_total",
        "rampart_audit_event_delay_seconds_bucket",
    ] {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
    assert!(text.contains("listener=\"audit-webhook\""), "{text}");
    assert!(text.trim_end().ends_with("# EOF"));
    r.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepted_events_are_judged_and_alerts_written_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let alerts = dir.path().join("alerts.jsonl");
    let r = start(options(&alerts), generated()).await;
    // A benign batch, then one with a privileged pod among benign events; v1beta1 too.
    let benign: Vec<Value> = (0..10)
        .map(|i| {
            event(
                &format!("b{i}"),
                "list",
                "alice",
                "configmaps",
                "default",
                "",
            )
        })
        .collect();
    assert_eq!(r.post(event_list(benign)).await.0, 200);
    let mut v1beta1 = privileged_pod("p1");
    v1beta1["apiVersion"] = json!("audit.k8s.io/v1beta1");
    let mixed = json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1beta1",
        "items": [event("b10", "get", "alice", "pods", "default", "x"), v1beta1]});
    assert_eq!(r.post(mixed.to_string()).await.0, 200);
    let m = r.metrics.clone();
    eventually("12 events judged", || m.events_processed.get() == 12).await;
    assert_eq!(m.events_received.get(), 12);
    let lines = alert_lines(&alerts);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    let a = &lines[0];
    assert_eq!(a["check"], "audit-privileged-pod");
    assert_eq!(a["subject"]["user"], "mallory");
    assert_eq!(a["subject"]["verb"], "create");
    assert_eq!(a["subject"]["object"]["name"], "evil");
    assert_eq!(m.alerts_of("audit-privileged-pod"), 1);
    let (_, text) = r.get("/metrics").await;
    assert!(
        text.contains(
            "rampart_audit_alerts_total{rule=\"audit-privileged-pod\",severity=\"high\"} 1"
        ),
        "{text}"
    );
    r.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bodies_get_4xx_with_a_reason_and_are_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut opts = options(&dir.path().join("alerts.jsonl"));
    opts.max_body_bytes = 64 * 1024;
    opts.queue_events = 50;
    let r = start(opts, generated()).await;
    let (code, msg) = r.post("{not json").await;
    assert_eq!(code, 400);
    assert!(msg.contains("invalid JSON"), "{msg}");
    let (code, msg) = r.post(r#"{"kind":"Pod","apiVersion":"v1"}"#).await;
    assert_eq!(code, 400);
    assert!(msg.contains("audit.k8s.io"), "{msg}");
    let (code, msg) = r.post(r#"{"hello":"world"}"#).await;
    assert_eq!(code, 400);
    assert!(msg.contains("not an audit EventList"), "{msg}");
    let (code, msg) = r.post(vec![b' '; 100 * 1024]).await;
    assert_eq!(code, 413);
    assert!(msg.contains("larger than"), "{msg}");
    let many: Vec<Value> = (0..51)
        .map(|i| event(&format!("e{i}"), "get", "a", "pods", "d", "n"))
        .collect();
    let (code, msg) = r.post(event_list(many)).await;
    assert_eq!(
        code, 413,
        "a batch larger than the whole queue can never fit: {msg}"
    );
    let m = r.metrics.clone();
    assert_eq!(m.rejected("malformed"), 1);
    assert_eq!(m.rejected("not_events"), 2);
    assert_eq!(m.rejected("oversized"), 2);
    assert_eq!(m.events_received.get(), 0);
    // An empty list is fine.
    assert_eq!(r.post(event_list(vec![])).await.0, 200);
    r.stop().await;
}

// The lock held across awaits is the point: it stops the audit worker (a thread of its own).
#[allow(clippy::await_holding_lock)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_answers_429_and_shutdown_drains_what_was_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let alerts = dir.path().join("alerts.jsonl");
    let pause = Arc::new(Mutex::new(()));
    let mut opts = options(&alerts);
    opts.queue_events = 30;
    opts.pause = Some(pause.clone());
    let mut r = start(opts, generated()).await;
    let held = pause.lock().expect("lock");
    let batch = |k: usize| {
        event_list(
            (0..10)
                .map(|i| {
                    if i == 0 {
                        privileged_pod(&format!("p{k}"))
                    } else {
                        event(&format!("e{k}-{i}"), "get", "a", "pods", "d", "n")
                    }
                })
                .collect(),
        )
    };
    // The worker holds the first batch; three more fill the queue (30 events); the next is refused.
    let mut codes = Vec::new();
    for k in 0..6 {
        let (code, _) = r.post(batch(k)).await;
        codes.push(code);
        if k == 0 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let m = r.metrics.clone();
    let accepted = codes.iter().filter(|&&c| c == 200).count();
    let refused = codes.iter().filter(|&&c| c == 429).count();
    assert_eq!(accepted + refused, 6, "{codes:?}");
    assert!(refused >= 1, "{codes:?}");
    assert!(accepted >= 3, "{codes:?}");
    assert_eq!(m.refused("queue_full"), 10 * refused as u64);
    assert_eq!(m.events_received.get(), 10 * accepted as u64);
    // Shut down with the queue full and the worker held: readiness turns 503 at once.
    r.signal_stop();
    let mut saw_503 = false;
    for _ in 0..100 {
        let req = hyper::Request::get(r.url("/readyz"))
            .body(Full::new(Bytes::new()))
            .expect("request");
        match r.client.request(req).await {
            Ok(resp) if resp.status() == 503 => {
                saw_503 = true;
                break;
            }
            Ok(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            // The listener may already be closed.
            Err(_) => break,
        }
    }
    let _ = saw_503;
    drop(held);
    r.stop().await;
    // Nothing accepted was lost: every accepted event judged, one alert per accepted batch.
    assert_eq!(m.events_processed.get(), m.events_received.get());
    assert_eq!(alert_lines(&alerts).len(), accepted);
    assert_eq!(m.queue_events.get(), 0);
    assert_eq!(m.queue_bytes.get(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_files_are_reloaded_without_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tls_dir = dir.path().join("tls");
    let r = start(
        options(&dir.path().join("alerts.jsonl")),
        TlsSource::Generated {
            dir: Some(tls_dir.clone()),
            sans: vec![],
        },
    )
    .await;
    let first = peer_cert(r.addr, &r.ca_pem).await;
    // Rotate: a new pair signed by a new CA, written over the files (as cert-manager does).
    let g = rampart_serve::tls::generate(&["127.0.0.1".to_owned()]).expect("generate");
    std::fs::write(tls_dir.join("tls.key"), &g.key_pem).expect("write key");
    std::fs::write(tls_dir.join("tls.crt"), &g.cert_pem).expect("write cert");
    // The files are looked at once a second at most.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let _ = peer_cert(r.addr, &g.ca_pem).await;
    let second = peer_cert(r.addr, &g.ca_pem).await;
    assert_ne!(first, second);
    let (_, text) = {
        let c = client(&g.ca_pem);
        let req = hyper::Request::get(r.url("/metrics"))
            .body(Full::new(Bytes::new()))
            .expect("request");
        let resp = c.request(req).await.expect("GET with the new CA");
        let code = resp.status().as_u16();
        let body = resp.into_body().collect().await.expect("body").to_bytes();
        (code, String::from_utf8_lossy(&body).into_owned())
    };
    assert!(text.contains("rampart_serve_tls_reloads_total 1"), "{text}");
    r.stop().await;
}

/// The serving certificate presented on a fresh connection.
async fn peer_cert(addr: SocketAddr, ca_pem: &str) -> Vec<u8> {
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client_tls(ca_pem)));
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let name = rustls_pki_types::ServerName::try_from("127.0.0.1").expect("name");
    let tls = connector.connect(name, tcp).await.expect("TLS handshake");
    let certs = tls.get_ref().1.peer_certificates().expect("peer certs");
    certs[0].as_ref().to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_writes_the_api_server_kubeconfig_and_reuses_its_certificate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tls_dir = dir.path().join("tls");
    let run_once = |tls_dir: PathBuf, alerts: PathBuf| async move {
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let (bound_tx, bound_rx) = oneshot::channel();
        let mut audit = AuditOptions::new("127.0.0.1:0".parse().expect("addr"));
        audit.alerts = AlertOutput::File(alerts);
        let opts = ServeOptions {
            server: ServerOptions::new(TlsSource::Generated {
                dir: Some(tls_dir),
                sans: vec![],
            }),
            audit: Some(audit),
            audit_kubeconfig: None,
            admission: None,
            parts: Vec::new(),
            watch: None,
        };
        let done = tokio::spawn(rampart_serve::serve(
            opts,
            async move {
                let _ = stop_rx.await;
            },
            move |b| {
                let _ = bound_tx.send(b.addr_of("audit-webhook").expect("listener"));
            },
        ));
        let addr = bound_rx.await.expect("bound");
        let _ = stop_tx.send(());
        done.await.expect("join").expect("serve");
        addr
    };
    let addr = run_once(tls_dir.clone(), dir.path().join("a.jsonl")).await;
    let kubeconfig = std::fs::read_to_string(tls_dir.join("audit-webhook.kubeconfig"))
        .expect("kubeconfig written");
    assert!(
        kubeconfig.contains(&format!("server: https://127.0.0.1:{}/audit", addr.port())),
        "{kubeconfig}"
    );
    let ca = std::fs::read_to_string(tls_dir.join("ca.crt")).expect("ca");
    {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(ca.as_bytes());
        assert!(kubeconfig.contains(&format!("certificate-authority-data: {b64}")));
    }
    let key = std::fs::read(tls_dir.join("tls.key")).expect("key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(tls_dir.join("tls.key"))
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the key is private");
    }
    // A second start reuses the pair, so the API server's configuration stays valid.
    run_once(tls_dir.clone(), dir.path().join("b.jsonl")).await;
    assert_eq!(std::fs::read(tls_dir.join("tls.key")).expect("key"), key);
    assert_eq!(
        std::fs::read_to_string(tls_dir.join("ca.crt")).expect("ca"),
        ca
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_go_to_the_alert_webhook_with_retries() {
    // A plain-HTTP receiver that fails the first delivery with 503.
    let received = Arc::new(Mutex::new(Vec::<Value>::new()));
    let calls = Arc::new(AtomicUsize::new(0));
    let app = {
        let received = received.clone();
        let calls = calls.clone();
        axum::Router::new().route(
            "/hook",
            axum::routing::post(move |body: Bytes| {
                let received = received.clone();
                let calls = calls.clone();
                async move {
                    if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                        return axum::http::StatusCode::SERVICE_UNAVAILABLE;
                    }
                    if let Ok(v) = serde_json::from_slice(&body) {
                        received.lock().expect("lock").push(v);
                    }
                    axum::http::StatusCode::NO_CONTENT
                }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let hook = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let dir = tempfile::tempdir().expect("tempdir");
    let mut opts = options(&dir.path().join("alerts.jsonl"));
    let mut sink = SinkOptions::new(format!("http://{hook}/hook"));
    sink.backoff = Duration::from_millis(20);
    opts.alert_webhook = Some(sink);
    let r = start(opts, generated()).await;
    assert_eq!(
        r.post(event_list(vec![privileged_pod("x1"), privileged_pod("x2")]))
            .await
            .0,
        200
    );
    let got = received.clone();
    eventually("2 alerts delivered", || {
        got.lock().expect("lock").len() == 2
    })
    .await;
    let (_, text) = r.get("/metrics").await;
    assert!(
        text.contains("rampart_audit_alert_webhook_delivered_total 2"),
        "{text}"
    );
    assert!(
        text.contains("rampart_audit_alert_webhook_retries_total 1"),
        "{text}"
    );
    assert!(
        text.contains("rampart_audit_alert_webhook_failed_total 0"),
        "{text}"
    );
    r.stop().await;
    let got = received.lock().expect("lock").clone();
    assert!(got.iter().all(|a| a["check"] == "audit-privileged-pod"));

    // A webhook that is down: deliveries fail after the retries and are counted; detection
    // and the alert file are not held up.
    let dead = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let dead_addr = dead.local_addr().expect("addr");
    drop(dead);
    let alerts = dir.path().join("alerts2.jsonl");
    let mut opts = options(&alerts);
    let mut sink = SinkOptions::new(format!("http://{dead_addr}/hook"));
    sink.backoff = Duration::from_millis(10);
    sink.retries = 2;
    opts.alert_webhook = Some(sink);
    let r = start(opts, generated()).await;
    assert_eq!(r.post(event_list(vec![privileged_pod("y1")])).await.0, 200);
    let m = r.metrics.clone();
    eventually("judged", || m.events_processed.get() == 1).await;
    assert_eq!(alert_lines(&alerts).len(), 1);
    let mut failed = false;
    for _ in 0..100 {
        let (_, text) = r.get("/metrics").await;
        if text.contains("rampart_audit_alert_webhook_failed_total 1") {
            assert!(
                text.contains("rampart_audit_alert_webhook_retries_total 2"),
                "{text}"
            );
            failed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(failed, "the failed delivery is counted");
    r.stop().await;
}
