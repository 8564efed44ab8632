//! Reading CiliumNetworkPolicies and CiliumClusterwideNetworkPolicies (cilium.io/v2) into the
//! same policies as NetworkPolicies: their layer 3 and 4 rules.
//!
//! A cluster-wide policy becomes one policy per namespace its `endpointSelector` admits (its
//! namespace keys matched against the namespace's labels); there a `fromEndpoints` selector
//! without namespace keys selects pods of every namespace. The check questions report each
//! cluster-wide rule once (on its first part: the others are marked `copy`).
//!
//! What is read, following Cilium's policy language:
//! - `spec` or each item of `specs` is one policy; `endpointSelector` selects pods of the
//!   policy's namespace (a `nodeSelector` rule applies to nodes and is skipped). Selector keys
//!   may carry a label source (`k8s:app`, `any:app`); `io.kubernetes.pod.namespace` and
//!   `io.cilium.k8s.namespace.labels.<label>` select namespaces.
//! - A direction is isolated (default deny) when the policy has a rule for it in `ingress` /
//!   `ingressDeny` (`egress` / `egressDeny`), unless `enableDefaultDeny` says otherwise.
//! - A rule's peers are the union of `fromEndpoints` (a selector without a namespace key means
//!   the policy's namespace), `fromCIDR`, `fromCIDRSet` and `fromEntities` (`world`: every
//!   address outside the cluster; `cluster`: every pod; `all`: both); likewise `to*` for egress.
//!   A rule with no peer field but `toPorts` admits every peer on those ports; an empty rule
//!   (`{}`) admits nothing.
//! - `toPorts[].ports[]`: `port` (a number, a string holding one, or a port name; `0` or absent
//!   for every port), `endPort`, `protocol` (`TCP`, `UDP`, `SCTP`, `ANY`: the default).
//!
//! Not modelled, so reachability may be over-estimated (never under-reported as isolated):
//! deny rules' own peers (`ingressDeny`/`egressDeny` only isolate), `fromRequires`,
//! `toFQDNs`, `toServices`, `toGroups`, CIDR groups, L7 rules and entities other than the above.
//! Peers selected by service account (`io.cilium.k8s.policy.serviceaccount`) match no pod.

use std::str::FromStr;

use ipnet::IpNet;
use rampart_model::k8s::addons::cilium;
use rampart_model::k8s::labels::{Labels, Problems, NAMESPACE_NAME_LABEL};
use rampart_model::k8s::selector::Selector;
use rampart_model::{Pointer, Resource};
use serde_json::{Map, Value};

use crate::model::{Direction, Peer, PeerKind, Policy, PortRule, PortSpec, Rule};
use crate::ports::{Protocol, MAX_PORT};

/// A CiliumNetworkPolicy (namespaced).
pub(crate) fn is_policy(r: &Resource) -> bool {
    cilium::NETWORK_POLICY.matches(&r.id.api_version, r.kind())
}

/// A CiliumClusterwideNetworkPolicy.
pub(crate) fn is_clusterwide_policy(r: &Resource) -> bool {
    cilium::CLUSTERWIDE_NETWORK_POLICY.matches(&r.id.api_version, r.kind())
}

/// Reads one CiliumNetworkPolicy: one policy per rule spec (`spec`, then each of `specs`).
/// For a cluster-wide policy, `clusterwide` holds the labels of namespace `ns`, whose part is
/// read: the rule specs whose endpointSelector admits the namespace, with peers selected by
/// endpoint labels alone found in every namespace.
pub(crate) fn parse_policy(
    r: &Resource,
    res: usize,
    ns: usize,
    clusterwide: Option<&Labels>,
    problems: &mut Problems,
) -> Vec<Policy> {
    let mut out = Vec::new();
    let root = Pointer::root();
    if let Some(spec) = r.raw.get("spec").filter(|v| !v.is_null()) {
        if let Some(p) = parse_spec(
            r,
            spec,
            &root.join("spec"),
            (res, ns, clusterwide),
            problems,
        ) {
            out.push(p);
        }
    }
    match r.raw.get("specs") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (i, spec) in items.iter().enumerate() {
                let ptr = root.join("specs").join(i);
                if let Some(p) = parse_spec(r, spec, &ptr, (res, ns, clusterwide), problems) {
                    out.push(p);
                }
            }
        }
        Some(_) => problems.push((root.join("specs"), "`specs` must be a list".into())),
    }
    if r.raw.get("spec").is_none() && r.raw.get("specs").is_none() {
        problems.push((root, "a CiliumNetworkPolicy needs `spec` or `specs`".into()));
    }
    out
}

