//! The inventory: the objects that inventory checks and analyses need, kept across files.
//!
//! A scan streams files and drops each after its object checks ran. Objects that analyses need
//! whole (RBAC objects, network policies, namespaces, service accounts) are kept whole, Secrets
//! as their metadata and type. Pod-bearing objects, the bulk of any input, are kept as their
//! [`PodFacts`] with the positions of the few fields inventory findings point at, so findings
//! still name exact lines while memory stays a small fraction of the input.

use std::borrow::Cow;
use std::collections::hash_map::{DefaultHasher, Entry};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rampart_model::{
    escape_token, exact_clone, AnalysisObject, ObjectRef, Origin, PodFacts, Pos, PosTree, Resource,
    Workload,
};
use serde_json::{Map, Value};

/// Kinds kept whole in the inventory.
pub const KEPT_KINDS: &[&str] = &[
    "Namespace",
    "NetworkPolicy",
    // Read by the network policy analysis like NetworkPolicies.
    "CiliumNetworkPolicy",
    "CiliumClusterwideNetworkPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ServiceAccount",
];

/// One object of the inventory.
#[derive(Clone, Debug)]
pub enum Kept {
    /// The object (for Secrets: only `apiVersion`, `kind`, `metadata` and `type`).
    Whole(Box<Resource>),
    /// A pod-bearing object, reduced to what the analyses read.
    Pod(Box<KeptPod>),
    /// Only the identity and place of an object no analysis reads, kept because it defines an
    /// object a second time (see [`Inventory::duplicates`]).
    Stub(Box<Stub>),
}

/// What the inventory keeps of an object that only the duplicate check names.
#[derive(Clone, Debug)]
pub struct Stub {
    pub id: ObjectRef,
    pub origin: Origin,
    /// Where `metadata.name` is (file objects).
    pub pos: Option<Pos>,
    pub ignore: Option<String>,
    pub has_namespace: bool,
}

impl Stub {
    fn of(res: &Resource) -> Stub {
        Stub {
            id: res.id.clone(),
            origin: res.origin.clone(),
            pos: res.locate("/metadata/name"),
            ignore: res
                .annotation(crate::suppress::IGNORE_ANNOTATION)
                .map(str::to_owned),
            has_namespace: res.raw.pointer("/metadata/namespace").is_some(),
        }
    }
}

/// What the inventory keeps of a pod-bearing object.
#[derive(Clone, Debug)]
pub struct KeptPod {
    pub id: ObjectRef,
    pub origin: Origin,
    pub facts: PodFacts,
    /// The value of the ignore annotation, so that it still applies to inventory findings.
    pub ignore: Option<String>,
    /// `metadata.namespace` is written in the object.
    pub has_namespace: bool,
    /// `spec.replicas` of a controller, when it is an integer.
    pub replicas: Option<i64>,
    /// Positions of the fields inventory findings can point at (objects read from files).
    positions: Option<Positions>,
}

impl Kept {
    pub fn id(&self) -> &ObjectRef {
        match self {
            Kept::Whole(r) => &r.id,
            Kept::Pod(p) => &p.id,
            Kept::Stub(s) => &s.id,
        }
    }

    pub fn kind(&self) -> &str {
        &self.id().kind
    }

    /// The object, when kept whole.
    pub fn whole(&self) -> Option<&Resource> {
        match self {
            Kept::Whole(r) => Some(r),
            Kept::Pod(_) | Kept::Stub(_) => None,
        }
    }

    pub fn origin(&self) -> &Origin {
        match self {
            Kept::Whole(r) => &r.origin,
            Kept::Pod(p) => &p.origin,
            Kept::Stub(s) => &s.origin,
        }
    }

    /// The line and column of `pointer` (or of its nearest kept ancestor), for file objects.
    pub fn locate(&self, pointer: &str) -> Option<Pos> {
        match self {
            Kept::Whole(r) => r.locate(pointer),
            Kept::Pod(p) => p.positions.as_ref().map(|ps| ps.locate(pointer)),
            Kept::Stub(s) => s.pos,
        }
    }

