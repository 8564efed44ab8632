//! References between the objects of one input, for the inventory checks that find objects
//! pointing at nothing (a Service selecting no pod, an Ingress naming a missing Service, an HPA
//! without its target) and objects nothing uses (Roles, ServiceAccounts, Secrets).
//!
//! # Which objects are judged
//! A scan sees one input: a cluster, a repository, one chart. An object can only be said to point
//! at nothing, or to be used by nothing, when the input holds the objects that could be
//! involved; a chart's Service whose pods are deployed by another repository is not broken. So
//! these checks judge an object only inside a namespace the input *covers* for what it refers to:
//! - pods (Services, PodDisruptionBudgets, HPAs, and the unused ServiceAccounts and Secrets):
//!   the input holds at least one pod-bearing object in that namespace;
//! - Services (Ingress backends): at least one Service in that namespace;
//! - ServiceAccounts (a pod's `serviceAccountName`): at least one ServiceAccount in that
//!   namespace other than `default`;
//! - bindings (unused Roles): at least one RoleBinding in that namespace (for a Role), at least
//!   one binding anywhere (for a ClusterRole).
//!
//! Objects without `metadata.namespace` are in `default`, as `kubectl apply` without `-n` puts
//! them (the network policy analysis reads them the same way). The namespaces Kubernetes runs
//! itself in (`kube-system`, `kube-public`, `kube-node-lease`) hold objects its own components
//! use without any pod or binding naming them, so the "unused" checks skip them.

use std::collections::{HashMap, HashSet};

use rampart_model::k8s::labels::{read_labels, Labels};
use rampart_model::{Pointer, Resource};
use serde_json::Value;

use crate::inventory::{Kept, KeptPod};
use crate::Inventory;

/// The namespace of objects that name none.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Namespaces whose objects Kubernetes' own components use (see the module docs).
pub const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

/// The namespace of an inventory object (`default` when it names none).
pub fn namespace(k: &Kept) -> &str {
    k.id()
        .namespace
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or(DEFAULT_NAMESPACE)
}

/// One pod-bearing object of the inventory.
pub struct PodRef<'a> {
    pub index: usize,
    pub pod: &'a KeptPod,
    /// The pod template's labels (empty unless read with [`Pods::with_labels`]).
    pub labels: Labels,
}

impl PodRef<'_> {
    /// `Kind/name`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.pod.id.kind, self.pod.id.name)
    }

    /// The service account the pod runs as (`default` when it names none).
    pub fn service_account(&self) -> &str {
        self.pod
            .facts
            .service_account_name
            .as_deref()
            .or(self.pod.facts.service_account.as_deref())
            .map(str::trim)
            .unwrap_or("default")
    }
}

/// The pod-bearing objects of the inventory, by namespace.
pub struct Pods<'a> {
    by_ns: HashMap<&'a str, Vec<PodRef<'a>>>,
    /// Read with labels: for each namespace, the pods (places in `by_ns`'s list, ascending)
    /// that carry each label pair, keyed by a hash of the pair. A selector's candidates are
    /// then the pods of its rarest pair, not every pod of the namespace.
    by_label: HashMap<&'a str, HashMap<u64, Vec<u32>>>,
}

/// The key of a label pair in [`Pods::by_label`] (collisions only cost a comparison: every
/// candidate is matched in full).
fn pair_key(key: &str, value: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (key, value).hash(&mut h);
    h.finish()
}

impl<'a> Pods<'a> {
    /// The pod-bearing objects, without their labels.
    pub fn of(inv: &'a Inventory) -> Self {
        Self::read(inv, false)
    }

    /// The pod-bearing objects with their pod template labels, for selectors.
    pub fn with_labels(inv: &'a Inventory) -> Self {
        Self::read(inv, true)
    }

