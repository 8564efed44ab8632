//! Continuous mode (`rampart serve --watch`): keeps a live cluster's posture current.
//!
//! - One kube-runtime watcher per type the checks read ([`rampart_cluster::watch::WATCHED`]):
//!   an initial list, then watch events. The objects are kept in memory (a reflector of our own,
//!   so a re-list after a broken watch drops what was deleted meanwhile).
//! - A changed object is judged again by the object checks at once (only that object); the
//!   checks across objects (RBAC, NetworkPolicy, inventory-wide checks) and the framework scores
//!   run again after a change, debounced (`debounce`, 2 s by default: at most once per period
//!   under constant churn).
//! - The current set of findings is published to `/metrics` (`rampart_watch_*`), and new open
//!   findings at or above the alert severity are offered to the alert webhook
//!   ([`crate::sink`]): once per finding (by fingerprint) while it stays open, again only once it
//!   was fixed and came back; a token bucket bounds the rate (what it refuses is counted).
//! - With a store, a snapshot scan (every current result, target = the cluster's name) is saved
//!   once the first list is complete, then after changes at most once per `snapshot_interval`.
//! - Watch errors are counted per type and retried with backoff (the watcher's); nothing here
//!   panics on cluster data or ends the server.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::body::Bytes;
use futures::StreamExt;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use rampart_cluster::watch::{Change, ClusterFacts, WatchEvent, WatchedType, WATCHED};
use rampart_cluster::ConnectOptions;
use rampart_model::{Finding, Fingerprint, Meta, Origin, Resource, Severity};
use rampart_scan::{Loaded, ScanOptions, Scanner};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use crate::sink::{Sink, SinkOptions, SinkSender};

/// The body of an alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertFormat {
    /// Slack-compatible: `text` and `blocks` (also read by Mattermost, Rocket.Chat, ...).
    Slack,
    /// One JSON object with the finding's fields.
    Json,
}

/// Alerts on new findings.
#[derive(Clone, Debug)]
pub struct AlertOptions {
    pub sink: SinkOptions,
    /// Findings at or above this severity are alerted.
    pub min_severity: Severity,
    pub format: AlertFormat,
    /// Sustained alerts per minute at most (token bucket refill).
    pub per_minute: f64,
    /// Alerts sent at once at most (token bucket size).
    pub burst: u32,
    /// Also alert the findings present when the watch starts (default: only new ones).
    pub existing: bool,
}

/// Options of the watch.
pub struct WatchOptions {
    pub connect: ConnectOptions,
    /// Config, selection and policies (the paths are ignored).
    pub scan: ScanOptions,
    /// The name scans are stored and alerts sent under (default: `cluster CONTEXT`, as
    /// `rampart scan --cluster --store` names them).
    pub cluster_name: Option<String>,
    /// History store (SQLite path or `postgres://` URL).
    pub store: Option<String>,
    /// Least time between two stored snapshots after changes.
    pub snapshot_interval: Duration,
    /// How long after a change the checks across objects run again.
    pub debounce: Duration,
    pub alerts: Option<AlertOptions>,
    /// At shutdown, how long queued alert deliveries may take.
    pub drain_timeout: Duration,
    /// The types to watch (default: [`WATCHED`]; tests narrow it).
    pub types: Vec<WatchedType>,
    /// Watch namespaced types in this namespace only (a tenant); cluster-scoped types whole.
    pub namespace: Option<String>,
}