    /// The ignore annotation's value.
    pub fn ignore_annotation(&self) -> Option<&str> {
        match self {
            Kept::Whole(r) => r.annotation(crate::suppress::IGNORE_ANNOTATION),
            Kept::Pod(p) => p.ignore.as_deref(),
            Kept::Stub(s) => s.ignore.as_deref(),
        }
    }

    /// `metadata.namespace` is written in the object.
    pub fn has_namespace_field(&self) -> bool {
        match self {
            Kept::Whole(r) => r.raw.pointer("/metadata/namespace").is_some(),
            Kept::Pod(p) => p.has_namespace,
            Kept::Stub(s) => s.has_namespace,
        }
    }
}

impl AnalysisObject for Kept {
    fn id(&self) -> &ObjectRef {
        Kept::id(self)
    }

    fn whole(&self) -> Option<&Resource> {
        Kept::whole(self)
    }

    fn pod_facts(&self) -> Option<Cow<'_, PodFacts>> {
        match self {
            Kept::Whole(r) => r.pod_facts(),
            Kept::Pod(p) => Some(Cow::Borrowed(&p.facts)),
            Kept::Stub(_) => None,
        }
    }

    fn path(&self) -> Option<&std::path::Path> {
        self.origin().path()
    }
}

/// Positions of selected pointers, each pointer kept as a 64-bit hash of its text (16 bytes an
/// entry where the text took about fifty): tens of entries per object, for every pod-bearing
/// object of the input. Two pointers of one object sharing a hash would make one of them point
/// at the other's line; with a 64-bit hash and tens of pointers the chance is nil.
#[derive(Clone, Debug, Default)]
struct Positions {
    /// (hash of the pointer, position), in insertion order.
    entries: Vec<(u64, Pos)>,
}

/// The hash a pointer is kept as (deterministic: SipHash with fixed keys).
fn pointer_hash(pointer: &str) -> u64 {
    let mut h = DefaultHasher::new();
    h.write(pointer.as_bytes());
    h.finish()
}

impl Positions {
    fn insert(&mut self, pointer: &str, pos: Pos) {
        let h = pointer_hash(pointer);
        if self.entries.iter().any(|&(k, _)| k == h) {
            return;
        }
        self.entries.push((h, pos));
    }

    fn get(&self, pointer: &str) -> Option<Pos> {
        let h = pointer_hash(pointer);
        self.entries.iter().find(|&&(k, _)| k == h).map(|&(_, p)| p)
    }

    /// The position of `pointer`, or of its nearest recorded ancestor (the root is recorded).
    fn locate(&self, pointer: &str) -> Pos {
        let mut p = pointer;
        loop {
            if let Some(pos) = self.get(p) {
                return pos;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return self.get("").unwrap_or_default(),
            }
        }
    }

    fn shrink(&mut self) {
        self.entries.shrink_to_fit();
    }
}

/// The objects kept for inventory checks, in input order, and the analyses built from them
/// (once, on first use, shared by every check that asks).
#[derive(Default)]
pub struct Inventory {
    pub objects: Vec<Kept>,
    /// The analyses below are shared with the checks running on them, and released by the
    /// engine once the checks that read them are done (see [`Inventory::release_rbac`]).
    rbac: Mutex<Option<Arc<rampart_rbac::Rbac>>>,
    rbac_risks: Mutex<Option<Arc<Vec<rampart_rbac::Risk>>>>,
    /// Shared with the checks running on it, and released by the engine once the NetworkPolicy
    /// checks are done (see [`Inventory::release_netpol`]).
    netpol: Mutex<Option<Arc<rampart_netpol::Analysis>>>,
    /// Data derived once from the objects by checks added at run time (user policies' view of
    /// the cluster), shared by every such check.
    derived: OnceLock<Box<dyn std::any::Any + Send + Sync>>,
    /// Identity of every named file object seen, to find objects defined twice.
    seen: HashMap<u64, Seen>,
    duplicates: Vec<Duplicate>,
    /// The path of the last object seen, shared by the next objects of the same file.
    last_path: Option<Arc<Path>>,
}

