//! Properties of the analysis over random inventories: monotonicity of deny-all and allow-all
//! policies, all-to-all without policies, independence from policy order, and agreement between
//! `matrix` and `explain`.

use std::net::IpAddr;

use proptest::prelude::*;
use rampart_model::{Origin, Resource};
use rampart_netpol::{Analysis, Options, PortSet, Target};
use serde_json::{json, Value};

const NAMESPACES: &[&str] = &["a", "b", "c"];
const PROBES: &[&str] = &[
    "10.0.0.1",
    "10.1.0.1",
    "192.168.1.1",
    "8.8.8.8",
    "2001:db8::1",
    "::1",
];

fn labels() -> impl Strategy<Value = Value> {
    (
        prop::option::weighted(0.85, prop::sample::select(vec!["web", "api", "db"])),
        prop::option::of(prop::sample::select(vec!["front", "back"])),
    )
        .prop_map(|(app, tier)| {
            let mut m = serde_json::Map::new();
            if let Some(a) = app {
                m.insert("app".into(), json!(a));
            }
            if let Some(t) = tier {
                m.insert("tier".into(), json!(t));
            }
            Value::Object(m)
        })
}

fn pod() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(NAMESPACES.to_vec()),
        labels(),
        prop::option::of((prop::sample::select(vec![80u16, 8080, 53]), any::<bool>())),
    )
        .prop_map(|(ns, labels, port)| {
            let ports: Vec<Value> = port
                .map(|(n, udp)| {
                    vec![json!({"name": "svc", "containerPort": n, "protocol": if udp {"UDP"} else {"TCP"}})]
                })
                .unwrap_or_default();
            json!({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": "p", "namespace": ns, "labels": labels},
                   "spec": {"containers": [{"name": "c", "image": "i", "ports": ports}]}})
        })
}

fn selector() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!({})),
        prop::sample::select(vec!["web", "api", "db"])
            .prop_map(|a| json!({"matchLabels": {"app": a}})),
        Just(json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["front"]}]})),
        Just(json!({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]})),
        Just(json!({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["db"]}]})),
    ]
}

fn ns_selector() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!({})),
        prop::sample::select(NAMESPACES.to_vec())
            .prop_map(|n| json!({"matchLabels": {"kubernetes.io/metadata.name": n}})),
        Just(json!({"matchLabels": {"env": "prod"}})),
    ]
}

fn peer() -> impl Strategy<Value = Value> {
    prop_oneof![
        selector().prop_map(|s| json!({"podSelector": s})),
        ns_selector().prop_map(|s| json!({"namespaceSelector": s})),
        (ns_selector(), selector())
            .prop_map(|(n, p)| json!({"namespaceSelector": n, "podSelector": p})),
        prop::sample::select(vec![
            json!({"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}),
            json!({"ipBlock": {"cidr": "0.0.0.0/0"}}),
            json!({"ipBlock": {"cidr": "2001:db8::/32"}}),
            json!({"ipBlock": {"cidr": "192.168.0.0/16"}}),
        ]),
    ]
}

fn port() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec![80u16, 443, 53]).prop_map(|p| json!({"port": p})),
        Just(json!({"port": 53, "protocol": "UDP"})),
        Just(json!({"port": "svc"})),
        Just(json!({"port": "svc", "protocol": "UDP"})),
        Just(json!({"port": 8000, "endPort": 9000})),
        Just(json!({"protocol": "UDP"})),
    ]
}

fn rule(peers_field: &'static str) -> impl Strategy<Value = Value> {
    (
        prop::option::of(prop::collection::vec(peer(), 0..3)),
        prop::option::of(prop::collection::vec(port(), 0..3)),
    )
        .prop_map(move |(peers, ports)| {
            let mut m = serde_json::Map::new();
            if let Some(p) = peers {
                m.insert(peers_field.into(), Value::Array(p));
            }
            if let Some(p) = ports {
                m.insert("ports".into(), Value::Array(p));
            }
            Value::Object(m)
        })
}

