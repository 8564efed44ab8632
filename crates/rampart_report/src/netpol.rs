//! The renderings of `rampart netpol`: the reachability `matrix` (lines, table, JSON, Graphviz
//! DOT) and `explain` (text, JSON), naming every policy and rule with `file:line`.

use std::fmt::Write as _;

use rampart_model::{InputError, Resource};
use rampart_netpol::{Endpoint, Explanation, Matrix, PortSet, Side, Subject};
use serde::Serialize;

use crate::text::{place, pretty_json};

/// `netpol matrix` as lines: `SRC => DST : PORTS`.
pub fn matrix_lines(m: &Matrix) -> String {
    let names: Vec<String> = m.endpoints().iter().map(Endpoint::label).collect();
    let mut out = String::new();
    for e in m.edges() {
        let _ = writeln!(out, "{} => {} : {}", names[e.src], names[e.dst], e.ports);
    }
    out
}

/// `netpol matrix` as a table: each source, its destinations below it, then the counts.
pub fn matrix_table(m: &Matrix) -> String {
    let names: Vec<String> = m.endpoints().iter().map(Endpoint::label).collect();
    let mut out = String::new();
    let mut current = None;
    let mut count = 0usize;
    for e in m.edges() {
        if current != Some(e.src) {
            current = Some(e.src);
            let _ = writeln!(out, "{}", names[e.src]);
        }
        let _ = writeln!(out, "    -> {:<60}  {}", names[e.dst], e.ports);
        count += 1;
    }
    let _ = writeln!(
        out,
        "\n{} pod groups, {} external ranges, {count} allowed connections",
        m.pod_groups(),
        m.endpoints().len() - m.pod_groups()
    );
    out
}

/// `netpol matrix` as Graphviz DOT: pod groups are boxes, external ranges ellipses.
pub fn matrix_dot(m: &Matrix) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"?\"".into());
    let mut out = String::from("digraph netpol {\n  rankdir=LR;\n  node [shape=box];\n");
    for (i, ep) in m.endpoints().iter().enumerate() {
        let shape = match ep {
            Endpoint::Pods(_) => "box",
            Endpoint::External(_) => "ellipse",
        };
        let _ = writeln!(out, "  n{i} [label={}, shape={shape}];", q(&ep.label()));
    }
    for e in m.edges() {
        let _ = writeln!(
            out,
            "  n{} -> n{} [label={}];",
            e.src,
            e.dst,
            q(&e.ports.to_string())
        );
    }
    out.push_str("}\n");
    out
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MatrixJson<'a> {
    schema_version: u32,
    endpoints: &'a [Endpoint],
    connections: Vec<ConnectionJson<'a>>,
    errors: &'a [InputError],
}

#[derive(Serialize)]
struct ConnectionJson<'a> {
    from: usize,
    to: usize,
    ports: &'a PortSet,
}

/// `netpol matrix` as JSON: the endpoints, the connections between them (by index), and the
/// input errors.
pub fn matrix_json(m: &Matrix, errors: &[InputError]) -> serde_json::Result<String> {
    pretty_json(&MatrixJson {
        schema_version: 1,
        endpoints: m.endpoints(),
        connections: m
            .edges()
            .map(|e| ConnectionJson {
                from: e.src,
                to: e.dst,
                ports: e.ports,
            })
            .collect(),
        errors,
    })
}

/// `netpol explain` as JSON: the explanation and the input errors.
pub fn explain_json(e: &Explanation, errors: &[InputError]) -> serde_json::Result<String> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Doc<'a> {
        schema_version: u32,
        #[serde(flatten)]
        explanation: &'a Explanation,
        errors: &'a [InputError],
    }
    pretty_json(&Doc {
        schema_version: 1,
        explanation: e,
        errors,
    })
}

/// `netpol explain` as text: the verdict, then egress of the source and ingress of the
/// destination, each policy and rule with its `file:line` in `resources` (the analysed objects).
pub fn explain_text(e: &Explanation, resources: &[Resource]) -> String {
    let mut out = String::new();
    let port = e.port.as_deref().unwrap_or("any port");
    let verdict = if e.allowed { "ALLOWED" } else { "DENIED" };
    let _ = writeln!(out, "{verdict}  {} -> {}  ({port})", e.from, e.to);
    let _ = writeln!(out, "allowed ports: {}", e.allowed_ports);
    for side in [&e.egress, &e.ingress] {
        let _ = writeln!(out);
        side_text(&mut out, side, resources);
    }
    out
}

/// `file:line` of a field of a policy.
fn at(resources: &[Resource], s: &Subject, pointer: &str) -> String {
    place(&resources[s.resource], pointer)
}

