//! Reading a live cluster: version, anonymous probe, discovery, paginated lists.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::stream::{self, StreamExt};
use serde_json::Value;

use crate::client::{Conn, ConnectOptions, Failure};
use crate::coverage::{AnonymousProbe, Coverage, GapReason, TypeGap, TypeRead};
use crate::snapshot::{clean_object, Snapshot, SCHEMA_VERSION};
use crate::ClusterError;

/// Which namespaces to read. Cluster-scoped objects are always read (Namespace objects follow the
/// filter by name).
#[derive(Clone, Debug, Default)]
pub struct NamespaceFilter {
    /// Only these namespaces (empty: all). Namespaced types are then listed per namespace, which
    /// also works for identities that may list only in some namespaces.
    pub include: Vec<String>,
    /// Never these namespaces.
    pub exclude: Vec<String>,
}

impl NamespaceFilter {
    pub fn keeps(&self, ns: &str) -> bool {
        (self.include.is_empty() || self.include.iter().any(|n| n == ns))
            && !self.exclude.iter().any(|n| n == ns)
    }

    fn keeps_object(&self, obj: &Value, namespaced: bool, is_namespace: bool) -> bool {
        let meta = |f: &str| {
            obj.get("metadata")
                .and_then(|m| m.get(f))
                .and_then(Value::as_str)
                .unwrap_or("")
        };
        if namespaced {
            self.keeps(meta("namespace"))
        } else if is_namespace {
            self.keeps(meta("name"))
        } else {
            true
        }
    }
}

/// What to read and how.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    pub connect: ConnectOptions,
    pub namespaces: NamespaceFilter,
    /// Lists in flight at once.
    pub concurrency: usize,
    /// Page size (`limit`) of each list request.
    pub page_size: u32,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            connect: ConnectOptions::default(),
            namespaces: NamespaceFilter::default(),
            concurrency: 8,
            page_size: 500,
        }
    }
}

/// One served resource type.
#[derive(Clone, Debug)]
struct ApiType {
    group: String,
    version: String,
    resource: String,
    kind: String,
    namespaced: bool,
}

impl ApiType {
    fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    fn base(&self) -> String {
        gv_path(&self.group, &self.version)
    }

    /// Secrets are read as metadata only: their values never leave the server.
    fn metadata_only(&self) -> bool {
        self.group.is_empty() && self.resource == "secrets"
    }

    fn gap(&self, namespace: Option<String>, reason: GapReason, message: String) -> TypeGap {
        TypeGap {
            group: self.group.clone(),
            version: self.version.clone(),
            resource: self.resource.clone(),
            kind: self.kind.clone(),
            namespaced: self.namespaced,
            namespace,
            reason,
            message,
        }
    }
}

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("/api/{version}")
    } else {
        format!("/apis/{group}/{version}")
    }
}

const METADATA_LIST: &str =
    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;q=0.1";

/// One list task's result: the type's index, the namespace listed (if per namespace), the number
/// of objects kept (or why the list failed).
type ListOutcome = (usize, Option<String>, Result<usize, Failure>);

/// Where the listed objects go, page by page.
enum Emit {
    /// Kept in memory, for a whole snapshot.
    Keep(std::sync::Mutex<Vec<Value>>),
    /// Handed to a consumer as they arrive (bounded: the lists wait while it is busy).
    Send(tokio::sync::mpsc::Sender<(String, Vec<Value>)>),
}

impl Emit {
    async fn page(&self, context: &str, objects: Vec<Value>) {
        if objects.is_empty() {
            return;
        }
        match self {
            Emit::Keep(all) => all
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend(objects),
            // A consumer that has gone away wants nothing more.
            Emit::Send(tx) => drop(tx.send((context.to_owned(), objects)).await),
        }
    }
}

/// Reads the cluster (blocking; runs its own tokio runtime).
pub fn read_cluster(opts: &ReadOptions) -> Result<Snapshot, ClusterError> {
    runtime()?.block_on(read_cluster_async(opts))
}