    fn read(inv: &'a Inventory, labels: bool) -> Self {
        let mut by_ns: HashMap<&str, Vec<PodRef>> = HashMap::new();
        for (index, k) in inv.objects.iter().enumerate() {
            let Kept::Pod(pod) = k else { continue };
            let labels = if labels {
                read_labels(
                    pod.facts.labels.as_ref(),
                    &pod.facts.meta_ptr.join("labels"),
                    &mut Vec::new(),
                )
            } else {
                Labels::new()
            };
            by_ns
                .entry(namespace(k))
                .or_default()
                .push(PodRef { index, pod, labels });
        }
        let mut by_label: HashMap<&str, HashMap<u64, Vec<u32>>> = HashMap::new();
        if labels {
            for (ns, pods) in &by_ns {
                let index = by_label.entry(ns).or_default();
                for (i, p) in pods.iter().enumerate() {
                    let Ok(i) = u32::try_from(i) else { break };
                    for (k, v) in &p.labels {
                        index.entry(pair_key(k, v)).or_default().push(i);
                    }
                }
            }
        }
        Pods { by_ns, by_label }
    }

    /// The pods of `ns` whose labels hold every pair of `selector` (a `matchLabels`-only
    /// selector), in inventory order. Needs [`Pods::with_labels`].
    pub fn matching(&self, ns: &str, selector: &Labels) -> Vec<&PodRef<'a>> {
        let pods = self.in_namespace(ns);
        let index = self.by_label.get(ns);
        let mut rarest: Option<&[u32]> = None;
        if let Some(index) = index {
            for (k, v) in selector {
                let Some(list) = index.get(&pair_key(k, v)) else {
                    return Vec::new();
                };
                if rarest.is_none_or(|r| list.len() < r.len()) {
                    rarest = Some(list);
                }
            }
        }
        match rarest {
            Some(list) => list
                .iter()
                .filter_map(|&i| pods.get(i as usize))
                .filter(|p| plain_matches(selector, &p.labels))
                .collect(),
            None => pods
                .iter()
                .filter(|p| plain_matches(selector, &p.labels))
                .collect(),
        }
    }

    /// The pod-bearing objects of `ns` (empty when the input covers no pods there).
    pub fn in_namespace(&self, ns: &str) -> &[PodRef<'a>] {
        self.by_ns.get(ns).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn covers(&self, ns: &str) -> bool {
        !self.in_namespace(ns).is_empty()
    }
}

/// The whole (or projected) objects of `kind`, with their inventory index.
pub fn whole_of<'a>(
    inv: &'a Inventory,
    kind: &'a str,
) -> impl Iterator<Item = (usize, &'a Resource)> + 'a {
    inv.objects
        .iter()
        .enumerate()
        .filter(move |(_, k)| k.kind() == kind)
        .filter_map(|(i, k)| k.whole().map(|r| (i, r)))
}

/// The namespaces holding at least one object of `kind`, and the `(namespace, name)` of each.
pub fn names_of(inv: &Inventory, kind: &str) -> (HashSet<String>, HashSet<(String, String)>) {
    let mut namespaces = HashSet::new();
    let mut names = HashSet::new();
    for k in inv.objects.iter().filter(|k| k.kind() == kind) {
        let ns = namespace(k).to_owned();
        names.insert((ns.clone(), k.id().name.clone()));
        namespaces.insert(ns);
    }
    (namespaces, names)
}

/// A `matchLabels`-only selector (a Service's `spec.selector`): a map of strings; `None` when
/// absent, empty or not a map of strings.
pub fn plain_selector(v: Option<&Value>) -> Option<Labels> {
    let map = v?.as_object()?;
    let mut out = Labels::new();
    for (k, v) in map {
        out.insert(k.clone(), v.as_str()?.to_owned());
    }
    (!out.is_empty()).then_some(out)
}

/// `labels` holds every pair of `selector`.
pub fn plain_matches(selector: &Labels, labels: &Labels) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// `/metadata/name`: where findings about a whole object point.
pub fn name_ptr() -> Pointer {
    Pointer::from_raw("/metadata/name")
}

/// True for objects in a namespace Kubernetes' own components use.
pub fn in_system_namespace(k: &Kept) -> bool {
    SYSTEM_NAMESPACES.contains(&namespace(k))
}
