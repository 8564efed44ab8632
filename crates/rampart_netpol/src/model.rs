//! Reading NetworkPolicies, Namespaces and workloads out of resources.

use std::str::FromStr;

use ipnet::IpNet;
use rampart_model::{ObjectRef, PodFacts, Pointer, Resource};
use serde::Serialize;
use serde_json::Value;

use crate::ports::{PortSet, Protocol, MAX_PORT};
use rampart_model::k8s::labels::{read_labels, Labels, Problems, NAMESPACE_NAME_LABEL};
use rampart_model::k8s::selector::Selector;

/// Ingress (traffic into a pod) or egress (traffic out of a pod).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The field of a policy's spec holding rules of this direction.
    pub fn field(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }

    /// The field of a rule listing the peers (`from` or `to`).
    pub fn peers_field(self) -> &'static str {
        match self {
            Direction::Ingress => "from",
            Direction::Egress => "to",
        }
    }
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.field())
    }
}

#[derive(Debug)]
pub(crate) struct Namespace {
    pub name: String,
    pub labels: Labels,
    /// The Namespace object, when one was given.
    pub res: Option<usize>,
}

#[derive(Debug)]
pub(crate) enum PeerKind {
    /// Pods selected by `namespaceSelector` (absent: the policy's namespace) AND `podSelector`
    /// (absent: every pod).
    Pods {
        namespaces: Option<Selector>,
        pods: Option<Selector>,
    },
    /// Addresses in `cidr` but in no `except`. `block` points at the whole address peer
    /// (a NetworkPolicy's `ipBlock`), `cidr_at` at its CIDR.
    Ip {
        cidr: IpNet,
        except: Vec<IpNet>,
        block: Pointer,
        cidr_at: Pointer,
    },
    /// Rejected by the API server: matches nothing.
    Invalid,
}

#[derive(Debug)]
pub(crate) struct Peer {
    pub ptr: Pointer,
    pub kind: PeerKind,
}

#[derive(Debug, Clone)]
pub(crate) enum PortSpec {
    /// No `port`: every port of the protocol.
    Any,
    Range(u16, u16),
    Named(String),
    Invalid,
}

#[derive(Debug)]
pub(crate) struct PortRule {
    pub ptr: Pointer,
    pub proto: Option<Protocol>,
    pub spec: PortSpec,
}

#[derive(Debug)]
pub(crate) struct Rule {
    pub ptr: Pointer,
    /// `None`: the peer list is absent or empty, so every source or destination.
    pub peers: Option<Vec<Peer>>,
    /// `None`: the port list is absent or empty, so every port.
    pub ports: Option<Vec<PortRule>>,
    /// True when no port entry is a named port: the allowed ports are the same for every pod.
    pub numeric_only: bool,
}

#[derive(Debug)]
pub(crate) struct Policy {
    pub res: usize,
    pub id: ObjectRef,
    pub ns: usize,
    pub pod_selector: Selector,
    /// Where the pod selector is (`/spec/podSelector`, a Cilium policy's `endpointSelector`).
    pub selector_ptr: Pointer,
    /// A cluster-wide policy's part for one namespace other than the first: the same rules,
    /// reported once (on the first part) by the check questions.
    pub copy: bool,
    /// Whether the policy isolates selected pods for ingress / egress (`policyTypes`, defaulted).
    pub isolates: [bool; 2],
    /// Whether `policyTypes` was given.
    pub types_given: bool,
    /// Rules per direction (an absent list is empty).
    pub rules: [Vec<Rule>; 2],
    /// The direction's field is there but not a list (reported as a diagnostic).
    pub malformed: [bool; 2],
}

#[derive(Debug)]
pub(crate) struct Pod {
    pub res: usize,
    pub id: ObjectRef,
    pub ns: usize,
    pub class: usize,
    /// Pointer to the pod template's labels.
    pub labels_ptr: Pointer,
}

/// A named container port: name, protocol, number.
pub(crate) type NamedPort = (String, Protocol, u16);

/// Workloads in one namespace with the same labels and named ports: one equivalence class.
#[derive(Debug)]
pub(crate) struct Class {
    pub ns: usize,
    pub labels: Labels,
    pub named: Vec<NamedPort>,
    /// Index of `named` among distinct named-port lists.
    pub profile: usize,
    /// Indices into the pods.
    pub members: Vec<usize>,
}

