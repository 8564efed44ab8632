//! Building the inventory (namespaces, pod classes, policies) and evaluating reachability.

use std::collections::HashMap;
use std::net::IpAddr;

use ipnet::IpNet;
use rampart_model::{AnalysisObject, ObjectRef, Pointer};
use serde::Serialize;

use crate::bitset::BitSet;
use crate::cilium;
use crate::ip::{self, IpRange};
use crate::model::{self, Class, Direction, NamedPort, Namespace, PeerKind, Pod, Policy, Rule};
use crate::ports::{FxBuild, PortId, PortSet, PortTable, Protocol, ALL_ID, NONE_ID};
use rampart_model::k8s::labels::{Labels, Problems, NAMESPACE_NAME_LABEL};
use rampart_model::k8s::selector::Selector;

/// Settings of an analysis.
#[derive(Clone, Debug)]
pub struct Options {
    /// The namespace of objects that name none (`default`, like `kubectl apply` without `-n`).
    pub default_namespace: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            default_namespace: "default".to_string(),
        }
    }
}

/// Something wrong in an input object that changes what it means (the API server would reject
/// it, or part of it is ignored). `resource` indexes the slice given to [`Analysis::new`].
#[derive(Clone, Debug, Serialize)]
pub struct Diagnostic {
    pub resource: usize,
    pub object: ObjectRef,
    pub pointer: Pointer,
    pub message: String,
}

/// A pointer into one input object: the policy, workload or namespace a result is about, and the
/// exact field. `resource` indexes the slice given to [`Analysis::new`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Subject {
    pub resource: usize,
    pub object: ObjectRef,
    pub pointer: Pointer,
}

/// The per-rule peer sets, precomputed over classes.
#[derive(Debug)]
pub(crate) struct RulePeers {
    /// Classes matched by some peer of the rule.
    pub classes: BitSet,
    /// The rule has no peer list: every pod and every address.
    pub any: bool,
    /// ipBlock peers: cidr minus except.
    pub ips: Vec<(IpNet, Vec<IpNet>)>,
}

impl RulePeers {
    fn matches_ip(&self, v6: bool, addr: u128) -> bool {
        self.any
            || self.ips.iter().any(|(c, ex)| {
                ip::net_contains(c, v6, addr) && !ex.iter().any(|e| ip::net_contains(e, v6, addr))
            })
    }
}

/// The NetworkPolicy analysis of one inventory. Pure: no I/O.
#[derive(Debug)]
pub struct Analysis {
    pub(crate) namespaces: Vec<Namespace>,
    pub(crate) pods: Vec<Pod>,
    pub(crate) classes: Vec<Class>,
    pub(crate) profiles: Vec<Vec<NamedPort>>,
    pub(crate) policies: Vec<Policy>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) classes_by_ns: Vec<Vec<usize>>,
    /// Per policy: classes it selects.
    pub(crate) selects: Vec<BitSet>,
    /// Per policy, per direction, per rule: its peers.
    pub(crate) peers: Vec<[Vec<RulePeers>; 2]>,
    /// Per direction, per class: the policies that select it and isolate it that way.
    pub(crate) isolating: [Lists; 2],
    /// Per class: every policy selecting it.
    pub(crate) selected_by: Lists,
}