/// Where an object was first defined.
#[derive(Clone, Debug)]
struct Seen {
    /// Its index in `objects`, when kept.
    index: Option<u32>,
    path: Option<Arc<Path>>,
    pos: Option<Pos>,
    /// How to keep it if it turns out to be defined again when this inventory is merged into
    /// another (dropped once merged).
    stub: Option<Box<Stub>>,
}

/// An object defined a second time: by a later document of the same file or of another file.
#[derive(Clone, Debug)]
pub struct Duplicate {
    /// The second definition, in `objects`.
    pub object: usize,
    /// The first definition, in `objects` when it is kept.
    pub first: Option<usize>,
    /// The first definition's file and position.
    pub first_path: Option<Arc<Path>>,
    pub first_pos: Option<Pos>,
}

/// The identity two definitions of one object share: API group (not version: `apps/v1` and
/// `apps/v1beta2` name the same object), kind, namespace as written, name. Objects without a
/// name (`generateName` gives a new name on each create) have none.
fn identity_key(id: &ObjectRef, raw: &Value) -> Option<u64> {
    if id.name.is_empty() || raw.pointer("/metadata/name").is_none() {
        return None;
    }
    let group = id.api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let mut h = DefaultHasher::new();
    (
        group,
        id.kind.as_str(),
        id.namespace.as_deref(),
        id.name.as_str(),
    )
        .hash(&mut h);
    Some(h.finish())
}

impl std::fmt::Debug for Inventory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inventory")
            .field("objects", &self.objects.len())
            .finish()
    }
}

impl Inventory {
    /// The RBAC permission model of the inventory. Its object indexes are inventory indexes.
    pub fn rbac(&self) -> Arc<rampart_rbac::Rbac> {
        let mut slot = self.rbac.lock().unwrap_or_else(PoisonError::into_inner);
        slot.get_or_insert_with(|| Arc::new(rampart_rbac::Rbac::build(&self.objects)))
            .clone()
    }

    /// Every RBAC risk of the inventory (system subjects left out), computed once.
    pub fn rbac_risks(&self) -> Arc<Vec<rampart_rbac::Risk>> {
        // Locks the risks, then the model (never the other way round).
        let mut slot = self
            .rbac_risks
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        slot.get_or_insert_with(|| Arc::new(self.rbac().risks()))
            .clone()
    }

    /// Lets the RBAC model and its risks go: freed once no caller holds them any more (and built
    /// again if asked for later). The engine calls this when the RBAC checks are done.
    pub fn release_rbac(&self) {
        let risks = self
            .rbac_risks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let rbac = self
            .rbac
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        drop((risks, rbac));
    }

    /// The network policy analysis of the inventory, built on first use (callers asking while it
    /// is built wait for it). Its object indexes are inventory indexes.
    pub fn netpol(&self) -> Arc<rampart_netpol::Analysis> {
        let mut slot = self.netpol.lock().unwrap_or_else(PoisonError::into_inner);
        slot.get_or_insert_with(|| {
            Arc::new(rampart_netpol::Analysis::new(
                &self.objects,
                &rampart_netpol::Options::default(),
            ))
        })
        .clone()
    }

    /// Lets the network policy analysis go: freed once no caller holds it any more (and built
    /// again if asked for later). The engine calls this when the NetworkPolicy checks are done,
    /// so that the analysis is not held while the other checks, the RBAC ones among them, run.
    pub fn release_netpol(&self) {
        let released = self
            .netpol
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        drop(released);
    }

