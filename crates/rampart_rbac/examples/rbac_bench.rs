//! Benchmark: a generated inventory of 10,000 roles and 50,000 bindings (plus workloads and token
//! Secrets); times the model build, who-can, can, the escalation analysis and the risk checks.
//!
//! `cargo run --release -p rampart_rbac --example rbac_bench [ROLES BINDINGS]`

use std::time::Instant;

use rampart_model::{Origin, Resource};
use rampart_rbac::{Rbac, Subject};
use serde_json::{json, Value};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
}

const VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
];
const RES: &[(&str, &str)] = &[
    ("", "pods"),
    ("", "pods/log"),
    ("", "configmaps"),
    ("", "services"),
    ("", "endpoints"),
    ("", "secrets"),
    ("", "persistentvolumeclaims"),
    ("apps", "deployments"),
    ("apps", "statefulsets"),
    ("apps", "deployments/scale"),
    ("batch", "jobs"),
    ("networking.k8s.io", "ingresses"),
    ("example.com", "widgets"),
];

fn rule(rng: &mut Rng) -> Value {
    let n = 1 + rng.below(3);
    let verbs: Vec<&str> = (0..n).map(|_| rng.pick(VERBS)).collect();
    let (g, r) = RES[rng.below(RES.len())];
    let mut v = json!({"apiGroups": [g], "resources": [r], "verbs": verbs});
    if rng.below(10) == 0 {
        v["resourceNames"] = json!([format!("obj{}", rng.below(50))]);
    }
    v
}

fn generate(roles: usize, bindings: usize) -> Vec<Value> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let namespaces = 200;
    let mut out = Vec::with_capacity(roles + bindings + 10_000);
    out.push(
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "cluster-admin"},
        "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}),
    );
    let cluster_roles = roles / 5;
    for i in 0..cluster_roles {
        let rules: Vec<Value> = (0..3 + rng.below(3)).map(|_| rule(&mut rng)).collect();
        let mut v = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": format!("cr{i}"), "labels": {"agg": format!("a{}", i % 20)}},
            "rules": rules});
        if i % 100 == 0 {
            v["aggregationRule"] = json!({"clusterRoleSelectors": [{"matchLabels": {"agg": format!("a{}", (i / 100) % 20)}}]});
        }
        out.push(v);
    }
    for i in 0..roles - cluster_roles - 1 {
        let rules: Vec<Value> = (0..3 + rng.below(3)).map(|_| rule(&mut rng)).collect();
        out.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": format!("r{}", i / namespaces), "namespace": format!("ns{}", i % namespaces)},
            "rules": rules}));
    }
    let roles_per_ns = (roles - cluster_roles - 1) / namespaces;
    for i in 0..bindings {
        let subjects: Vec<Value> = (0..1 + rng.below(3))
            .map(|_| match rng.below(3) {
                0 => json!({"kind": "User", "name": format!("user{}", rng.below(5000))}),
                1 => json!({"kind": "Group", "name": format!("group{}", rng.below(500))}),
                _ => json!({"kind": "ServiceAccount", "name": format!("sa{}", rng.below(20)),
                            "namespace": format!("ns{}", rng.below(namespaces))}),
            })
            .collect();
        if i < bindings / 5 {
            let role = if i % 5000 == 0 {
                "cluster-admin".to_owned()
            } else {
                format!("cr{}", rng.below(cluster_roles))
            };
            out.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": {"name": format!("crb{i}")},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
                "subjects": subjects}));
        } else {
            let ns = rng.below(namespaces);
            let role_ref = if rng.below(2) == 0 {
                json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": format!("r{}", rng.below(roles_per_ns.max(1)))})
            } else {
                json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": format!("cr{}", rng.below(cluster_roles))})
            };
            out.push(
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": format!("rb{i}"), "namespace": format!("ns{ns}")},
                "roleRef": role_ref, "subjects": subjects}),
            );
        }
    }
    for i in 0..5000 {
        out.push(json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": format!("app{i}"), "namespace": format!("ns{}", i % namespaces)},
            "spec": {"template": {"spec": {"serviceAccountName": format!("sa{}", i % 20),
                "containers": [{"name": "app", "image": "app:1"}]}}}}));
    }
    for i in 0..1000 {
        out.push(json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
            "metadata": {"name": format!("tok{i}"), "namespace": format!("ns{}", i % namespaces),
                "annotations": {"kubernetes.io/service-account.name": format!("sa{}", i % 20)}}}));
    }
    out
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let roles = args.first().copied().unwrap_or(10_000);
    let bindings = args.get(1).copied().unwrap_or(50_000);
    let t = Instant::now();
    let values = generate(roles, bindings);
    let resources: Vec<Resource> = values
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            Resource::new(
                v,
                Origin::File {
                    path: "gen.yaml".into(),
                    doc: i,
                    item: None,
                },
            )
        })
        .collect();
    println!(
        "generated {} objects ({roles} roles, {bindings} bindings) in {:.0} ms",
        resources.len(),
        ms(t)
    );

    let t = Instant::now();
    let rbac = Rbac::build(&resources);
    println!(
        "model build: {:.1} ms ({} issues)",
        ms(t),
        rbac.issues.len()
    );

    let queries: &[(&str, &str, &str, &str, &str, &str)] = &[
        ("create", "pods", "", "ns7", "", ""),
        ("get", "secrets", "", "ns42", "obj3", ""),
        ("list", "secrets", "", "", "", ""),
        ("update", "deployments", "scale", "ns100", "", "apps"),
        ("delete", "widgets", "", "ns3", "", "example.com"),
        ("get", "pods", "log", "ns199", "", ""),
        ("*", "*", "", "", "", "*"),
    ];
    let mut worst: f64 = 0.0;
    for (verb, res, sub, ns, name, group) in queries {
        let t = Instant::now();
        let grants = rbac.who_can(verb, res, sub, ns, name, group);
        let d = ms(t);
        worst = worst.max(d);
        println!(
            "who-can {verb} {res}{}{} ns={ns:?}: {} grants in {d:.2} ms",
            if sub.is_empty() { "" } else { "/" },
            sub,
            grants.len()
        );
    }
    println!("who-can worst: {worst:.2} ms");

    let t = Instant::now();
    let p = rbac.can(&Subject::service_account("ns5", "sa3"));
    let n: usize = p.cluster.len() + p.namespaces.values().map(Vec::len).sum::<usize>();
    println!("can sa:ns5/sa3: {n} rules in {:.2} ms", ms(t));

    let t = Instant::now();
    let esc = rbac.escalation();
    let build = ms(t);
    let t = Instant::now();
    let paths = esc.paths();
    println!(
        "escalation graph: {} nodes, {} edges in {build:.0} ms; {} paths to cluster-admin in {:.0} ms (total {:.0} ms)",
        esc.graph.node_count(), esc.graph.edge_count(), paths.len(), ms(t), build + ms(t)
    );
    if let Some(longest) = paths.iter().max_by_key(|p| p.steps.len()) {
        println!("longest shortest path: {}", longest.nodes().join(" -> "));
    }

    let t = Instant::now();
    let risks = rbac.risks();
    println!("risks: {} in {:.0} ms", risks.len(), ms(t));
}
