//! The admission webhook's view of the cluster (`--admission-cluster`, `--policies-from-cluster`):
//! watches feed a [`rampart_admission::ObjectCache`] that requests are judged with, and, when
//! asked, the user policies are also read from the cluster and reloaded when they change.
//!
//! - The watches are `--watch`'s ([`rampart_cluster::watch::Watcher`]: list, then watch; re-list
//!   after a broken watch; errors retried with backoff), over the same types
//!   ([`rampart_cluster::watch::WATCHED`]).
//! - Policies: ConstraintTemplates, ValidatingAdmissionPolicies and their bindings
//!   ([`rampart_cluster::watch::POLICY_TYPES`]), and the constraints of each template's kind
//!   (a watch started when a template names a new kind, stopped when no template names it).
//!   After a change (batched for [`RELOAD_DELAY`]) the judge is made again from the files'
//!   policies and the cluster's, off the runtime's workers, and swapped in whole: a request is
//!   judged by one set of policies. A policy that does not load is logged (once, while it
//!   stays broken) and counted in `rampart_admission_cluster_policy_errors`; the others work.
//! - Readiness: once every watched type has been listed (a type that failed three times in a
//!   row counts as listed, with no objects: a cluster without Gatekeeper has no
//!   ConstraintTemplates) and, with policies from the cluster, once they are loaded.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::stream::{AbortHandle, BoxStream, SelectAll, StreamExt};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use rampart_admission::{Admission, ObjectCache};
use rampart_cluster::watch::{
    constraint_type, Change, DynType, WatchEvent, WatchedType, Watcher, POLICY_TYPES, WATCHED,
};
use rampart_cluster::ConnectOptions;
use rampart_model::{Origin, Resource};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

/// How long policy changes are gathered before the judge is made again.
pub const RELOAD_DELAY: Duration = Duration::from_millis(200);

/// `--admission-cluster` and `--policies-from-cluster`.
#[derive(Clone, Debug)]
pub struct ClusterOptions {
    pub connect: ConnectOptions,
    /// Read ConstraintTemplates, constraints, ValidatingAdmissionPolicies and bindings from the
    /// cluster too.
    pub policies_from_cluster: bool,
    /// The types cached (default: [`WATCHED`]; tests narrow it).
    pub types: Vec<WatchedType>,
    /// Least time between two rebuilds of the policies' view of the cache.
    pub min_rebuild: Duration,
}