fn side_text(out: &mut String, side: &Side, resources: &[Resource]) {
    let dir = side.direction;
    if !side.governed {
        let _ = writeln!(
            out,
            "{dir} of {}: an external address, no NetworkPolicy applies: allowed",
            side.endpoint
        );
        return;
    }
    let verdict = if side.allowed { "allowed" } else { "denied" };
    if !side.isolated {
        let _ = writeln!(
            out,
            "{dir} of {}: not isolated (no policy selecting it has {dir} in policyTypes): {verdict}",
            side.endpoint
        );
    } else {
        let _ = writeln!(
            out,
            "{dir} of {}: isolated; allowed ports {}: {verdict}",
            side.endpoint, side.allowed_ports
        );
    }
    for pv in &side.policies {
        let p = &pv.policy;
        let cilium = p.object.kind != "NetworkPolicy";
        let how = match (pv.isolates, pv.types_given, cilium) {
            (true, true, _) => format!("isolates {dir}"),
            (true, false, false) => format!("isolates {dir} (policyTypes defaulted)"),
            (true, false, true) => format!("isolates {dir} (it has {dir} rules)"),
            (false, true, false) => format!("does not isolate {dir} (policyTypes)"),
            (false, true, true) => format!("does not isolate {dir} (enableDefaultDeny)"),
            (false, false, false) => format!("does not isolate {dir} (policyTypes defaulted)"),
            (false, false, true) => format!("does not isolate {dir} (no {dir} rules)"),
        };
        let _ = writeln!(
            out,
            "  {} {}/{}  {how}  [{}]",
            p.object.kind,
            p.object.namespace.as_deref().unwrap_or("-"),
            p.object.name,
            at(resources, p, p.pointer.as_str())
        );
        if pv.isolates && pv.rules.is_empty() {
            let _ = writeln!(out, "    no {dir} rules: allows nothing");
        }
        for r in &pv.rules {
            let what = match (&r.peer, r.matched) {
                (None, _) => "peer does not match".to_string(),
                (Some(peer), true) => format!("{peer} matches, port matches: ALLOWS"),
                (Some(peer), false) => format!("{peer} matches, port does not"),
            };
            let pointer = r
                .port_pointer
                .as_ref()
                .filter(|_| r.matched)
                .or(r.peer_pointer.as_ref())
                .unwrap_or(&r.pointer);
            let _ = writeln!(
                out,
                "    {dir}[{}] ports {}: {what}  [{}]",
                r.index,
                r.ports,
                at(resources, p, pointer.as_str())
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use rampart_netpol::{Analysis, Options, Protocol};
    use serde_json::Value;

    use super::*;

    const SHOP: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - {name: web, image: nginx, ports: [{name: http, containerPort: 8080}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop}
spec:
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
    - from: [{ipBlock: {cidr: 0.0.0.0/0}}]
      ports: [{port: http}]
  egress:
    - to: [{podSelector: {matchLabels: {app: db}}}]
      ports: [{port: 5432}]
";

    fn shop() -> (Vec<Resource>, Analysis) {
        let parsed = rampart_source::parse_str(Path::new("shop.yaml"), SHOP);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let analysis = Analysis::new(&parsed.resources, &Options::default());
        (parsed.resources, analysis)
    }

    #[test]
    fn matrix_lines_table_and_dot() {
        let (_, analysis) = shop();
        let m = analysis.matrix();
        assert_eq!(
            matrix_lines(&m),
            "0.0.0.0/0 => Deployment/shop/web : TCP/8080\n"
        );
        assert_eq!(
            matrix_table(&m),
            format!(
                "0.0.0.0/0\n    -> {:<60}  TCP/8080\n\n2 pod groups, 2 external ranges, 1 allowed connections\n",
                "Deployment/shop/web"
            )
        );
        assert_eq!(
            matrix_dot(&m),
            "digraph netpol {\n  rankdir=LR;\n  node [shape=box];\n\
             \x20 n0 [label=\"Deployment/shop/web\", shape=box];\n\
             \x20 n1 [label=\"Deployment/shop/db\", shape=box];\n\
             \x20 n2 [label=\"0.0.0.0/0\", shape=ellipse];\n\
             \x20 n3 [label=\"::/0\", shape=ellipse];\n\
             \x20 n2 -> n0 [label=\"TCP/8080\"];\n\
             }\n"
        );
    }

    #[test]
    fn matrix_json_indexes_endpoints() {
        let (_, analysis) = shop();
        let m = analysis.matrix();
        let errors = [InputError::file(Path::new("x.yaml"), "bad")];
        let v: Value =
            serde_json::from_str(&matrix_json(&m, &errors).expect("json")).expect("JSON");
        assert_eq!(v["schemaVersion"], 1);
        assert_eq!(v["endpoints"][0]["workloads"][0], "Deployment/shop/web");
        assert_eq!(v["endpoints"][2]["label"], "0.0.0.0/0");
        assert_eq!(
            v["connections"],
            serde_json::json!([{"from": 2, "to": 0, "ports": {"TCP": ["8080"]}}])
        );
        assert_eq!(
            v["errors"],
            serde_json::json!([{"path": "x.yaml", "message": "bad"}])
        );
    }

    #[test]
    fn explain_text_names_policies_and_lines() {
        let (resources, analysis) = shop();
        let from = analysis.find("shop/web").expect("web");
        let to = analysis.find("shop/db").expect("db");
        let e = analysis.explain(&from, &to, Some((Protocol::Tcp, 5432)));
        assert_eq!(
            explain_text(&e, &resources),
            "DENIED  Deployment/shop/web -> Deployment/shop/db  (5432/TCP)\n\
             allowed ports: none\n\
             \n\
             egress of Deployment/shop/web: isolated; allowed ports TCP/5432: allowed\n\
             \x20 NetworkPolicy shop/default-deny  isolates egress  [shop.yaml:23]\n\
             \x20   no egress rules: allows nothing\n\
             \x20 NetworkPolicy shop/web  isolates egress (policyTypes defaulted)  [shop.yaml:30]\n\
             \x20   egress[0] ports TCP/5432: peer 0 matches, port matches: ALLOWS  [shop.yaml:36]\n\
             \n\
             ingress of Deployment/shop/db: isolated; allowed ports none: denied\n\
             \x20 NetworkPolicy shop/default-deny  isolates ingress  [shop.yaml:23]\n\
             \x20   no ingress rules: allows nothing\n"
        );
        let v: Value = serde_json::from_str(&explain_json(&e, &[]).expect("json")).expect("JSON");
        assert_eq!(v["schemaVersion"], 1);
        assert_eq!(v["allowed"], false);
        assert_eq!(v["errors"], serde_json::json!([]));
    }
}