    /// Data derived from the objects by `make`, made once and shared by the checks that ask
    /// for the same type (user policies' view of the cluster). `None` when another type was
    /// derived first.
    pub fn derived<T: std::any::Any + Send + Sync>(
        &self,
        make: impl FnOnce(&Inventory) -> T,
    ) -> Option<&T> {
        self.derived
            .get_or_init(|| Box::new(make(self)))
            .downcast_ref::<T>()
    }

    /// Keeps what inventory checks need of `res`, if anything, and notes its identity (objects
    /// read from files) to find objects defined twice.
    pub fn keep(&mut self, res: &Resource) {
        let index = for_inventory(res).map(|kept| {
            self.objects.push(kept);
            self.objects.len() - 1
        });
        self.note_identity(res, index);
    }

    /// Notes the identity of `res` (objects read from files), kept at `index` if it is, to
    /// find objects defined twice.
    fn note_identity(&mut self, res: &Resource, index: Option<usize>) {
        let Origin::File { path, .. } = &res.origin else {
            return;
        };
        let Some(key) = identity_key(&res.id, &res.raw) else {
            return;
        };
        let path = match &self.last_path {
            Some(p) if **p == **path => p.clone(),
            _ => {
                let p: Arc<Path> = Arc::from(path.as_path());
                self.last_path = Some(p.clone());
                p
            }
        };
        let seen = Seen {
            index: index.and_then(|i| u32::try_from(i).ok()),
            path: Some(path),
            pos: res.locate("/metadata/name"),
            stub: index.is_none().then(|| Box::new(Stub::of(res))),
        };
        self.note(key, seen);
    }

    /// Records an object's identity: the first time, where it is; again, a duplicate.
    fn note(&mut self, key: u64, mut seen: Seen) {
        match self.seen.entry(key) {
            Entry::Vacant(v) => {
                v.insert(seen);
            }
            Entry::Occupied(first) => {
                let first = first.get();
                let object = match (seen.index, seen.stub.take()) {
                    (Some(i), _) => i as usize,
                    (None, Some(stub)) => {
                        self.objects.push(Kept::Stub(stub));
                        self.objects.len() - 1
                    }
                    (None, None) => return,
                };
                self.duplicates.push(Duplicate {
                    object,
                    first: first.index.map(|i| i as usize),
                    first_path: first.path.clone(),
                    first_pos: first.pos,
                });
            }
        }
    }

    /// Keeps `res` whole, whatever its kind (Secrets as their metadata and type): for user
    /// policies that read other objects (Gatekeeper's `data.inventory`, namespace selectors).
    pub fn keep_whole(&mut self, res: &Resource) {
        self.objects.push(whole_for_inventory(res));
        self.note_identity(res, Some(self.objects.len() - 1));
    }

    /// Adds the objects of `other` (read after this inventory's), finding the objects the two
    /// both define.
    pub fn extend(&mut self, other: Inventory) {
        let offset = self.objects.len();
        let shift = |i: usize| i + offset;
        self.objects.extend(other.objects);
        self.duplicates
            .extend(other.duplicates.into_iter().map(|d| Duplicate {
                object: shift(d.object),
                first: d.first.map(shift),
                ..d
            }));
        // In input order, so that the stubs of duplicates are added in a stable order.
        let mut incoming: Vec<(u64, Seen)> = other.seen.into_iter().collect();
        incoming.sort_by_key(|(_, s)| s.pos.map(|p| (p.line, p.col)));
        for (key, mut seen) in incoming {
            seen.index = seen
                .index
                .and_then(|i| u32::try_from(shift(i as usize)).ok());
            // Once merged, a first definition's stub is not needed: a later object defined
            // again is added to this inventory, which holds the first one's place. (So extend
            // the inventory read later into the one read earlier, not the other way round.)
            if let Entry::Vacant(v) = self.seen.entry(key) {
                seen.stub = None;
                v.insert(seen);
            } else {
                self.note(key, seen);
            }
        }
        self.last_path = None;
    }

