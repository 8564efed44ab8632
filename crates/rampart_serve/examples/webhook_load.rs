//! Load test of the audit webhook on loopback: a bounded generator POSTs EventList batches over
//! HTTPS to an in-process `rampart serve` audit webhook (the built-in rules, alerts counted, not
//! written), retrying refused batches (429) after a pause as the API server's webhook backend
//! does, then shuts the server down and checks that every accepted event was judged.
//!
//! ```text
//! cargo run --release -p rampart_serve --example webhook_load -- \
//!     [--events 300000] [--batch 400] [--clients 4] [--queue-events 100000]
//! ```
//!
//! The events are a mix like a busy cluster's: lease renewals, controller reads, kubelet status
//! patches, pod creates (some privileged), Secret reads, refused lists, exec sessions.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rampart_serve::audit::{AlertOutput, AuditOptions, AuditWebhook};
use rampart_serve::{Server, ServerOptions, TlsSource};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use serde_json::{json, Value};

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One event of the mix; `i` makes it unique, `r` picks the kind.
fn event(i: usize, r: usize) -> Value {
    let ns = ["default", "prod", "staging", "kube-system", "payments"][r % 5];
    let node = format!("node-{}", r % 7);
    let ts = format!(
        "2026-12-06T10:{:02}:{:02}.{:06}Z",
        (i / 60_000) % 60,
        (i / 1000) % 60,
        i % 1_000_000
    );
    let base = |verb: &str, user: &str, groups: &[&str], level: &str, obj: Value, code: u16| {
        json!({
            "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": level,
            "auditID": format!("load-{i}"), "stage": "ResponseComplete",
            "requestURI": format!("/api/v1/namespaces/{ns}/{}", obj["resource"].as_str().unwrap_or("")),
            "verb": verb, "user": {"username": user, "groups": groups},
            "sourceIPs": [format!("10.0.{}.{}", r % 4, r % 250)], "userAgent": "kube-controller-manager/v1.37.2",
            "objectRef": obj, "responseStatus": {"metadata": {}, "code": code},
            "requestReceivedTimestamp": ts, "stageTimestamp": ts,
            "annotations": {"authorization.k8s.io/decision": if code == 403 { "forbid" } else { "allow" }},
        })
    };
    match r % 100 {
        0..=29 => base(
            "update",
            &format!("system:node:{node}"),
            &["system:nodes", "system:authenticated"],
            "Metadata",
            json!({"resource": "leases", "namespace": "kube-node-lease", "name": node, "apiGroup": "coordination.k8s.io", "apiVersion": "v1"}),
            200,
        ),
        30..=74 => base(
            ["get", "list", "watch"][r % 3],
            "system:serviceaccount:kube-system:endpointslice-controller",
            &["system:serviceaccounts", "system:authenticated"],
            "Metadata",
            json!({"resource": (["configmaps", "endpoints", "pods", "services"][r % 4]), "namespace": ns, "apiVersion": "v1"}),
            200,
        ),
        75..=89 => {
            let mut e = base(
                "patch",
                &format!("system:node:{node}"),
                &["system:nodes", "system:authenticated"],
                "Request",
                json!({"resource": "pods", "subresource": "status", "namespace": ns, "name": format!("web-{}", r % 50), "apiVersion": "v1"}),
                200,
            );
            e["requestObject"] = json!({"status": {"conditions": [{"type": "Ready", "status": "True"}],
                "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0, "image": "registry.example/web:1.4.2"}]}});
            e
        }
        90..=94 => {
            let mut e = base(
                "create",
                "system:serviceaccount:kube-system:replicaset-controller",
                &["system:serviceaccounts", "system:authenticated"],
                "RequestResponse",
                json!({"resource": "pods", "namespace": ns, "name": format!("web-{i}"), "apiVersion": "v1"}),
                201,
            );
            e["requestObject"] = json!({"kind": "Pod", "apiVersion": "v1",
                "metadata": {"generateName": "web-", "namespace": ns, "labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": "registry.example/web:1.4.2",
                    "securityContext": {"privileged": i % 97 == 0, "runAsNonRoot": true}}],
                    "serviceAccountName": "web"}});
            e
        }
        95..=97 => base(
            "get",
            ["alice", "system:serviceaccount:prod:web"][r % 2],
            &["system:authenticated"],
            "Metadata",
            json!({"resource": "secrets", "namespace": ns, "name": "db", "apiVersion": "v1"}),
            200,
        ),
        98 => base(
            "list",
            &format!("system:serviceaccount:{ns}:default"),
            &["system:serviceaccounts", "system:authenticated"],
            "Metadata",
            json!({"resource": "secrets", "namespace": ns, "apiVersion": "v1"}),
            403,
        ),
        _ => base(
            "create",
            "alice",
            &["system:authenticated"],
            "Metadata",
            json!({"resource": "pods", "subresource": "exec", "namespace": ns, "name": "web-1", "apiVersion": "v1"}),
            101,
        ),
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let events = arg(&args, "--events", 300_000);
    let batch = arg(&args, "--batch", 400).max(1);
    let clients = arg(&args, "--clients", 4).max(1);
    let queue_events = arg(&args, "--queue-events", 100_000);
    let distinct = arg(&args, "--distinct-batches", 64).max(1);
    let batches = events.div_ceil(batch);

    // Bodies made up front (a fixed set, cycled), so the generator costs little CPU while timed.
    let mut seed: u64 = 0x5eed_1234;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let mut bodies = Vec::new();
    let mut total_bytes = 0usize;
    for b in 0..distinct.min(batches) {
        let items: Vec<Value> = (0..batch).map(|j| event(b * batch + j, next())).collect();
        let body = json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": {}, "items": items}).to_string();
        total_bytes += body.len();
        bodies.push(Bytes::from(body));
    }
    let avg_event = total_bytes as f64 / (bodies.len() * batch) as f64;

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let mut opts = ServerOptions::new(TlsSource::Generated { dir: None, sans: vec![] });
        opts.shutdown_timeout = Duration::from_secs(60);
        let mut server = Server::new(opts)?;
        let mut audit = AuditOptions::new("127.0.0.1:0".parse()?);
        audit.alerts = AlertOutput::Discard;
        audit.queue_events = queue_events;
        let part = AuditWebhook::start(audit, server.registry()).await?;
        let rules = part.rules;
        let metrics = part.metrics();
        server.add(Box::new(part));
        let bound = server.bind().await?;
        let addr = bound.addr_of("audit-webhook").expect("listener");
        let ca = bound.tls().ca_pem.clone();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let served = tokio::spawn(bound.serve(async move {
            let _ = stop_rx.await;
        }));

        let mut roots = rustls::RootCertStore::empty();
        for c in CertificateDer::pem_slice_iter(ca.as_bytes()) {
            roots.add(c?)?;
        }
        let tls = rustls::ClientConfig::builder_with_provider(rampart_serve::tls::provider())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_only()
            .enable_http1()
            .build();
        let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build(https);
        let url: hyper::Uri = format!("https://127.0.0.1:{}/audit", addr.port()).parse()?;

        println!(
            "{events} events in {batches} batches of {batch} ({avg_event:.0} bytes per event), {clients} clients, queue {queue_events} events, {rules} rules"
        );
        let next_batch = Arc::new(AtomicUsize::new(0));
        let sent_events = Arc::new(AtomicU64::new(0));
        let refusals = Arc::new(AtomicU64::new(0));
        let refused_client = Arc::new(AtomicU64::new(0));
        let bodies = Arc::new(bodies);
        let t = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let (client, url, bodies) = (client.clone(), url.clone(), bodies.clone());
            let (next_batch, sent_events, refusals, refused_client) = (
                next_batch.clone(),
                sent_events.clone(),
                refusals.clone(),
                refused_client.clone(),
            );
            tasks.push(tokio::spawn(async move {
                loop {
                    let b = next_batch.fetch_add(1, Ordering::Relaxed);
                    if b >= batches {
                        break;
                    }
                    let n = if b + 1 == batches { events - b * batch } else { batch };
                    let body = bodies[b % bodies.len()].clone();
                    // The last batch may be shorter: cut the list (re-encoded once).
                    let body = if n == batch {
                        body
                    } else {
                        let mut v: Value = serde_json::from_slice(&body)?;
                        if let Some(items) = v["items"].as_array_mut() {
                            items.truncate(n);
                        }
                        Bytes::from(v.to_string())
                    };
                    loop {
                        let req = hyper::Request::post(url.clone())
                            .header("content-type", "application/json")
                            .body(Full::new(body.clone()))?;
                        let resp = client.request(req).await?;
                        let status = resp.status().as_u16();
                        let _ = resp.into_body().collect().await;
                        match status {
                            200 => {
                                sent_events.fetch_add(n as u64, Ordering::Relaxed);
                                break;
                            }
                            429 => {
                                refusals.fetch_add(1, Ordering::Relaxed);
                                refused_client.fetch_add(n as u64, Ordering::Relaxed);
                                tokio::time::sleep(Duration::from_millis(20)).await;
                            }
                            other => anyhow::bail!("unexpected status {other}"),
                        }
                    }
                }
                anyhow::Ok(())
            }));
        }
        for task in tasks {
            task.await??;
        }
        let sent_time = t.elapsed();
        // Wait for the worker to finish the queue, then shut down (which drains it anyway).
        while metrics.events_processed.get() < metrics.events_received.get() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let judged_time = t.elapsed();
        let _ = stop_tx.send(());
        served.await??;

        let accepted = metrics.events_received.get();
        let processed = metrics.events_processed.get();
        let refused_events = metrics.refused("queue_full");
        let refused_requests = refusals.load(Ordering::Relaxed);
        println!(
            "sent and accepted {} events in {:.2} s; all judged after {:.2} s: {:.0} events/s end to end",
            sent_events.load(Ordering::Relaxed),
            sent_time.as_secs_f64(),
            judged_time.as_secs_f64(),
            accepted as f64 / judged_time.as_secs_f64()
        );
        println!(
            "accepted {accepted}, processed {processed}, lost {}; refused with 429: {refused_requests} requests ({refused_events} events, counted by the server), all retried",
            accepted.saturating_sub(processed)
        );
        println!(
            "alerts: privileged pod {}, exec {}, forbidden burst {}",
            metrics.alerts_of("audit-privileged-pod"),
            metrics.alerts_of("audit-pod-exec"),
            metrics.alerts_of("audit-forbidden-burst"),
        );
        anyhow::ensure!(accepted == processed, "accepted events were lost");
        anyhow::ensure!(accepted == events as u64, "accepted {accepted} of {events}");
        anyhow::ensure!(
            refused_events == refused_client.load(Ordering::Relaxed),
            "refusals not all counted by the server"
        );
        anyhow::Ok(())
    })
}