/// (the object's index, the namespace index, a cluster-wide policy's namespace labels)
type Place<'a> = (usize, usize, Option<&'a Labels>);

fn parse_spec(
    r: &Resource,
    spec: &Value,
    sp: &Pointer,
    (res, ns, clusterwide): Place,
    problems: &mut Problems,
) -> Option<Policy> {
    if !spec.is_object() {
        problems.push((sp.clone(), "a policy rule must be a mapping".into()));
        return None;
    }
    if spec.get("nodeSelector").is_some() && spec.get("endpointSelector").is_none() {
        // A host policy: it selects nodes, not pods.
        return None;
    }
    let selector_ptr = sp.join("endpointSelector");
    let pod_selector = match spec.get("endpointSelector") {
        Some(v) => {
            let (pods, namespaces) = selector(v, &selector_ptr, problems);
            // A cluster-wide rule applies in the namespaces its namespace keys admit.
            if let (Some(labels), Some(nss)) = (clusterwide, &namespaces) {
                if !nss.matches(labels) {
                    return None;
                }
            }
            pods
        }
        None => {
            problems.push((
                sp.clone(),
                "a rule needs an endpointSelector (or a nodeSelector)".into(),
            ));
            Selector::parse(&Value::Bool(false), &selector_ptr, &mut Vec::new())
        }
    };
    let mut rules: [Vec<Rule>; 2] = [Vec::new(), Vec::new()];
    let mut malformed = [false, false];
    let mut has_rules = [false, false];
    for dir in [Direction::Ingress, Direction::Egress] {
        let d = dir.index();
        match spec.get(dir.field()) {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                has_rules[d] |= !items.is_empty();
                let base = sp.join(dir.field());
                for (i, item) in items.iter().enumerate() {
                    rules[d].push(parse_rule(
                        item,
                        &base.join(i),
                        dir,
                        clusterwide.is_some(),
                        problems,
                    ));
                }
            }
            Some(_) => {
                malformed[d] = true;
                has_rules[d] = true;
                problems.push((
                    sp.join(dir.field()),
                    format!("`{}` must be a list", dir.field()),
                ));
            }
        }
        let deny = format!("{}Deny", dir.field());
        if spec
            .get(&deny)
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
        {
            has_rules[d] = true;
        }
    }
    let mut isolates = has_rules;
    let mut types_given = false;
    if let Some(dd) = spec.get("enableDefaultDeny").and_then(Value::as_object) {
        for dir in [Direction::Ingress, Direction::Egress] {
            if let Some(b) = dd.get(dir.field()).and_then(Value::as_bool) {
                isolates[dir.index()] = b;
                types_given = true;
            }
        }
    }
    Some(Policy {
        res,
        id: r.id.clone(),
        ns,
        pod_selector,
        selector_ptr,
        copy: false,
        isolates,
        types_given,
        rules,
        malformed,
    })
}

/// The peer fields of a rule in `dir`: (endpoints, CIDRs, CIDR sets, entities).
fn peer_fields(dir: Direction) -> [&'static str; 4] {
    match dir {
        Direction::Ingress => ["fromEndpoints", "fromCIDR", "fromCIDRSet", "fromEntities"],
        Direction::Egress => ["toEndpoints", "toCIDR", "toCIDRSet", "toEntities"],
    }
}

/// Peer fields this reading does not model: their presence still makes the rule an L3 rule.
fn unmodelled_fields(dir: Direction) -> &'static [&'static str] {
    match dir {
        Direction::Ingress => &["fromRequires", "fromGroups", "fromNodes"],
        Direction::Egress => &["toRequires", "toFQDNs", "toServices", "toGroups", "toNodes"],
    }
}