impl Policy {
    /// A part of a cluster-wide policy (it has no namespace of its own).
    pub fn is_clusterwide(&self) -> bool {
        self.id.kind == rampart_model::k8s::addons::cilium::CLUSTERWIDE_NETWORK_POLICY.kind
    }
}

pub(crate) fn is_network_policy(r: &Resource) -> bool {
    r.kind() == "NetworkPolicy"
        && (r.id.api_version.starts_with("networking.k8s.io/")
            || r.id.api_version == "extensions/v1beta1")
}

/// Declared named ports of a pod template (regular containers and restartable init containers).
pub(crate) fn named_ports(w: &PodFacts, problems: &mut Problems) -> Vec<NamedPort> {
    let mut out = Vec::new();
    for p in &w.named_ports {
        let proto = match p.protocol.as_deref() {
            None => Protocol::Tcp,
            Some(s) => match Protocol::from_str(s) {
                Ok(proto) if s == proto.as_str() => proto,
                _ => {
                    problems.push((p.ptr.join("protocol"), format!("unknown protocol `{s}`")));
                    continue;
                }
            },
        };
        let Some(num) = p
            .container_port
            .and_then(|n| u16::try_from(n).ok())
            .filter(|&n| n >= 1)
        else {
            problems.push((
                p.ptr.join("containerPort"),
                "containerPort must be a number from 1 to 65535".into(),
            ));
            continue;
        };
        out.push((p.name.clone(), proto, num));
    }
    out.sort();
    out.dedup();
    out
}

/// Reads one NetworkPolicy. `ns` is its namespace index.
pub(crate) fn parse_policy(r: &Resource, res: usize, ns: usize, problems: &mut Problems) -> Policy {
    let spec = r.raw.get("spec").unwrap_or(&Value::Null);
    let sp = Pointer::root().join("spec");
    if !spec.is_object() {
        problems.push((sp.clone(), "a NetworkPolicy needs a `spec` mapping".into()));
    }
    let pod_selector = match spec.get("podSelector") {
        Some(v) => Selector::parse(v, &sp.join("podSelector"), problems),
        None => Selector::default(),
    };
    let mut rules: [Vec<Rule>; 2] = [Vec::new(), Vec::new()];
    let mut present = [false, false];
    let mut malformed = [false, false];
    for dir in [Direction::Ingress, Direction::Egress] {
        match spec.get(dir.field()) {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                present[dir.index()] = true;
                let base = sp.join(dir.field());
                for (i, item) in items.iter().enumerate() {
                    rules[dir.index()].push(parse_rule(item, &base.join(i), dir, problems));
                }
            }
            Some(_) => {
                present[dir.index()] = true;
                malformed[dir.index()] = true;
                problems.push((
                    sp.join(dir.field()),
                    format!("`{}` must be a list", dir.field()),
                ));
            }
        }
    }
    let mut isolates = [false, false];
    let mut types_given = false;
    match spec.get("policyTypes") {
        Some(Value::Array(types)) if !types.is_empty() => {
            types_given = true;
            for (i, t) in types.iter().enumerate() {
                match t.as_str() {
                    Some("Ingress") => isolates[0] = true,
                    Some("Egress") => isolates[1] = true,
                    _ => problems.push((
                        sp.join("policyTypes").join(i),
                        "policyTypes entries must be Ingress or Egress".into(),
                    )),
                }
            }
        }
        None | Some(Value::Null) | Some(Value::Array(_)) => {}
        Some(_) => problems.push((sp.join("policyTypes"), "policyTypes must be a list".into())),
    }
    if !types_given {
        // Defaulting: Ingress always, Egress when the policy has an egress section.
        isolates = [true, present[1]];
    }
    Policy {
        res,
        id: r.id.clone(),
        ns,
        pod_selector,
        selector_ptr: sp.join("podSelector"),
        copy: false,
        isolates,
        types_given,
        rules,
        malformed,
    }
}

