//! Benchmark: a generated inventory of 5,000 workloads in 50 namespaces and 1,000 policies;
//! builds the analysis and the full reachability matrix and prints the timings.
//!
//! ```sh
//! cargo build --release -p rampart_netpol --example netpol_bench
//! /usr/bin/time -f '%e s %M KB' target/release/examples/netpol_bench [WORKLOADS] [POLICIES]
//! ```

use std::time::Instant;

use rampart_model::{Origin, Resource};
use rampart_netpol::{Analysis, Options};
use serde_json::{json, Value};

const TIERS: &[&str] = &["web", "api", "db", "cache", "worker"];
const ENVS: &[&str] = &["prod", "staging", "dev"];

fn workload(ns: usize, j: usize) -> Value {
    let tier = TIERS[j % TIERS.len()];
    let http = if j % 3 == 0 { 8000 } else { 8080 };
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": format!("app-{j}"), "namespace": format!("ns-{ns}")},
        "spec": {"template": {
            "metadata": {"labels": {"app": format!("app-{j}"), "tier": tier, "team": format!("t{}", ns % 10)}},
            "spec": {"containers": [{"name": "main", "image": "example/app:1",
                "ports": [{"name": "http", "containerPort": http}, {"name": "metrics", "containerPort": 9090}]}]}
        }}
    })
}

fn policy(ns: usize, k: usize, apps: usize) -> Value {
    let meta = json!({"name": format!("np-{k}"), "namespace": format!("ns-{ns}")});
    let spec = match k {
        0 => json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        1 => json!({"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
            "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
            "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}]}),
        2 => {
            json!({"podSelector": {"matchLabels": {"tier": "web"}}, "policyTypes": ["Egress"], "egress": [{
            "to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8", "169.254.0.0/16"]}}],
            "ports": [{"port": 443}]}]})
        }
        3 => json!({"podSelector": {"matchLabels": {"tier": "web"}}, "ingress": [{
            "from": [{"namespaceSelector": {"matchLabels": {"env": "prod"}}, "podSelector": {"matchLabels": {"tier": "web"}}},
                     {"ipBlock": {"cidr": format!("10.{ns}.0.0/16"), "except": [format!("10.{ns}.255.0/24")]}}],
            "ports": [{"port": "http"}]}]}),
        _ => {
            let app = (k * 7 + ns) % apps;
            json!({"podSelector": {"matchLabels": {"app": format!("app-{app}")}},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [
                    {"from": [{"podSelector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["web", "api"]}]}}],
                     "ports": [{"port": "http"}]},
                    {"from": [{"namespaceSelector": {"matchLabels": {"team": format!("t{}", k % 10)}}}],
                     "ports": [{"port": "metrics"}]}],
                "egress": [
                    {"to": [{"podSelector": {"matchLabels": {"tier": "db"}}}], "ports": [{"port": 5432}, {"port": 6000, "endPort": 6100}]},
                    {"to": [{"ipBlock": {"cidr": format!("172.{}.{}.0/24", 16 + ns % 16, k)}}]}]})
        }
    };
    json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta, "spec": spec})
}

fn main() {
    let mut args = std::env::args().skip(1);
    let workloads: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5000);
    let policies: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let namespaces = 50;
    let apps = workloads.div_ceil(namespaces);
    let per_ns_policies = policies.div_ceil(namespaces);

    let t0 = Instant::now();
    let mut values = Vec::new();
    for ns in 0..namespaces {
        values.push(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": format!("ns-{ns}"),
            "labels": {"env": ENVS[ns % ENVS.len()], "team": format!("t{}", ns % 10)}}}),
        );
    }
    let mut w = 0;
    'outer: for j in 0..apps {
        for ns in 0..namespaces {
            if w == workloads {
                break 'outer;
            }
            values.push(workload(ns, j));
            w += 1;
        }
    }
    let mut p = 0;
    'outer2: for k in 0..per_ns_policies {
        for ns in 0..namespaces {
            if p == policies {
                break 'outer2;
            }
            values.push(policy(ns, k, apps));
            p += 1;
        }
    }
    let resources: Vec<Resource> = values
        .into_iter()
        .map(|v| {
            Resource::new(
                v,
                Origin::Cluster {
                    context: "bench".into(),
                },
            )
        })
        .collect();
    let t_gen = t0.elapsed();

    let t1 = Instant::now();
    let analysis = Analysis::new(&resources, &Options::default());
    let t_new = t1.elapsed();

    let t2 = Instant::now();
    let matrix = analysis.matrix();
    let t_matrix = t2.elapsed();

    let t3 = Instant::now();
    let edges = matrix.edges().count();
    let t_edges = t3.elapsed();

    let t4 = Instant::now();
    let unselected = analysis.unselected_workloads().len();
    let metadata = analysis
        .metadata_egress()
        .iter()
        .filter(|e| e.allowed)
        .count();
    let coverage = analysis.namespace_coverage().len();
    let allow_all = analysis.allow_all_rules().len();
    let t_checks = t4.elapsed();

    println!(
        "{workloads} workloads, {policies} policies: {} endpoints ({} pod groups), {edges} allowed connections, {} diagnostics",
        matrix.endpoints().len(),
        matrix.pod_groups(),
        analysis.diagnostics().len()
    );
    println!(
        "checks: {unselected} unselected, {metadata} may reach metadata, {coverage} namespaces, {allow_all} allow-all rules"
    );
    println!(
        "generate {:.3}s  analyse {:.3}s  matrix {:.3}s  edges {:.3}s  checks {:.3}s",
        t_gen.as_secs_f64(),
        t_new.as_secs_f64(),
        t_matrix.as_secs_f64(),
        t_edges.as_secs_f64(),
        t_checks.as_secs_f64()
    );
}