    /// Frees what only reading needs (the identities noted to find duplicates), once every
    /// object has been kept: no object is added afterwards, so the inventory phase does not
    /// carry it. Later [`Inventory::keep`] or [`Inventory::extend`] calls still work but no
    /// longer find the objects kept before as first definitions.
    pub fn done_reading(&mut self) {
        self.seen = HashMap::new();
        self.last_path = None;
    }

    /// The objects defined more than once (second and later definitions), in input order.
    pub fn duplicates(&self) -> &[Duplicate] {
        &self.duplicates
    }

    /// Takes the analyses built so far (they are rebuilt if asked for again), so that a caller
    /// done with them can free them while it goes on with the objects (e.g. locating findings).
    pub fn take_analyses(&mut self) -> Analyses {
        Analyses {
            _rbac: self
                .rbac
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
            _rbac_risks: self
                .rbac_risks
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
            _netpol: self
                .netpol
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        }
    }
}

/// The analyses of an inventory, taken out of it to be dropped (see
/// [`Inventory::take_analyses`]).
pub struct Analyses {
    _rbac: Option<Arc<rampart_rbac::Rbac>>,
    _rbac_risks: Option<Arc<Vec<rampart_rbac::Risk>>>,
    _netpol: Option<Arc<rampart_netpol::Analysis>>,
}

/// Kinds kept in part, with the fields kept: what the reference checks (a Service or an
/// Ingress pointing at nothing, an HPA without its target, objects nothing uses) read.
const PROJECTED_KINDS: &[(&str, &[&str])] = &[
    // Service-account token Secrets matter to RBAC escalation; values never do.
    ("Secret", &["/apiVersion", "/kind", "/metadata", "/type"]),
    (
        "Service",
        &[
            "/apiVersion",
            "/kind",
            IDENTITY[0],
            IDENTITY[1],
            IGNORE_POINTER,
            "/spec/type",
            "/spec/selector",
            "/spec/ports",
        ],
    ),
    (
        "Ingress",
        &[
            "/apiVersion",
            "/kind",
            IDENTITY[0],
            IDENTITY[1],
            IGNORE_POINTER,
            "/spec/defaultBackend",
            "/spec/backend",
            "/spec/rules",
            "/spec/tls",
        ],
    ),
    (
        "HorizontalPodAutoscaler",
        &[
            "/apiVersion",
            "/kind",
            IDENTITY[0],
            IDENTITY[1],
            IGNORE_POINTER,
            "/spec/scaleTargetRef",
        ],
    ),
    (
        "PodDisruptionBudget",
        &[
            "/apiVersion",
            "/kind",
            IDENTITY[0],
            IDENTITY[1],
            IGNORE_POINTER,
            "/spec/selector",
        ],
    ),
    (
        "ResourceQuota",
        &["/apiVersion", "/kind", IDENTITY[0], IDENTITY[1]],
    ),
    (
        "LimitRange",
        &["/apiVersion", "/kind", IDENTITY[0], IDENTITY[1]],
    ),
];

const IDENTITY: [&str; 2] = ["/metadata/name", "/metadata/namespace"];

/// What the inventory keeps of an object: the whole object for [`KEPT_KINDS`], the fields of
/// [`PROJECTED_KINDS`] (metadata and type for Secrets), pod facts for pod-bearing objects,
/// nothing otherwise.
pub fn for_inventory(res: &Resource) -> Option<Kept> {
    if KEPT_KINDS.contains(&res.kind()) {
        return Some(Kept::Whole(Box::new(compact_clone(res))));
    }
    if let Some((_, keep)) = PROJECTED_KINDS.iter().find(|(k, _)| *k == res.kind()) {
        return Some(Kept::Whole(Box::new(project_resource(res, keep))));
    }
    let w = Workload::of(res.kind(), &res.raw)?;
    let facts = PodFacts::of(&w);
    let ignore = res
        .annotation(crate::suppress::IGNORE_ANNOTATION)
        .map(str::to_owned);
    let positions = res
        .positions
        .as_deref()
        .map(|tree| pod_positions(res, tree, &facts));
    Some(Kept::Pod(Box::new(KeptPod {
        id: res.id.clone(),
        origin: res.origin.clone(),
        facts,
        ignore,
        has_namespace: res.raw.pointer("/metadata/namespace").is_some(),
        replicas: (w.kind != "Pod")
            .then(|| res.raw.pointer("/spec/replicas").and_then(Value::as_i64))
            .flatten(),
        positions,
    })))
}