impl Analysis {
    /// Reads NetworkPolicies (networking.k8s.io/v1), Namespaces and every pod-bearing object out of
    /// `resources`; other objects are ignored.
    pub fn new<O: AnalysisObject>(objects: &[O], opts: &Options) -> Analysis {
        let mut a = Analysis {
            namespaces: Vec::new(),
            pods: Vec::new(),
            classes: Vec::new(),
            profiles: Vec::new(),
            policies: Vec::new(),
            diagnostics: Vec::new(),
            classes_by_ns: Vec::new(),
            selects: Vec::new(),
            peers: Vec::new(),
            isolating: [Lists::default(), Lists::default()],
            selected_by: Lists::default(),
        };
        let mut ns_index: HashMap<String, usize> = HashMap::new();
        let mut problems: Problems = Vec::new();
        // Namespace objects first, so that their labels are known.
        for (i, r) in objects.iter().enumerate() {
            let Some(r) = r.whole() else {
                continue;
            };
            if r.kind() == "Namespace" && r.id.api_version == "v1" && !r.id.name.is_empty() {
                let labels = model::namespace_labels(r, &mut problems);
                a.flush(&mut problems, i, &r.id);
                match ns_index.get(&r.id.name) {
                    Some(&k) => {
                        a.namespaces[k].labels = labels;
                        a.namespaces[k].res = Some(i);
                    }
                    None => {
                        ns_index.insert(r.id.name.clone(), a.namespaces.len());
                        a.namespaces.push(Namespace {
                            name: r.id.name.clone(),
                            labels,
                            res: Some(i),
                        });
                    }
                }
            }
        }
        let mut ns_of = |a: &mut Analysis, name: &str| -> usize {
            if let Some(&k) = ns_index.get(name) {
                return k;
            }
            let k = a.namespaces.len();
            ns_index.insert(name.to_string(), k);
            a.namespaces.push(Namespace {
                name: name.to_string(),
                labels: Labels::from([(NAMESPACE_NAME_LABEL.to_string(), name.to_string())]),
                res: None,
            });
            k
        };
        // Cluster-wide policies, read once every namespace is known.
        let mut clusterwide: Vec<usize> = Vec::new();
        let mut class_index: HashMap<(usize, Labels, usize), usize> = HashMap::new();
        let mut profile_index: HashMap<Vec<NamedPort>, usize> = HashMap::new();
        for (i, o) in objects.iter().enumerate() {
            let id = o.id();
            let ns_name = id.namespace.as_deref().unwrap_or(&opts.default_namespace);
            if let Some(r) = o.whole().filter(|r| model::is_network_policy(r)) {
                let ns = ns_of(&mut a, ns_name);
                let p = model::parse_policy(r, i, ns, &mut problems);
                a.flush(&mut problems, i, id);
                a.policies.push(p);
            } else if let Some(r) = o.whole().filter(|r| cilium::is_policy(r)) {
                let ns = ns_of(&mut a, ns_name);
                let ps = cilium::parse_policy(r, i, ns, None, &mut problems);
                a.flush(&mut problems, i, id);
                a.policies.extend(ps);
            } else if o.whole().is_some_and(cilium::is_clusterwide_policy) {
                clusterwide.push(i);
            } else if let Some(w) = o.pod_facts() {
                let ns = ns_of(&mut a, ns_name);
                let (labels, labels_ptr) = model::pod_labels(&w, &mut problems);
                let named = model::named_ports(&w, &mut problems);
                a.flush(&mut problems, i, id);
                let next_profile = profile_index.len();
                let profile = *profile_index.entry(named.clone()).or_insert_with(|| {
                    a.profiles.push(named.clone());
                    next_profile
                });
                let next_class = a.classes.len();
                let class = *class_index
                    .entry((ns, labels.clone(), profile))
                    .or_insert_with(|| {
                        a.classes.push(Class {
                            ns,
                            labels,
                            named,
                            profile,
                            members: Vec::new(),
                        });
                        next_class
                    });
                a.classes[class].members.push(a.pods.len());
                a.pods.push(Pod {
                    res: i,
                    id: id.clone(),
                    ns,
                    class,
                    labels_ptr,
                });
            }
        }
        // A cluster-wide policy applies in every namespace its endpointSelector admits: one part
        // per namespace (its problems reported once).
        for i in clusterwide {
            let Some(r) = objects[i].whole() else {
                continue;
            };
            // The rule specs (by selector pointer) that already have their first part.
            let mut seen: Vec<Pointer> = Vec::new();
            for k in 0..a.namespaces.len() {
                let mut ignored = Vec::new();
                let sink = if k == 0 { &mut problems } else { &mut ignored };
                let ps = cilium::parse_policy(r, i, k, Some(&a.namespaces[k].labels), sink);
                for mut p in ps {
                    p.copy = seen.contains(&p.selector_ptr);
                    if !p.copy {
                        seen.push(p.selector_ptr.clone());
                    }
                    a.policies.push(p);
                }
            }
            a.flush(&mut problems, i, &r.id);
        }
        a.index();
        a
    }

    fn flush(&mut self, problems: &mut Problems, i: usize, id: &ObjectRef) {
        for (pointer, message) in problems.drain(..) {
            self.diagnostics.push(Diagnostic {
                resource: i,
                object: id.clone(),
                pointer,
                message,
            });
        }
    }

    /// Precomputes which classes each policy selects and each rule's peers.
    fn index(&mut self) {
        let n = self.classes.len();
        self.classes_by_ns = vec![Vec::new(); self.namespaces.len()];
        for (c, class) in self.classes.iter().enumerate() {
            self.classes_by_ns[class.ns].push(c);
        }
        // (class, policy) pairs, in policy order: packed per class below.
        let mut selected_by: Vec<(u32, u32)> = Vec::new();
        let mut isolating: [Vec<(u32, u32)>; 2] = [Vec::new(), Vec::new()];
        let pairs = PairIndex::new(&self.classes);
        for (pi, p) in self.policies.iter().enumerate() {
            let mut sel = BitSet::new(n);
            for &c in pairs.candidates(&p.pod_selector, &self.classes_by_ns[p.ns]) {
                if self.classes[c].ns != p.ns {
                    continue;
                }
                if p.pod_selector.matches(&self.classes[c].labels) {
                    sel.insert(c);
                    let pair = (index_u32(c), index_u32(pi));
                    selected_by.push(pair);
                    for (pairs, isolates) in isolating.iter_mut().zip(p.isolates) {
                        if isolates {
                            pairs.push(pair);
                        }
                    }
                }
            }
            self.selects.push(sel);
            let peers = [0, 1].map(|d| {
                p.rules[d]
                    .iter()
                    .map(|r| self.rule_peers(p, r, &pairs))
                    .collect::<Vec<_>>()
            });
            self.peers.push(peers);
        }
        self.selected_by = Lists::from_pairs(n, &selected_by);
        drop(selected_by);
        self.isolating = isolating.map(|pairs| Lists::from_pairs(n, &pairs));
    }