fn parse_rule(v: &Value, ptr: &Pointer, dir: Direction, problems: &mut Problems) -> Rule {
    if !v.is_object() {
        problems.push((ptr.clone(), "a rule must be a mapping".into()));
        // A malformed rule is rejected by the API server: it allows nothing.
        return Rule {
            ptr: ptr.clone(),
            peers: Some(Vec::new()),
            ports: None,
            numeric_only: true,
        };
    }
    let pf = dir.peers_field();
    let peers = match v.get(pf) {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) if items.is_empty() => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, p)| parse_peer(p, &ptr.join(pf).join(i), problems))
                .collect(),
        ),
        Some(_) => {
            problems.push((ptr.join(pf), format!("`{pf}` must be a list")));
            Some(Vec::new())
        }
    };
    let ports: Option<Vec<PortRule>> = match v.get("ports") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) if items.is_empty() => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, p)| parse_port(p, &ptr.join("ports").join(i), problems))
                .collect(),
        ),
        Some(_) => {
            problems.push((ptr.join("ports"), "`ports` must be a list".into()));
            Some(Vec::new())
        }
    };
    let numeric_only = ports
        .iter()
        .flatten()
        .all(|p| !matches!(p.spec, PortSpec::Named(_)));
    Rule {
        ptr: ptr.clone(),
        peers,
        ports,
        numeric_only,
    }
}

fn parse_peer(v: &Value, ptr: &Pointer, problems: &mut Problems) -> Peer {
    let invalid = |problems: &mut Problems, msg: &str| {
        problems.push((ptr.clone(), msg.to_string()));
        Peer {
            ptr: ptr.clone(),
            kind: PeerKind::Invalid,
        }
    };
    let Some(map) = v.as_object() else {
        return invalid(problems, "a peer must be a mapping");
    };
    let get = |k: &str| map.get(k).filter(|v| !v.is_null());
    let (ns, pods, ip) = (get("namespaceSelector"), get("podSelector"), get("ipBlock"));
    if let Some(ip) = ip {
        if ns.is_some() || pods.is_some() {
            return invalid(
                problems,
                "a peer may have ipBlock or selectors, not both (the API server rejects it)",
            );
        }
        let bp = ptr.join("ipBlock");
        let Some(cidr) = ip
            .get("cidr")
            .and_then(Value::as_str)
            .and_then(|s| IpNet::from_str(s.trim()).ok())
        else {
            problems.push((
                bp.join("cidr"),
                "ipBlock.cidr must be a CIDR such as 10.0.0.0/8".into(),
            ));
            return Peer {
                ptr: ptr.clone(),
                kind: PeerKind::Invalid,
            };
        };
        let cidr = cidr.trunc();
        let mut except = Vec::new();
        if let Some(list) = ip.get("except").and_then(Value::as_array) {
            for (i, e) in list.iter().enumerate() {
                let ep = bp.join("except").join(i);
                match e.as_str().and_then(|s| IpNet::from_str(s.trim()).ok()) {
                    Some(n) => {
                        let n = n.trunc();
                        if !cidr.contains(&n) {
                            problems.push((
                                ep,
                                format!("except {n} is not inside cidr {cidr} (the API server rejects it)"),
                            ));
                        }
                        except.push(n);
                    }
                    None => problems.push((ep, "except entries must be CIDRs".into())),
                }
            }
        }
        return Peer {
            ptr: ptr.clone(),
            kind: PeerKind::Ip {
                cidr,
                except,
                block: bp.clone(),
                cidr_at: bp.join("cidr"),
            },
        };
    }
    if ns.is_none() && pods.is_none() {
        return invalid(
            problems,
            "a peer needs podSelector, namespaceSelector or ipBlock (the API server rejects it)",
        );
    }
    let namespaces = ns.map(|v| Selector::parse(v, &ptr.join("namespaceSelector"), problems));
    let pods = pods.map(|v| Selector::parse(v, &ptr.join("podSelector"), problems));
    Peer {
        ptr: ptr.clone(),
        kind: PeerKind::Pods { namespaces, pods },
    }
}

