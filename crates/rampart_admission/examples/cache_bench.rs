//! What judging with a cache of the cluster costs per request: a synthetic cluster of NS
//! namespaces with PODS pods each (plus a Deployment, a Service, a NetworkPolicy, a Role, a
//! RoleBinding and a ServiceAccount per namespace, and an Ingress per namespace), every built-in
//! check and the referential Gatekeeper template `k8suniqueingresshost` (from the policy test
//! suite). Prints the median time of N reviews of a Pod, a RoleBinding, an Ingress and a
//! ConfigMap CREATE, with the cache and without it.
//!
//! ```sh
//! cargo run --release -p rampart_admission --example cache_bench -- NS PODS N
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rampart_admission::{Admission, AdmissionOptions, ObjectCache};
use serde_json::{json, Value};

fn create(obj: &Value, resource: &str) -> Vec<u8> {
    let api = obj["apiVersion"].as_str().unwrap_or("");
    let (group, version) = api.split_once('/').unwrap_or(("", api));
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "u", "operation": "CREATE", "userInfo": {"username": "bench"},
            "kind": {"group": group, "version": version, "kind": obj["kind"]},
            "resource": {"group": group, "version": version, "resource": resource},
            "name": obj["metadata"]["name"], "namespace": obj["metadata"]["namespace"],
            "object": obj}
    }))
    .unwrap_or_default()
}

fn pod(ns: &str, name: &str, app: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": app}},
        "spec": {"serviceAccountName": "app", "containers": [{"name": "app", "image": "registry.example.com/app:1.2.3",
            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "1", "memory": "128Mi"}}}]}})
}

fn median(a: &Admission, body: &[u8], cache: Option<&ObjectCache>, n: usize) -> Duration {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let d = a.review_in(body, cache).expect("review");
        std::hint::black_box(d);
        times.push(t.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: cache_bench NS PODS N";
    let nss: usize = args.next().ok_or(usage)?.parse()?;
    let pods: usize = args.next().ok_or(usage)?.parse()?;
    let n: usize = args.next().ok_or(usage)?.parse()?;
    let template = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../rampart_policy/tests/gatekeeper/k8suniqueingresshost");
    let opts = |with_cluster| AdmissionOptions {
        policies: vec![template.clone()],
        with_cluster,
        ..AdmissionOptions::default()
    };
    let with = Admission::new(opts(true))?;
    let without = Admission::new(opts(false))?;
    let cache = ObjectCache::default();
    let t = Instant::now();
    for i in 0..nss {
        let ns = format!("ns{i}");
        cache.apply(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}));
        cache.apply(json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "app", "namespace": ns}}));
        for p in 0..pods {
            cache.apply(pod(&ns, &format!("web-{p}"), "web"));
        }
        cache.apply(json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": ns},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                "template": pod(&ns, "t", "web")}}));
        cache.apply(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": ns},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}));
        cache.apply(
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "web", "namespace": ns},
            "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress"]}}),
        );
        cache.apply(json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "web", "namespace": ns},
            "spec": {"rules": [{"host": format!("{ns}.example.com"), "http": {"paths": [{"path": "/", "pathType": "Prefix",
                "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}));
        cache.apply(
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "reader", "namespace": ns},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]}),
        );
        cache.apply(
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "reader", "namespace": ns},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"},
            "subjects": [{"kind": "ServiceAccount", "name": "app", "namespace": ns}]}),
        );
    }
    let t_fill = t.elapsed();
    let t = Instant::now();
    let data = cache.data();
    std::hint::black_box(data);
    println!(
        "cache: {} objects ({nss} namespaces x {pods} pods); filled in {t_fill:?}; policy view made in {:?}",
        cache.len(),
        t.elapsed()
    );
    let cases = [
        ("Pod", create(&pod("ns0", "new", "worker"), "pods")),
        (
            "RoleBinding",
            create(
                &json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                    "metadata": {"name": "new", "namespace": "ns0"},
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
                    "subjects": [{"kind": "ServiceAccount", "name": "ci", "namespace": "ns1"}]}),
                "rolebindings",
            ),
        ),
        (
            "Ingress",
            create(
                &json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                    "metadata": {"name": "new", "namespace": "ns0"},
                    "spec": {"rules": [{"host": "ns1.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                        "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}),
                "ingresses",
            ),
        ),
        (
            "ConfigMap",
            create(
                &json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "new", "namespace": "ns0"}, "data": {"a": "b"}}),
                "configmaps",
            ),
        ),
    ];
    for (kind, body) in &cases {
        let d = with.review_in(body, Some(&cache))?;
        let plain = median(&without, body, None, n);
        let cached = median(&with, body, Some(&cache), n);
        println!(
            "{kind:<12} without cache p50 {plain:>10.2?}   with cache p50 {cached:>10.2?}   ({} results with the cache: {})",
            d.results.len(),
            d.results
                .iter()
                .map(|j| j.check.as_str())
                .filter(|c| c.starts_with("netpol") || c.starts_with("rbac") || *c == "unique-ingress-host")
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}