    fn rule_peers(&self, p: &Policy, r: &Rule, pairs: &PairIndex) -> RulePeers {
        let n = self.classes.len();
        let Some(list) = &r.peers else {
            return RulePeers {
                classes: BitSet::full(n),
                any: true,
                ips: Vec::new(),
            };
        };
        let mut out = RulePeers {
            classes: BitSet::new(n),
            any: false,
            ips: Vec::new(),
        };
        for peer in list {
            match &peer.kind {
                PeerKind::Invalid => {}
                PeerKind::Ip { cidr, except, .. } => out.ips.push((*cidr, except.clone())),
                PeerKind::Pods { namespaces, pods } => {
                    let nss: Vec<usize> = match namespaces {
                        None => vec![p.ns],
                        Some(sel) => (0..self.namespaces.len())
                            .filter(|&k| sel.matches(&self.namespaces[k].labels))
                            .collect(),
                    };
                    let Some(pods) = pods else {
                        for k in nss {
                            for &c in &self.classes_by_ns[k] {
                                out.classes.insert(c);
                            }
                        }
                        continue;
                    };
                    if pods.required_pairs().is_empty() {
                        for k in nss {
                            for &c in &self.classes_by_ns[k] {
                                if pods.matches(&self.classes[c].labels) {
                                    out.classes.insert(c);
                                }
                            }
                        }
                        continue;
                    }
                    // Candidates from the label index, kept when in one of the namespaces.
                    let mut in_ns = vec![false; self.namespaces.len()];
                    for k in nss {
                        in_ns[k] = true;
                    }
                    for &c in pairs.candidates(pods, &[]) {
                        let class = &self.classes[c];
                        if in_ns[class.ns] && pods.matches(&class.labels) {
                            out.classes.insert(c);
                        }
                    }
                }
            }
        }
        out
    }

    /// Problems found in the input objects.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Every ipBlock CIDR and except of every rule.
    fn all_nets(&self) -> Vec<IpNet> {
        let mut nets: Vec<IpNet> = self
            .peers
            .iter()
            .flat_map(|d| d.iter().flatten())
            .flat_map(|rp| rp.ips.iter())
            .flat_map(|(c, ex)| std::iter::once(*c).chain(ex.iter().copied()))
            .collect();
        nets.sort();
        nets.dedup();
        nets
    }

