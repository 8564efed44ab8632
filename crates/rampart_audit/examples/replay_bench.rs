//! Replay benchmark: events/s of the full pipeline (read + decode + rules) against the JSON-parse
//! floor on the same file, on one thread.
//!
//! ```text
//! cargo run --release -p rampart_audit --example replay_bench -- [FILE|-] [EVENTS] [RULES_DIR]
//! ```
//! Without FILE, a realistic mix is generated into a temporary file first: mostly
//! get/list/watch/update by nodes and controllers at Metadata level (leases, configmaps,
//! endpoints, pods), some workload and pod creates with request bodies, Secret reads, refused
//! requests, exec sessions, RBAC writes.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::time::Instant;

use rampart_audit::{Engine, RuleSet};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let events: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(300_000);
    let (path, _keep) = match args.first() {
        Some(p) if p != "-" => (PathBuf::from(p), None),
        _ => {
            let dir = tempfile::tempdir().expect("tempdir");
            let p = dir.path().join("audit.log");
            generate(&p, events);
            (p, Some(dir))
        }
    };
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!("file {} ({:.1} MB)", path.display(), bytes as f64 / 1e6);

    // Warm the page cache.
    let _ = std::fs::read(&path);

    // Floor 1: tokenize each line (serde_json, IgnoredAny).
    let t = Instant::now();
    let mut n = 0u64;
    let f = BufReader::with_capacity(1 << 20, std::fs::File::open(&path).expect("open"));
    for line in f.lines() {
        let line = line.expect("line");
        if serde_json::from_str::<serde::de::IgnoredAny>(&line).is_ok() {
            n += 1;
        }
    }
    let floor_ignored = rate("serde_json IgnoredAny per line (tokenize floor)", n, t);

    // Floor 2: each line to serde_json::Value.
    let t = Instant::now();
    let mut n = 0u64;
    let f = BufReader::with_capacity(1 << 20, std::fs::File::open(&path).expect("open"));
    for line in f.lines() {
        let line = line.expect("line");
        if serde_json::from_str::<serde_json::Value>(&line).is_ok() {
            n += 1;
        }
    }
    let floor_value = rate("serde_json Value per line", n, t);

    // Reader only (decode to the borrowed Event, no rules).
    let t = Instant::now();
    let mut reader = rampart_audit::Reader::default();
    let mut n = 0u64;
    reader.read(&rampart_audit::Input::File(path.clone()), &mut |_, _| {
        n += 1
    });
    let read_only = rate("rampart reader (decode only)", n, t);

    // Full pipeline.
    let mut set = RuleSet::builtin();
    if let Some(dir) = args.get(2) {
        set.add_path(std::path::Path::new(dir));
    }
    let engine = Engine::new(&set);
    let t = Instant::now();
    let result = rampart_audit::scan(std::slice::from_ref(&path), engine);
    let full = rate("rampart audit scan (read + rules)", result.read.events, t);
    println!(
        "  {} rules, {} alerts, {} events reached CEL ({:.1}%), {} CEL runs, {} CEL errors",
        result.rules,
        result.alerts.len(),
        result.engine.evaluated,
        100.0 * result.engine.evaluated as f64 / result.read.events.max(1) as f64,
        result.engine.cel_runs,
        result.engine.cel_errors
    );
    println!(
        "ratio full/tokenize-floor {:.2}, full/Value-floor {:.2}, decode-only/tokenize-floor {:.2}",
        full / floor_ignored,
        full / floor_value,
        read_only / floor_ignored
    );
}

fn rate(what: &str, n: u64, t: Instant) -> f64 {
    let s = t.elapsed().as_secs_f64();
    let r = n as f64 / s;
    println!("{what:<50} {n:>9} events in {s:>6.3} s = {r:>10.0} events/s");
    r
}