impl ClusterOptions {
    pub fn new(connect: ConnectOptions) -> ClusterOptions {
        ClusterOptions {
            connect,
            policies_from_cluster: false,
            types: WATCHED.to_vec(),
            min_rebuild: Duration::from_millis(500),
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResourceLabels {
    resource: String,
}

/// The metrics of the cluster view (prefix `rampart_admission_`).
#[derive(Clone, Default)]
pub(crate) struct Metrics {
    objects: Gauge,
    synced: Gauge,
    errors: Family<ResourceLabels, Counter>,
    cluster_policies: Gauge,
    policy_errors: Gauge,
    reloads: Counter,
    pub(crate) checks: Gauge,
}

impl Metrics {
    pub(crate) fn register(&self, reg: &mut Registry, cluster: bool, policies: bool) {
        if cluster {
            reg.register(
                "cache_objects",
                "Objects of the cluster held by the webhook's cache",
                self.objects.clone(),
            );
            reg.register(
                "cache_synced",
                "1 once every type of the cache has been listed",
                self.synced.clone(),
            );
            reg.register(
                "cache_errors",
                "Watch errors of the cache (each retried after a backoff), by resource",
                self.errors.clone(),
            );
        }
        if policies {
            reg.register(
                "cluster_policies",
                "User policies (constraints, VAP bindings) loaded from the cluster",
                self.cluster_policies.clone(),
            );
            reg.register(
                "cluster_policy_errors",
                "Policy objects of the cluster that do not load now (each logged)",
                self.policy_errors.clone(),
            );
            reg.register(
                "policy_reloads",
                "Times the policies were loaded again after a change in the cluster",
                self.reloads.clone(),
            );
        }
    }
}

/// What the request handler reads: the judge (swapped whole when the policies change), the
/// cache, readiness.
pub(crate) struct Judge {
    current: std::sync::RwLock<Arc<Admission>>,
    pub(crate) cache: Option<Arc<ObjectCache>>,
    pub(crate) ready: Arc<AtomicBool>,
}

impl Judge {
    pub(crate) fn new(admission: Admission, cache: Option<Arc<ObjectCache>>) -> Judge {
        let ready = cache.is_none();
        Judge {
            current: std::sync::RwLock::new(Arc::new(admission)),
            cache,
            ready: Arc::new(AtomicBool::new(ready)),
        }
    }

    pub(crate) fn get(&self) -> Arc<Admission> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn set(&self, a: Admission) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(a);
    }
}

/// The running watches.
pub(crate) struct Running {
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    pub(crate) async fn stop(self) {
        self.cancel.cancel();
        let _ = self.task.await;
    }
}

/// Connects and starts the watches (fails when the cluster cannot be used at all).
pub(crate) async fn start(
    opts: ClusterOptions,
    base: rampart_admission::AdmissionOptions,
    judge: Arc<Judge>,
    metrics: Metrics,
) -> anyhow::Result<Running> {
    let (facts, watcher) = Watcher::connect(&opts.connect, None)
        .await
        .map_err(|e| anyhow::anyhow!("--admission-cluster: {e}"))?;
    eprintln!(
        "rampart serve: admission: cache of {} ({}, {}): {} resource types{}",
        facts.server,
        facts.context,
        facts.server_version,
        opts.types.len(),
        if opts.policies_from_cluster {
            ", policies from the cluster"
        } else {
            ""
        }
    );
    let cancel = CancellationToken::new();
    let state = State::new(opts, base, watcher, facts.context, judge, metrics);
    let task = tokio::spawn(run(state, cancel.clone()));
    Ok(Running { cancel, task })
}

type Streams = SelectAll<BoxStream<'static, WatchEvent>>;

/// What a watched type is for.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Role {
    /// Objects of the cache.
    Cache,
    /// Policy objects (templates, VAPs, bindings, constraints).
    Policy,
    /// A constraint type no template names any more: its events are ignored.
    Retired,
}

struct State {
    opts: ClusterOptions,
    base: rampart_admission::AdmissionOptions,
    watcher: Watcher,
    context: String,
    judge: Arc<Judge>,
    metrics: Metrics,
    types: Vec<(DynType, Role)>,
    /// Types listed (or given up on) at least once.
    listed: HashSet<usize>,
    /// Errors in a row per type before its first list.
    failures: HashMap<usize, u32>,
    /// Policy objects by type and name.
    policies: HashMap<usize, HashMap<String, Value>>,
    /// Constraint kinds watched: kind -> (type index, stop handle).
    constraint_kinds: HashMap<String, (usize, AbortHandle)>,
    /// The kinds of the files' templates (their constraints may be in the cluster).
    file_kinds: HashSet<String>,
    /// The errors logged at the last reload (logged again only once fixed and broken again).
    logged: BTreeSet<String>,
    /// Policies changed since the last reload.
    dirty: bool,
    /// Policies from the cluster in force after the last reload.
    in_force: Option<usize>,
    /// The policies were loaded once every type had been listed.
    loaded: bool,
}

impl State {
    fn new(
        opts: ClusterOptions,
        base: rampart_admission::AdmissionOptions,
        watcher: Watcher,
        context: String,
        judge: Arc<Judge>,
        metrics: Metrics,
    ) -> State {
        let mut types: Vec<(DynType, Role)> = opts
            .types
            .iter()
            .map(|t| (DynType::from(t), Role::Cache))
            .collect();
        if opts.policies_from_cluster {
            types.extend(
                POLICY_TYPES
                    .iter()
                    .map(|t| (DynType::from(t), Role::Policy)),
            );
        }
        let loaded = !opts.policies_from_cluster;
        let file_kinds: HashSet<String> = if opts.policies_from_cluster {
            judge.get().template_kinds().into_iter().collect()
        } else {
            HashSet::new()
        };
        State {
            opts,
            base,
            watcher,
            context,
            judge,
            metrics,
            types,
            listed: HashSet::new(),
            failures: HashMap::new(),
            policies: HashMap::new(),
            constraint_kinds: HashMap::new(),
            file_kinds,
            logged: BTreeSet::new(),
            dirty: false,
            in_force: None,
            loaded,
        }
    }

