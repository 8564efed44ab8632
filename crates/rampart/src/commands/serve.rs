//! `rampart serve`: parses the flags and hands them to `rampart_serve`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use rampart_serve::admission::AdmissionOptions;
use rampart_serve::audit::{AlertOutput, AuditOptions};
use rampart_serve::sink::SinkOptions;
use rampart_serve::{ServeOptions, ServerOptions, TlsSource};

/// Arguments of `rampart serve`.
///
/// Every listener speaks HTTPS and serves `/healthz`, `/readyz` and `/metrics` (Prometheus)
/// next to its part's routes. SIGTERM or SIGINT stops it gracefully: requests in flight finish
/// and every accepted audit event is judged before it exits.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Serve the API server's audit webhook backend on ADDR (e.g. 127.0.0.1:8443): it POSTs
    /// EventList batches to https://ADDR/audit; they go through the audit rules live.
    #[arg(long, value_name = "ADDR")]
    pub audit_webhook: Option<SocketAddr>,

    /// Serve the web dashboard over the scan history (--store) on ADDR (e.g. 127.0.0.1:8080):
    /// https://ADDR/ shows every target, its posture, frameworks and findings.
    #[arg(long, value_name = "ADDR")]
    pub dashboard: Option<SocketAddr>,

    /// Serve the validating admission webhook on ADDR (e.g. 127.0.0.1:9443): the API server
    /// POSTs AdmissionReview v1 to https://ADDR/validate; judged by the built-in object checks
    /// and the --policy files with the --config's selection, severities, waivers and
    /// `admission:` section (see docs/admission.md). May be the same ADDR as --audit-webhook.
    #[arg(long, value_name = "ADDR")]
    pub admission: Option<SocketAddr>,

    /// User policies judging admission requests (repeatable; files or directories).
    #[arg(long = "policy", value_name = "PATH", requires = "admission")]
    pub policies: Vec<PathBuf>,

    /// Admission: judge requests with a cache of the cluster kept by watches (the cluster of
    /// --kubeconfig/--context, else in-cluster): the checks across objects (NetworkPolicy
    /// coverage, RBAC escalation paths, dangling references) about the incoming object, and
    /// the policies that read other objects (data.inventory, namespaceSelector). /readyz waits
    /// for the cache's first list.
    #[arg(long, requires = "admission")]
    pub admission_cluster: bool,

    /// Admission: also read the user policies from the cluster (Gatekeeper ConstraintTemplates
    /// and constraints, ValidatingAdmissionPolicies and bindings), watched: changes apply
    /// without a restart; one that does not load is logged and counted, the others apply.
    /// Implies --admission-cluster.
    #[arg(long, requires = "admission")]
    pub policies_from_cluster: bool,

    /// Config file (.rampart.yaml: selection, severities, waivers, fail-on, admission).
    #[arg(long, value_name = "FILE", requires = "admission")]
    pub config: Option<PathBuf>,

    /// Admission: run only these checks (ids, categories, `framework:NAME`; comma-separated).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "TERMS",
        requires = "admission"
    )]
    pub select: Vec<String>,

    /// Admission: skip these checks (comma-separated).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "TERMS",
        requires = "admission"
    )]
    pub ignore: Vec<String>,

    /// Largest AdmissionReview body accepted, in bytes (larger: 400).
    #[arg(long, value_name = "BYTES", default_value_t = rampart_admission::DEFAULT_MAX_BODY)]
    pub admission_max_body: usize,

    /// Serving certificate (PEM chain), re-read when the file changes. With --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// Private key (PEM) of --tls-cert, re-read when the file changes.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// The CA that signed --tls-cert, for the kubeconfig written for the API server (default:
    /// --tls-cert itself, right for a self-signed certificate).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_ca: Option<PathBuf>,

    /// Without --tls-cert: where the generated CA (ca.crt) and serving pair (tls.crt, tls.key)
    /// are written, and reused on the next start. Without it they live in memory only.
    #[arg(long, value_name = "DIR", conflicts_with = "tls_cert")]
    pub tls_dir: Option<PathBuf>,

    /// Without --tls-cert: more names (IP or DNS) for the generated certificate, besides
    /// 127.0.0.1, localhost and the listen addresses.
    #[arg(long, value_name = "NAME", conflicts_with = "tls_cert")]
    pub tls_san: Vec<String>,

    /// Require client certificates signed by this CA (PEM), e.g. the API server's.
    #[arg(long, value_name = "FILE")]
    pub client_ca: Option<PathBuf>,

    /// Also serve /healthz, /readyz and /metrics over plain HTTP on ADDR (bind it to loopback).
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<SocketAddr>,

    /// Where to write the kubeconfig for the API server's --audit-webhook-config-file
    /// (default: DIR/audit-webhook.kubeconfig with --tls-dir, else printed on stderr).
    #[arg(long, value_name = "FILE")]
    pub audit_kubeconfig: Option<PathBuf>,

    /// Directories (or files) of rule and library YAML added to the built-in pack.
    #[arg(long, value_name = "DIR")]
    pub rules: Vec<PathBuf>,

    /// A posture to correlate with: a rampart JSON scan report, a snapshot, or manifests.
    #[arg(long, value_name = "FILE")]
    pub posture: Option<PathBuf>,

    /// Append alerts (JSON lines) to FILE instead of writing them to stdout.
    #[arg(long, value_name = "FILE")]
    pub alerts: Option<PathBuf>,

    /// POST each alert (JSON) to URL, with bounded retries; never holds up detection.
    #[arg(long, value_name = "URL")]
    pub alert_webhook: Option<String>,

    /// CA bundle (PEM) for an https --alert-webhook (default: the system's roots).
    #[arg(long, value_name = "FILE", requires = "alert_webhook")]
    pub alert_webhook_ca: Option<PathBuf>,

    /// Retries of a failed alert delivery (backoff 200 ms, doubling).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub alert_webhook_retries: u32,

    /// Time allowed for one alert delivery attempt, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub alert_webhook_timeout: f64,

    /// Audit events waiting for the rules, at most; beyond it requests get 429.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub queue_events: usize,

    /// Bytes of audit requests waiting for the rules, at most (MiB); beyond it requests get 429.
    #[arg(long, value_name = "MIB", default_value_t = 256)]
    pub queue_mib: usize,

    /// Largest audit request body (MiB); larger ones get 413.
    #[arg(long, value_name = "MIB", default_value_t = 32)]
    pub max_body_mib: usize,

    /// At shutdown, how long requests in flight (and queued alert deliveries) may take, in
    /// seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub shutdown_timeout: f64,

    #[command(flatten)]
    pub watch: super::serve_watch::WatchArgs,
}