/// The whole object for the inventory (Secrets without their values, as [`for_inventory`]
/// keeps them).
pub fn whole_for_inventory(res: &Resource) -> Kept {
    match for_inventory(res) {
        Some(k @ Kept::Whole(_)) => k,
        _ => Kept::Whole(Box::new(compact_clone(res))),
    }
}

/// A copy of `res` to keep for the whole scan. Its positions are copied rather than shared: the
/// parser's tree, grown node by node, carries spare capacity in every node that a copy does not.
/// The value is copied at its exact size too (see [`exact_clone`]).
fn compact_clone(res: &Resource) -> Resource {
    Resource {
        id: res.id.clone(),
        raw: exact_clone(&res.raw),
        origin: res.origin.clone(),
        positions: res.positions.as_deref().map(|t| Arc::new(t.clone())),
    }
}

/// Where the ignore annotation is (`/` in its key escaped as `~1`).
const IGNORE_POINTER: &str = "/metadata/annotations/rampart.dev~1ignore";

/// Records the positions of the fields that inventory findings and analysis diagnostics about a
/// pod-bearing object point at: its identity, the pod labels, the service account fields, the
/// declared ports and the containers' images; with every ancestor of each, so that a missing field resolves to the
/// nearest parent exactly as on the whole object.
fn pod_positions(res: &Resource, tree: &PosTree, facts: &PodFacts) -> Positions {
    let mut out = Positions {
        entries: Vec::with_capacity(48),
    };
    // The nodes along one pointer, recorded only when the whole pointer exists.
    let mut along: Vec<(usize, Pos)> = Vec::new();
    let mut below = String::new();
    let mut record = |ptr: &str, deep: bool| {
        along.clear();
        let Some((value, node)) = tree.walk(&res.raw, ptr, |end, pos| along.push((end, pos)))
        else {
            return;
        };
        for &(end, pos) in &along {
            out.insert(&ptr[..end], pos);
        }
        if deep {
            below.clear();
            below.push_str(ptr);
            record_below(&mut out, &mut below, value, node, true);
        }
    };
    record("", false);
    record("/metadata/name", false);
    record("/metadata/namespace", false);
    record(IGNORE_POINTER, false);
    record("/spec/replicas", false);
    // Findings on defaulted fields point at the pod spec or the pod metadata.
    record(facts.spec_ptr.as_str(), false);
    record(facts.meta_ptr.as_str(), false);
    record(facts.meta_ptr.join("labels").as_str(), true);
    for field in [
        "serviceAccountName",
        "serviceAccount",
        "automountServiceAccountToken",
    ] {
        record(facts.ptr(field).as_str(), false);
    }
    for p in &facts.named_ports {
        record(p.ptr.as_str(), true);
    }
    for i in &facts.images {
        record(i.ptr.as_str(), false);
    }
    out.shrink();
    out
}

/// Records every node below `value` (whose pointer is `ptr`, its tree `tree`): labels and ports
/// are small. A node the tree lacks (`exact` false from there down) is placed at the deepest
/// node the tree has, as [`PosTree::locate`] places it.
fn record_below(out: &mut Positions, ptr: &mut String, value: &Value, tree: &PosTree, exact: bool) {
    let len = ptr.len();
    let mut child = |ptr: &mut String, i: usize, v: &Value| {
        let t = if exact { tree.children.get(i) } else { None };
        out.insert(ptr, t.map_or(tree.pos, |t| t.pos));
        record_below(out, ptr, v, t.unwrap_or(tree), t.is_some());
        ptr.truncate(len);
    };
    match value {
        Value::Object(map) => {
            for (i, (k, v)) in map.iter().enumerate() {
                ptr.push('/');
                ptr.push_str(&escape_token(k));
                child(ptr, i, v);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                use std::fmt::Write;
                let _ = write!(ptr, "/{i}");
                child(ptr, i, v);
            }
        }
        _ => {}
    }
}