fn parse_rule(
    v: &Value,
    ptr: &Pointer,
    dir: Direction,
    clusterwide: bool,
    problems: &mut Problems,
) -> Rule {
    let Some(map) = v.as_object() else {
        problems.push((ptr.clone(), "a rule must be a mapping".into()));
        return Rule {
            ptr: ptr.clone(),
            peers: Some(Vec::new()),
            ports: None,
            numeric_only: true,
        };
    };
    let get = |k: &str| map.get(k).filter(|v| !v.is_null());
    let [endpoints, cidrs, cidr_sets, entities] = peer_fields(dir);
    let l3 = peer_fields(dir)
        .iter()
        .chain(unmodelled_fields(dir))
        .any(|k| get(k).is_some());
    let mut peers = Vec::new();
    for (i, sel) in list(map, endpoints, ptr, problems) {
        let p = ptr.join(endpoints).join(i);
        let (pods, namespaces) = selector(sel, &p, problems);
        // Without namespace keys: the policy's namespace, or every namespace cluster-wide.
        let namespaces = namespaces.or_else(|| clusterwide.then(Selector::default));
        peers.push(Peer {
            ptr: p,
            kind: PeerKind::Pods {
                namespaces,
                pods: Some(pods),
            },
        });
    }
    for (i, c) in list(map, cidrs, ptr, problems) {
        let p = ptr.join(cidrs).join(i);
        match c.as_str().and_then(cidr) {
            Some(net) => peers.push(ip_peer(&p, net, Vec::new(), p.clone())),
            None => problems.push((p, format!("`{cidrs}` entries must be CIDRs"))),
        }
    }
    for (i, set) in list(map, cidr_sets, ptr, problems) {
        let p = ptr.join(cidr_sets).join(i);
        let Some(net) = set.get("cidr").and_then(Value::as_str).and_then(cidr) else {
            if set.get("cidrGroupRef").is_none() && set.get("cidrGroupSelector").is_none() {
                problems.push((
                    p.join("cidr"),
                    "cidr must be a CIDR such as 10.0.0.0/8".into(),
                ));
            }
            continue;
        };
        let except = set
            .get("except")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| e.as_str().and_then(cidr))
            .collect();
        peers.push(ip_peer(&p, net, except, p.join("cidr")));
    }
    for (i, e) in list(map, entities, ptr, problems) {
        let p = ptr.join(entities).join(i);
        let Some(e) = e.as_str() else {
            problems.push((p, format!("`{entities}` entries must be strings")));
            continue;
        };
        let world = |p: &Pointer, v4: bool, v6: bool| {
            let mut out = Vec::new();
            if v4 {
                out.push(ip_peer(
                    p,
                    IpNet::V4(Default::default()),
                    Vec::new(),
                    p.clone(),
                ));
            }
            if v6 {
                out.push(ip_peer(
                    p,
                    IpNet::V6(Default::default()),
                    Vec::new(),
                    p.clone(),
                ));
            }
            out
        };
        let cluster = |p: &Pointer| Peer {
            ptr: p.clone(),
            kind: PeerKind::Pods {
                namespaces: Some(Selector::default()),
                pods: None,
            },
        };
        match e {
            "world" => peers.extend(world(&p, true, true)),
            "world-ipv4" => peers.extend(world(&p, true, false)),
            "world-ipv6" => peers.extend(world(&p, false, true)),
            cilium::CLUSTER_ENTITY => peers.push(cluster(&p)),
            cilium::ALL_ENTITY => {
                peers.push(cluster(&p));
                peers.extend(world(&p, true, true));
            }
            // host, remote-node, kube-apiserver, health, init, ingress, unmanaged: not pods.
            _ => {}
        }
    }
    let ports = to_ports(map, ptr, problems);
    let peers = if l3 {
        Some(peers)
    } else if ports.is_some() {
        // An L4-only rule: every peer, on these ports.
        None
    } else {
        // An empty rule selects nothing.
        Some(Vec::new())
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

fn ip_peer(ptr: &Pointer, cidr: IpNet, except: Vec<IpNet>, cidr_at: Pointer) -> Peer {
    Peer {
        ptr: ptr.clone(),
        kind: PeerKind::Ip {
            cidr,
            except,
            block: ptr.clone(),
            cidr_at,
        },
    }
}

fn cidr(s: &str) -> Option<IpNet> {
    IpNet::from_str(s.trim()).ok().map(|n| n.trunc())
}

/// The items of a list field of a rule (a problem when it is not a list).
fn list<'a>(
    map: &'a Map<String, Value>,
    field: &str,
    ptr: &Pointer,
    problems: &mut Problems,
) -> impl Iterator<Item = (usize, &'a Value)> {
    let items = match map.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => Some(a),
        Some(_) => {
            problems.push((ptr.join(field), format!("`{field}` must be a list")));
            None
        }
    };
    items.into_iter().flatten().enumerate()
}

