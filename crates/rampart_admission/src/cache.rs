//! The cluster as the webhook knows it: objects kept current by watches (the server feeds them
//! in; this module does no I/O), read at admission by the checks across objects and by the user
//! policies that read other objects.
//!
//! - [`ObjectCache::apply`], [`ObjectCache::delete`] and [`ObjectCache::relist`] take the
//!   watches' events (a re-list replaces every object of its type, so what was deleted while a
//!   watch was down disappears).
//! - [`ObjectCache::data`] is what user policies read ([`ClusterData`]: Gatekeeper's
//!   `data.inventory`, the Namespaces for namespace selectors, ValidatingAdmissionPolicy params):
//!   one snapshot shared by every request, made again after a change at most once per
//!   `min_rebuild` (requests meanwhile read the previous one, also while one request makes the
//!   new one), so that its cost, which grows with the cluster, is not paid per request.
//! - [`ObjectCache::objects_for`] is what the checks across objects read about one incoming
//!   object: its namespace's objects and the cluster-scoped ones, plus, for RBAC checks, the
//!   RBAC objects and ServiceAccounts of every namespace. A request's cost follows its
//!   namespace, not the cluster.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use rampart_checks::inventory::Kept;
use rampart_model::{Origin, Resource};
use rampart_policy::ClusterData;
use serde_json::Value;

/// One cached object, and what the checks across objects keep of it (made once, when it
/// arrives, rather than for each request).
#[derive(Debug)]
pub struct Cached {
    pub value: Value,
    /// [`rampart_checks::inventory::for_inventory`] of the object, when the checks read it.
    pub kept: Option<Kept>,
}

impl Cached {
    fn of(value: Value) -> Arc<Cached> {
        let res = Resource::new(
            value,
            Origin::Cluster {
                context: "admission".into(),
            },
        );
        let kept = rampart_checks::inventory::for_inventory(&res);
        Arc::new(Cached {
            value: res.raw,
            kept,
        })
    }
}

/// Kinds the RBAC analysis reads in every namespace.
pub const RBAC_KINDS: &[&str] = &[
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ServiceAccount",
];

/// An object's identity in the cache: API group, kind and name (the namespace is the outer key).
type Key = (String, String, String);

#[derive(Default)]
struct Objects {
    /// Namespace ("" for cluster-scoped objects) -> objects.
    by_ns: HashMap<String, HashMap<Key, Arc<Cached>>>,
    len: usize,
    generation: u64,
}

struct Snapshot {
    data: Arc<ClusterData>,
    generation: u64,
    built: Instant,
}

/// Objects of the cluster, fed by watches.
pub struct ObjectCache {
    objects: RwLock<Objects>,
    snapshot: Mutex<Option<Snapshot>>,
    /// A request is making a new snapshot.
    building: AtomicBool,
    /// Held while the first snapshot is made.
    first: Mutex<()>,
    min_rebuild: Duration,
}

impl std::fmt::Debug for ObjectCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectCache")
            .field("objects", &self.len())
            .finish()
    }
}

fn str_at<'v>(v: &'v Value, ptr: &str) -> &'v str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

/// The API group of an `apiVersion` (`""` for the core group).
fn group_of(api_version: &str) -> &str {
    api_version.split_once('/').map_or("", |(g, _)| g)
}

/// (namespace, key) of an object.
fn place(obj: &Value) -> (String, Key) {
    (
        str_at(obj, "/metadata/namespace").to_owned(),
        (
            group_of(str_at(obj, "/apiVersion")).to_owned(),
            str_at(obj, "/kind").to_owned(),
            str_at(obj, "/metadata/name").to_owned(),
        ),
    )
}

impl Default for ObjectCache {
    fn default() -> Self {
        ObjectCache::new(Duration::from_millis(500))
    }
}