impl WatchOptions {
    pub fn new(connect: ConnectOptions) -> WatchOptions {
        WatchOptions {
            connect,
            scan: ScanOptions::default(),
            cluster_name: None,
            store: None,
            snapshot_interval: Duration::from_secs(300),
            debounce: Duration::from_secs(2),
            alerts: None,
            drain_timeout: Duration::from_secs(30),
            types: WATCHED.to_vec(),
            namespace: None,
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SeverityLabels {
    severity: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CheckLabels {
    check: String,
    severity: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct NamespaceLabels {
    namespace: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FrameworkLabels {
    framework: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventLabels {
    resource: String,
    event: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResourceLabels {
    resource: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PassLabels {
    pass: String,
}

/// The watch's metrics (prefix `rampart_watch_`).
#[derive(Clone)]
struct Metrics {
    findings: Family<SeverityLabels, Gauge>,
    by_check: Family<CheckLabels, Gauge>,
    by_namespace: Family<NamespaceLabels, Gauge>,
    score: Family<FrameworkLabels, Gauge<f64, std::sync::atomic::AtomicU64>>,
    posture: Gauge<f64, std::sync::atomic::AtomicU64>,
    objects: Gauge,
    synced: Gauge,
    events: Family<EventLabels, Counter>,
    errors: Family<ResourceLabels, Counter>,
    reevaluations: Family<PassLabels, Counter>,
    latency: Family<PassLabels, Histogram>,
    alerts: Counter,
    alerts_rate_limited: Counter,
    snapshots: Counter,
    snapshot_errors: Counter,
}

impl Metrics {
    fn new() -> Metrics {
        Metrics {
            findings: Family::default(),
            by_check: Family::default(),
            by_namespace: Family::default(),
            score: Family::default(),
            posture: Gauge::default(),
            objects: Gauge::default(),
            synced: Gauge::default(),
            events: Family::default(),
            errors: Family::default(),
            reevaluations: Family::default(),
            latency: Family::new_with_constructor(|| {
                // 50 µs .. ~13 s.
                Histogram::new(exponential_buckets(0.00005, 2.0, 18))
            }),
            alerts: Counter::default(),
            alerts_rate_limited: Counter::default(),
            snapshots: Counter::default(),
            snapshot_errors: Counter::default(),
        }
    }

    fn register(&self, r: &mut Registry) {
        r.register(
            "findings",
            "Open findings in the cluster now, by severity",
            self.findings.clone(),
        );
        r.register(
            "findings_by_check",
            "Open findings in the cluster now, by check and severity",
            self.by_check.clone(),
        );
        r.register(
            "findings_by_namespace",
            "Open findings about namespaced objects now, by namespace",
            self.by_namespace.clone(),
        );
        r.register(
            "framework_score",
            "Percent of the decided controls of each framework that pass now",
            self.score.clone(),
        );
        r.register(
            "posture_score",
            "Posture score (0-100, severity-weighted) of the cluster now",
            self.posture.clone(),
        );
        r.register(
            "objects",
            "Objects held from the watches",
            self.objects.clone(),
        );
        r.register(
            "synced",
            "1 once every watched type has been listed",
            self.synced.clone(),
        );
        r.register(
            "events",
            "Watch events received, by resource and event (applied, deleted, relisted)",
            self.events.clone(),
        );
        r.register(
            "errors",
            "Watch errors (each retried after a backoff), by resource",
            self.errors.clone(),
        );
        r.register(
            "reevaluations",
            "Re-evaluations, by pass (object: the checks of changed objects; cross: the checks across objects and the scores)",
            self.reevaluations.clone(),
        );
        r.register(
            "reevaluation_duration_seconds",
            "Time of a re-evaluation, by pass",
            self.latency.clone(),
        );
        r.register(
            "alerts",
            "New findings offered to the alert webhook",
            self.alerts.clone(),
        );
        r.register(
            "alerts_rate_limited",
            "New findings not alerted because the alert rate limit was reached",
            self.alerts_rate_limited.clone(),
        );
        r.register(
            "snapshots_stored",
            "Snapshot scans saved to the store",
            self.snapshots.clone(),
        );
        r.register(
            "snapshot_store_errors",
            "Snapshot scans the store refused or could not take",
            self.snapshot_errors.clone(),
        );
    }
}

/// A token bucket: `burst` tokens, refilled at `per_sec`.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    burst: f64,
    per_sec: f64,
    at: Instant,
}

impl Bucket {
    fn new(burst: u32, per_minute: f64) -> Bucket {
        Bucket {
            tokens: f64::from(burst.max(1)),
            burst: f64::from(burst.max(1)),
            per_sec: per_minute.max(0.0) / 60.0,
            at: Instant::now(),
        }
    }

    fn take(&mut self, now: Instant) -> bool {
        let dt = now.saturating_duration_since(self.at).as_secs_f64();
        self.at = now;
        self.tokens = (self.tokens + dt * self.per_sec).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The running watch.
pub struct Watch {
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<()>,
    ready: Arc<AtomicBool>,
}

/// What the store thread is asked to save.
/// A snapshot and its views (RBAC escalation paths, reachability).
type Snapshot = (rampart_store::NewScan, Vec<rampart_store::StoredView>);
type SnapshotTx = std::sync::mpsc::SyncSender<Snapshot>;

impl Watch {
    /// Prepares the checks, opens the store, connects and starts watching. Fails when the
    /// options are wrong, the store cannot be opened or the cluster cannot be used at all.
    pub async fn start(opts: WatchOptions, registry: &mut Registry) -> anyhow::Result<Watch> {
        let scanner = Scanner::new(opts.scan.clone()).context("--watch")?;
        if let Some(e) = scanner.config_errors().first() {
            anyhow::bail!("--watch: {e}");
        }
        let reg = registry.sub_registry_with_prefix("watch");
        let metrics = Metrics::new();
        metrics.register(reg);
        let sink = match &opts.alerts {
            Some(a) => Some(Sink::start(a.sink.clone(), reg)?),
            None => None,
        };
        let store = match &opts.store {
            Some(url) => Some(start_store(url, metrics.clone()).await?),
            None => None,
        };
        let (facts, stream) =
            rampart_cluster::watch::watch(&opts.connect, &opts.types, opts.namespace.as_deref())
                .await
                .context("--watch")?;
        let target = opts
            .cluster_name
            .clone()
            .unwrap_or_else(|| format!("cluster {}", facts.context));
        eprintln!(
            "rampart serve: watch: {} ({}, {}), {} resource types, stored as {target:?}",
            facts.server,
            facts.context,
            facts.server_version,
            opts.types.len()
        );
        let ready = Arc::new(AtomicBool::new(false));
        let cancel = CancellationToken::new();
        let state = State::new(scanner, &opts, facts, target, metrics, sink, store);
        let task = tokio::spawn(run(state, stream, cancel.clone(), ready.clone(), opts));
        Ok(Watch {
            cancel,
            task,
            ready,
        })
    }

    /// True once every type has been listed and judged.
    pub fn ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// A readiness probe for the server.
    pub fn ready_flag(&self) -> Arc<AtomicBool> {
        self.ready.clone()
    }

    /// Stops watching, delivers queued alerts (bounded) and closes the store.
    pub async fn stop(self) {
        self.cancel.cancel();
        let _ = self.task.await;
    }
}

/// Opens the store on a thread of its own (the store runs its own runtime) and returns the
/// channel snapshots are handed over on (one waiting at most).
async fn start_store(url: &str, metrics: Metrics) -> anyhow::Result<SnapshotTx> {
    let location =
        rampart_store::Location::parse(url).map_err(|e| anyhow::anyhow!("--store {url}: {e}"))?;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Snapshot>(1);
    let (opened_tx, opened_rx) = tokio::sync::oneshot::channel::<Result<String, String>>();
    std::thread::Builder::new()
        .name("rampart-watch-store".into())
        .spawn(move || {
            let store = match rampart_store::Store::open(&location) {
                Ok(s) => {
                    let _ = opened_tx.send(Ok(s.name().to_owned()));
                    s
                }
                Err(e) => {
                    let _ = opened_tx.send(Err(e.to_string()));
                    return;
                }
            };
            let mut warned = false;
            for (scan, views) in rx {
                match store
                    .save(&scan)
                    .and_then(|id| store.save_views(id, &views))
                {
                    Ok(()) => {
                        metrics.snapshots.inc();
                    }
                    Err(e) => {
                        metrics.snapshot_errors.inc();
                        if !warned {
                            warned = true;
                            eprintln!("rampart serve: warning: watch: cannot store a snapshot (further failures are only counted): {e}");
                        }
                    }
                };
            }
            store.close();
        })
        .context("cannot start the store thread")?;
    match opened_rx.await {
        Ok(Ok(name)) => {
            eprintln!("rampart serve: watch: snapshots stored in {name}");
            Ok(tx)
        }
        Ok(Err(e)) => anyhow::bail!("--store: {e}"),
        Err(_) => anyhow::bail!("--store {url}: the store thread stopped"),
    }
}

/// An object's identity in the watch: type index, namespace, name.
type Key = (usize, String, String);

fn key_of(type_index: usize, obj: &Value) -> Key {
    let meta = |f: &str| {
        obj.pointer(&format!("/metadata/{f}"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    (type_index, meta("namespace"), meta("name"))
}

struct State {
    scanner: Scanner,
    metas: Vec<Meta>,
    types: Vec<WatchedType>,
    facts: ClusterFacts,
    target: String,
    metrics: Metrics,
    sink: Option<Sink>,
    sender: Option<SinkSender>,
    alert: Option<AlertOptions>,
    bucket: Option<Bucket>,
    store: Option<SnapshotTx>,
    objects: HashMap<Key, Resource>,
    /// The views of the last cross pass, stored with the snapshots (when there is a store).
    views: Vec<rampart_store::StoredView>,
    object_findings: HashMap<Key, Vec<Finding>>,
    cross: Vec<Finding>,
    cluster: Vec<Finding>,
    /// Types listed at least once.
    listed: HashSet<usize>,
    /// Open findings at or above the alert severity already handled (alerted, or present at
    /// the start): not alerted again while they stay open.
    alerted: HashSet<Fingerprint>,
    synced: bool,
    /// Alerts start once the findings present at the start are known (see `baseline_alerts`).
    armed: bool,
    started: jiff::Timestamp,
}

impl State {
    fn new(
        scanner: Scanner,
        opts: &WatchOptions,
        facts: ClusterFacts,
        target: String,
        metrics: Metrics,
        sink: Option<Sink>,
        store: Option<SnapshotTx>,
    ) -> State {
        let metas = scanner.rules();
        let sender = sink.as_ref().and_then(Sink::sender);
        State {
            metas,
            types: opts.types.clone(),
            facts,
            target,
            metrics,
            sender,
            sink,
            alert: opts.alerts.clone(),
            bucket: opts
                .alerts
                .as_ref()
                .map(|a| Bucket::new(a.burst, a.per_minute)),
            store,
            objects: HashMap::new(),
            views: Vec::new(),
            object_findings: HashMap::new(),
            cross: Vec::new(),
            cluster: Vec::new(),
            listed: HashSet::new(),
            alerted: HashSet::new(),
            synced: false,
            armed: false,
            started: jiff::Timestamp::now(),
            scanner,
        }
    }

    fn resource_name(&self, i: usize) -> String {
        self.types
            .get(i)
            .map(|t| {
                if t.group.is_empty() {
                    t.resource.to_owned()
                } else {
                    format!("{}.{}", t.resource, t.group)
                }
            })
            .unwrap_or_default()
    }

    fn resource(&self, obj: Value) -> Resource {
        Resource::new(
            obj,
            Origin::Cluster {
                context: self.facts.context.clone(),
            },
        )
    }

    fn judge(&mut self, key: Key, obj: Value) {
        let res = self.resource(obj);
        let findings = self.scanner.check_object(&res);
        self.object_findings.insert(key.clone(), findings);
        self.objects.insert(key, res);
    }

    /// Applies one event; true when the set of objects changed.
    fn apply(&mut self, ev: WatchEvent) -> bool {
        let i = ev.type_index;
        let name = self.resource_name(i);
        let label = |event: &str| EventLabels {
            resource: name.clone(),
            event: event.to_owned(),
        };
        match ev.change {
            Change::Applied(obj) => {
                self.metrics.events.get_or_create(&label("applied")).inc();
                let key = key_of(i, &obj);
                self.judge(key, obj);
                true
            }
            Change::Deleted(obj) => {
                self.metrics.events.get_or_create(&label("deleted")).inc();
                let key = key_of(i, &obj);
                self.objects.remove(&key);
                self.object_findings.remove(&key);
                true
            }
            Change::Relisted(objs) => {
                self.metrics.events.get_or_create(&label("relisted")).inc();
                let fresh: HashSet<Key> = objs.iter().map(|o| key_of(i, o)).collect();
                self.objects.retain(|k, _| k.0 != i || fresh.contains(k));
                self.object_findings
                    .retain(|k, _| k.0 != i || fresh.contains(k));
                for obj in objs {
                    let key = key_of(i, &obj);
                    self.judge(key, obj);
                }
                self.listed.insert(i);
                true
            }
            Change::Error(e) => {
                let first = self
                    .metrics
                    .errors
                    .get_or_create(&ResourceLabels {
                        resource: name.clone(),
                    })
                    .get()
                    == 0;
                self.metrics
                    .errors
                    .get_or_create(&ResourceLabels {
                        resource: name.clone(),
                    })
                    .inc();
                if first {
                    eprintln!("rampart serve: warning: watch {name}: {e} (retried with backoff; further errors are counted in rampart_watch_errors)");
                }
                // A type the server does not serve (or we may not list) never lists: count it
                // as listed so the rest is judged; its objects are simply absent.
                if !self.listed.contains(&i)
                    && self
                        .metrics
                        .errors
                        .get_or_create(&ResourceLabels { resource: name })
                        .get()
                        >= 3
                {
                    self.listed.insert(i);
                    return true;
                }
                false
            }
        }
    }

    fn all_listed(&self) -> bool {
        self.listed.len() >= self.types.len()
    }

    /// The checks across objects, the cluster-level checks and the scores.
    fn cross_pass(&mut self) {
        let start = Instant::now();
        let mut resources: Vec<Resource> = self.objects.values().cloned().collect();
        resources.sort_by_key(|a| a.id.display_name());
        self.cross = self.scanner.check_inventory(&resources);
        if self.store.is_some() {
            // Kept with each snapshot, as `scan --store` keeps them.
            self.views =
                rampart_store::stored_views(&rampart_report::views::of_objects(&resources));
        }
        let loaded = Loaded {
            resources: Vec::new(),
            coverage: rampart_cluster::Coverage::default(),
            server_version: self.facts.server_version.clone(),
            server_major: self.facts.server_major.clone(),
            server_minor: self.facts.server_minor.clone(),
            anonymous: self.facts.anonymous.clone(),
            context: self.facts.context.clone(),
            server: self.facts.server.clone(),
            taken_at: jiff::Timestamp::now().to_string(),
            from_snapshot: false,
            checked: rampart_scan::Checked::default(),
        };
        self.cluster = self.scanner.check_object(&loaded.cluster_info());
        let all = self.all_findings();
        let metas: Vec<&Meta> = self.metas.iter().collect();
        let evaluations =
            rampart_frameworks::eval::evaluate_all(rampart_frameworks::catalog(), &all, &metas);
        self.metrics.score.clear();
        for e in &evaluations {
            if let Some(s) = e.score {
                self.metrics
                    .score
                    .get_or_create(&FrameworkLabels {
                        framework: e.framework.clone(),
                    })
                    .set(s);
            }
        }
        if let Some(p) = rampart_frameworks::eval::posture_score(&all, &metas) {
            self.metrics.posture.set(p);
        }
        self.publish(&all);
        self.observe("cross", start);
    }

    fn observe(&self, pass: &str, start: Instant) {
        let labels = PassLabels {
            pass: pass.to_owned(),
        };
        self.metrics.reevaluations.get_or_create(&labels).inc();
        self.metrics
            .latency
            .get_or_create(&labels)
            .observe(start.elapsed().as_secs_f64());
    }

    fn all_findings(&self) -> Vec<Finding> {
        let mut all: Vec<Finding> = self
            .object_findings
            .values()
            .flatten()
            .chain(&self.cross)
            .chain(&self.cluster)
            .cloned()
            .collect();
        all.sort_by(rampart_report::finding_order);
        all
    }

    /// The gauges of the current set, and the alerts of what is new in it.
    fn publish(&mut self, all: &[Finding]) {
        let mut by_sev: BTreeMap<&'static str, i64> = BTreeMap::new();
        let mut by_check: BTreeMap<(String, &'static str), i64> = BTreeMap::new();
        let mut by_ns: BTreeMap<String, i64> = BTreeMap::new();
        let open: Vec<&Finding> = all.iter().filter(|f| f.is_open()).collect();
        for f in &open {
            *by_sev.entry(f.severity.as_str()).or_default() += 1;
            *by_check
                .entry((f.check.to_string(), f.severity.as_str()))
                .or_default() += 1;
            if let Some(ns) = f.object().and_then(|o| o.namespace.clone()) {
                *by_ns.entry(ns).or_default() += 1;
            }
        }
        for s in Severity::ALL {
            self.metrics
                .findings
                .get_or_create(&SeverityLabels {
                    severity: s.as_str().to_owned(),
                })
                .set(by_sev.get(s.as_str()).copied().unwrap_or(0));
        }
        self.metrics.by_check.clear();
        for ((check, severity), n) in by_check {
            self.metrics
                .by_check
                .get_or_create(&CheckLabels {
                    check,
                    severity: severity.to_owned(),
                })
                .set(n);
        }
        self.metrics.by_namespace.clear();
        for (namespace, n) in by_ns {
            self.metrics
                .by_namespace
                .get_or_create(&NamespaceLabels { namespace })
                .set(n);
        }
        self.metrics
            .objects
            .set(i64::try_from(self.objects.len()).unwrap_or(i64::MAX));
        self.alert_new(&open);
    }

    fn alert_new(&mut self, open: &[&Finding]) {
        let Some(a) = self.alert.clone() else {
            return;
        };
        if !self.armed {
            return;
        }
        let worth: Vec<&Finding> = open
            .iter()
            .copied()
            .filter(|f| f.severity >= a.min_severity)
            .collect();
        let now: HashSet<Fingerprint> = worth.iter().map(|f| f.fingerprint).collect();
        // Fixed findings are forgotten: should they come back, they are alerted again.
        self.alerted.retain(|fp| now.contains(fp));
        let mut seen_here: HashSet<Fingerprint> = HashSet::new();
        for f in worth {
            if self.alerted.contains(&f.fingerprint) || !seen_here.insert(f.fingerprint) {
                continue;
            }
            self.alerted.insert(f.fingerprint);
            let allowed = self.bucket.as_mut().is_none_or(|b| b.take(Instant::now()));
            if !allowed {
                self.metrics.alerts_rate_limited.inc();
                continue;
            }
            self.metrics.alerts.inc();
            if let Some(s) = &self.sender {
                s.offer(Bytes::from(alert_body(f, &self.target, a.format)));
            }
        }
    }

    /// Marks every open finding worth alerting as already handled (the findings present at the
    /// start, unless `--alert-existing`).
    fn baseline_alerts(&mut self, all: &[Finding]) {
        self.armed = true;
        if let Some(a) = &self.alert {
            if !a.existing {
                self.alerted = all
                    .iter()
                    .filter(|f| f.is_open() && f.severity >= a.min_severity)
                    .map(|f| f.fingerprint)
                    .collect();
            }
        }
    }

    /// Hands a snapshot of the current set to the store; false when the store is busy.
    fn snapshot(&self, all: &[Finding]) -> bool {
        let Some(tx) = &self.store else {
            return true;
        };
        let scan = self.new_scan(all);
        match tx.try_send((scan, self.views.clone())) {
            Ok(()) => true,
            Err(std::sync::mpsc::TrySendError::Full(_)) => false,
            Err(std::sync::mpsc::TrySendError::Disconnected(_)) => {
                self.metrics.snapshot_errors.inc();
                true
            }
        }
    }

    fn new_scan(&self, all: &[Finding]) -> rampart_store::NewScan {
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let open: Vec<&Finding> = all.iter().filter(|f| f.is_open()).collect();
        let sev = |s: Severity| count(open.iter().filter(|f| f.severity == s).count());
        let suppressed = all.iter().filter(|f| f.is_suppressed()).count();
        let watched: Vec<String> = (0..self.types.len())
            .map(|i| self.resource_name(i))
            .collect();
        rampart_store::NewScan {
            target: self.target.clone(),
            source_type: "cluster".into(),
            rampart_version: rampart_report::Tool::RAMPART.version.to_owned(),
            options: json!({"watch": true, "clusterName": self.target, "watched": watched}),
            started_at: self.started,
            finished_at: jiff::Timestamp::now(),
            files: 0,
            objects: count(self.objects.len()),
            checks: count(self.metas.len()),
            open: count(open.len()),
            suppressed: count(suppressed),
            baselined: 0,
            by_severity: [
                sev(Severity::Critical),
                sev(Severity::High),
                sev(Severity::Medium),
                sev(Severity::Low),
                sev(Severity::Info),
            ],
            partial: false,
            source: Some(json!({
                "type": "cluster",
                "context": self.facts.context,
                "server": self.facts.server,
                "serverVersion": self.facts.server_version,
                "clusterName": self.target,
                "watch": true,
            })),
            coverage: None,
            errors: json!([]),
            error_count: 0,
            rows: rampart_store::Rows::Results(all.to_vec()),
            frameworks: rampart_store::framework_scores(all, &self.metas),
        }
    }
}

/// The body of one alert.
pub fn alert_body(f: &Finding, cluster: &str, format: AlertFormat) -> Vec<u8> {
    let subject = f.subject.display_name();
    let namespace = f.object().and_then(|o| o.namespace.clone());
    let body = match format {
        AlertFormat::Json => json!({
            "source": "rampart",
            "type": "finding.new",
            "cluster": cluster,
            "check": f.check,
            "severity": f.severity.as_str(),
            "subject": subject,
            "namespace": namespace,
            "pointer": f.pointer.as_str(),
            "message": f.message,
            "fingerprint": f.fingerprint.to_string(),
            "time": jiff::Timestamp::now().to_string(),
        }),
        AlertFormat::Slack => {
            let text = format!(
                "rampart: new {} finding in {cluster}: {} on {subject}: {}",
                f.severity.as_str(),
                f.check,
                f.message
            );
            json!({
                "text": text,
                "blocks": [
                    {"type": "header", "text": {"type": "plain_text", "text": format!("New {} finding: {}", f.severity.as_str(), f.check)}},
                    {"type": "section", "text": {"type": "mrkdwn", "text": format!("*{}*\n{}", subject, f.message)}},
                    {"type": "context", "elements": [{"type": "mrkdwn", "text": format!("cluster `{cluster}` · fingerprint `{}`", f.fingerprint)}]},
                ],
            })
        }
    };
    serde_json::to_vec(&body).unwrap_or_default()
}

async fn run(
    mut state: State,
    mut stream: futures::stream::BoxStream<'static, WatchEvent>,
    cancel: CancellationToken,
    ready: Arc<AtomicBool>,
    opts: WatchOptions,
) {
    let debounce = opts.debounce;
    // When the debounced pass is due (set by the first change after the last pass).
    let mut cross_due: Option<tokio::time::Instant> = None;
    let mut snapshot_due = false;
    let mut last_snapshot: Option<Instant> = None;
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            ev = stream.next() => {
                let Some(ev) = ev else { break };
                let start = Instant::now();
                let mut changed = state.apply(ev);
                // Take what else is ready (a batch), then publish once.
                let mut n = 1;
                while n < 1000 {
                    match futures::FutureExt::now_or_never(stream.next()) {
                        Some(Some(ev)) => {
                            changed |= state.apply(ev);
                            n += 1;
                        }
                        _ => break,
                    }
                }
                if !state.synced {
                    if state.all_listed() {
                        state.synced = true;
                        state.metrics.synced.set(1);
                        state.cross_pass();
                        let all = state.all_findings();
                        state.baseline_alerts(&all);
                        if state.alert.as_ref().is_some_and(|a| a.existing) {
                            let open: Vec<&Finding> = all.iter().filter(|f| f.is_open()).collect();
                            state.alert_new(&open);
                        }
                        eprintln!(
                            "rampart serve: watch: synced: {} objects, {} open findings ({:.1} s)",
                            state.objects.len(),
                            all.iter().filter(|f| f.is_open()).count(),
                            state.started.duration_until(jiff::Timestamp::now()).as_secs_f64()
                        );
                        snapshot_due = !state.snapshot(&all);
                        last_snapshot = Some(Instant::now());
                        ready.store(true, Ordering::SeqCst);
                    }
                    continue;
                }
                if changed {
                    let all = state.all_findings();
                    state.publish(&all);
                    state.observe("object", start);
                    cross_due.get_or_insert_with(|| tokio::time::Instant::now() + debounce);
                    snapshot_due = true;
                }
            }
            _ = async {
                match cross_due {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending::<()>().await,
                }
            } => {
                cross_due = None;
                state.cross_pass();
            }
            _ = tick.tick() => {
                let interval_passed = last_snapshot.is_none_or(|t| t.elapsed() >= opts.snapshot_interval);
                if state.synced && snapshot_due && cross_due.is_none() && interval_passed {
                    let all = state.all_findings();
                    if state.snapshot(&all) {
                        snapshot_due = false;
                        last_snapshot = Some(Instant::now());
                    }
                }
            }
        }
    }
    // Stop: a last snapshot of changes not yet stored, then the alerts queued.
    if state.synced && snapshot_due {
        let all = state.all_findings();
        if let Some(tx) = state.store.take() {
            let scan = (state.new_scan(&all), state.views.clone());
            // Blocking send off the runtime: the store thread takes it when it is free.
            let _ = tokio::task::spawn_blocking(move || tx.send(scan).is_ok()).await;
        }
    }
    state.store = None;
    state.sender = None;
    if let Some(sink) = state.sink.take() {
        sink.drain(opts.drain_timeout).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_limits_and_refills() {
        let mut b = Bucket::new(2, 60.0);
        let t0 = b.at;
        assert!(b.take(t0));
        assert!(b.take(t0));
        assert!(!b.take(t0));
        assert!(b.take(t0 + Duration::from_millis(1100)));
        assert!(!b.take(t0 + Duration::from_millis(1200)));
    }

    #[test]
    fn alert_bodies() {
        let f = Finding::new(
            "privileged-container".into(),
            Severity::Critical,
            rampart_model::Subject::Object(std::sync::Arc::new(rampart_model::ObjectRef {
                api_version: "v1".into(),
                kind: "Pod".into(),
                namespace: Some("team-a".into()),
                name: "p".into(),
                uid: None,
            })),
            rampart_model::Pointer::root(),
            "runs privileged".into(),
        );
        let slack: Value =
            serde_json::from_slice(&alert_body(&f, "prod", AlertFormat::Slack)).unwrap_or_default();
        assert!(slack["text"]
            .as_str()
            .is_some_and(|t| t.contains("privileged-container") && t.contains("prod")));
        assert_eq!(slack["blocks"].as_array().map(Vec::len), Some(3));
        let j: Value =
            serde_json::from_slice(&alert_body(&f, "prod", AlertFormat::Json)).unwrap_or_default();
        assert_eq!(j["namespace"], "team-a");
        assert_eq!(j["severity"], "critical");
        assert_eq!(j["fingerprint"].as_str().map(str::len), Some(16));
    }
}