fn seconds(flag: &str, s: f64) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(s).map_err(|_| anyhow::anyhow!("{flag} {s}: not a duration"))
}

pub fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => TlsSource::Files {
            cert: cert.clone(),
            key: key.clone(),
            ca: args.tls_ca.clone(),
        },
        _ => TlsSource::Generated {
            dir: args.tls_dir.clone(),
            sans: args.tls_san.clone(),
        },
    };
    let shutdown_timeout = seconds("--shutdown-timeout", args.shutdown_timeout)?;
    let mut server = ServerOptions::new(tls);
    server.client_ca = args.client_ca.clone();
    server.metrics_addr = args.metrics;
    server.shutdown_timeout = shutdown_timeout;
    let audit = match args.audit_webhook {
        Some(addr) => {
            let mut a = AuditOptions::new(addr);
            a.rules = super::audit::rule_set(&args.rules);
            if let Some(p) = &args.posture {
                a.posture = Some(super::audit::posture(p)?);
            }
            a.alerts = match &args.alerts {
                Some(p) if p.as_os_str() != "-" => AlertOutput::File(p.clone()),
                _ => AlertOutput::Stdout,
            };
            a.alert_webhook = match &args.alert_webhook {
                Some(url) => {
                    let mut s = SinkOptions::new(url.clone());
                    s.ca = args.alert_webhook_ca.clone();
                    s.retries = args.alert_webhook_retries;
                    s.timeout = seconds("--alert-webhook-timeout", args.alert_webhook_timeout)?;
                    Some(s)
                }
                None => None,
            };
            a.queue_events = args.queue_events;
            a.queue_bytes = args.queue_mib.saturating_mul(1 << 20);
            a.max_body_bytes = args.max_body_mib.saturating_mul(1 << 20);
            a.drain_timeout = shutdown_timeout;
            Some(a)
        }
        None => None,
    };
    let admission = args.admission.map(|addr| AdmissionOptions {
        addr,
        admission: rampart_admission::AdmissionOptions {
            config: args.config.clone(),
            policies: args.policies.clone(),
            select: args.select.clone(),
            ignore: args.ignore.clone(),
            kubernetes_version: None,
            max_body: Some(args.admission_max_body),
            ..rampart_admission::AdmissionOptions::default()
        },
        cluster: (args.admission_cluster || args.policies_from_cluster).then(|| {
            let mut c = rampart_serve::admission_cluster::ClusterOptions::new(
                rampart_cluster::ConnectOptions {
                    kubeconfig: args.watch.kubeconfig.clone(),
                    context: args.watch.context.clone(),
                    ..rampart_cluster::ConnectOptions::default()
                },
            );
            c.policies_from_cluster = args.policies_from_cluster;
            c
        }),
    });
    if (args.watch.kubeconfig.is_some() || args.watch.context.is_some())
        && !args.watch.watch
        && !args.admission_cluster
        && !args.policies_from_cluster
    {
        anyhow::bail!("--kubeconfig and --context name the cluster of --watch, --admission-cluster or --policies-from-cluster: give one of them");
    }
    let mut parts: Vec<Box<dyn rampart_serve::Part>> = Vec::new();
    if let Some(addr) = args.dashboard {
        let store = rampart_store::Location::parse(args.watch.store.as_deref().unwrap_or(""))
            .map_err(|e| anyhow::anyhow!(e))?;
        let part = rampart_dashboard::Dashboard::start(rampart_dashboard::DashboardOptions {
            addr,
            store,
        })?;
        parts.push(Box::new(part));
    }
    let watch_alerts = match (&args.alert_webhook, args.watch.watch) {
        (Some(url), true) => {
            let mut s = SinkOptions::new(url.clone());
            s.ca = args.alert_webhook_ca.clone();
            s.retries = args.alert_webhook_retries;
            s.timeout = seconds("--alert-webhook-timeout", args.alert_webhook_timeout)?;
            Some(s)
        }
        _ => None,
    };
    let watch = args.watch.options(watch_alerts, shutdown_timeout)?;
    if audit.is_none() && admission.is_none() && parts.is_empty() && watch.is_none() {
        anyhow::bail!(
            "nothing to serve: give --audit-webhook ADDR, --admission ADDR, --dashboard ADDR or --watch"
        );
    }
    rampart_serve::run(ServeOptions {
        server,
        audit,
        audit_kubeconfig: args.audit_kubeconfig.clone(),
        admission,
        parts,
        watch,
    })?;
    Ok(ExitCode::SUCCESS)
}