impl ObjectCache {
    /// An empty cache whose policy view is made again at most once per `min_rebuild`.
    pub fn new(min_rebuild: Duration) -> ObjectCache {
        ObjectCache {
            objects: RwLock::new(Objects::default()),
            snapshot: Mutex::new(None),
            building: AtomicBool::new(false),
            first: Mutex::new(()),
            min_rebuild,
        }
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Objects> {
        self.objects.write().unwrap_or_else(|e| e.into_inner())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Objects> {
        self.objects.read().unwrap_or_else(|e| e.into_inner())
    }

    /// An object was created or changed.
    pub fn apply(&self, obj: Value) {
        let (ns, key) = place(&obj);
        if key.1.is_empty() || key.2.is_empty() {
            return;
        }
        let mut o = self.write();
        if o.by_ns
            .entry(ns)
            .or_default()
            .insert(key, Cached::of(obj))
            .is_none()
        {
            o.len += 1;
        }
        o.generation += 1;
    }

    /// An object was deleted.
    pub fn delete(&self, obj: &Value) {
        let (ns, key) = place(obj);
        let mut o = self.write();
        let mut removed = false;
        if let Some(m) = o.by_ns.get_mut(&ns) {
            removed = m.remove(&key).is_some();
            if m.is_empty() {
                o.by_ns.remove(&ns);
            }
        }
        if removed {
            o.len -= 1;
            o.generation += 1;
        }
    }

    /// Every object of one type (`apiVersion`'s group and `kind`) now: the others of that type
    /// are gone.
    pub fn relist(&self, group: &str, kind: &str, objs: Vec<Value>) {
        let mut o = self.write();
        let mut len = 0;
        for m in o.by_ns.values_mut() {
            m.retain(|k, _| !(k.0 == group && k.1 == kind));
            len += m.len();
        }
        o.by_ns.retain(|_, m| !m.is_empty());
        o.len = len;
        for obj in objs {
            let (ns, key) = place(&obj);
            if key.1.is_empty() || key.2.is_empty() {
                continue;
            }
            if o.by_ns
                .entry(ns)
                .or_default()
                .insert(key, Cached::of(obj))
                .is_none()
            {
                o.len += 1;
            }
        }
        o.generation += 1;
    }

    /// Objects held.
    pub fn len(&self) -> usize {
        self.read().len
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What user policies read of the cluster (see the module documentation): the last
    /// snapshot, made again when the objects changed since and it is older than `min_rebuild`.
    pub fn data(&self) -> Arc<ClusterData> {
        let generation = self.read().generation;
        let stale = {
            let slot = self.snapshot.lock().unwrap_or_else(|e| e.into_inner());
            match slot.as_ref() {
                Some(s) if s.generation == generation || s.built.elapsed() < self.min_rebuild => {
                    return s.data.clone();
                }
                Some(s) => Some(s.data.clone()),
                None => None,
            }
        };
        // One request makes the new snapshot; the others meanwhile read the previous one (the
        // first snapshot, which has none, is waited for).
        /// Clears the flag when the snapshot is made (or its making failed).
        struct Building<'a>(&'a AtomicBool);
        impl Drop for Building<'_> {
            fn drop(&mut self) {
                self.0.store(false, Ordering::Release);
            }
        }
        let mut _building = None;
        if let Some(s) = &stale {
            if self
                .building
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
            {
                return s.clone();
            }
            _building = Some(Building(&self.building));
        }
        let _first = if stale.is_none() {
            Some(self.first.lock().unwrap_or_else(|e| e.into_inner()))
        } else {
            None
        };
        if stale.is_none() {
            // Made by another request while this one waited.
            if let Some(s) = self
                .snapshot
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_ref()
            {
                return s.data.clone();
            }
        }
        let (data, generation) = {
            let o = self.read();
            let data = ClusterData::from_objects(
                o.by_ns.values().flat_map(|m| m.values()).map(|c| &c.value),
            );
            (Arc::new(data), o.generation)
        };
        *self.snapshot.lock().unwrap_or_else(|e| e.into_inner()) = Some(Snapshot {
            data: data.clone(),
            generation,
            built: Instant::now(),
        });
        data
    }

    /// The objects the checks across objects read about an object in `namespace` (`""` for a
    /// cluster-scoped one): the namespace's objects and the cluster-scoped ones, and with `rbac`
    /// the RBAC objects and ServiceAccounts of every namespace.
    pub fn objects_for(&self, namespace: &str, rbac: bool) -> Vec<Arc<Cached>> {
        let o = self.read();
        let mut out: Vec<(&str, &Key, &Arc<Cached>)> = Vec::new();
        for (ns, m) in &o.by_ns {
            if ns.is_empty() || ns == namespace {
                out.extend(m.iter().map(|(k, v)| (ns.as_str(), k, v)));
            } else if rbac {
                out.extend(
                    m.iter()
                        .filter(|(k, _)| {
                            RBAC_KINDS.contains(&k.1.as_str())
                                && (k.0 == "rbac.authorization.k8s.io" || k.0.is_empty())
                        })
                        .map(|(k, v)| (ns.as_str(), k, v)),
                );
            }
        }
        // A stable order (by namespace, kind and name), so that findings that count or name
        // other objects read the same from one request to the next.
        out.sort_unstable_by(|a, b| (a.0, &a.1 .1, &a.1 .2).cmp(&(b.0, &b.1 .1, &b.1 .2)));
        out.into_iter().map(|(_, _, v)| v.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(api: &str, kind: &str, ns: &str, name: &str) -> Value {
        let mut meta = json!({"name": name});
        if !ns.is_empty() {
            meta["namespace"] = json!(ns);
        }
        json!({"apiVersion": api, "kind": kind, "metadata": meta})
    }

    #[test]
    fn apply_delete_relist() {
        let c = ObjectCache::new(Duration::ZERO);
        c.apply(obj("v1", "Pod", "shop", "a"));
        c.apply(obj("v1", "Pod", "shop", "b"));
        c.apply(obj("v1", "Pod", "shop", "a"));
        c.apply(obj("v1", "Namespace", "", "shop"));
        assert_eq!(c.len(), 3);
        c.delete(&obj("v1", "Pod", "shop", "b"));
        assert_eq!(c.len(), 2);
        c.delete(&obj("v1", "Pod", "shop", "b"));
        assert_eq!(c.len(), 2);
        // A re-list replaces every Pod (the deleted `a` goes), and keeps the Namespace.
        c.relist("", "Pod", vec![obj("v1", "Pod", "web", "c")]);
        assert_eq!(c.len(), 2);
        let web = c.objects_for("web", false);
        assert_eq!(
            web.len(),
            2,
            "the pod of web and the cluster-scoped Namespace"
        );
        assert!(c
            .objects_for("shop", false)
            .iter()
            .all(|o| o.value["kind"] == "Namespace"));
    }

    #[test]
    fn rbac_objects_come_from_every_namespace() {
        let c = ObjectCache::new(Duration::ZERO);
        c.apply(obj(
            "rbac.authorization.k8s.io/v1",
            "RoleBinding",
            "prod",
            "rb",
        ));
        c.apply(obj("v1", "ServiceAccount", "prod", "sa"));
        c.apply(obj("v1", "Pod", "prod", "p"));
        c.apply(obj("rbac.authorization.k8s.io/v1", "ClusterRole", "", "cr"));
        let kinds = |v: Vec<Arc<Cached>>| -> Vec<String> {
            v.iter()
                .map(|o| o.value["kind"].as_str().unwrap_or("").to_owned())
                .collect()
        };
        assert_eq!(kinds(c.objects_for("ci", false)), vec!["ClusterRole"]);
        assert_eq!(
            kinds(c.objects_for("ci", true)),
            vec!["ClusterRole", "RoleBinding", "ServiceAccount"]
        );
    }

    #[test]
    fn policy_view_is_rebuilt_after_changes_at_most_once_per_period() {
        let c = ObjectCache::new(Duration::from_secs(3600));
        c.apply(obj("v1", "Namespace", "", "shop"));
        let first = c.data();
        assert!(first.namespace("shop").is_some());
        c.apply(obj("v1", "Namespace", "", "web"));
        // Within the period: the same snapshot.
        assert!(Arc::ptr_eq(&first, &c.data()));
        let c = ObjectCache::new(Duration::ZERO);
        c.apply(obj("v1", "Namespace", "", "shop"));
        let first = c.data();
        assert!(Arc::ptr_eq(&first, &c.data()), "unchanged: not rebuilt");
        c.apply(obj("v1", "Namespace", "", "web"));
        let second = c.data();
        assert!(second.namespace("web").is_some());
        assert_eq!(
            second.inventory()["cluster"]["v1"]["Namespace"]["web"]["metadata"]["name"],
            "web"
        );
    }
}