    /// Computes the full reachability matrix between pod classes and external address ranges.
    pub fn matrix(&self) -> Matrix {
        let n = self.classes.len();
        let raw_atoms = ip::atoms(&self.all_nets());
        let mut table = PortTable::new();
        // Allowed ports per (rule, destination profile); `ext` for external destinations.
        let ext = usize::MAX;
        let mut port_memo: HashMap<(usize, usize, usize, usize), PortId, FxBuild> =
            HashMap::default();
        let mut rule_ports =
            |table: &mut PortTable, pi: usize, d: usize, ri: usize, prof: usize| {
                let rule = &self.policies[pi].rules[d][ri];
                let prof = if rule.numeric_only { ext } else { prof };
                *port_memo.entry((pi, d, ri, prof)).or_insert_with(|| {
                    let named = (prof != ext).then(|| self.profiles[prof].as_slice());
                    table.intern(rule.resolve_ports(named))
                })
            };
        // Which atoms each rule's ipBlocks cover; atoms covered by the same rules are alike, so
        // they are grouped before the matrix is sized.
        let mut raw_hits: Vec<((usize, usize, usize), Vec<usize>)> = Vec::new();
        for (pi, per_dir) in self.peers.iter().enumerate() {
            for (d, rules) in per_dir.iter().enumerate() {
                for (ri, rp) in rules.iter().enumerate() {
                    if !rp.ips.is_empty() {
                        let h = (0..raw_atoms.len())
                            .filter(|&x| rp.matches_ip(raw_atoms[x].v6, raw_atoms[x].lo))
                            .collect();
                        raw_hits.push(((pi, d, ri), h));
                    }
                }
            }
        }
        let mut sig: Vec<Vec<usize>> = vec![Vec::new(); raw_atoms.len()];
        for (k, (_, h)) in raw_hits.iter().enumerate() {
            for &x in h {
                sig[x].push(k);
            }
        }
        let mut pre_of_sig: HashMap<Vec<usize>, usize> = HashMap::new();
        let mut pre: Vec<Vec<usize>> = Vec::new();
        let mut pre_of_atom = vec![0; raw_atoms.len()];
        for (x, sg) in sig.into_iter().enumerate() {
            let next = pre.len();
            let g = *pre_of_sig.entry(sg).or_insert(next);
            if g == next {
                pre.push(Vec::new());
            }
            pre[g].push(x);
            pre_of_atom[x] = g;
        }
        let na = pre.len();
        let big_n = n + na;
        let mut hits: HashMap<(usize, usize, usize), Vec<usize>, FxBuild> = HashMap::default();
        for (key, h) in raw_hits {
            let mut g: Vec<usize> = h.iter().map(|&x| pre_of_atom[x]).collect();
            g.sort_unstable();
            g.dedup();
            hits.insert(key, g);
        }
        // A rule without a peer list covers every address.
        for (pi, per_dir) in self.peers.iter().enumerate() {
            for (d, rules) in per_dir.iter().enumerate() {
                for (ri, rp) in rules.iter().enumerate() {
                    if rp.any {
                        hits.insert((pi, d, ri), (0..na).collect());
                    }
                }
            }
        }
        let empty: Vec<usize> = Vec::new();

        // Egress rows per distinct set of egress-isolating policies.
        let eg = Direction::Egress.index();
        let mut row_of_key: HashMap<&[u32], usize> = HashMap::new();
        let mut rows: Vec<Vec<PortId>> = Vec::new();
        let mut class_row: Vec<Option<usize>> = vec![None; n];
        for (c, slot) in class_row.iter_mut().enumerate() {
            let pols = self.isolating[eg].get(c);
            if pols.is_empty() {
                continue;
            }
            if let Some(&k) = row_of_key.get(pols) {
                *slot = Some(k);
                continue;
            }
            let mut row = vec![NONE_ID; big_n];
            for pi in pols.iter().map(|&pi| pi as usize) {
                for (ri, rp) in self.peers[pi][eg].iter().enumerate() {
                    for dc in rp.classes.iter() {
                        let pid = rule_ports(&mut table, pi, eg, ri, self.classes[dc].profile);
                        row[dc] = table.union(row[dc], pid);
                    }
                    let h = hits.get(&(pi, eg, ri)).unwrap_or(&empty);
                    if !h.is_empty() {
                        let pid = rule_ports(&mut table, pi, eg, ri, ext);
                        for &x in h {
                            row[n + x] = table.union(row[n + x], pid);
                        }
                    }
                }
            }
            row_of_key.insert(pols, rows.len());
            *slot = Some(rows.len());
            rows.push(row);
        }

        // Ingress columns per distinct (isolating policies, named-port profile), then the cells.
        let ing = Direction::Ingress.index();
        let mut cells = vec![NONE_ID; big_n * big_n];
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&x, &y| {
            (self.isolating[ing].get(x), self.classes[x].profile)
                .cmp(&(self.isolating[ing].get(y), self.classes[y].profile))
        });
        let mut col = vec![ALL_ID; big_n];
        let mut col_key: Option<(&[u32], usize)> = None;
        for &dcl in &order {
            let key = (self.isolating[ing].get(dcl), self.classes[dcl].profile);
            if col_key != Some(key) {
                col_key = Some(key);
                if key.0.is_empty() {
                    col.fill(ALL_ID);
                } else {
                    col.fill(NONE_ID);
                    for pi in key.0.iter().map(|&pi| pi as usize) {
                        for (ri, rp) in self.peers[pi][ing].iter().enumerate() {
                            let pid = rule_ports(&mut table, pi, ing, ri, key.1);
                            if pid == NONE_ID {
                                continue;
                            }
                            for sc in rp.classes.iter() {
                                col[sc] = table.union(col[sc], pid);
                            }
                            for &x in hits.get(&(pi, ing, ri)).unwrap_or(&empty) {
                                col[n + x] = table.union(col[n + x], pid);
                            }
                        }
                    }
                }
            }
            for s in 0..n {
                let e = class_row[s].map_or(ALL_ID, |k| rows[k][dcl]);
                cells[s * big_n + dcl] = table.intersect(e, col[s]);
            }
            for x in 0..na {
                cells[(n + x) * big_n + dcl] = col[n + x];
            }
        }
        for s in 0..n {
            for x in 0..na {
                cells[s * big_n + n + x] = class_row[s].map_or(ALL_ID, |k| rows[k][n + x]);
            }
        }
        drop(rows);

