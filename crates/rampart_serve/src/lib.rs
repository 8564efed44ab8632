//! `rampart serve`: one long-running HTTPS server whose parts are switched on by flags.
//!
//! - [`server`]: listeners (rustls over tokio, hyper, axum), the common endpoints `/healthz`,
//!   `/readyz` and `/metrics` on every listener, graceful shutdown, and the [`Part`] trait;
//! - [`tls`]: certificates from files (re-read when they change) or generated for loopback;
//! - [`audit`]: the audit webhook part (`--audit-webhook ADDR`);
//! - [`admission`]: the admission webhook part (`--admission ADDR`), and [`admission_cluster`]
//!   its watch-fed view of the cluster (`--admission-cluster`, `--policies-from-cluster`);
//! - [`sink`]: the alert webhook (`--alert-webhook URL`).
//!
//! A new part (a dashboard) is a type implementing [`Part`], built by
//! its own `start` function from its options and the server's metrics registry, and added in
//! [`serve`] when its option is set: see `Part`'s documentation and `audit::AuditWebhook`.

pub mod admission;
pub mod admission_cluster;
pub mod audit;
pub mod server;
pub mod sink;
pub mod tls;
pub mod watch;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;

pub use server::{shutdown_signal, Bound, BoxFuture, Part, ServeReport, Server, ServerOptions};
pub use tls::TlsSource;

/// Everything `rampart serve` was asked to run.
pub struct ServeOptions {
    pub server: ServerOptions,
    /// `--audit-webhook ADDR` and its options.
    pub audit: Option<audit::AuditOptions>,
    /// Where to write the kubeconfig the API server's `--audit-webhook-config-file` names
    /// (default: `audit-webhook.kubeconfig` in `--tls-dir`, when given).
    pub audit_kubeconfig: Option<PathBuf>,
    /// `--admission ADDR` and its checks and policies.
    pub admission: Option<admission::AdmissionOptions>,
    /// Parts built by other crates (the dashboard, `rampart_dashboard`), served as they are.
    pub parts: Vec<Box<dyn Part>>,
    /// `--watch`: keep a live cluster's posture current (metrics, alerts, snapshots).
    pub watch: Option<watch::WatchOptions>,
}

/// Runs the server until SIGTERM or SIGINT (a multi-threaded tokio runtime of its own).
pub fn run(opts: ServeOptions) -> anyhow::Result<ServeReport> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("rampart-serve")
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(serve(opts, shutdown_signal(), |_| {}))
}

/// Builds the parts, binds, announces, serves until `shutdown`, drains. `on_bound` is called
/// once the listeners are bound (tests learn the ports there).
pub async fn serve(
    mut opts: ServeOptions,
    shutdown: impl Future<Output = ()>,
    on_bound: impl FnOnce(&Bound),
) -> anyhow::Result<ServeReport> {
    // A generated certificate also names the addresses we listen on.
    if let TlsSource::Generated { sans, .. } = &mut opts.server.tls {
        if sans.is_empty() {
            *sans = tls::default_sans();
        }
        let mut listen: Vec<SocketAddr> = opts.audit.iter().map(|a| a.addr).collect();
        listen.extend(opts.admission.iter().map(|a| a.addr));
        listen.extend(opts.server.metrics_addr);
        listen.extend(opts.parts.iter().map(|p| p.addr()));
        for a in listen {
            let ip = a.ip().to_string();
            if !a.ip().is_unspecified() && !sans.contains(&ip) {
                sans.push(ip);
            }
        }
    }
    let kubeconfig_path = opts
        .audit_kubeconfig
        .clone()
        .or_else(|| match &opts.server.tls {
            TlsSource::Generated { dir: Some(d), .. } if opts.audit.is_some() => {
                Some(d.join("audit-webhook.kubeconfig"))
            }
            _ => None,
        });
    let mut server = Server::new(opts.server.clone())?;
    let mut any = false;
    if let Some(a) = opts.audit.take() {
        let part = audit::AuditWebhook::start(a, server.registry()).await?;
        for e in &part.rule_errors {
            eprintln!("rampart serve: warning: {e}");
        }
        eprintln!(
            "rampart serve: audit-webhook: {} rules in force",
            part.rules
        );
        server.add(Box::new(part));
        any = true;
    }
    if let Some(a) = opts.admission.take() {
        let part = admission::AdmissionWebhook::start(a, server.registry()).await?;
        server.add(Box::new(part));
        any = true;
    }
    for part in std::mem::take(&mut opts.parts) {
        server.add(part);
        any = true;
    }
    let mut watching = None;
    if let Some(w) = opts.watch.take() {
        watching = Some(watch::Watch::start(w, server.registry()).await?);
        any = true;
    }
    if !any {
        anyhow::bail!(
            "nothing to serve: give --audit-webhook ADDR, --admission ADDR, --dashboard ADDR or --watch"
        );
    }
    let bound = server.bind().await?;
    announce(&bound, kubeconfig_path.as_deref())?;
    on_bound(&bound);
    let report = bound.serve(shutdown).await;
    if let Some(w) = watching {
        w.stop().await;
        eprintln!("rampart serve: watch: stopped");
    }
    report
}

/// `host:port` of a listen address as a client reaches it (loopback for an unspecified one).
fn url_host_port(addr: SocketAddr) -> String {
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else {
        addr.ip().to_string()
    };
    if host.contains(':') {
        format!("[{host}]:{}", addr.port())
    } else {
        format!("{host}:{}", addr.port())
    }
}

/// Prints where each listener is, the CA bundle, and the audit webhook's kubeconfig.
fn announce(bound: &Bound, kubeconfig: Option<&std::path::Path>) -> anyhow::Result<()> {
    let tls = bound.tls();
    if let Some((cert, key)) = &tls.files {
        eprintln!(
            "rampart serve: TLS certificate {} and key {} (reloaded when they change)",
            cert.display(),
            key.display()
        );
    }
    for (name, addr) in bound.addrs() {
        let scheme = if name == "metrics" { "http" } else { "https" };
        eprintln!("rampart serve: {name} listening on {scheme}://{addr}");
    }
    eprintln!(
        "rampart serve: CA bundle (base64): {}",
        tls.ca_bundle_base64()
    );
    if let Some(addr) = bound.addr_of("admission") {
        eprintln!(
            "rampart serve: admission webhook URL https://{}{} (register it with `rampart webhook manifest --url URL --ca-file CA`)",
            url_host_port(addr),
            admission::PATH
        );
    }
    if let Some(addr) = bound.addr_of("audit-webhook") {
        let url = format!("https://{}{}", url_host_port(addr), audit::PATH);
        let text = audit::webhook_kubeconfig(&url, &tls.ca_bundle_base64());
        match kubeconfig {
            Some(p) => {
                // Written whole, then renamed: whoever waits for the file never reads half.
                let tmp = p.with_extension("kubeconfig.tmp");
                std::fs::write(&tmp, &text)
                    .and_then(|_| std::fs::rename(&tmp, p))
                    .with_context(|| format!("cannot write {}", p.display()))?;
                eprintln!(
                    "rampart serve: API server flags: --audit-webhook-config-file={} --audit-webhook-batch-max-wait=1s",
                    p.display()
                );
            }
            None => {
                eprintln!("rampart serve: kubeconfig for the API server's --audit-webhook-config-file:\n{text}");
            }
        }
    }
    Ok(())
}