fn runtime() -> Result<tokio::runtime::Runtime, ClusterError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ClusterError::Config(format!("cannot start the async runtime: {e}")))
}

/// Reads the cluster like [`read_cluster`], handing the objects to `on_page` a page at a time as
/// they arrive (cleaned and filtered as a snapshot's objects are, in no particular order) instead
/// of keeping them: the read holds a few pages at most, whatever the size of the cluster. The
/// returned snapshot has no objects; its coverage counts those handed over. Objects of a type
/// whose list failed part-way have been handed over (the coverage lists the type as not read).
/// `on_page` is also given the kubeconfig context read (the snapshot's `context`).
pub fn read_cluster_pages(
    opts: &ReadOptions,
    mut on_page: impl FnMut(&str, Vec<Value>),
) -> Result<Snapshot, ClusterError> {
    let rt = runtime()?;
    // Two pages queued: enough to keep the lists busy while the consumer works on one.
    let (tx, mut rx) = tokio::sync::mpsc::channel(2);
    std::thread::scope(|scope| {
        let reader = scope.spawn(|| rt.block_on(read_into(opts, Emit::Send(tx))));
        while let Some((context, page)) = rx.blocking_recv() {
            on_page(&context, page);
        }
        reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Reads the cluster: server version, anonymous probe, discovery, every listable type.
///
/// Fails only when the server cannot be used at all (unreachable, TLS, 401, discovery refused);
/// a type that cannot be listed, or a server going away mid-read, becomes a gap in the coverage
/// and marks it partial (the objects it gave before failing are kept).
pub async fn read_cluster_async(opts: &ReadOptions) -> Result<Snapshot, ClusterError> {
    let keep = Emit::Keep(std::sync::Mutex::new(Vec::new()));
    let mut snapshot = read_into_ref(opts, &keep).await?;
    if let Emit::Keep(all) = keep {
        snapshot.objects = all
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
    }
    crate::snapshot::sort_objects(&mut snapshot.objects);
    Ok(snapshot)
}

async fn read_into(opts: &ReadOptions, emit: Emit) -> Result<Snapshot, ClusterError> {
    // The sender goes when the read is done, which ends the consumer's loop.
    read_into_ref(opts, &emit).await
}

/// The read, objects going to `emit`; the snapshot returned has none.
async fn read_into_ref(opts: &ReadOptions, emit: &Emit) -> Result<Snapshot, ClusterError> {
    let conn = Conn::connect(&opts.connect).await?;
    let version = conn
        .get("/version", None)
        .await
        .map_err(|f| f.fatal(&conn, "/version"))?;
    let field = |name: &str| {
        version
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (server_version, server_major, server_minor) =
        (field("gitVersion"), field("major"), field("minor"));

    let probe = async {
        let (api, version) = futures::join!(
            conn.probe_anonymous("/api"),
            conn.probe_anonymous("/version")
        );
        AnonymousProbe { api, version }
    };
    let (anonymous, discovered) = futures::join!(probe, discover(&conn, opts.concurrency));
    let (types, mut coverage) = discovered?;

    // One list task per type, or per type and namespace when namespaces are named.
    let mut tasks: Vec<(usize, Option<String>)> = Vec::new();
    for (i, t) in types.iter().enumerate() {
        if t.namespaced && !opts.namespaces.include.is_empty() {
            for ns in &opts.namespaces.include {
                if opts.namespaces.keeps(ns) {
                    tasks.push((i, Some(ns.clone())));
                }
            }
        } else {
            tasks.push((i, None));
        }
    }
    let results: Vec<ListOutcome> = stream::iter(tasks)
        .map(|(i, ns)| {
            let conn = &conn;
            let t = &types[i];
            async move {
                let list = List {
                    conn,
                    t,
                    namespace: ns.as_deref(),
                    page_size: opts.page_size,
                    filter: &opts.namespaces,
                    emit,
                };
                let r = list.all().await;
                (i, ns, r)
            }
        })
        .buffer_unordered(opts.concurrency.max(1))
        .collect()
        .await;

    let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
    let mut failed: BTreeMap<usize, bool> = BTreeMap::new();
    for (i, ns, r) in results {
        let t = &types[i];
        match r {
            Ok(kept) => *counts.entry(i).or_default() += kept,
            Err(f) => {
                let (reason, message) = f.gap();
                coverage.not_read.push(t.gap(ns, reason, message));
                failed.insert(i, true);
            }
        }
    }
    for (i, count) in counts {
        // A type read in some namespaces but not others is a gap, not a read.
        if failed.contains_key(&i) {
            continue;
        }
        let t = &types[i];
        coverage.read.push(TypeRead {
            group: t.group.clone(),
            version: t.version.clone(),
            resource: t.resource.clone(),
            kind: t.kind.clone(),
            namespaced: t.namespaced,
            count,
            metadata_only: t.metadata_only(),
        });
    }
    coverage.finish();
    Ok(Snapshot {
        schema_version: SCHEMA_VERSION,
        taken_at: jiff::Timestamp::now().to_string(),
        context: conn.context.clone(),
        server: conn.url.clone(),
        server_version,
        server_major,
        server_minor,
        coverage,
        anonymous,
        objects: Vec::new(),
    })
}

/// Every served type that supports `list`, preferred versions only, no subresources. Group-versions
/// whose discovery fails become gaps.
async fn discover(
    conn: &Conn,
    concurrency: usize,
) -> Result<(Vec<ApiType>, Coverage), ClusterError> {
    let mut coverage = Coverage::default();
    let core = conn
        .get("/api", None)
        .await
        .map_err(|f| f.fatal(conn, "/api"))?;
    let groups = conn
        .get("/apis", None)
        .await
        .map_err(|f| f.fatal(conn, "/apis"))?;
    let mut gvs: Vec<(String, String)> = Vec::new();
    if let Some(v) = core
        .get("versions")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(Value::as_str)
    {
        gvs.push((String::new(), v.to_owned()));
    }
    for g in groups
        .get("groups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = g.get("name").and_then(Value::as_str).unwrap_or_default();
        let version = g
            .pointer("/preferredVersion/version")
            .or_else(|| g.pointer("/versions/0/version"))
            .and_then(Value::as_str);
        if let (false, Some(v)) = (name.is_empty(), version) {
            gvs.push((name.to_owned(), v.to_owned()));
        }
    }

    let lists: Vec<_> = stream::iter(gvs)
        .map(|(g, v)| async move {
            let r = conn.get(&gv_path(&g, &v), None).await;
            (g, v, r)
        })
        .buffered(concurrency.max(1))
        .collect()
        .await;
    let mut types = Vec::new();
    for (group, version, r) in lists {
        let list = match r {
            Ok(l) => l,
            Err(f) => {
                let (reason, message) = f.gap();
                coverage.not_read.push(TypeGap {
                    group,
                    version,
                    resource: "*".into(),
                    reason,
                    message: format!("discovery failed: {message}"),
                    ..Default::default()
                });
                continue;
            }
        };
        for r in list
            .get("resources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = r.get("name").and_then(Value::as_str).unwrap_or_default();
            let listable = r
                .get("verbs")
                .and_then(Value::as_array)
                .is_some_and(|v| v.iter().any(|v| v == "list"));
            if name.is_empty() || name.contains('/') || !listable {
                continue;
            }
            let t = ApiType {
                group: group.clone(),
                version: version.clone(),
                resource: name.to_owned(),
                kind: r
                    .get("kind")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                namespaced: r
                    .get("namespaced")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            };
            if t.group == "events.k8s.io" && t.resource == "events" {
                // The same objects as core v1 Events, which are read.
                coverage.not_read.push(t.gap(
                    None,
                    GapReason::Skipped,
                    "the same objects as events/v1, which are read".into(),
                ));
                continue;
            }
            types.push(t);
        }
    }
    Ok((types, coverage))
}

/// One list: all items of one type (in one namespace), page by page.
struct List<'a> {
    conn: &'a Conn,
    t: &'a ApiType,
    namespace: Option<&'a str>,
    page_size: u32,
    filter: &'a NamespaceFilter,
    emit: &'a Emit,
}

impl List<'_> {
    /// Lists every page, each page's objects cleaned, filtered and emitted as it comes; returns
    /// how many were kept. An expired continue token restarts the list once; objects already
    /// emitted (by uid) are not emitted again.
    async fn all(&self) -> Result<usize, Failure> {
        let t = self.t;
        let base = match self.namespace {
            Some(ns) => format!("{}/namespaces/{}/{}", t.base(), ns, t.resource),
            None => format!("{}/{}", t.base(), t.resource),
        };
        let accept = t.metadata_only().then_some(METADATA_LIST);
        let api_version = t.api_version();
        let is_namespace = t.group.is_empty() && t.resource == "namespaces";
        let mut restarted = false;
        let mut emitted: std::collections::HashSet<String> = std::collections::HashSet::new();
        let mut kept = 0;
        'restart: loop {
            let mut token = String::new();
            loop {
                let mut path = format!("{base}?limit={}", self.page_size);
                if !token.is_empty() {
                    path.push_str("&continue=");
                    path.push_str(&percent_encode(&token));
                }
                let mut page = match self.conn.get(&path, accept).await {
                    Ok(p) => p,
                    Err(Failure::Api { code: 410, .. }) if !token.is_empty() && !restarted => {
                        restarted = true;
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue 'restart;
                    }
                    Err(f) => return Err(f),
                };
                if let Some(Value::Array(items)) = page.get_mut("items").map(Value::take) {
                    let mut objects = Vec::with_capacity(items.len());
                    for item in items {
                        let obj = clean_object(item, &api_version, &t.kind);
                        if !self.filter.keeps_object(&obj, t.namespaced, is_namespace) {
                            continue;
                        }
                        let uid = obj.pointer("/metadata/uid").and_then(Value::as_str);
                        if let Some(uid) = uid {
                            if !emitted.insert(uid.to_owned()) && restarted {
                                continue;
                            }
                        }
                        objects.push(obj);
                    }
                    kept += objects.len();
                    self.emit.page(&self.conn.context, objects).await;
                } else if page.get("items").is_none() && page.get("kind").is_none() {
                    return Err(Failure::Invalid(format!(
                        "{path}: the answer is not a list"
                    )));
                }
                token = page
                    .pointer("/metadata/continue")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                if token.is_empty() {
                    return Ok(kept);
                }
            }
        }
    }
}

/// Percent-encodes everything but unreserved characters (continue tokens are base64).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn namespace_filter() {
        let f = NamespaceFilter {
            include: vec![],
            exclude: vec!["kube-system".into()],
        };
        assert!(f.keeps("default"));
        assert!(!f.keeps("kube-system"));
        let pod = json!({"metadata": {"name": "p", "namespace": "kube-system"}});
        assert!(!f.keeps_object(&pod, true, false));
        let ns = json!({"metadata": {"name": "kube-system"}});
        assert!(!f.keeps_object(&ns, false, true));
        let node = json!({"metadata": {"name": "kube-system"}});
        assert!(f.keeps_object(&node, false, false));
        let only = NamespaceFilter {
            include: vec!["a".into()],
            exclude: vec![],
        };
        assert!(only.keeps("a") && !only.keeps("b"));
    }

    #[test]
    fn encodes_tokens() {
        assert_eq!(percent_encode("eyJ2Ijo+/="), "eyJ2Ijo%2B%2F%3D");
    }
}
