//! The inventory: the objects that inventory checks and analyses need, kept across files.
//!
//! A scan streams files and drops each after its object checks ran. Objects that analyses need
//! (RBAC objects, network policies, namespaces, service accounts) are kept whole; pod-bearing
//! workloads are kept as a projection (identity, labels, service account, token mount, container
//! names and ports) with the positions of those fields, so findings still point at exact lines
//! and memory stays small.

use std::sync::OnceLock;

use rampart_model::{PosTree, Resource, Workload};
use serde_json::{Map, Value};

/// Kinds kept whole in the inventory.
pub const KEPT_KINDS: &[&str] = &[
    "Namespace",
    "NetworkPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ServiceAccount",
];

/// The objects kept for inventory checks, in input order, and the analyses built from them
/// (once, on first use, shared by every check that asks).
#[derive(Default)]
pub struct Inventory {
    pub objects: Vec<Resource>,
    rbac: OnceLock<rampart_rbac::Rbac>,
    rbac_risks: OnceLock<Vec<rampart_rbac::Risk>>,
    netpol: OnceLock<rampart_netpol::Analysis>,
}

impl std::fmt::Debug for Inventory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inventory")
            .field("objects", &self.objects.len())
            .finish()
    }
}

impl Inventory {
    pub fn new(objects: Vec<Resource>) -> Self {
        Inventory {
            objects,
            ..Inventory::default()
        }
    }

    /// The RBAC permission model of the inventory. Its object indexes are inventory indexes.
    pub fn rbac(&self) -> &rampart_rbac::Rbac {
        self.rbac
            .get_or_init(|| rampart_rbac::Rbac::build(&self.objects))
    }

    /// Every RBAC risk of the inventory (system subjects left out), computed once.
    pub fn rbac_risks(&self) -> &[rampart_rbac::Risk] {
        self.rbac_risks.get_or_init(|| self.rbac().risks())
    }

    /// The network policy analysis of the inventory. Its object indexes are inventory indexes.
    pub fn netpol(&self) -> &rampart_netpol::Analysis {
        self.netpol.get_or_init(|| {
            rampart_netpol::Analysis::new(&self.objects, &rampart_netpol::Options::default())
        })
    }

    /// Keeps what inventory checks need of `res`, if anything.
    pub fn keep(&mut self, res: &Resource) {
        if let Some(kept) = for_inventory(res) {
            self.objects.push(kept);
        }
    }

    pub fn extend(&mut self, other: Inventory) {
        self.objects.extend(other.objects);
    }

    /// Objects of one kind, with their index.
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = (usize, &'a Resource)> {
        self.objects
            .iter()
            .enumerate()
            .filter(move |(_, r)| r.kind() == kind)
    }
}

/// What the inventory keeps of an object: the whole object for [`KEPT_KINDS`], a projection for
/// workloads, nothing otherwise.
pub fn for_inventory(res: &Resource) -> Option<Resource> {
    if KEPT_KINDS.contains(&res.kind()) {
        return Some(res.clone());
    }
    if res.kind() == "Secret" {
        // Service-account token Secrets matter to RBAC escalation; values never do.
        return Some(project_resource(
            res,
            &["/apiVersion", "/kind", "/metadata", "/type"],
        ));
    }
    let w = Workload::of(res.kind(), &res.raw)?;
    let spec = w.spec_ptr.as_str();
    let meta = w.meta_ptr.as_str();
    let keep: Vec<String> = vec![
        "/apiVersion".into(),
        "/kind".into(),
        "/metadata/name".into(),
        "/metadata/namespace".into(),
        "/metadata/uid".into(),
        "/metadata/labels".into(),
        // Ignore annotations must keep working for inventory findings.
        format!(
            "/metadata/annotations/{}",
            crate::suppress::IGNORE_ANNOTATION.replace('/', "~1")
        ),
        format!("{meta}/labels"),
        format!("{spec}/serviceAccountName"),
        format!("{spec}/serviceAccount"),
        format!("{spec}/automountServiceAccountToken"),
        format!("{spec}/containers/*/name"),
        format!("{spec}/containers/*/ports"),
        format!("{spec}/initContainers/*/name"),
        format!("{spec}/initContainers/*/ports"),
        format!("{spec}/initContainers/*/restartPolicy"),
        format!("{spec}/volumes"),
    ];
    let keep: Vec<&str> = keep.iter().map(String::as_str).collect();
    Some(project_resource(res, &keep))
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
        return (value.clone(), tree.clone());
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
            let mut out = Vec::new();
            let mut kids = Vec::new();
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
        assert!(kept.raw.pointer("/metadata/annotations/a").is_none());
        assert!(kept
            .raw
            .pointer("/spec/template/spec/containers/0/image")
            .is_none());
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
        assert_eq!(kept.locate("/metadata/namespace").map(|p| p.line), Some(5));
        assert_eq!(kept.annotation("rampart.dev/ignore"), Some("x: y"));
    }

    fn parse(text: &str) -> (Value, PosTree) {
        let p = rampart_source::parse_str(std::path::Path::new("x.yaml"), text);
        let r = p.resources.into_iter().next().expect("one object");
        let tree = r.positions.as_deref().cloned().unwrap_or_default();
        (r.raw, tree)
    }
}