/// `toPorts`: `None` when absent or when no entry names a port (every port).
fn to_ports(
    map: &Map<String, Value>,
    ptr: &Pointer,
    problems: &mut Problems,
) -> Option<Vec<PortRule>> {
    let mut out = Vec::new();
    let mut any_port = false;
    for (i, tp) in list(map, "toPorts", ptr, problems) {
        let tpp = ptr.join("toPorts").join(i);
        let Some(tpm) = tp.as_object() else {
            problems.push((tpp, "a toPorts entry must be a mapping".into()));
            continue;
        };
        let ports: Vec<(usize, &Value)> = list(tpm, "ports", &tpp, problems).collect();
        if ports.is_empty() {
            any_port = true;
            continue;
        }
        for (j, port) in ports {
            out.extend(parse_port(port, &tpp.join("ports").join(j), problems));
        }
    }
    if out.is_empty() || any_port {
        return None;
    }
    Some(out)
}

/// One `ports` entry: one port rule per protocol (`ANY`: TCP, UDP and SCTP).
fn parse_port(v: &Value, ptr: &Pointer, problems: &mut Problems) -> Vec<PortRule> {
    let invalid = |problems: &mut Problems, at: Pointer, msg: String| {
        problems.push((at, msg));
        vec![PortRule {
            ptr: ptr.clone(),
            proto: None,
            spec: PortSpec::Invalid,
        }]
    };
    if !v.is_object() {
        return invalid(
            problems,
            ptr.clone(),
            "a port entry must be a mapping".into(),
        );
    }
    let protos: Vec<Protocol> = match v.get("protocol").and_then(Value::as_str) {
        None => Protocol::ALL.to_vec(),
        Some(s) if s.eq_ignore_ascii_case("ANY") => Protocol::ALL.to_vec(),
        Some(s) => match Protocol::from_str(&s.to_ascii_uppercase()) {
            Ok(p) => vec![p],
            Err(_) => {
                return invalid(
                    problems,
                    ptr.join("protocol"),
                    format!("protocol `{s}` is not TCP, UDP, SCTP or ANY"),
                )
            }
        },
    };
    let number = |v: &Value| -> Option<u64> {
        match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    };
    let port = v.get("port").filter(|p| !p.is_null());
    let spec = match port {
        None => PortSpec::Any,
        Some(p) => match number(p) {
            Some(0) => PortSpec::Any,
            Some(n) => match u16::try_from(n) {
                Ok(lo) => {
                    let hi = match v.get("endPort").and_then(number) {
                        None | Some(0) => lo,
                        Some(e) => match u16::try_from(e) {
                            Ok(e) if e >= lo => e,
                            _ => {
                                return invalid(
                                    problems,
                                    ptr.join("endPort"),
                                    format!("endPort must be a number from {lo} to {MAX_PORT}"),
                                )
                            }
                        },
                    };
                    PortSpec::Range(lo, hi)
                }
                Err(_) => {
                    return invalid(
                        problems,
                        ptr.join("port"),
                        "port must be from 0 to 65535".into(),
                    )
                }
            },
            None => match p.as_str() {
                Some(name) if !name.trim().is_empty() => PortSpec::Named(name.trim().to_string()),
                _ => {
                    return invalid(
                        problems,
                        ptr.join("port"),
                        "port must be a number or a port name".into(),
                    )
                }
            },
        },
    };
    protos
        .into_iter()
        .map(|proto| PortRule {
            ptr: ptr.clone(),
            proto: Some(proto),
            spec: spec.clone(),
        })
        .collect()
}