fn policy() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(NAMESPACES.to_vec()),
        selector(),
        prop::sample::select(vec![
            None,
            Some(vec!["Ingress"]),
            Some(vec!["Egress"]),
            Some(vec!["Ingress", "Egress"]),
        ]),
        prop::option::of(prop::collection::vec(rule("from"), 0..3)),
        prop::option::of(prop::collection::vec(rule("to"), 0..3)),
    )
        .prop_map(|(ns, sel, types, ingress, egress)| {
            let mut spec = serde_json::Map::new();
            spec.insert("podSelector".into(), sel);
            if let Some(t) = types {
                spec.insert("policyTypes".into(), json!(t));
            }
            if let Some(i) = ingress {
                spec.insert("ingress".into(), Value::Array(i));
            }
            if let Some(e) = egress {
                spec.insert("egress".into(), Value::Array(e));
            }
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                   "metadata": {"name": "np", "namespace": ns}, "spec": spec})
        })
}

#[derive(Debug)]
struct Inventory {
    pods: Vec<Value>,
    policies: Vec<Value>,
}

fn inventory() -> impl Strategy<Value = Inventory> {
    (
        prop::collection::vec(pod(), 1..7),
        prop::collection::vec(policy(), 0..5),
    )
        .prop_map(|(pods, policies)| Inventory { pods, policies })
}

fn resources(pods: &[Value], policies: &[Value]) -> Vec<Resource> {
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a", "labels": {"env": "prod"}}});
    let mut out = vec![ns];
    for (i, p) in pods.iter().enumerate() {
        let mut p = p.clone();
        p["metadata"]["name"] = json!(format!("p{i}"));
        out.push(p);
    }
    for (i, p) in policies.iter().enumerate() {
        let mut p = p.clone();
        p["metadata"]["name"] = json!(format!("np{i}"));
        out.push(p);
    }
    out.into_iter()
        .map(|v| {
            Resource::new(
                v,
                Origin::Cluster {
                    context: "test".into(),
                },
            )
        })
        .collect()
}

/// Allowed ports between every pair of workloads and between workloads and probe addresses.
fn reach(pods: &[Value], policies: &[Value]) -> Vec<PortSet> {
    let res = resources(pods, policies);
    let a = Analysis::new(&res, &Options::default());
    let m = a.matrix();
    let mut targets: Vec<Target> = (0..pods.len()).map(Target::Workload).collect();
    targets.extend(
        PROBES
            .iter()
            .map(|p| Target::Ip(p.parse::<IpAddr>().expect("ip"))),
    );
    let mut out = Vec::new();
    for s in &targets {
        for d in &targets {
            if matches!((s, d), (Target::Ip(_), Target::Ip(_))) {
                continue;
            }
            let (Some(si), Some(di)) = (m.endpoint_of(s, &a), m.endpoint_of(d, &a)) else {
                panic!("every target has an endpoint");
            };
            let cell = m.ports(si, di).clone();
            // explain agrees with the matrix.
            let e = a.explain(s, d, None);
            assert_eq!(
                cell, e.allowed_ports,
                "matrix vs explain for {s:?} -> {d:?}"
            );
            out.push(cell);
        }
    }
    out
}

fn deny_all(ns: &str) -> Value {
    json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
           "metadata": {"name": "deny", "namespace": ns},
           "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}})
}

fn allow_all(ns: &str) -> Value {
    json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
           "metadata": {"name": "allow", "namespace": ns},
           "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"], "ingress": [{}], "egress": [{}]}})
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn deny_all_never_widens(inv in inventory(), ns in prop::sample::select(NAMESPACES.to_vec())) {
        let before = reach(&inv.pods, &inv.policies);
        let mut more = inv.policies.clone();
        more.push(deny_all(ns));
        let after = reach(&inv.pods, &more);
        for (b, a) in before.iter().zip(&after) {
            prop_assert!(b.is_superset(a), "{b} then {a}");
        }
    }

    #[test]
    fn allow_all_never_narrows(inv in inventory(), ns in prop::sample::select(NAMESPACES.to_vec())) {
        let before = reach(&inv.pods, &inv.policies);
        let mut more = inv.policies.clone();
        more.insert(0, allow_all(ns));
        let after = reach(&inv.pods, &more);
        for (b, a) in before.iter().zip(&after) {
            prop_assert!(a.is_superset(b), "{b} then {a}");
        }
    }

    #[test]
    fn no_policies_is_all_to_all(inv in inventory()) {
        for cell in reach(&inv.pods, &[]) {
            prop_assert!(cell.is_all());
        }
        let res = resources(&inv.pods, &[]);
        let m = Analysis::new(&res, &Options::default()).matrix();
        let n = m.endpoints().len();
        prop_assert_eq!(m.edges().count(), n * n - (n - m.pod_groups()).pow(2));
    }

    #[test]
    fn policy_order_does_not_matter(inv in inventory(), seed in any::<u64>()) {
        let before = reach(&inv.pods, &inv.policies);
        let mut shuffled = inv.policies.clone();
        shuffled.reverse();
        if !shuffled.is_empty() {
            let k = (seed % shuffled.len() as u64) as usize;
            shuffled.rotate_left(k);
        }
        prop_assert_eq!(before, reach(&inv.pods, &shuffled));
    }
}