fn parse_port(v: &Value, ptr: &Pointer, problems: &mut Problems) -> PortRule {
    let mut out = PortRule {
        ptr: ptr.clone(),
        proto: Some(Protocol::Tcp),
        spec: PortSpec::Any,
    };
    if !v.is_object() {
        problems.push((ptr.clone(), "a port entry must be a mapping".into()));
        out.spec = PortSpec::Invalid;
        return out;
    }
    match v.get("protocol") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if ["TCP", "UDP", "SCTP"].contains(&s.as_str()) => {
            out.proto = Protocol::from_str(s).ok();
        }
        Some(other) => {
            problems.push((
                ptr.join("protocol"),
                format!("protocol {other} is not TCP, UDP or SCTP"),
            ));
            out.proto = None;
        }
    }
    let end = v.get("endPort").filter(|e| !e.is_null());
    out.spec = match v.get("port") {
        None | Some(Value::Null) => {
            if end.is_some() {
                problems.push((ptr.join("endPort"), "endPort needs a numeric port".into()));
                PortSpec::Invalid
            } else {
                PortSpec::Any
            }
        }
        Some(Value::Number(n)) => match n.as_u64().and_then(|n| u16::try_from(n).ok()) {
            Some(p) if p >= 1 => match end {
                None => PortSpec::Range(p, p),
                Some(e) => match e.as_u64().and_then(|n| u16::try_from(n).ok()) {
                    Some(e) if e >= p => PortSpec::Range(p, e),
                    _ => {
                        problems.push((
                            ptr.join("endPort"),
                            format!("endPort must be a number from {p} to {MAX_PORT}"),
                        ));
                        PortSpec::Invalid
                    }
                },
            },
            _ => {
                problems.push((ptr.join("port"), "port must be from 1 to 65535".into()));
                PortSpec::Invalid
            }
        },
        Some(Value::String(s)) => {
            let valid = !s.is_empty()
                && s.len() <= 15
                && s.bytes().any(|b| b.is_ascii_lowercase())
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if end.is_some() {
                problems.push((ptr.join("endPort"), "endPort needs a numeric port".into()));
                PortSpec::Invalid
            } else if !valid {
                problems.push((
                    ptr.join("port"),
                    format!("`{s}` is not a valid port name (lower-case letters, digits and `-`, with a letter, at most 15)"),
                ));
                PortSpec::Invalid
            } else {
                PortSpec::Named(s.clone())
            }
        }
        Some(_) => {
            problems.push((ptr.join("port"), "port must be a number or a name".into()));
            PortSpec::Invalid
        }
    };
    out
}

impl PortRule {
    /// The ports this entry allows on a destination with the named ports `named` (`None`: an
    /// external destination, where a named port matches nothing).
    pub fn resolve(&self, named: Option<&[NamedPort]>) -> PortSet {
        let Some(proto) = self.proto else {
            return PortSet::none();
        };
        match &self.spec {
            PortSpec::Any => PortSet::all_of(proto),
            PortSpec::Range(lo, hi) => PortSet::range(proto, *lo, *hi),
            PortSpec::Invalid => PortSet::none(),
            PortSpec::Named(name) => named
                .into_iter()
                .flatten()
                .filter(|(n, p, _)| n == name && *p == proto)
                .fold(PortSet::none(), |acc, (_, p, num)| {
                    acc.union(&PortSet::single(*p, *num))
                }),
        }
    }
}

impl Rule {
    /// The ports this rule allows on a destination with the named ports `named`.
    pub fn resolve_ports(&self, named: Option<&[NamedPort]>) -> PortSet {
        match &self.ports {
            None => PortSet::all(),
            Some(list) => list
                .iter()
                .fold(PortSet::none(), |acc, p| acc.union(&p.resolve(named))),
        }
    }
}

/// The labels of a Namespace object, plus the name label.
pub(crate) fn namespace_labels(r: &Resource, problems: &mut Problems) -> Labels {
    let mut labels = read_labels(
        r.raw.pointer("/metadata/labels"),
        &Pointer::from_raw("/metadata/labels"),
        problems,
    );
    labels.insert(NAMESPACE_NAME_LABEL.to_string(), r.id.name.clone());
    labels
}

/// The pod template labels of a workload.
pub(crate) fn pod_labels(w: &PodFacts, problems: &mut Problems) -> (Labels, Pointer) {
    let ptr = w.meta_ptr.join("labels");
    (read_labels(w.labels.as_ref(), &ptr, problems), ptr)
}