/// A copy of `res` with only the fields at `keep` (pointers; `*` for every item), positions kept.
fn project_resource(res: &Resource, keep: &[&str]) -> Resource {
    let owned: Vec<Vec<String>> = keep
        .iter()
        .map(|p| p.split('/').skip(1).map(|t| t.replace("~1", "/")).collect())
        .collect();
    let paths: Vec<Vec<&str>> = owned
        .iter()
        .map(|p| p.iter().map(String::as_str).collect())
        .collect();
    let empty = PosTree::default();
    let tree = res.positions.as_deref().unwrap_or(&empty);
    let (raw, positions) = project(&res.raw, tree, &paths);
    let mut kept = Resource::new(raw, res.origin.clone());
    kept.id = res.id.clone();
    if res.positions.is_some() {
        kept.positions = Some(std::sync::Arc::new(positions));
    }
    kept
}

/// Copies the parts of `value` named by `paths` (tokens; `*` matches every item of a sequence or
/// entry of a mapping), with their positions, keeping the tree aligned with the value.
pub fn project(value: &Value, tree: &PosTree, paths: &[Vec<&str>]) -> (Value, PosTree) {
    if paths.iter().any(|p| p.is_empty()) {
        return (exact_clone(value), tree.clone());
    }
    static EMPTY: PosTree = PosTree {
        pos: rampart_model::Pos { line: 0, col: 0 },
        children: Vec::new(),
    };
    let child = |i: usize| tree.children.get(i).unwrap_or(&EMPTY);
    match value {
        Value::Object(map) => {
            let mut kept = Vec::new();
            let mut kids = Vec::new();
            for (i, (k, v)) in map.iter().enumerate() {
                let sub: Vec<Vec<&str>> = paths
                    .iter()
                    .filter(|p| p[0] == k || p[0] == "*")
                    .map(|p| p[1..].to_vec())
                    .collect();
                if sub.is_empty() {
                    continue;
                }
                let t = child(i);
                let (pv, pt) = project(v, t, &sub);
                kept.push((k.clone(), pv));
                kids.push(PosTree {
                    pos: t.pos,
                    children: pt.children,
                });
            }
            // Built at its exact size: kept objects live for the whole scan, and small maps
            // grown by insertion carry a lot of spare capacity.
            let mut out = Map::with_capacity(kept.len());
            out.extend(kept);
            kids.shrink_to_fit();
            (
                Value::Object(out),
                PosTree {
                    pos: tree.pos,
                    children: kids,
                },
            )
        }
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            let mut kids = Vec::with_capacity(items.len());
            for (i, v) in items.iter().enumerate() {
                let idx = i.to_string();
                let sub: Vec<Vec<&str>> = paths
                    .iter()
                    .filter(|p| p[0] == "*" || p[0] == idx)
                    .map(|p| p[1..].to_vec())
                    .collect();
                // Keep every item (even emptied) so indexes, and pointers, stay the same.
                let t = child(i);
                let (pv, pt) = if sub.is_empty() {
                    (Value::Null, PosTree::leaf(t.pos))
                } else {
                    project(v, t, &sub)
                };
                out.push(pv);
                kids.push(PosTree {
                    pos: t.pos,
                    children: pt.children,
                });
            }
            (
                Value::Array(out),
                PosTree {
                    pos: tree.pos,
                    children: kids,
                },
            )
        }
        _ => (Value::Null, PosTree::leaf(tree.pos)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_model::Origin;
    use std::path::PathBuf;

    #[test]
    fn projection_keeps_positions_aligned() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n  annotations: {a: b, rampart.dev/ignore: \"x: y\"}\nspec:\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      serviceAccountName: web\n      containers:\n      - name: app\n        image: app:1\n        ports:\n        - {name: http, containerPort: 8080}\n";
        let stream = parse(text);
        let mut res = Resource::new(
            stream.0,
            Origin::File {
                path: PathBuf::from("x.yaml"),
                doc: 0,
                item: None,
            },
        );
        res.positions = Some(std::sync::Arc::new(stream.1));
        let kept = for_inventory(&res).expect("workload kept");
        let Kept::Pod(pod) = &kept else {
            panic!("a Deployment is kept as pod facts")
        };
        assert_eq!(pod.facts.service_account_name.as_deref(), Some("web"));
        assert_eq!(
            kept.locate("/spec/template/spec/serviceAccountName")
                .map(|p| p.line),
            Some(12)
        );
        assert_eq!(
            kept.locate("/spec/template/spec/containers/0/ports/0")
                .map(|p| p.line),
            Some(17)
        );
        assert_eq!(
            kept.locate("/spec/template/spec/containers/0/ports/0/protocol")
                .map(|p| p.line),
            Some(17),
            "a missing field resolves to its parent"
        );
        assert_eq!(
            kept.locate("/spec/template/spec/automountServiceAccountToken")
                .map(|p| p.line),
            Some(11),
            "a missing pod-spec field resolves to the pod spec"
        );
        assert_eq!(
            kept.locate("/spec/template/metadata/labels/app")
                .map(|p| p.line),
            Some(10)
        );
        assert_eq!(kept.locate("/metadata/namespace").map(|p| p.line), Some(5));
        assert_eq!(kept.locate("/metadata").map(|p| p.line), Some(3));
        assert_eq!(kept.locate("").map(|p| p.line), Some(1));
        assert!(kept.has_namespace_field());
        assert_eq!(kept.ignore_annotation(), Some("x: y"));
        // Every recorded position is the one the whole object gives.
        for ptr in [
            "/metadata/name",
            "/spec/template/metadata/labels",
            "/spec/template/spec/containers/0/ports/0/containerPort",
            "/spec/template/spec/containers/0/ports/0/name",
            "/spec/template/spec/volumes",
        ] {
            assert_eq!(kept.locate(ptr), res.locate(ptr), "{ptr}");
        }
    }

    #[test]
    fn ignore_pointer_is_the_escaped_annotation_key() {
        assert_eq!(
            IGNORE_POINTER,
            format!(
                "/metadata/annotations/{}",
                escape_token(crate::suppress::IGNORE_ANNOTATION)
            )
        );
    }

    #[test]
    fn secrets_keep_metadata_and_type_only() {
        let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: t\n  annotations: {kubernetes.io/service-account.name: sa}\ntype: kubernetes.io/service-account-token\ndata: {token: c2VjcmV0}\n";
        let (raw, tree) = parse(text);
        let mut res = Resource::new(
            raw,
            Origin::File {
                path: PathBuf::from("s.yaml"),
                doc: 0,
                item: None,
            },
        );
        res.positions = Some(std::sync::Arc::new(tree));
        let Some(Kept::Whole(kept)) = for_inventory(&res) else {
            panic!("a Secret is kept whole, projected")
        };
        assert!(kept.raw.get("data").is_none());
        assert_eq!(kept.locate("/type").map(|p| p.line), Some(6));
        assert_eq!(
            kept.annotation("kubernetes.io/service-account.name"),
            Some("sa")
        );
    }

    fn parse(text: &str) -> (Value, PosTree) {
        let p = rampart_source::parse_str(std::path::Path::new("x.yaml"), text);
        let r = p.resources.into_iter().next().expect("one object");
        let tree = r.positions.as_deref().cloned().unwrap_or_default();
        (r.raw, tree)
    }
}
