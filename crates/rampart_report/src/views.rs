//! Two cross-object views of a scan: the RBAC privilege-escalation paths and the NetworkPolicy
//! reachability matrix, as data (kept with the scan in the history store, as JSON) and as
//! accessible HTML (a server-rendered SVG graph with a table of the same content below it, and a
//! matrix table). The HTML report and the dashboard render them with the functions here.
//!
//! The data comes from the analyses `rampart rbac paths` and `rampart netpol matrix|explain`
//! use ([`rampart_rbac::Escalation`], [`rampart_netpol::Analysis::matrix`] and
//! [`rampart_netpol::Analysis::explain`]); nothing is decided here.
//!
//! Both are bounded: at most [`MAX_PATHS`] paths (shortest first, as `rbac paths` orders them)
//! with [`MAX_GRANTS`] binding -> role -> rule chains per step, and at most [`MAX_ENDPOINTS`]
//! matrix rows and columns (pod groups first, then external ranges). The totals are kept, and
//! the renderings say when a view was capped.

use std::collections::HashMap;
use std::fmt::Write as _;

use rampart_model::AnalysisObject;
use rampart_netpol::{Analysis, Endpoint as NpEndpoint, Side, Target};
use rampart_rbac::{Justification, Node, Rbac, SubjectKind};
use serde::{Deserialize, Serialize};

use crate::html::esc;

/// Escalation paths kept per scan.
pub const MAX_PATHS: usize = 100;
/// Binding -> role -> rule chains kept per step.
pub const MAX_GRANTS: usize = 2;
/// Matrix rows (and columns) kept per scan.
pub const MAX_ENDPOINTS: usize = 40;
/// Workloads named per pod group.
pub const MAX_WORKLOADS: usize = 5;
/// Paths drawn in the graph (the table lists every kept path).
pub const GRAPH_PATHS: usize = 20;
/// The version of the JSON documents below (the store keeps it with each).
pub const FORMAT: i64 = 1;
/// The store's names of the two views.
pub const ESCALATION_KIND: &str = "rbac-escalation";
pub const REACHABILITY_KIND: &str = "netpol-reachability";
/// The check whose findings are the escalation paths.
pub const ESCALATION_CHECK: &str = "rbac-escalation-path";

/// The two views of one scan; `None` when the scan had no input for one (no RBAC object, no
/// NetworkPolicy).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Views {
    pub escalation: Option<EscalationView>,
    pub reachability: Option<ReachabilityView>,
}

/// Shortest paths from footholds (subjects, workloads) to cluster-admin.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EscalationView {
    /// Paths found (before the cap).
    pub total: usize,
    /// The first [`MAX_PATHS`] paths, shortest first.
    pub paths: Vec<EscPath>,
}

impl EscalationView {
    pub fn capped(&self) -> bool {
        self.paths.len() < self.total
    }
}

/// One path: where it starts and each step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EscPath {
    pub from: NodeRef,
    pub steps: Vec<EscStep>,
}

impl EscPath {
    /// The first binding on the path (where the chain can be broken first): the object the
    /// `rbac-escalation-path` finding is about.
    pub fn first_binding(&self) -> Option<&str> {
        self.steps
            .iter()
            .flat_map(|s| s.grants.first())
            .map(|g| g.binding.as_str())
            .next()
    }
}

/// A node of the graph: a subject, workload, pool of identities, or cluster-admin.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NodeRef {
    /// As `rampart rbac paths` names it (`sa:ns/name`, `workload:Deployment/ns/name`, ...).
    pub name: String,
    pub kind: NodeKind,
}

impl NodeRef {
    /// The name findings use for this node's object: `Deployment/ns/name` for a workload,
    /// else the node's name.
    pub fn subject_name(&self) -> &str {
        self.name.strip_prefix("workload:").unwrap_or(&self.name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    User,
    Group,
    ServiceAccount,
    Workload,
    Pool,
    ClusterAdmin,
}

impl NodeKind {
    fn of(n: &Node) -> NodeKind {
        match n {
            Node::Subject(s) => match s.kind {
                SubjectKind::User => NodeKind::User,
                SubjectKind::Group => NodeKind::Group,
                SubjectKind::ServiceAccount => NodeKind::ServiceAccount,
            },
            Node::Workload(_) => NodeKind::Workload,
            Node::Pool(_) => NodeKind::Pool,
            Node::ClusterAdmin => NodeKind::ClusterAdmin,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::User => "user",
            NodeKind::Group => "group",
            NodeKind::ServiceAccount => "service account",
            NodeKind::Workload => "workload",
            NodeKind::Pool => "identities",
            NodeKind::ClusterAdmin => "goal",
        }
    }
}

/// One step: the node reached, how, and the grants that allow it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EscStep {
    pub to: NodeRef,
    /// The edge kind (`create-workloads`, `impersonate`, `member-of`, ...).
    pub kind: String,
    pub detail: String,
    /// The first [`MAX_GRANTS`] binding -> role -> rule chains (none for membership steps).
    pub grants: Vec<Grant>,
}

/// One binding -> role -> rule chain, with where each is written.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    /// `RoleBinding/ns/name` or `ClusterRoleBinding/name`.
    pub binding: String,
    pub role: String,
    /// The ClusterRole an aggregated rule comes from.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub aggregated_from: Option<String>,
    /// The rule, as `rbac can` shows it (`verbs=[create] apiGroups=[""] resources=[pods]`).
    pub rule: String,
    /// The role is a built-in role of Kubernetes' bootstrap policy (in no input file).
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub builtin: bool,
    /// `file:line` of the binding's subject.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub binding_at: Option<String>,
    /// `file:line` of the rule.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rule_at: Option<String>,
}

/// Pod-to-pod (and pod-to-address) reachability: rows are sources, columns destinations.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReachabilityView {
    /// Endpoints of the whole matrix (before the cap).
    pub total: usize,
    /// Pod groups of the whole matrix.
    pub pod_groups: usize,
    /// The first [`MAX_ENDPOINTS`] endpoints: pod groups, then external ranges.
    pub endpoints: Vec<MatrixEndpoint>,
    /// The policies cells name, by index.
    pub policies: Vec<PolicyRef>,
    /// `cells[src][dst]`.
    pub cells: Vec<Vec<Cell>>,
}