// ---------------------------------------------------------------------------------------------
// A naive reference model written straight from the specification, evaluated per pod and port,
// against which the (grouped, interned, atom-split) matrix is compared.

#[derive(Clone, Copy, Debug)]
enum End<'a> {
    Pod(&'a Value),
    Ip(IpAddr),
}

fn ns_labels(ns: &str) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("kubernetes.io/metadata.name".into(), json!(ns));
    if ns == "a" {
        m.insert("env".into(), json!("prod"));
    }
    m
}

fn sel_matches(sel: &Value, labels: &serde_json::Map<String, Value>) -> bool {
    let ml = sel["matchLabels"].as_object().cloned().unwrap_or_default();
    let ok_labels = ml.iter().all(|(k, v)| labels.get(k) == Some(v));
    let ok_exprs = sel["matchExpressions"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|e| {
            let key = e["key"].as_str().unwrap_or_default();
            let vals: Vec<&Value> = e["values"]
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default();
            let v = labels.get(key);
            match e["operator"].as_str() {
                Some("In") => v.is_some_and(|v| vals.contains(&v)),
                Some("NotIn") => v.is_none_or(|v| !vals.contains(&v)),
                Some("Exists") => v.is_some(),
                Some("DoesNotExist") => v.is_none(),
                _ => false,
            }
        });
    ok_labels && ok_exprs
}

fn pod_labels(p: &Value) -> serde_json::Map<String, Value> {
    p["metadata"]["labels"]
        .as_object()
        .cloned()
        .unwrap_or_default()
}

fn pod_ns(p: &Value) -> &str {
    p["metadata"]["namespace"].as_str().unwrap_or("default")
}

fn in_net(cidr: &str, ip: IpAddr) -> bool {
    cidr.parse::<ipnet::IpNet>().is_ok_and(|n| n.contains(&ip))
}

fn peer_matches(policy_ns: &str, peer: &Value, other: End<'_>) -> bool {
    match other {
        End::Ip(ip) => {
            let Some(b) = peer.get("ipBlock") else {
                return false;
            };
            in_net(b["cidr"].as_str().unwrap_or_default(), ip)
                && !b["except"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|e| in_net(e.as_str().unwrap_or_default(), ip))
        }
        End::Pod(p) => {
            if peer.get("ipBlock").is_some() {
                return false;
            }
            let ns_ok = match peer.get("namespaceSelector") {
                None => pod_ns(p) == policy_ns,
                Some(s) => sel_matches(s, &ns_labels(pod_ns(p))),
            };
            let pod_ok = peer
                .get("podSelector")
                .is_none_or(|s| sel_matches(s, &pod_labels(p)));
            ns_ok && pod_ok
        }
    }
}

fn port_matches(entry: &Value, dst: End<'_>, proto: &str, port: u16) -> bool {
    let eproto = entry["protocol"].as_str().unwrap_or("TCP");
    if eproto != proto {
        return false;
    }
    match &entry["port"] {
        Value::Null => true,
        Value::Number(n) => {
            let lo = n.as_u64().unwrap_or(0);
            let hi = entry["endPort"].as_u64().unwrap_or(lo);
            (lo..=hi).contains(&u64::from(port))
        }
        Value::String(name) => match dst {
            End::Ip(_) => false,
            End::Pod(p) => p["spec"]["containers"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| {
                    c["ports"].as_array().into_iter().flatten().any(|cp| {
                        cp["name"].as_str() == Some(name.as_str())
                            && cp["protocol"].as_str().unwrap_or("TCP") == proto
                            && cp["containerPort"].as_u64() == Some(u64::from(port))
                    })
                }),
        },
        _ => false,
    }
}