/// A deterministic mix of audit events, one per line.
fn generate(path: &std::path::Path, events: usize) {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    let mut seed: u64 = 0x5eed;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let nodes = ["node-1", "node-2", "node-3", "node-4", "node-5"];
    let namespaces = [
        "default",
        "prod",
        "staging",
        "kube-system",
        "monitoring",
        "payments",
    ];
    for i in 0..events {
        let sec = i / 2000;
        let ts = format!(
            "2026-12-06T{:02}:{:02}:{:02}.{:06}Z",
            9 + sec / 3600,
            (sec / 60) % 60,
            sec % 60,
            i % 1_000_000
        );
        let ns = namespaces[next() % namespaces.len()];
        let node = nodes[next() % nodes.len()];
        let roll = next() % 1000;
        let line = match roll {
            // Lease renewals by nodes and controllers.
            0..=299 => format!(
                r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a{i}","stage":"ResponseComplete","requestURI":"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{node}?timeout=10s","verb":"update","user":{{"username":"system:node:{node}","groups":["system:nodes","system:authenticated"]}},"sourceIPs":["10.0.0.{}"],"userAgent":"kubelet/v1.37.2 (linux/amd64) kubernetes/abcdef","objectRef":{{"resource":"leases","namespace":"kube-node-lease","name":"{node}","apiGroup":"coordination.k8s.io","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":200}},"requestReceivedTimestamp":"{ts}","stageTimestamp":"{ts}","annotations":{{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}}}"#,
                next() % 250
            ),
            // Gets and lists and watches by controllers.
            300..=749 => {
                let (res, verb) = [
                    ("configmaps", "get"),
                    ("endpoints", "list"),
                    ("pods", "watch"),
                    ("services", "list"),
                    ("deployments", "get"),
                    ("events", "create"),
                ][next() % 6];
                format!(
                    r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"b{i}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/{ns}/{res}?limit=500&resourceVersion=0","verb":"{verb}","user":{{"username":"system:serviceaccount:kube-system:endpointslice-controller","groups":["system:serviceaccounts","system:serviceaccounts:kube-system","system:authenticated"]}},"sourceIPs":["10.0.0.2"],"userAgent":"kube-controller-manager/v1.37.2 (linux/amd64) kubernetes/abcdef/system:serviceaccount:kube-system:endpointslice-controller","objectRef":{{"resource":"{res}","namespace":"{ns}","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":200}},"requestReceivedTimestamp":"{ts}","stageTimestamp":"{ts}","annotations":{{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \"system:controller:endpointslice-controller\""}}}}"#
                )
            }
            // Pod status patches by kubelets, with request bodies.
            750..=899 => format!(
                r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"c{i}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/{ns}/pods/web-{}/status","verb":"patch","user":{{"username":"system:node:{node}","groups":["system:nodes","system:authenticated"]}},"sourceIPs":["10.0.0.{}"],"userAgent":"kubelet/v1.37.2","objectRef":{{"resource":"pods","namespace":"{ns}","name":"web-{}","apiVersion":"v1","subresource":"status"}},"responseStatus":{{"metadata":{{}},"code":200}},"requestObject":{{"status":{{"conditions":[{{"type":"Ready","status":"True","lastTransitionTime":"{ts}"}}],"containerStatuses":[{{"name":"app","ready":true,"restartCount":0,"image":"registry.example/web:1.4.2","state":{{"running":{{"startedAt":"{ts}"}}}}}}]}}}},"requestReceivedTimestamp":"{ts}","stageTimestamp":"{ts}"}}"#,
                next() % 50,
                next() % 250,
                next() % 50
            ),
            // Pod creates by the ReplicaSet controller, with the full pod.
            900..=949 => {
                let privileged = next() % 50 == 0;
                format!(
                    r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"d{i}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/{ns}/pods","verb":"create","user":{{"username":"system:serviceaccount:kube-system:replicaset-controller","groups":["system:serviceaccounts","system:serviceaccounts:kube-system","system:authenticated"]}},"sourceIPs":["10.0.0.2"],"userAgent":"kube-controller-manager/v1.37.2","objectRef":{{"resource":"pods","namespace":"{ns}","name":"web-{i}","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":201}},"requestObject":{{"kind":"Pod","apiVersion":"v1","metadata":{{"generateName":"web-","namespace":"{ns}","labels":{{"app":"web","pod-template-hash":"7d9f"}}}},"spec":{{"containers":[{{"name":"app","image":"registry.example/web:1.4.2","ports":[{{"containerPort":8080}}],"resources":{{"limits":{{"cpu":"500m","memory":"256Mi"}}}},"securityContext":{{"privileged":{privileged},"runAsNonRoot":true}}}}],"volumes":[{{"name":"data","emptyDir":{{}}}}],"serviceAccountName":"web"}}}},"requestReceivedTimestamp":"{ts}","stageTimestamp":"{ts}"}}"#
                )
            }
            // Secret reads by people and apps.
            950..=979 => format!(
                r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"e{i}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/{ns}/secrets/db","verb":"get","user":{{"username":"{}","groups":["system:authenticated"]}},"sourceIPs":["192.0.2.{}"],"userAgent":"kubectl/v1.37.2","objectRef":{{"resource":"secrets","namespace":"{ns}","name":"db","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":200}},"requestReceivedTimestamp":"{ts}","stageTimestamp":"{ts}"}}"#,
                [
                    "system:serviceaccount:prod:web",
                    "alice",
                    "system:serviceaccount:kube-system:generic-garbage-collector"
                ][next() % 3],
                next() % 20
            ),
            // Refused requests.
            980..=994 => format!(
                r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"f{i}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/{ns}/secrets","verb":"list","user":{{"username":"system:serviceaccount:{ns}:default","groups":["system:serviceaccounts","system:authenticated"]}},"sourceIPs":["10.1.{}.{}"],"userAgent":"curl/8.5.0","objectRef":{{"resource":"secrets","namespace":"{ns}","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"status":"Failure","reason":"Forbidden","code":403}},"requestReceivedTimestamp":"{ts}","stageTimestamp":"{ts}","annotations":{{"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":""}}}}"#,
                next() % 4,
                next() % 250
            ),
            // Exec sessions.
            _ => format!(
                r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"g{i}","stage":"ResponseStarted","requestURI":"/api/v1/namespaces/{ns}/pods/web-1/exec?command=sh&container=app&stdin=true&stdout=true&tty=true","verb":"create","user":{{"username":"alice","groups":["system:authenticated"]}},"sourceIPs":["192.0.2.10"],"userAgent":"kubectl/v1.37.2","objectRef":{{"resource":"pods","namespace":"{ns}","name":"web-1","apiVersion":"v1","subresource":"exec"}},"responseStatus":{{"metadata":{{}},"code":101}},"requestReceivedTimestamp":"{ts}","stageTimestamp":"{ts}"}}"#
            ),
        };
        writeln!(w, "{line}").expect("write");
    }
    w.flush().expect("flush");
}