impl ReachabilityView {
    pub fn capped(&self) -> bool {
        self.endpoints.len() < self.total
    }
}

/// A row or column: a pod group (workloads with the same namespace, labels and named ports) or
/// a range of addresses outside the cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MatrixEndpoint {
    /// The workloads (`Kind/ns/name`, comma-separated) or the address range.
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub namespace: Option<String>,
    /// The first [`MAX_WORKLOADS`] workloads of a pod group.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub workloads: Vec<String>,
    #[serde(skip_serializing_if = "is_zero", default)]
    pub workload_count: usize,
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub external: bool,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl MatrixEndpoint {
    /// A short name for a header: `ns/name (+N)` or the range.
    pub fn short(&self) -> String {
        match (self.external, self.workloads.first()) {
            (false, Some(w)) => {
                let mut parts = w.splitn(2, '/');
                let _kind = parts.next();
                let rest = parts.next().unwrap_or(w);
                if self.workload_count > 1 {
                    format!("{rest} (+{})", self.workload_count - 1)
                } else {
                    rest.to_owned()
                }
            }
            _ => self.label.clone(),
        }
    }
}

/// A NetworkPolicy (or Cilium policy) named by cells.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRef {
    /// `NetworkPolicy/ns/name`.
    pub name: String,
    /// `file:line` of its pod selector.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub at: Option<String>,
}

/// One connection: allowed or not, on which ports, and what each end's policies said.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// `None` between two external ranges (not NetworkPolicy's business).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub allowed: Option<bool>,
    /// The allowed ports (`all`, `TCP/80,443`, `none`).
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub ports: String,
    /// The source's egress.
    pub egress: SideVerdict,
    /// The destination's ingress.
    pub ingress: SideVerdict,
}

/// What the policies of one end decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum SideVerdict {
    /// No policy isolates this end in this direction (or it is outside the cluster).
    Open,
    /// Isolated, and these policies' rules (policy index, rule index) allow it.
    Allows { rules: Vec<(usize, usize)> },
    /// Isolated by these policies, none of whose rules allows it.
    Denies { policies: Vec<usize> },
    /// The end could not be resolved to one workload (an ambiguous name).
    Unknown,
}

impl SideVerdict {
    /// The policies that decided this end (none when it is open).
    pub fn policies(&self) -> Vec<usize> {
        match self {
            SideVerdict::Allows { rules } => {
                let mut v: Vec<usize> = rules.iter().map(|r| r.0).collect();
                v.dedup();
                v
            }
            SideVerdict::Denies { policies } => policies.clone(),
            SideVerdict::Open | SideVerdict::Unknown => Vec::new(),
        }
    }
}

/// Both views of an inventory. `objects` are those the analyses were built from (their indices
/// give the `file:line` of the evidence).
/// The analyses are asked for only when the objects hold RBAC objects or network policies.
pub fn build<
    O: AnalysisObject,
    R: std::ops::Deref<Target = Rbac>,
    N: std::ops::Deref<Target = Analysis>,
>(
    objects: &[O],
    rbac: impl FnOnce() -> R,
    netpol: impl FnOnce() -> N,
) -> Views {
    let has = |kinds: &[&str]| objects.iter().any(|o| kinds.contains(&o.kind()));
    Views {
        escalation: has(&["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"])
            .then(|| escalation(objects, &rbac())),
        reachability: has(&[
            "NetworkPolicy",
            "CiliumNetworkPolicy",
            "CiliumClusterwideNetworkPolicy",
        ])
        .then(|| reachability(objects, &netpol())),
    }
}

/// Both views of `objects`, building the analyses (when there is input for them) here: for
/// callers that hold no analyses of their own (`serve --watch`'s snapshots).
pub fn of_objects<O: AnalysisObject>(objects: &[O]) -> Views {
    let rbac = std::cell::OnceCell::new();
    let netpol = std::cell::OnceCell::new();
    build(
        objects,
        || rbac.get_or_init(|| Rbac::build(objects)),
        || netpol.get_or_init(|| Analysis::new(objects, &rampart_netpol::Options::default())),
    )
}

/// `file:line` of a pointer in object `i`.
fn at<O: AnalysisObject>(objects: &[O], i: usize, pointer: &str) -> Option<String> {
    let o = objects.get(i)?;
    let path = o.path()?;
    let line = o.whole().and_then(|r| r.locate(pointer)).map(|p| p.line);
    Some(crate::text::file_line(path, line))
}

fn node_ref(n: &Node) -> NodeRef {
    NodeRef {
        name: n.to_string(),
        kind: NodeKind::of(n),
    }
}

fn grant<O: AnalysisObject>(objects: &[O], j: &Justification) -> Grant {
    Grant {
        binding: j.binding.display_name(),
        role: j.role.display_name(),
        aggregated_from: (j.rule_role != j.role).then(|| j.rule_role.display_name()),
        rule: j.rule.summary(),
        builtin: j.builtin.is_some(),
        binding_at: at(objects, j.binding_resource, j.subject_pointer.as_str()),
        rule_at: at(objects, j.rule_resource, j.rule_pointer.as_str()),
    }
}