/// Does `pod`'s `dir` side allow traffic with `other` (to `dst`, for port resolution)?
fn side_allows(
    policies: &[Value],
    pod: &Value,
    ingress: bool,
    other: End<'_>,
    dst: End<'_>,
    proto: &str,
    port: u16,
) -> bool {
    let (field, peers_field, ty) = if ingress {
        ("ingress", "from", "Ingress")
    } else {
        ("egress", "to", "Egress")
    };
    let mut isolated = false;
    let mut allowed = false;
    for pol in policies {
        let ns = pol["metadata"]["namespace"].as_str().unwrap_or("default");
        let spec = &pol["spec"];
        if ns != pod_ns(pod) || !sel_matches(&spec["podSelector"], &pod_labels(pod)) {
            continue;
        }
        let types: Vec<&str> = match spec["policyTypes"].as_array() {
            Some(t) if !t.is_empty() => t.iter().filter_map(Value::as_str).collect(),
            _ if spec.get("egress").is_some() => vec!["Ingress", "Egress"],
            _ => vec!["Ingress"],
        };
        if !types.contains(&ty) {
            continue;
        }
        isolated = true;
        for rule in spec[field].as_array().into_iter().flatten() {
            let peers = rule[peers_field].as_array().filter(|a| !a.is_empty());
            let peer_ok = peers.is_none_or(|ps| ps.iter().any(|pe| peer_matches(ns, pe, other)));
            let ports = rule["ports"].as_array().filter(|a| !a.is_empty());
            let port_ok =
                ports.is_none_or(|ps| ps.iter().any(|e| port_matches(e, dst, proto, port)));
            allowed |= peer_ok && port_ok;
        }
    }
    !isolated || allowed
}

fn reference(policies: &[Value], src: End<'_>, dst: End<'_>, proto: &str, port: u16) -> bool {
    let egress = match src {
        End::Ip(_) => true,
        End::Pod(p) => side_allows(policies, p, false, dst, dst, proto, port),
    };
    let ingress = match dst {
        End::Ip(_) => true,
        End::Pod(p) => side_allows(policies, p, true, src, dst, proto, port),
    };
    egress && ingress
}

const PORT_PROBES: &[(&str, u16)] = &[
    ("TCP", 80),
    ("TCP", 443),
    ("TCP", 53),
    ("UDP", 53),
    ("TCP", 8080),
    ("UDP", 8080),
    ("TCP", 8500),
    ("SCTP", 80),
    ("UDP", 1),
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn matrix_matches_the_reference_model(inv in inventory()) {
        let res = resources(&inv.pods, &inv.policies);
        let policies: Vec<Value> = res.iter().filter(|r| r.kind() == "NetworkPolicy").map(|r| r.raw.clone()).collect();
        let pods: Vec<Value> = res.iter().filter(|r| r.kind() == "Pod").map(|r| r.raw.clone()).collect();
        let a = Analysis::new(&res, &Options::default());
        prop_assert!(a.diagnostics().is_empty(), "{:?}", a.diagnostics());
        let m = a.matrix();
        let mut ends: Vec<(Target, End<'_>)> = pods.iter().enumerate().map(|(i, p)| (Target::Workload(i), End::Pod(p))).collect();
        for p in PROBES {
            let ip: IpAddr = p.parse().expect("ip");
            ends.push((Target::Ip(ip), End::Ip(ip)));
        }
        for (st, se) in &ends {
            for (dt, de) in &ends {
                if matches!((st, dt), (Target::Ip(_), Target::Ip(_))) {
                    continue;
                }
                let cell = m.ports(m.endpoint_of(st, &a).expect("src"), m.endpoint_of(dt, &a).expect("dst"));
                for &(proto, port) in PORT_PROBES {
                    let want = reference(&policies, *se, *de, proto, port);
                    let got = cell.contains(proto.parse().expect("proto"), port);
                    prop_assert_eq!(got, want, "{:?} -> {:?} {}/{}: matrix {}", st, dt, port, proto, cell);
                }
            }
        }
    }
}