/// A Cilium endpoint selector as a pod selector and, when it has namespace keys, a namespace
/// selector (`None`: the policy's namespace).
fn selector(v: &Value, ptr: &Pointer, problems: &mut Problems) -> (Selector, Option<Selector>) {
    let Some(map) = v.as_object() else {
        return (Selector::parse(v, ptr, problems), None);
    };
    let mut pods = Map::new();
    let mut nss = Map::new();
    // Some(namespace label) for a namespace key, None for a pod label.
    let ns_key = |key: &str| -> Option<String> {
        let key = cilium::strip_source(key);
        if key == cilium::NAMESPACE_LABEL {
            Some(NAMESPACE_NAME_LABEL.to_string())
        } else {
            key.strip_prefix(cilium::NAMESPACE_LABELS_PREFIX)
                .map(str::to_string)
        }
    };
    for (field, value) in map {
        match (field.as_str(), value) {
            ("matchLabels", Value::Object(ml)) => {
                for (k, val) in ml {
                    let (target, key) = match ns_key(k) {
                        Some(nk) => (&mut nss, nk),
                        None => (&mut pods, cilium::strip_source(k).to_string()),
                    };
                    if let Some(m) =
                        entry(target, "matchLabels", Value::Object(Map::new())).as_object_mut()
                    {
                        m.insert(key, val.clone());
                    }
                }
            }
            ("matchExpressions", Value::Array(exprs)) => {
                for e in exprs {
                    let key = e.get("key").and_then(Value::as_str);
                    let (target, e) = match key {
                        Some(k) => {
                            let mut e = e.clone();
                            let (target, nk) = match ns_key(k) {
                                Some(nk) => (&mut nss, nk),
                                None => (&mut pods, cilium::strip_source(k).to_string()),
                            };
                            if let Some(m) = e.as_object_mut() {
                                m.insert("key".into(), Value::String(nk));
                            }
                            (target, e)
                        }
                        None => (&mut pods, e.clone()),
                    };
                    if let Some(a) =
                        entry(target, "matchExpressions", Value::Array(Vec::new())).as_array_mut()
                    {
                        a.push(e);
                    }
                }
            }
            // Malformed fields: let the selector parser report them.
            _ => {
                pods.insert(field.clone(), value.clone());
            }
        }
    }
    let pod_sel = Selector::parse(&Value::Object(pods), ptr, problems);
    let ns_sel = (!nss.is_empty()).then(|| Selector::parse(&Value::Object(nss), ptr, problems));
    (pod_sel, ns_sel)
}

fn entry<'a>(m: &'a mut Map<String, Value>, key: &str, empty: Value) -> &'a mut Value {
    m.entry(key.to_string()).or_insert(empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn selector_splits_namespace_keys_and_sources() {
        let v = serde_json::json!({
            "matchLabels": {"k8s:app": "web", "k8s:io.kubernetes.pod.namespace": "shop"},
            "matchExpressions": [
                {"key": "io.cilium.k8s.namespace.labels.team", "operator": "In", "values": ["a"]},
                {"key": "any:tier", "operator": "Exists"}
            ]
        });
        let mut problems = Vec::new();
        let (pods, ns) = selector(&v, &Pointer::root(), &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(pods.matches(&labels(&[("app", "web"), ("tier", "x")])));
        assert!(!pods.matches(&labels(&[("app", "web")])));
        let ns = ns.expect("a namespace selector");
        assert!(ns.matches(&labels(&[(NAMESPACE_NAME_LABEL, "shop"), ("team", "a")])));
        assert!(!ns.matches(&labels(&[(NAMESPACE_NAME_LABEL, "shop")])));
        let (all, none) = selector(&serde_json::json!({}), &Pointer::root(), &mut problems);
        assert!(all.is_empty() && none.is_none());
    }

    #[test]
    fn ports_any_protocol_and_strings() {
        let mut problems = Vec::new();
        let r = parse_port(
            &serde_json::json!({"port": "80"}),
            &Pointer::root(),
            &mut problems,
        );
        assert_eq!(r.len(), 3);
        assert!(r.iter().all(|p| matches!(p.spec, PortSpec::Range(80, 80))));
        let r = parse_port(
            &serde_json::json!({"port": "8000", "endPort": 8080, "protocol": "TCP"}),
            &Pointer::root(),
            &mut problems,
        );
        assert_eq!(r.len(), 1);
        assert!(matches!(r[0].spec, PortSpec::Range(8000, 8080)));
        let r = parse_port(
            &serde_json::json!({"port": "http"}),
            &Pointer::root(),
            &mut problems,
        );
        assert!(matches!(&r[0].spec, PortSpec::Named(n) if n == "http"));
        assert!(problems.is_empty(), "{problems:?}");
        parse_port(
            &serde_json::json!({"port": "99999"}),
            &Pointer::root(),
            &mut problems,
        );
        assert_eq!(problems.len(), 1);
    }
}