    fn streams(&mut self) -> Streams {
        let mut s = SelectAll::new();
        for (i, (t, _)) in self.types.iter().enumerate() {
            s.push(self.watcher.stream(i, t));
        }
        if self.opts.policies_from_cluster {
            // The constraints of the files' templates, until the templates are listed.
            self.sync_constraint_kinds(None, &mut s);
        }
        s
    }

    fn all_listed(&self) -> bool {
        (0..self.types.len()).all(|i| self.types[i].1 == Role::Retired || self.listed.contains(&i))
    }

    fn cache(&self) -> &ObjectCache {
        // Always set when the watches run (see AdmissionWebhook::start).
        self.judge
            .cache
            .as_deref()
            .expect("the cache exists when the cluster is watched")
    }

    /// Applies one event.
    fn apply(&mut self, ev: WatchEvent, streams: &mut Streams) {
        let i = ev.type_index;
        let Some((t, role)) = self.types.get(i).cloned() else {
            return;
        };
        if role == Role::Retired {
            return;
        }
        match ev.change {
            Change::Error(e) => {
                let labels = ResourceLabels {
                    resource: t.resource_name(),
                };
                let first = self.metrics.errors.get_or_create(&labels).get() == 0;
                self.metrics.errors.get_or_create(&labels).inc();
                if first {
                    eprintln!("rampart serve: warning: admission cache: watch {}: {e} (retried with backoff; further errors are counted in rampart_admission_cache_errors)", t.resource_name());
                }
                let n = self.failures.entry(i).or_default();
                *n += 1;
                // A type the server does not serve (no Gatekeeper) or that we may not list
                // never lists: after three failures, count it as listed, without objects.
                if *n >= 3 {
                    self.listed.insert(i);
                }
                return;
            }
            Change::Relisted(_) => {
                self.listed.insert(i);
                self.failures.remove(&i);
            }
            _ => {}
        }
        match role {
            Role::Cache => match ev.change {
                Change::Applied(o) => self.cache().apply(o),
                Change::Deleted(o) => self.cache().delete(&o),
                Change::Relisted(objs) => self.cache().relist(&t.group, &t.kind, objs),
                Change::Error(_) => {}
            },
            Role::Policy => {
                let objs = self.policies.entry(i).or_default();
                let name = |o: &Value| {
                    o.pointer("/metadata/name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned()
                };
                match ev.change {
                    Change::Applied(o) => {
                        objs.insert(name(&o), o);
                    }
                    Change::Deleted(o) => {
                        objs.remove(&name(&o));
                    }
                    Change::Relisted(list) => {
                        *objs = list.into_iter().map(|o| (name(&o), o)).collect();
                    }
                    Change::Error(_) => {}
                }
                self.dirty = true;
                if t.kind == "ConstraintTemplate" {
                    self.sync_constraint_kinds(Some(i), streams);
                }
            }
            Role::Retired => {}
        }
        self.metrics
            .objects
            .set(i64::try_from(self.cache().len()).unwrap_or(i64::MAX));
    }

    /// Watches the constraints of every kind the templates (the cluster's at `templates`, and
    /// the files') name, and only those.
    fn sync_constraint_kinds(&mut self, templates: Option<usize>, streams: &mut Streams) {
        let mut kinds: HashSet<String> = templates
            .and_then(|i| self.policies.get(&i))
            .map(|m| {
                m.values()
                    .filter_map(|t| {
                        t.pointer("/spec/crd/spec/names/kind")
                            .and_then(Value::as_str)
                    })
                    .filter(|k| !k.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        kinds.extend(self.file_kinds.iter().cloned());
        let gone: Vec<String> = self
            .constraint_kinds
            .keys()
            .filter(|k| !kinds.contains(*k))
            .cloned()
            .collect();
        for k in gone {
            if let Some((i, stop)) = self.constraint_kinds.remove(&k) {
                stop.abort();
                self.types[i].1 = Role::Retired;
                self.policies.remove(&i);
            }
        }
        for k in kinds {
            if self.constraint_kinds.contains_key(&k) {
                continue;
            }
            let t = constraint_type(&k);
            let i = self.types.len();
            let (stream, stop) = futures::stream::abortable(self.watcher.stream(i, &t));
            streams.push(stream.boxed());
            self.types.push((t, Role::Policy));
            self.constraint_kinds.insert(k, (i, stop));
        }
    }

    /// The policy objects of the cluster, as resources.
    fn policy_resources(&self) -> Vec<Resource> {
        let mut out: Vec<Resource> = self
            .policies
            .iter()
            .filter(|(i, _)| self.types.get(**i).is_some_and(|t| t.1 == Role::Policy))
            .flat_map(|(_, m)| m.values())
            .map(|o| {
                Resource::new(
                    o.clone(),
                    Origin::Cluster {
                        context: self.context.clone(),
                    },
                )
            })
            .collect();
        // Load order decides which of two policies with one id is refused: keep it stable.
        out.sort_by_key(|r| (r.kind().to_owned(), r.id.name.clone()));
        out
    }

    /// Makes the judge again with the cluster's policies (off the runtime's workers).
    async fn reload(&mut self) {
        self.dirty = false;
        let mut opts = self.base.clone();
        opts.cluster_policies = self.policy_resources();
        let made = tokio::task::spawn_blocking(move || Admission::new(opts)).await;
        let a = match made {
            Ok(Ok(a)) => a,
            Ok(Err(e)) => {
                // The files' policies or the config no longer load: keep the judge in force.
                eprintln!(
                    "{}",
                    serde_json::json!({"level": "error", "msg": "policies not reloaded (the policies in force stay)", "error": e.to_string()})
                );
                return;
            }
            Err(e) => {
                eprintln!(
                    "{}",
                    serde_json::json!({"level": "error", "msg": "policies not reloaded", "error": e.to_string()})
                );
                return;
            }
        };
        let errors: BTreeSet<String> = a
            .cluster_policy_errors()
            .iter()
            .map(|e| e.to_string())
            .collect();
        for e in errors.difference(&self.logged) {
            eprintln!(
                "{}",
                serde_json::json!({"level": "warn", "msg": "policy from the cluster not loaded (the others are in force)", "error": e})
            );
        }
        self.metrics
            .policy_errors
            .set(i64::try_from(errors.len()).unwrap_or(i64::MAX));
        self.metrics
            .cluster_policies
            .set(i64::try_from(a.cluster_policies()).unwrap_or(i64::MAX));
        self.metrics
            .checks
            .set(i64::try_from(a.checks()).unwrap_or(i64::MAX));
        self.metrics.reloads.inc();
        if self.logged != errors || self.in_force != Some(a.cluster_policies()) {
            eprintln!(
                "rampart serve: admission: {} policies from the cluster in force, {} not loaded",
                a.cluster_policies(),
                errors.len()
            );
        }
        self.logged = errors;
        self.in_force = Some(a.cluster_policies());
        self.judge.set(a);
    }
}

async fn run(mut state: State, cancel: CancellationToken) {
    let mut streams = state.streams();
    let mut reload_at: Option<tokio::time::Instant> = None;
    let started = std::time::Instant::now();
    loop {
        let due = reload_at;
        tokio::select! {
            _ = cancel.cancelled() => break,
            ev = streams.next() => {
                let Some(ev) = ev else { break };
                state.apply(ev, &mut streams);
                // Take what else is ready (a batch).
                for _ in 0..1000 {
                    match futures::FutureExt::now_or_never(streams.next()) {
                        Some(Some(ev)) => state.apply(ev, &mut streams),
                        _ => break,
                    }
                }
            }
            _ = async {
                match due {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending().await,
                }
            } => {
                reload_at = None;
                state.reload().await;
                state.loaded = true;
            }
        }
        // Policies are loaded once every type has been listed (the first time at once, then
        // changes batched).
        if state.opts.policies_from_cluster
            && reload_at.is_none()
            && (state.dirty || !state.loaded)
            && state.all_listed()
        {
            let delay = if state.loaded {
                RELOAD_DELAY
            } else {
                Duration::ZERO
            };
            reload_at = Some(tokio::time::Instant::now() + delay);
        }
        if !state.judge.ready.load(Ordering::SeqCst) && state.all_listed() && state.loaded {
            state.metrics.synced.set(1);
            state.judge.ready.store(true, Ordering::SeqCst);
            eprintln!(
                "rampart serve: admission: cache synced: {} objects ({:.1} s)",
                state.cache().len(),
                started.elapsed().as_secs_f64()
            );
        }
    }
}