        // Merge external atoms that are treated alike.
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut group_of: HashMap<Vec<PortId>, usize> = HashMap::new();
        for x in 0..na {
            let mut sig: Vec<PortId> = Vec::with_capacity(2 * n);
            sig.extend((0..n).map(|s| cells[s * big_n + n + x]));
            sig.extend((0..n).map(|d| cells[(n + x) * big_n + d]));
            let next = groups.len();
            let g = *group_of.entry(sig).or_insert(next);
            if g == next {
                groups.push(Vec::new());
            }
            groups[g].push(x);
        }
        let m = n + groups.len();
        // Compact in place: representatives are increasing, so every read index is at or after
        // its write index and after every earlier write.
        let rep: Vec<usize> = (0..n).chain(groups.iter().map(|g| n + g[0])).collect();
        for (i, &ri) in rep.iter().enumerate() {
            for (j, &rj) in rep.iter().enumerate() {
                cells[i * m + j] = cells[ri * big_n + rj];
            }
        }
        cells.truncate(m * m);
        cells.shrink_to_fit();
        let mut endpoints: Vec<Endpoint> = (0..n).map(|c| self.class_endpoint(c)).collect();
        for g in &groups {
            let ranges = ip::normalize(
                g.iter()
                    .flat_map(|&x| pre[x].iter().map(|&a| raw_atoms[a]))
                    .collect(),
            );
            endpoints.push(Endpoint::External(ExternalRange::new(ranges)));
        }
        Matrix {
            endpoints,
            classes: n,
            cells,
            sets: table.into_sets(),
        }
    }

    /// The number of pod groups (the first endpoints of [`Analysis::matrix`]), known without
    /// computing the matrix (whose size is the square of the endpoints).
    pub fn pod_group_count(&self) -> usize {
        self.classes.len()
    }

    /// Pod group `c` as endpoint `c` of [`Analysis::matrix`] names it, with one of its
    /// workloads as a target for [`Analysis::explain`] (every workload of a group is judged
    /// alike).
    pub fn pod_group(&self, c: usize) -> Option<(Endpoint, Target)> {
        let first = *self.classes.get(c)?.members.first()?;
        Some((self.class_endpoint(c), Target::Workload(first)))
    }

    fn class_endpoint(&self, c: usize) -> Endpoint {
        let class = &self.classes[c];
        Endpoint::Pods(PodGroup {
            namespace: self.namespaces[class.ns].name.clone(),
            labels: class.labels.clone(),
            workloads: class.members.iter().map(|&p| self.display_ref(p)).collect(),
        })
    }

    /// `Kind/namespace/name` of a workload, with its effective namespace.
    pub(crate) fn display_ref(&self, pod: usize) -> String {
        let p = &self.pods[pod];
        format!("{}/{}/{}", p.id.kind, self.namespaces[p.ns].name, p.id.name)
    }

    /// Finds an endpoint: `Kind/namespace/name`, `namespace/name`, `name` (a workload), or an IP
    /// address or CIDR (an external address; a CIDR stands for its first address).
    pub fn find(&self, spec: &str) -> Result<Target, String> {
        let spec = spec.trim();
        if let Ok(ip) = spec.parse::<IpAddr>() {
            return Ok(Target::Ip(ip));
        }
        if let Ok(net) = spec.parse::<IpNet>() {
            return Ok(Target::Ip(net.network()));
        }
        let parts: Vec<&str> = spec.split('/').collect();
        let found: Vec<usize> = (0..self.pods.len())
            .filter(|&i| {
                let p = &self.pods[i];
                let ns = self.namespaces[p.ns].name.as_str();
                match parts.as_slice() {
                    [kind, n, name] => {
                        p.id.kind.eq_ignore_ascii_case(kind) && ns == *n && p.id.name == *name
                    }
                    [n, name] => ns == *n && p.id.name == *name,
                    [name] => p.id.name == *name,
                    _ => false,
                }
            })
            .collect();
        match found.as_slice() {
            [one] => Ok(Target::Workload(*one)),
            [] => Err(format!(
                "no workload `{spec}` (use Kind/namespace/name, namespace/name, or an IP/CIDR)"
            )),
            many => Err(format!(
                "`{spec}` is ambiguous: {}",
                many.iter()
                    .map(|&p| self.display_ref(p))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// Describes a target for output.
    pub fn target_name(&self, t: &Target) -> String {
        match t {
            Target::Workload(p) => self.display_ref(*p),
            Target::Ip(ip) => ip.to_string(),
        }
    }

    /// The workloads (each pod-bearing object), as subjects pointing at their pod labels.
    pub fn workloads(&self) -> impl Iterator<Item = Subject> + '_ {
        self.pods.iter().map(|p| Subject {
            resource: p.res,
            object: p.id.clone(),
            pointer: p.labels_ptr.clone(),
        })
    }

    /// Does `peer` of policy `pi` match `t`? `None` when the rule has no peer list (all match).
    pub(crate) fn peer_matches(&self, pi: usize, peer: &model::Peer, t: &Target) -> bool {
        let p = &self.policies[pi];
        match (&peer.kind, t) {
            (PeerKind::Invalid, _) => false,
            (PeerKind::Ip { cidr, except, .. }, Target::Ip(a)) => {
                cidr.contains(a) && !except.iter().any(|e| e.contains(a))
            }
            (PeerKind::Ip { .. }, Target::Workload(_)) => false,
            (PeerKind::Pods { .. }, Target::Ip(_)) => false,
            (PeerKind::Pods { namespaces, pods }, Target::Workload(w)) => {
                let c = &self.classes[self.pods[*w].class];
                let ns_ok = match namespaces {
                    None => c.ns == p.ns,
                    Some(sel) => sel.matches(&self.namespaces[c.ns].labels),
                };
                ns_ok && pods.as_ref().is_none_or(|s| s.matches(&c.labels))
            }
        }
    }

    /// Why traffic from `from` to `to` (on `port`, or on any port when `None`) is allowed or not:
    /// every policy selecting either end and every rule, with what matched.
    pub fn explain(
        &self,
        from: &Target,
        to: &Target,
        port: Option<(Protocol, u16)>,
    ) -> Explanation {
        let dst_named: Option<&[NamedPort]> = match to {
            Target::Workload(w) => Some(&self.classes[self.pods[*w].class].named),
            Target::Ip(_) => None,
        };
        let egress = self.side(Direction::Egress, from, to, dst_named, port);
        let ingress = self.side(Direction::Ingress, to, from, dst_named, port);
        let ports = egress.allowed_ports.intersect(&ingress.allowed_ports);
        let allowed = match port {
            Some((proto, n)) => ports.contains(proto, n),
            None => !ports.is_empty(),
        };
        Explanation {
            from: self.target_name(from),
            to: self.target_name(to),
            port: port.map(|(p, n)| format!("{n}/{p}")),
            allowed,
            allowed_ports: ports,
            egress,
            ingress,
        }
    }

    fn side(
        &self,
        dir: Direction,
        own: &Target,
        peer: &Target,
        dst_named: Option<&[NamedPort]>,
        port: Option<(Protocol, u16)>,
    ) -> Side {
        let Target::Workload(w) = own else {
            return Side {
                direction: dir,
                endpoint: self.target_name(own),
                governed: false,
                isolated: false,
                allowed: true,
                allowed_ports: PortSet::all(),
                policies: Vec::new(),
            };
        };
        let class = self.pods[*w].class;
        let d = dir.index();
        let mut policies = Vec::new();
        let mut isolated = false;
        let mut allowed_ports = PortSet::none();
        for pi in self.selected_by.get(class).iter().map(|&pi| pi as usize) {
            let p = &self.policies[pi];
            let isolates = p.isolates[d];
            isolated |= isolates;
            let mut rules = Vec::new();
            if isolates {
                for (ri, r) in p.rules[d].iter().enumerate() {
                    let peer_match = match &r.peers {
                        None => Some(None),
                        Some(list) => list
                            .iter()
                            .position(|pe| self.peer_matches(pi, pe, peer))
                            .map(Some),
                    };
                    let ports = r.resolve_ports(dst_named);
                    let port_match = match (port, &r.ports) {
                        (_, None) => Some(None),
                        (None, Some(_)) => (!ports.is_empty()).then_some(None),
                        (Some((proto, n)), Some(list)) => list
                            .iter()
                            .position(|pr| pr.resolve(dst_named).contains(proto, n))
                            .map(Some),
                    };
                    let matched = peer_match.is_some() && port_match.is_some();
                    if peer_match.is_some() {
                        allowed_ports = allowed_ports.union(&ports);
                    }
                    rules.push(RuleVerdict {
                        index: ri,
                        pointer: r.ptr.clone(),
                        peer: peer_match.map(|m| match m {
                            None => "all peers (no `from`/`to`)".to_string(),
                            Some(i) => format!("peer {i}"),
                        }),
                        peer_pointer: peer_match
                            .flatten()
                            .and_then(|i| r.peers.as_ref().map(|l| l[i].ptr.clone())),
                        ports: ports.clone(),
                        port_pointer: port_match
                            .flatten()
                            .and_then(|i| r.ports.as_ref().map(|l| l[i].ptr.clone())),
                        matched,
                    });
                }
            }
            policies.push(PolicyVerdict {
                policy: Subject {
                    resource: p.res,
                    object: p.id.clone(),
                    pointer: p.selector_ptr.clone(),
                },
                isolates,
                types_given: p.types_given,
                rules,
            });
        }
        if !isolated {
            allowed_ports = PortSet::all();
        }
        let allowed = match port {
            Some((proto, n)) => allowed_ports.contains(proto, n),
            None => !allowed_ports.is_empty(),
        };
        Side {
            direction: dir,
            endpoint: self.target_name(own),
            governed: true,
            isolated,
            allowed,
            allowed_ports,
            policies,
        }
    }
}

/// One end of a connection: a workload (index among the analysis's workloads) or an address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Workload(usize),
    Ip(IpAddr),
}

/// Pods grouped into one equivalence class: same namespace, labels and named ports.
#[derive(Clone, Debug, Serialize)]
pub struct PodGroup {
    pub namespace: String,
    pub labels: Labels,
    /// `Kind/namespace/name` of each workload in the group.
    pub workloads: Vec<String>,
}

/// A set of external addresses that every policy treats alike.
#[derive(Clone, Debug, Serialize)]
pub struct ExternalRange {
    /// CIDRs covering exactly the set.
    pub cidrs: Vec<IpNet>,
    /// A short name: `external`, `external except C,...`, or the CIDRs.
    pub label: String,
}

impl ExternalRange {
    fn new(ranges: Vec<IpRange>) -> Self {
        let cidrs: Vec<IpNet> = ranges.iter().flat_map(|&r| ip::range_cidrs(r)).collect();
        let rest: Vec<IpNet> = ip::complement(&ranges)
            .into_iter()
            .flat_map(ip::range_cidrs)
            .collect();
        let join = |v: &[IpNet]| {
            v.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        };
        let label = if rest.is_empty() {
            "external".to_string()
        } else if rest.len() < cidrs.len() {
            format!("external except {}", join(&rest))
        } else {
            // Per family: the CIDRs, or the enclosing CIDR minus its holes when that is shorter.
            [false, true]
                .into_iter()
                .filter_map(|v6| {
                    let fam: Vec<IpRange> = ranges.iter().filter(|r| r.v6 == v6).copied().collect();
                    let (first, last) = (fam.first()?, fam.last()?);
                    let plain: Vec<IpNet> = fam.iter().flat_map(|&r| ip::range_cidrs(r)).collect();
                    let encl = ip::enclosing(IpRange {
                        v6,
                        lo: first.lo,
                        hi: last.hi,
                    });
                    let er = ip::net_range(&encl);
                    let holes: Vec<IpNet> = ip::complement(&fam)
                        .into_iter()
                        .filter(|h| h.v6 == v6 && h.lo >= er.lo && h.hi <= er.hi)
                        .flat_map(ip::range_cidrs)
                        .collect();
                    Some(if holes.len() + 1 < plain.len() {
                        format!("{encl} except {}", join(&holes))
                    } else {
                        join(&plain)
                    })
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        ExternalRange { cidrs, label }
    }
}

/// A row or column of the matrix.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Endpoint {
    Pods(PodGroup),
    External(ExternalRange),
}

impl Endpoint {
    /// A one-line name: the workloads of a group, or the external range.
    pub fn label(&self) -> String {
        match self {
            Endpoint::Pods(g) => g.workloads.join(","),
            Endpoint::External(e) => e.label.clone(),
        }
    }
}

/// Allowed connections between every pod group and every external range (external to external
/// is not NetworkPolicy's business and is left empty).
#[derive(Debug)]
pub struct Matrix {
    endpoints: Vec<Endpoint>,
    classes: usize,
    cells: Vec<PortId>,
    sets: Vec<PortSet>,
}

/// One allowed connection of a [`Matrix`].
#[derive(Clone, Copy, Debug)]
pub struct Edge<'a> {
    pub src: usize,
    pub dst: usize,
    pub ports: &'a PortSet,
}

impl Matrix {
    /// Pod groups first, then external ranges.
    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    /// How many of the endpoints are pod groups.
    pub fn pod_groups(&self) -> usize {
        self.classes
    }

    /// The ports allowed from endpoint `src` to endpoint `dst`.
    pub fn ports(&self, src: usize, dst: usize) -> &PortSet {
        let m = self.endpoints.len();
        &self.sets[self.cells[src * m + dst] as usize]
    }

    /// Every allowed connection, by source then destination.
    pub fn edges(&self) -> impl Iterator<Item = Edge<'_>> + '_ {
        let m = self.endpoints.len();
        self.cells
            .iter()
            .enumerate()
            .filter(|(_, &c)| c != NONE_ID)
            .map(move |(i, &c)| Edge {
                src: i / m,
                dst: i % m,
                ports: &self.sets[c as usize],
            })
    }

    /// The endpoint holding workload `Kind/namespace/name`, or the external range holding `ip`.
    pub fn endpoint_of(&self, t: &Target, analysis: &Analysis) -> Option<usize> {
        match t {
            Target::Workload(w) => Some(analysis.pods[*w].class),
            Target::Ip(ip) => {
                let (v6, a) = ip::addr_value(*ip);
                self.endpoints.iter().position(|e| match e {
                    Endpoint::External(r) => r.cidrs.iter().any(|c| ip::net_contains(c, v6, a)),
                    Endpoint::Pods(_) => false,
                })
            }
        }
    }
}

/// The answer of [`Analysis::explain`].
#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    pub from: String,
    pub to: String,
    /// `PORT/PROTO` asked about, or none for "any port".
    pub port: Option<String>,
    pub allowed: bool,
    /// Every port allowed between the two (egress of the source AND ingress of the destination).
    pub allowed_ports: PortSet,
    /// The source's side: policies selecting it for egress.
    pub egress: Side,
    /// The destination's side: policies selecting it for ingress.
    pub ingress: Side,
}

/// One direction of a connection, as decided by the policies selecting that end.
#[derive(Clone, Debug, Serialize)]
pub struct Side {
    pub direction: Direction,
    pub endpoint: String,
    /// False for an external address: no NetworkPolicy applies to it.
    pub governed: bool,
    /// True when some policy selecting the pod has this direction in its policyTypes.
    pub isolated: bool,
    pub allowed: bool,
    pub allowed_ports: PortSet,
    /// Every policy selecting the pod.
    pub policies: Vec<PolicyVerdict>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PolicyVerdict {
    pub policy: Subject,
    /// Whether this policy isolates the pod in this direction.
    pub isolates: bool,
    /// Whether `policyTypes` was written (else defaulted).
    pub types_given: bool,
    /// The rules of this direction (empty when the policy does not isolate it).
    pub rules: Vec<RuleVerdict>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RuleVerdict {
    /// Index in the policy's `ingress` or `egress` list.
    pub index: usize,
    pub pointer: Pointer,
    /// Which peer matched (`None`: none did).
    pub peer: Option<String>,
    pub peer_pointer: Option<Pointer>,
    /// The ports this rule allows to the destination (named ports resolved there).
    pub ports: PortSet,
    pub port_pointer: Option<Pointer>,
    /// True when this rule allows the connection asked about.
    pub matched: bool,
}

/// The classes carrying each label pair (ascending), keyed by a hash of the pair: a selector
/// with `matchLabels` is matched only against the classes of its rarest pair, not against every
/// class (collisions only cost a comparison: candidates are matched in full).
struct PairIndex {
    by_pair: HashMap<u64, Vec<usize>>,
}

impl PairIndex {
    fn new(classes: &[Class]) -> PairIndex {
        let mut by_pair: HashMap<u64, Vec<usize>> = HashMap::new();
        for (c, class) in classes.iter().enumerate() {
            for (k, v) in &class.labels {
                by_pair.entry(pair_key(k, v)).or_default().push(c);
            }
        }
        PairIndex { by_pair }
    }

    /// The classes that may match `sel`: those of its rarest `matchLabels` pair (of any
    /// namespace), or `all` when it has none.
    fn candidates<'a>(&'a self, sel: &Selector, all: &'a [usize]) -> &'a [usize] {
        let mut rarest: Option<&[usize]> = None;
        for (k, v) in sel.required_pairs() {
            match self.by_pair.get(&pair_key(k, v)) {
                None => return &[],
                Some(list) => {
                    if rarest.is_none_or(|r| list.len() < r.len()) {
                        rarest = Some(list);
                    }
                }
            }
        }
        rarest.unwrap_or(all)
    }
}

fn pair_key(key: &str, value: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (key, value).hash(&mut h);
    h.finish()
}

/// Lists of indices, one per slot (which policies select each class), stored one after another:
/// four bytes an item and no spare capacity, where a list per class took eight bytes an item, a
/// growing buffer and a header each (tens of MB for a cluster of tens of thousands of pods
/// under thousands of policies).
#[derive(Debug, Default)]
pub(crate) struct Lists {
    /// Where each slot's items start in `items`; one more entry than slots.
    starts: Vec<u32>,
    items: Vec<u32>,
}

impl Lists {
    /// The lists of `slots` slots from (slot, item) pairs; each slot's items in the pairs' order.
    fn from_pairs(slots: usize, pairs: &[(u32, u32)]) -> Lists {
        let mut starts = vec![0u32; slots + 1];
        for &(slot, _) in pairs {
            if let Some(count) = starts.get_mut(slot as usize + 1) {
                *count += 1;
            }
        }
        for i in 0..slots {
            starts[i + 1] += starts[i];
        }
        let mut next = starts.clone();
        let mut items = vec![0u32; pairs.len()];
        for &(slot, item) in pairs {
            if let Some(at) = next.get_mut(slot as usize) {
                if let Some(place) = items.get_mut(*at as usize) {
                    *place = item;
                }
                *at += 1;
            }
        }
        Lists { starts, items }
    }

    /// The items of `slot` (none for a slot out of range).
    pub fn get(&self, slot: usize) -> &[u32] {
        match (self.starts.get(slot), self.starts.get(slot + 1)) {
            (Some(&a), Some(&b)) => self.items.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// A class or policy index as kept in [`Lists`]. Indexes come from vectors of classes and
/// policies held in memory, far below 2^32 entries.
fn index_u32(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}