/// The escalation paths of `rbac` (as `rampart rbac paths` finds them), capped.
pub fn escalation<O: AnalysisObject>(objects: &[O], rbac: &Rbac) -> EscalationView {
    let esc = rbac.escalation();
    let total = esc.routes().count();
    let paths = esc
        .paths_iter()
        .take(MAX_PATHS)
        .map(|p| EscPath {
            from: node_ref(&p.from),
            steps: p
                .steps
                .iter()
                .map(|s| EscStep {
                    to: node_ref(&s.to),
                    kind: serde_json::to_value(s.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    detail: s.detail.clone(),
                    grants: s
                        .why
                        .iter()
                        .take(MAX_GRANTS)
                        .map(|j| grant(objects, j))
                        .collect(),
                })
                .collect(),
        })
        .collect();
    EscalationView { total, paths }
}

/// Above this many pod groups the full matrix (whose size is the square of its endpoints) is
/// not computed: the view then holds the first [`MAX_ENDPOINTS`] pod groups and no external
/// ranges, each cell explained on its own.
pub const FULL_MATRIX_LIMIT: usize = 1000;

/// The reachability matrix of `netpol` (as `rampart netpol matrix` computes it), capped, with
/// each cell's deciding policies (as `rampart netpol explain` finds them).
pub fn reachability<O: AnalysisObject>(objects: &[O], netpol: &Analysis) -> ReachabilityView {
    let groups = netpol.pod_group_count();
    let full = (groups <= FULL_MATRIX_LIMIT).then(|| netpol.matrix());
    let total = full.as_ref().map_or(groups, |m| m.endpoints().len());
    // Which endpoints to keep: pod groups of namespaces with policies first (where policies
    // decide anything), then the others, then external ranges, up to the cap.
    let governed: std::collections::HashSet<String> = netpol
        .namespace_coverage()
        .into_iter()
        .filter(|c| !c.policies.is_empty())
        .map(|c| c.namespace)
        .collect();
    let mut chosen: Vec<(usize, NpEndpoint, Option<Target>)> = Vec::new();
    let mut rest: Vec<(usize, NpEndpoint, Option<Target>)> = Vec::new();
    for i in 0..groups {
        if chosen.len() >= MAX_ENDPOINTS {
            break;
        }
        let Some((ep, t)) = netpol.pod_group(i) else {
            continue;
        };
        let ns_governed = matches!(&ep, NpEndpoint::Pods(g) if governed.contains(&g.namespace));
        if ns_governed {
            chosen.push((i, ep, Some(t)));
        } else if rest.len() < MAX_ENDPOINTS {
            rest.push((i, ep, Some(t)));
        }
    }
    let room = MAX_ENDPOINTS.saturating_sub(chosen.len());
    chosen.extend(rest.into_iter().take(room));
    if let Some(m) = &full {
        let room = MAX_ENDPOINTS.saturating_sub(chosen.len());
        for (i, ep) in m.endpoints().iter().enumerate().skip(groups).take(room) {
            let t = match ep {
                NpEndpoint::External(r) => r.cidrs.first().map(|c| Target::Ip(c.network())),
                NpEndpoint::Pods(_) => None,
            };
            chosen.push((i, ep.clone(), t));
        }
    }
    // Pod groups in matrix order (by namespace as the analysis lists them), then the ranges.
    chosen.sort_by_key(|c| c.0);
    let n = chosen.len();
    let mut endpoints = Vec::with_capacity(n);
    let mut targets: Vec<Option<Target>> = Vec::with_capacity(n);
    // The matrix index of each endpoint kept.
    let mut index: Vec<usize> = Vec::with_capacity(n);
    for (i, ep, target) in chosen {
        match &ep {
            NpEndpoint::Pods(g) => {
                endpoints.push(MatrixEndpoint {
                    label: ep.label(),
                    namespace: Some(g.namespace.clone()),
                    workloads: g.workloads.iter().take(MAX_WORKLOADS).cloned().collect(),
                    workload_count: g.workloads.len(),
                    external: false,
                });
                targets.push(target);
                index.push(i);
            }
            NpEndpoint::External(r) => {
                endpoints.push(MatrixEndpoint {
                    label: r.label.clone(),
                    namespace: None,
                    workloads: Vec::new(),
                    workload_count: 0,
                    external: true,
                });
                targets.push(target);
                index.push(i);
            }
        }
    }
    let n = endpoints.len();
    let mut policies: Vec<PolicyRef> = Vec::new();
    let mut policy_index: HashMap<usize, usize> = HashMap::new();
    let mut cells = Vec::with_capacity(n);
    for src in 0..n {
        let mut row = Vec::with_capacity(n);
        for dst in 0..n {
            if endpoints[src].external && endpoints[dst].external {
                row.push(Cell {
                    allowed: None,
                    ports: String::new(),
                    egress: SideVerdict::Open,
                    ingress: SideVerdict::Open,
                });
                continue;
            }
            let cell = match (&targets[src], &targets[dst]) {
                (Some(f), Some(t)) => {
                    let e = netpol.explain(f, t, None);
                    let mut side = |s: &Side| {
                        side_verdict(s, |res, name, pointer| {
                            *policy_index.entry(res).or_insert_with(|| {
                                policies.push(PolicyRef {
                                    name,
                                    at: at(objects, res, pointer),
                                });
                                policies.len() - 1
                            })
                        })
                    };
                    let (egress, ingress) = (side(&e.egress), side(&e.ingress));
                    // The matrix's answer where it was computed (the same as explain's).
                    let ports = full
                        .as_ref()
                        .map_or(&e.allowed_ports, |m| m.ports(index[src], index[dst]));
                    Cell {
                        allowed: Some(!ports.is_empty()),
                        ports: ports.to_string(),
                        egress,
                        ingress,
                    }
                }
                _ => match &full {
                    Some(m) => {
                        let ports = m.ports(index[src], index[dst]);
                        Cell {
                            allowed: Some(!ports.is_empty()),
                            ports: ports.to_string(),
                            egress: SideVerdict::Unknown,
                            ingress: SideVerdict::Unknown,
                        }
                    }
                    None => Cell {
                        allowed: None,
                        ports: String::new(),
                        egress: SideVerdict::Unknown,
                        ingress: SideVerdict::Unknown,
                    },
                },
            };
            row.push(cell);
        }
        cells.push(row);
    }
    ReachabilityView {
        total,
        pod_groups: groups,
        endpoints,
        policies,
        cells,
    }
}

fn side_verdict(s: &Side, mut policy: impl FnMut(usize, String, &str) -> usize) -> SideVerdict {
    if !s.governed || !s.isolated {
        return SideVerdict::Open;
    }
    if s.allowed {
        let mut rules = Vec::new();
        for pv in &s.policies {
            for r in pv.rules.iter().filter(|r| r.matched) {
                let p = policy(
                    pv.policy.resource,
                    pv.policy.object.display_name(),
                    pv.policy.pointer.as_str(),
                );
                rules.push((p, r.index));
            }
        }
        SideVerdict::Allows { rules }
    } else {
        let policies = s
            .policies
            .iter()
            .filter(|pv| pv.isolates)
            .map(|pv| {
                policy(
                    pv.policy.resource,
                    pv.policy.object.display_name(),
                    pv.policy.pointer.as_str(),
                )
            })
            .collect();
        SideVerdict::Denies { policies }
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering.

/// Where the renderings link to: the findings behind a node, a binding, a policy or a
/// namespace's NetworkPolicy findings. `None`: no link.
pub trait Links {
    /// Findings about an object or subject, by the name findings give it (`RoleBinding/ns/b`).
    fn subject(&self, name: &str) -> Option<String>;
    /// Findings of one check about an object.
    fn check_subject(&self, check: &str, name: &str) -> Option<String>;
    /// The NetworkPolicy findings of a namespace.
    fn netpol_namespace(&self, ns: &str) -> Option<String>;
}

/// Shortens text to `max` characters with an ellipsis.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn link_open(href: Option<&str>, label: &str) -> String {
    match href {
        Some(h) => format!(
            r#"<a href="{}" aria-label="{}">"#,
            esc(h),
            esc(&format!("{label}: its findings"))
        ),
        None => String::new(),
    }
}

const NODE_W: f64 = 178.0;
const NODE_H: f64 = 44.0;
const COL_GAP: f64 = 38.0;
const ROW_GAP: f64 = 14.0;
const TOP: f64 = 30.0;
const LEFT: f64 = 10.0;
/// Graphs up to this wide are scaled down to the page's width.
const FIT_WIDTH: f64 = 1700.0;

/// A node of the drawing.
struct GNode {
    col: usize,
    row: usize,
    kind: GKind,
    /// Two lines of text (the full text goes in the tooltip).
    lines: [String; 2],
    title: String,
    href: Option<String>,
}

enum GKind {
    Id(NodeKind),
    Grant,
}

/// The escalation paths as an SVG graph: identities (subjects, workloads, pools) and the grants
/// between them (binding -> role, and the permission they give) as nodes, laid out in columns
/// by distance to cluster-admin (rightmost); arrows for "can obtain the rights of". At most
/// [`GRAPH_PATHS`] paths are drawn. `id` prefixes the element ids.
pub fn escalation_svg(v: &EscalationView, links: &dyn Links, id: &str) -> String {
    let paths = &v.paths[..v.paths.len().min(GRAPH_PATHS)];
    let depth = paths.iter().map(|p| p.steps.len()).max().unwrap_or(0);
    let mut nodes: Vec<GNode> = Vec::new();
    let mut index: HashMap<(usize, String), usize> = HashMap::new();
    let mut rows: Vec<usize> = vec![0; 2 * depth + 1];
    let mut edges: Vec<(usize, usize, String)> = Vec::new();
    let mut add = |nodes: &mut Vec<GNode>, col: usize, key: String, make: &dyn Fn() -> GNode| {
        if let Some(&i) = index.get(&(col, key.clone())) {
            return i;
        }
        let mut n = make();
        n.col = col;
        n.row = rows[col];
        rows[col] += 1;
        nodes.push(n);
        index.insert((col, key), nodes.len() - 1);
        nodes.len() - 1
    };
    let id_node = |r: &NodeRef| {
        let r = r.clone();
        move || GNode {
            col: 0,
            row: 0,
            kind: GKind::Id(r.kind),
            lines: [r.kind.as_str().to_owned(), clip(r.subject_name(), 27)],
            title: format!("{} ({})", r.name, r.kind.as_str()),
            href: if r.kind == NodeKind::ClusterAdmin {
                None
            } else {
                links.subject(r.subject_name())
            },
        }
    };
    for p in paths {
        let len = p.steps.len();
        // Distance d from cluster-admin: column 2 * (depth - d).
        let mut at = add(
            &mut nodes,
            2 * (depth - len),
            p.from.name.clone(),
            &id_node(&p.from),
        );
        for (k, s) in p.steps.iter().enumerate() {
            let d_to = len - k - 1;
            let col_to = 2 * (depth - d_to);
            let to = add(&mut nodes, col_to, s.to.name.clone(), &id_node(&s.to));
            match s.grants.first() {
                Some(g) => {
                    let key = format!("{}|{}|{}|{}", s.kind, g.binding, g.role, g.rule);
                    let g = g.clone();
                    let kind = s.kind.clone();
                    let gi = add(&mut nodes, col_to - 1, key, &|| GNode {
                        col: 0,
                        row: 0,
                        kind: GKind::Grant,
                        lines: [
                            clip(&format!("{kind}: {}", g.role), 30),
                            clip(&format!("via {}", g.binding), 27),
                        ],
                        title: format!(
                            "{kind}: {} via {}, rule {}{}",
                            g.role,
                            g.binding,
                            g.rule,
                            g.rule_at
                                .as_deref()
                                .map(|a| format!(" ({a})"))
                                .unwrap_or_default()
                        ),
                        href: links.subject(&g.binding),
                    });
                    edges.push((at, gi, String::new()));
                    edges.push((gi, to, String::new()));
                }
                None => edges.push((at, to, s.kind.clone())),
            }
            at = to;
        }
    }
    edges.sort();
    edges.dedup();
    let cols = 2 * depth + 1;
    let max_rows = rows.iter().copied().max().unwrap_or(0).max(1);
    let w = LEFT * 2.0 + cols as f64 * NODE_W + (cols.saturating_sub(1)) as f64 * COL_GAP;
    let h = TOP + max_rows as f64 * (NODE_H + ROW_GAP) + 10.0;
    let pos = |n: &GNode| {
        (
            LEFT + n.col as f64 * (NODE_W + COL_GAP),
            TOP + n.row as f64 * (NODE_H + ROW_GAP),
        )
    };
    // A graph a little wider than the page is scaled down to fit; a much wider one scrolls
    // (its text would be too small to read).
    let fit = if w <= FIT_WIDTH {
        r#" style="max-width:100%;height:auto""#
    } else {
        ""
    };
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg class="graph" xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}"{fit} role="img" aria-labelledby="{id}-t {id}-d"><title id="{id}-t">RBAC escalation paths to cluster-admin</title><desc id="{id}-d">{} of {} paths drawn, from footholds on the left to cluster-admin on the right; boxes with an amber border are grants (role and binding). The table below lists the same paths with every rule.</desc><defs><marker id="{id}-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>"##,
        paths.len(),
        v.total
    );
    // Column headings.
    for c in 0..cols {
        let label = if c == cols - 1 {
            "goal".to_owned()
        } else if c % 2 == 1 {
            "grant".to_owned()
        } else {
            let d = depth - c / 2;
            format!("{d} step{} away", if d == 1 { "" } else { "s" })
        };
        let _ = write!(
            s,
            r##"<text x="{:.0}" y="16" font-size="12" fill="#4d4d4d" aria-hidden="true">{label}</text>"##,
            LEFT + c as f64 * (NODE_W + COL_GAP) + 4.0
        );
    }
    for (a, b, label) in &edges {
        let (ax, ay) = pos(&nodes[*a]);
        let (bx, by) = pos(&nodes[*b]);
        let (x1, y1) = (ax + NODE_W, ay + NODE_H / 2.0);
        let (x2, y2) = (bx - 2.0, by + NODE_H / 2.0);
        let mx = (x1 + x2) / 2.0;
        let _ = write!(
            s,
            r##"<path d="M{x1:.1},{y1:.1} C{mx:.1},{y1:.1} {mx:.1},{y2:.1} {x2:.1},{y2:.1}" fill="none" stroke="#333" stroke-width="1.3" marker-end="url(#{id}-arrow)"/>"##
        );
        if !label.is_empty() {
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#1b1b1b" paint-order="stroke" stroke="#fff" stroke-width="3">{}</text>"##,
                mx,
                (y1 + y2) / 2.0 - 4.0,
                esc(label)
            );
        }
    }
    for n in &nodes {
        let (x, y) = pos(n);
        let (fill, stroke, dash, sw) = match n.kind {
            GKind::Grant => ("#fff4e0", "#8a5300", "", 1.5),
            GKind::Id(NodeKind::ClusterAdmin) => ("#fbe9e9", "#a4001d", "", 2.5),
            GKind::Id(NodeKind::Workload) => ("#eaf5ec", "#1a6b2a", "", 1.5),
            GKind::Id(NodeKind::Pool) => ("#f4f4f4", "#4d4d4d", r#" stroke-dasharray="4 3""#, 1.5),
            GKind::Id(_) => ("#e8f0fb", "#1d5fa0", "", 1.5),
        };
        let rx = if matches!(n.kind, GKind::Grant) {
            2
        } else {
            10
        };
        let open = n
            .href
            .as_deref()
            .map(|h| format!(r#"<a href="{}">"#, esc(h)))
            .unwrap_or_default();
        let _ = write!(
            s,
            r##"{open}<g class="node"><title>{}</title><rect x="{x:.0}" y="{y:.0}" width="{NODE_W:.0}" height="{NODE_H:.0}" rx="{rx}" fill="{fill}" stroke="{stroke}" stroke-width="{sw}"{dash}/><text x="{:.0}" y="{:.0}" font-size="11" fill="#4d4d4d">{}</text><text x="{:.0}" y="{:.0}" font-size="12" fill="#1b1b1b"{}>{}</text></g>{}"##,
            esc(&n.title),
            x + 8.0,
            y + 16.0,
            esc(&n.lines[0]),
            x + 8.0,
            y + 34.0,
            if n.href.is_some() {
                r#" text-decoration="underline""#
            } else {
                ""
            },
            esc(&n.lines[1]),
            if n.href.is_some() { "</a>" } else { "" }
        );
    }
    s.push_str("</svg>");
    s
}

/// The escalation section: the count (and the cap), the graph, and a table with the same
/// content (the text alternative), each path linking to its finding.
pub fn escalation_html(v: &EscalationView, links: &dyn Links, id: &str) -> String {
    let mut b = String::new();
    if v.paths.is_empty() {
        b.push_str("<p>No escalation path to cluster-admin.</p>");
        return b;
    }
    let _ = write!(
        b,
        r#"<p id="{id}-count">{} path{} to cluster-admin{}.</p>"#,
        v.total,
        if v.total == 1 { "" } else { "s" },
        if v.capped() {
            format!(
                "; the first {} (shortest first) are kept and listed below (capped at {MAX_PATHS}: run <code>rampart rbac paths</code> for all)",
                v.paths.len()
            )
        } else {
            String::new()
        }
    );
    if v.paths.len() > GRAPH_PATHS {
        let _ = write!(
            b,
            r#"<p class="muted">The graph draws the first {GRAPH_PATHS} paths; the table lists all {} kept.</p>"#,
            v.paths.len()
        );
    }
    let _ = write!(
        b,
        r#"<div class="graph-wrap" style="overflow-x:auto">{}</div>"#,
        escalation_svg(v, links, id)
    );
    let _ = write!(
        b,
        r#"<table id="{id}-table"><caption>Escalation paths (the graph's content as text)</caption><thead><tr><th scope="col">#</th><th scope="col">from</th><th scope="col">steps to cluster-admin</th><th scope="col">finding</th></tr></thead><tbody>"#
    );
    for (i, p) in v.paths.iter().enumerate() {
        let _ = write!(
            b,
            r#"<tr id="{id}-p{}"><td class="num">{}</td><th scope="row">{}{}{}<br><span class="muted">{}</span></th><td><ol>"#,
            i + 1,
            i + 1,
            link_open(
                links.subject(p.from.subject_name()).as_deref(),
                &p.from.name
            ),
            esc(&p.from.name),
            if links.subject(p.from.subject_name()).is_some() {
                "</a>"
            } else {
                ""
            },
            esc(p.from.kind.as_str())
        );
        for s in &p.steps {
            let _ = write!(
                b,
                "<li><strong>{}</strong> <span class=\"muted\">[{}]</span> {}",
                esc(&s.to.name),
                esc(&s.kind),
                esc(&s.detail)
            );
            if !s.grants.is_empty() {
                b.push_str("<ul>");
                for g in &s.grants {
                    let href = links.subject(&g.binding);
                    let _ = write!(
                        b,
                        "<li>{}{}{} → {}{}{}: <code>{}</code>{}</li>",
                        link_open(href.as_deref(), &g.binding),
                        esc(&g.binding),
                        if href.is_some() { "</a>" } else { "" },
                        if g.builtin { "built-in " } else { "" },
                        esc(&g.role),
                        g.aggregated_from
                            .as_deref()
                            .map(|a| format!(" (aggregated from {})", esc(a)))
                            .unwrap_or_default(),
                        esc(&g.rule),
                        g.rule_at
                            .as_deref()
                            .or(g.binding_at.as_deref())
                            .map(|a| format!(" <span class=\"muted\">{}</span>", esc(a)))
                            .unwrap_or_default()
                    );
                }
                b.push_str("</ul>");
            }
            b.push_str("</li>");
        }
        b.push_str("</ol></td><td>");
        match p
            .first_binding()
            .and_then(|bd| links.check_subject(ESCALATION_CHECK, bd))
        {
            Some(h) => {
                let _ = write!(
                    b,
                    r#"<a class="finding-link" href="{}">{ESCALATION_CHECK}</a>"#,
                    esc(&h)
                );
            }
            None => b.push_str(r#"<span class="muted">none</span>"#),
        }
        b.push_str("</td></tr>");
    }
    b.push_str("</tbody></table>");
    b
}

/// One end's verdict in words.
fn side_text(v: &ReachabilityView, s: &SideVerdict, dir: &str) -> String {
    let name = |i: usize| v.policies.get(i).map_or("?", |p| p.name.as_str());
    match s {
        SideVerdict::Open => format!("{dir}: no policy isolates it"),
        SideVerdict::Unknown => format!("{dir}: not resolved"),
        SideVerdict::Allows { rules } => format!(
            "{dir}: allowed by {}",
            rules
                .iter()
                .map(|(p, r)| format!("{} rule {r}", name(*p)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        SideVerdict::Denies { policies } => format!(
            "{dir}: denied, isolated by {} and no rule allows it",
            policies
                .iter()
                .map(|p| name(*p))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A cell in words: the verdict, the ports and what each end's policies said.
pub fn cell_text(v: &ReachabilityView, c: &Cell) -> String {
    match c.allowed {
        None => "outside NetworkPolicy (address to address)".to_owned(),
        Some(a) => format!(
            "{} ({}); {}; {}",
            if a { "allowed" } else { "denied" },
            if a {
                format!("ports {}", c.ports)
            } else {
                "no port".to_owned()
            },
            side_text(v, &c.egress, "egress of the source"),
            side_text(v, &c.ingress, "ingress of the destination")
        ),
    }
}

/// The policy that decides a cell: for a denied connection a policy that isolates an end
/// without allowing it, else one whose rule allows it; `None` when no policy applies.
pub fn deciding_policy(c: &Cell) -> Option<usize> {
    let denying = |s: &SideVerdict| match s {
        SideVerdict::Denies { policies } => policies.first().copied(),
        _ => None,
    };
    match c.allowed {
        Some(false) => denying(&c.ingress)
            .or_else(|| denying(&c.egress))
            .or_else(|| c.ingress.policies().first().copied())
            .or_else(|| c.egress.policies().first().copied()),
        Some(true) => c
            .ingress
            .policies()
            .first()
            .copied()
            .or_else(|| c.egress.policies().first().copied()),
        None => None,
    }
}

/// The reachability section: a matrix table (rows sources, columns destinations), each cell
/// allowed or denied with its ports and deciding policies in an `abbr` title and a link to the
/// findings behind it; then the policies named.
pub fn reachability_html(v: &ReachabilityView, links: &dyn Links, id: &str) -> String {
    let mut b = String::new();
    let _ = write!(
        b,
        r#"<p id="{id}-count">{} pod group{} and {} external range{}{}.</p>"#,
        v.pod_groups,
        if v.pod_groups == 1 { "" } else { "s" },
        v.total - v.pod_groups,
        if v.total - v.pod_groups == 1 { "" } else { "s" },
        if v.capped() {
            format!(
                "; the matrix is capped at the first {} rows and columns (run <code>rampart netpol matrix</code> for all)",
                v.endpoints.len()
            )
        } else {
            String::new()
        }
    );
    if v.endpoints.is_empty() {
        b.push_str("<p>No workloads.</p>");
        return b;
    }
    b.push_str(r#"<p class="muted">Each cell says whether the row's pods (or addresses) may open connections to the column's, on which ports, and which policy decides (hover or focus the cell, or follow its link to the policy's findings).</p>"#);
    let _ = write!(
        b,
        r#"<div style="overflow-x:auto"><table class="matrix" id="{id}-table"><caption>Reachability: rows are sources, columns destinations</caption><thead><tr><td></td>"#
    );
    for (j, e) in v.endpoints.iter().enumerate() {
        let _ = write!(
            b,
            r#"<th scope="col" id="{id}-c{j}"><abbr title="{}">{}</abbr></th>"#,
            esc(&e.label),
            esc(&clip(&e.short(), 28))
        );
    }
    b.push_str("</tr></thead><tbody>");
    for (i, e) in v.endpoints.iter().enumerate() {
        let href = e
            .namespace
            .as_deref()
            .and_then(|ns| links.netpol_namespace(ns));
        let _ = write!(
            b,
            r#"<tr><th scope="row" id="{id}-r{i}">{}<abbr title="{}">{}</abbr>{}</th>"#,
            link_open(href.as_deref(), &e.label),
            esc(&e.label),
            esc(&clip(&e.short(), 36)),
            if href.is_some() { "</a>" } else { "" }
        );
        for (j, c) in v.cells.get(i).into_iter().flatten().enumerate() {
            let text = cell_text(v, c);
            let (class, word) = match c.allowed {
                Some(true) if c.ports == "all" => ("allow", "allowed".to_owned()),
                Some(true) => ("allow", format!("allowed {}", clip(&c.ports, 14))),
                Some(false) => ("deny", "denied".to_owned()),
                None => ("na", "–".to_owned()),
            };
            let href = match deciding_policy(c) {
                Some(p) => v.policies.get(p).and_then(|p| links.subject(&p.name)),
                None => v
                    .endpoints
                    .get(j)
                    .and_then(|d| d.namespace.as_deref())
                    .or(e.namespace.as_deref())
                    .and_then(|ns| links.netpol_namespace(ns)),
            };
            let inner = format!(r#"<abbr title="{}">{}</abbr>"#, esc(&text), esc(&word));
            match (href, c.allowed) {
                (Some(h), Some(_)) => {
                    let _ = write!(
                        b,
                        r#"<td class="{class}" headers="{id}-r{i} {id}-c{j}"><a href="{}" aria-label="{}">{inner}</a></td>"#,
                        esc(&h),
                        esc(&text)
                    );
                }
                _ => {
                    let _ = write!(
                        b,
                        r#"<td class="{class}" headers="{id}-r{i} {id}-c{j}">{inner}</td>"#
                    );
                }
            }
        }
        b.push_str("</tr>");
    }
    b.push_str("</tbody></table></div>");
    if !v.policies.is_empty() {
        let _ = write!(b, r#"<h3 id="{id}-pol">Policies that decide</h3><ul>"#);
        for p in &v.policies {
            let href = links.subject(&p.name);
            let _ = write!(
                b,
                "<li>{}{}{}{}</li>",
                link_open(href.as_deref(), &p.name),
                esc(&p.name),
                if href.is_some() { "</a>" } else { "" },
                p.at.as_deref()
                    .map(|a| format!(" <span class=\"muted\">{}</span>", esc(a)))
                    .unwrap_or_default()
            );
        }
        b.push_str("</ul>");
    }
    b
}

/// CSS for the two views (the report and the dashboard include it).
pub const STYLE: &str = r#"
table.matrix{border-collapse:collapse;font-size:.85em}
table.matrix th,table.matrix td{border:1px solid #c8c8c8;padding:3px 6px;white-space:nowrap}
table.matrix thead th{writing-mode:vertical-rl;transform:rotate(180deg);text-align:left;max-height:14em}
table.matrix td.allow{background:#e3f1e6;color:#134d1f}
table.matrix td.deny{background:#fbe4e4;color:#7a0016}
table.matrix td.na{background:#f4f4f4;color:#4d4d4d;text-align:center}
table.matrix td a{color:inherit}
abbr[title]{text-decoration:underline dotted}
svg.graph a:focus rect,svg.graph a:hover rect{stroke-width:3;stroke:#0b4f9c}
"#;

#[cfg(test)]
mod tests {
    use std::path::Path;

    use rampart_model::Resource;

    use super::*;

    const INPUT: &str = "\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-creator, namespace: prod}
rules: [{apiGroups: [\"\"], resources: [pods], verbs: [create]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ci-deploys, namespace: prod}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-creator}
subjects: [{kind: ServiceAccount, name: deployer, namespace: ci}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ops-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: admin-sa, namespace: prod}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: fe, namespace: web}
spec:
  selector: {matchLabels: {app: fe}}
  template:
    metadata: {labels: {app: fe}}
    spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: c, image: api, ports: [{containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker, namespace: web}
spec:
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec: {containers: [{name: c, image: worker}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-allow, namespace: web}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: fe}}}]
    ports: [{port: 8080}]
";

    fn resources() -> Vec<Resource> {
        let parsed = rampart_source::parse_str(Path::new("in.yaml"), INPUT);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        parsed.resources
    }

    fn views() -> Views {
        let res = resources();
        let rbac = Rbac::build(&res);
        let np = Analysis::new(&res, &rampart_netpol::Options::default());
        build(&res, || &rbac, || &np)
    }

    struct TestLinks;
    impl Links for TestLinks {
        fn subject(&self, name: &str) -> Option<String> {
            Some(format!("/s?q={name}"))
        }
        fn check_subject(&self, check: &str, name: &str) -> Option<String> {
            Some(format!("/c?check={check}&q={name}"))
        }
        fn netpol_namespace(&self, ns: &str) -> Option<String> {
            Some(format!("/n?ns={ns}"))
        }
    }

    /// Parses `xml` completely, end tags checked against start tags; returns the elements seen.
    fn well_formed(xml: &str) -> Vec<String> {
        let mut r = quick_xml::Reader::from_str(xml);
        r.config_mut().check_end_names = true;
        let mut names = Vec::new();
        let mut depth = 0i32;
        loop {
            match r.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(quick_xml::events::Event::Start(e)) => {
                    depth += 1;
                    names.push(String::from_utf8_lossy(e.name().as_ref()).into_owned());
                }
                Ok(quick_xml::events::Event::Empty(e)) => {
                    names.push(String::from_utf8_lossy(e.name().as_ref()).into_owned());
                }
                Ok(quick_xml::events::Event::End(_)) => depth -= 1,
                Ok(_) => {}
                Err(e) => panic!("not well-formed at {}: {e}\n{xml}", r.buffer_position()),
            }
        }
        assert_eq!(depth, 0, "unbalanced");
        names
    }

    #[test]
    fn escalation_paths_become_a_graph_and_a_table() {
        let v = views();
        let e = v.escalation.as_ref().expect("RBAC objects were scanned");
        assert!(!e.capped());
        let from: Vec<&str> = e.paths.iter().map(|p| p.from.name.as_str()).collect();
        assert!(from.contains(&"sa:ci/deployer"), "{from:?}");
        let p = e
            .paths
            .iter()
            .find(|p| p.from.name == "sa:ci/deployer")
            .expect("path");
        assert_eq!(p.steps[0].kind, "create-workloads");
        assert_eq!(p.steps[0].grants[0].binding, "RoleBinding/prod/ci-deploys");
        assert_eq!(p.steps[0].grants[0].role, "Role/prod/pod-creator");
        assert!(p.steps[0].grants[0]
            .rule_at
            .as_deref()
            .is_some_and(|a| a.starts_with("in.yaml:")));
        assert_eq!(
            p.steps.last().map(|s| s.to.kind),
            Some(NodeKind::ClusterAdmin)
        );
        assert_eq!(p.first_binding(), Some("RoleBinding/prod/ci-deploys"));

        let svg = escalation_svg(e, &TestLinks, "g");
        let names = well_formed(&svg);
        assert_eq!(names.first().map(String::as_str), Some("svg"));
        // Every node of every path is drawn (names are short here: none is clipped), every
        // grant is a node, and there are arrows.
        for p in &e.paths {
            assert!(
                svg.contains(&esc(&p.from.name).into_owned()),
                "{}",
                p.from.name
            );
            for s in &p.steps {
                assert!(svg.contains(&esc(&s.to.name).into_owned()), "{}", s.to.name);
                for g in &s.grants {
                    assert!(svg.contains(&esc(&g.binding).into_owned()), "{}", g.binding);
                }
            }
        }
        assert!(names.iter().filter(|n| *n == "path").count() >= 3);
        assert!(svg.contains(r#"role="img""#) && svg.contains("<title id=\"g-t\">"));

        let html = escalation_html(e, &TestLinks, "g");
        // The table holds every path, each linking to its finding.
        assert_eq!(html.matches("<tr id=\"g-p").count(), e.paths.len());
        assert!(html.contains("/c?check=rbac-escalation-path&amp;q=RoleBinding/prod/ci-deploys"));
        assert!(html.contains("verbs=[create]"));
    }

    #[test]
    fn the_matrix_says_who_decides() {
        let v = views();
        let r = v
            .reachability
            .as_ref()
            .expect("a NetworkPolicy was scanned");
        let at = |name: &str| {
            r.endpoints
                .iter()
                .position(|e| e.workloads.iter().any(|w| w == name))
                .unwrap_or_else(|| panic!("{name} in {:?}", r.endpoints))
        };
        let (fe, api, worker) = (
            at("Deployment/web/fe"),
            at("Deployment/web/api"),
            at("Deployment/web/worker"),
        );
        let policy = r
            .policies
            .iter()
            .position(|p| p.name == "NetworkPolicy/web/api-allow")
            .expect("the policy is named");
        let c = &r.cells[fe][api];
        assert_eq!(c.allowed, Some(true));
        assert_eq!(c.ports, "TCP/8080");
        assert_eq!(c.egress, SideVerdict::Open);
        assert_eq!(
            c.ingress,
            SideVerdict::Allows {
                rules: vec![(policy, 0)]
            }
        );
        let c = &r.cells[worker][api];
        assert_eq!(c.allowed, Some(false));
        assert_eq!(
            c.ingress,
            SideVerdict::Denies {
                policies: vec![policy]
            }
        );
        assert_eq!(deciding_policy(c), Some(policy));
        assert!(cell_text(r, c).contains("isolated by NetworkPolicy/web/api-allow"));
        // Nothing isolates the front end.
        assert_eq!(r.cells[api][fe].allowed, Some(true));
        assert_eq!(r.cells[api][fe].ports, "all");

        let html = reachability_html(r, &TestLinks, "m");
        assert_eq!(html.matches("<th scope=\"col\"").count(), r.endpoints.len());
        assert_eq!(html.matches("<th scope=\"row\"").count(), r.endpoints.len());
        assert!(html.contains("class=\"deny\""));
        assert!(html.contains("/s?q=NetworkPolicy/web/api-allow"));
        assert!(html.contains("denied (no port); egress of the source: no policy isolates it; ingress of the destination: denied, isolated by NetworkPolicy/web/api-allow"));
    }

    #[test]
    fn views_survive_json_and_are_absent_without_input() {
        let v = views();
        let json = serde_json::to_string(&v).expect("json");
        let back: Views = serde_json::from_str(&json).expect("read back");
        assert_eq!(back, v);
        let none: Vec<Resource> = Vec::new();
        let rbac = Rbac::build(&none);
        let np = Analysis::new(&none, &rampart_netpol::Options::default());
        assert_eq!(build(&none, || &rbac, || &np), Views::default());
    }

    #[test]
    fn the_html_report_shows_both_views_linked_to_findings() {
        let res = resources();
        let binding = res
            .iter()
            .find(|r| r.id.name == "ci-deploys")
            .expect("binding");
        let f = rampart_model::Finding::new(
            std::borrow::Cow::Borrowed(ESCALATION_CHECK),
            rampart_model::Severity::High,
            binding.id.clone().into(),
            rampart_model::Pointer::from_raw("/subjects/0"),
            "sa:ci/deployer reaches cluster-admin".into(),
        );
        let mut report = crate::Report::new(
            vec![f],
            Vec::new(),
            crate::Scanned::default(),
            Vec::new(),
            rampart_model::Severity::High,
            0,
        );
        report.views = Some(Box::new(views()));
        let mut out = Vec::new();
        crate::html::write(&report, &mut out).expect("html");
        let html = String::from_utf8(out).expect("utf-8");
        assert!(html.contains(r##"<a href="#rbac-paths">RBAC escalation paths</a>"##));
        assert!(html.contains(r##"<a href="#reachability">Network reachability</a>"##));
        assert!(
            html.contains(r#"<section id="rbac-paths""#) && html.contains("<svg class=\"graph\"")
        );
        assert!(html.contains(r#"<table class="matrix""#));
        // The path links to its finding in the same file; nothing is fetched.
        assert!(html.contains(r##"<a class="finding-link" href="#f-0">"##));
        assert!(!html.contains("http://") || html.contains("http://www.w3.org/2000/svg"));
        let svg_start = html.find("<svg class=\"graph\"").expect("svg");
        let svg_end = html[svg_start..].find("</svg>").expect("end") + svg_start + 6;
        well_formed(&html[svg_start..svg_end]);
        // Without views, no such section.
        report.views = None;
        let mut out = Vec::new();
        crate::html::write(&report, &mut out).expect("html");
        let html = String::from_utf8(out).expect("utf-8");
        assert!(!html.contains("rbac-paths"));
    }

    #[test]
    fn caps_are_said() {
        let mut v = views().escalation.expect("paths");
        v.total = 500;
        let html = escalation_html(&v, &TestLinks, "g");
        assert!(html.contains("capped at 100"));
        let mut r = views().reachability.expect("matrix");
        r.total = 90;
        assert!(reachability_html(&r, &TestLinks, "m").contains("capped"));
    }
}
