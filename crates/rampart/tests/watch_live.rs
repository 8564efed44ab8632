//! `rampart serve --watch` against the real API server (testenv), the Helm chart's ClusterRole,
//! and two clusters pushing to one store (the fleet). Ignored by default; run with
//!
//! ```sh
//! testenv/run-with.sh cargo test -p rampart --test watch_live -- --ignored --test-threads=1 --nocapture
//! ```
//!
//! The fleet test also needs `RAMPART_TEST_POSTGRES` (scripts/cluster-tests.sh starts PostgreSQL
//! with scripts/postgres.sh); without it, it uses a SQLite file. The chart test needs helm
//! (`HELM`, else bench/.peers/bin/helm; scripts/cluster-tests.sh installs it).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rampart_testutil::{kubectl, run_binary, workspace, TempDir};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_rampart");

fn admin() -> Option<String> {
    match std::env::var("KUBECONFIG_ADMIN") {
        Ok(k) => Some(k),
        Err(_) => {
            eprintln!("skipping: KUBECONFIG_ADMIN is not set; run under testenv/run-with.sh (see the top of this file)");
            None
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A local alert receiver: every POST body, kept in order.
struct Receiver {
    url: String,
    bodies: Arc<Mutex<Vec<Value>>>,
}

impl Receiver {
    fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind receiver");
        let url = format!(
            "http://{}/alerts",
            listener.local_addr().expect("receiver address")
        );
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let keep = bodies.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let keep = keep.clone();
                std::thread::spawn(move || serve_alerts(conn, &keep));
            }
        });
        Receiver { url, bodies }
    }

    fn bodies(&self) -> Vec<Value> {
        self.bodies.lock().map(|b| b.clone()).unwrap_or_default()
    }
}

/// Reads HTTP/1.1 requests (keep-alive) and answers 200 to each.
fn serve_alerts(mut conn: TcpStream, keep: &Mutex<Vec<Value>>) {
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        // Headers.
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match conn.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + len {
            match conn.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body: Vec<u8> = buf[head_end..head_end + len].to_vec();
        buf.drain(..head_end + len);
        if let Ok(v) = serde_json::from_slice::<Value>(&body) {
            if let Ok(mut k) = keep.lock() {
                k.push(v);
            }
        }
        let _ = conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
    }
}

/// GET a path over plain HTTP; the body.
fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let (_, body) = out.split_once("\r\n\r\n")?;
    Some(body.to_owned())
}

/// `name{labels} value` lines of the metrics text, by the whole series name.
fn metrics(port: u16) -> BTreeMap<String, f64> {
    let text = http_get(port, "/metrics").unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (k, v) = l.rsplit_once(' ')?;
            Some((k.to_owned(), v.parse().ok()?))
        })
        .collect()
}

fn metric(m: &BTreeMap<String, f64>, name: &str) -> f64 {
    m.get(name).copied().unwrap_or(0.0)
}

/// Waits until `f` holds (polling every 100 ms), at most `secs`; the time it took.
fn wait_for(secs: u64, what: &str, mut f: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        if f() {
            return start.elapsed();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out after {secs} s waiting for {what}");
}

struct Serve {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Serve {
    fn start(args: &[&str], dir: &TempDir, tag: &str) -> Serve {
        let port = free_port();
        let log = dir.dir().join(format!("{tag}.log"));
        let err = std::fs::File::create(&log).expect("log file");
        let metrics = format!("127.0.0.1:{port}");
        let child = Command::new(BIN)
            .args(["serve", "--watch", "--metrics", &metrics])
            .args(args)
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
            .expect("start rampart serve --watch");
        let s = Serve { child, port, log };
        wait_for(60, "the watch to sync", || {
            metric(&metrics_of(&s), "rampart_watch_synced") == 1.0
        });
        s
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, then waits.
    fn stop(mut self) -> String {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return self.log();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        panic!(
            "serve --watch did not stop on SIGTERM; log:\n{}",
            self.log()
        );
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn metrics_of(s: &Serve) -> BTreeMap<String, f64> {
    metrics(s.port)
}

fn apply(kc: &str, yaml: &str) {
    let (ok, out) = kubectl(kc, &["apply", "-f", "-"], Some(yaml));
    assert!(ok, "kubectl apply: {out}\n{yaml}");
}

fn privileged_pod(ns: &str, name: &str, label: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels: {{app: {label}}}\nspec:\n  containers:\n  - name: c\n    image: registry.example/app:1\n    securityContext: {{privileged: true}}\n"
    )
}

fn alerts_for<'a>(bodies: &'a [Value], check: &str, ns: &str) -> Vec<&'a Value> {
    bodies
        .iter()
        .filter(|b| b["check"] == check && b["namespace"] == ns)
        .collect()
}

#[test]
#[ignore = "needs the testenv API server (KUBECONFIG_ADMIN)"]
fn watch_finds_alerts_and_forgets() {
    let Some(kc) = admin() else { return };
    let dir = TempDir::new("watch_live");
    let ns = "rampart-watch-live";
    let _ = kubectl(&kc, &["delete", "namespace", ns, "--wait=false"], None);
    apply(
        &kc,
        &format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n"),
    );
    let receiver = Receiver::start();
    let serve = Serve::start(
        &[
            "--kubeconfig",
            &kc,
            "--cluster-name",
            "watch-live",
            "--alert-webhook",
            &receiver.url,
            "--alert-format",
            "json",
            "--alert-severity",
            "high",
            "--debounce",
            "1",
        ],
        &dir,
        "watch",
    );
    let by_ns = format!("rampart_watch_findings_by_namespace{{namespace=\"{ns}\"}}");
    let privileged =
        "rampart_watch_findings_by_check{check=\"privileged-container\",severity=\"critical\"}";
    let before = metric(&metrics_of(&serve), privileged);

    // A privileged pod: a finding, and one alert.
    apply(&kc, &privileged_pod(ns, "priv", "a"));
    let took = wait_for(30, "the privileged pod's finding in /metrics", || {
        metric(&metrics_of(&serve), privileged) > before
    });
    eprintln!("privileged pod -> finding in /metrics: {took:?}");
    let with_pod = metric(&metrics_of(&serve), privileged);
    wait_for(30, "the alert", || {
        !alerts_for(&receiver.bodies(), "privileged-container", ns).is_empty()
    });
    // A change to the same pod (a label) leaves the finding open: no second alert.
    let (ok, out) = kubectl(
        &kc,
        &["label", "pod", "-n", ns, "priv", "tier=web", "--overwrite"],
        None,
    );
    assert!(ok, "{out}");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        alerts_for(&receiver.bodies(), "privileged-container", ns).len(),
        1,
        "one alert per open finding: {:?}",
        receiver.bodies()
    );

    // Fixed: the pod is deleted (no kubelet: it goes at once).
    let (ok, out) = kubectl(
        &kc,
        &[
            "delete",
            "pod",
            "-n",
            ns,
            "priv",
            "--grace-period=0",
            "--force",
        ],
        None,
    );
    assert!(ok, "{out}");
    let took = wait_for(30, "the finding to go", || {
        metric(&metrics_of(&serve), privileged) < with_pod
    });
    eprintln!("pod deleted -> finding gone from /metrics: {took:?}");
    // What stays in the namespace (its default ServiceAccount's findings, made by the
    // controller-manager meanwhile).
    std::thread::sleep(Duration::from_secs(2));
    let ns_base = metric(&metrics_of(&serve), &by_ns);

    // A RoleBinding to cluster-admin: RBAC findings after the debounce; gone when removed.
    let rb = format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: ci-admin\n  namespace: {ns}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\nsubjects:\n- kind: ServiceAccount\n  name: ci\n  namespace: {ns}\n"
    );
    apply(&kc, &rb);
    let took = wait_for(30, "the RoleBinding's RBAC findings", || {
        metric(&metrics_of(&serve), &by_ns) > ns_base
    });
    eprintln!("RoleBinding created -> RBAC findings in /metrics (debounce 1 s): {took:?}");
    let m = metrics_of(&serve);
    assert!(
        metric(
            &m,
            "rampart_watch_findings_by_check{check=\"rbac-cluster-admin\",severity=\"critical\"}"
        ) >= 1.0,
        "{m:?}"
    );
    wait_for(30, "the RBAC alert", || {
        !alerts_for(&receiver.bodies(), "rbac-cluster-admin", ns).is_empty()
    });
    let (ok, out) = kubectl(&kc, &["delete", "rolebinding", "-n", ns, "ci-admin"], None);
    assert!(ok, "{out}");
    wait_for(30, "the RBAC findings to go", || {
        metric(&metrics_of(&serve), &by_ns) == ns_base
    });

    // The pod comes back: fixed, then reappeared, so alerted once more.
    apply(&kc, &privileged_pod(ns, "priv", "a"));
    wait_for(30, "the second alert", || {
        alerts_for(&receiver.bodies(), "privileged-container", ns).len() == 2
    });
    std::thread::sleep(Duration::from_secs(3));
    let bodies = receiver.bodies();
    let mut per_fp: BTreeMap<String, usize> = BTreeMap::new();
    for b in &bodies {
        *per_fp
            .entry(b["fingerprint"].as_str().unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    let priv_fp = alerts_for(&bodies, "privileged-container", ns)[0]["fingerprint"].clone();
    for (fp, n) in &per_fp {
        let expected = if priv_fp == fp.as_str() { 2 } else { 1 };
        assert_eq!(*n, expected, "alerts for {fp}: {bodies:?}");
    }
    let m = metrics_of(&serve);
    eprintln!(
        "alerts received: {}; watch events: {}; errors: {}; object re-evaluations: {}; cross passes: {}",
        bodies.len(),
        m.iter()
            .filter(|(k, _)| k.starts_with("rampart_watch_events_total"))
            .map(|(_, v)| v)
            .sum::<f64>(),
        m.iter()
            .filter(|(k, _)| k.starts_with("rampart_watch_errors_total"))
            .map(|(_, v)| v)
            .sum::<f64>(),
        metric(&m, "rampart_watch_reevaluations_total{pass=\"object\"}"),
        metric(&m, "rampart_watch_reevaluations_total{pass=\"cross\"}"),
    );
    for pass in ["object", "cross"] {
        let sum = metric(
            &m,
            &format!("rampart_watch_reevaluation_duration_seconds_sum{{pass=\"{pass}\"}}"),
        );
        let n = metric(
            &m,
            &format!("rampart_watch_reevaluation_duration_seconds_count{{pass=\"{pass}\"}}"),
        );
        eprintln!(
            "{pass} re-evaluation: {n} runs, mean {:.2} ms",
            if n > 0.0 { sum * 1000.0 / n } else { 0.0 }
        );
    }
    if let Ok(status) = std::fs::read_to_string(format!("/proc/{}/status", serve.child.id())) {
        if let Some(l) = status.lines().find(|l| l.starts_with("VmHWM")) {
            eprintln!("serve --watch peak memory: {l}");
        }
    }
    assert!(
        m.keys()
            .any(|k| k.starts_with("rampart_watch_framework_score{")),
        "{m:?}"
    );
    let log = serve.stop();
    assert!(!log.contains("panicked"), "{log}");
    let _ = kubectl(&kc, &["delete", "namespace", ns, "--wait=false"], None);
}

fn helm() -> Option<PathBuf> {
    let p = std::env::var_os("HELM")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("bench/.peers/bin/helm"));
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "skipping: no helm at {} (scripts/install_peers.sh --only helm)",
            p.display()
        );
        None
    }
}

/// The chart, rendered with an image pinned by digest, as a production install would be.
fn render_chart(helm: &std::path::Path, namespace: &str) -> String {
    let chart = workspace().join("charts/rampart");
    let out = run_binary(
        &helm.to_string_lossy(),
        &[
            "template",
            "rel",
            &chart.to_string_lossy(),
            "--namespace",
            namespace,
            "--set",
            "clusterName=test",
            "--set",
            "image.digest=sha256:0000000000000000000000000000000000000000000000000000000000000000",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "helm template: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
#[ignore = "needs the testenv API server (KUBECONFIG_ADMIN) and helm"]
fn chart_cluster_role_is_least_privilege() {
    let Some(kc) = admin() else { return };
    let Some(helm) = helm() else { return };
    let ns = "rampart-chart";
    let rendered = render_chart(&helm, ns);
    apply(
        &kc,
        &format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n"),
    );
    apply(&kc, &rendered);
    let sa = format!("system:serviceaccount:{ns}:rel-rampart");
    let can = |verb: &str, resource: &str, all: bool| -> bool {
        let mut args = vec!["auth", "can-i", verb, resource, "--as", &sa];
        if all {
            args.push("--all-namespaces");
        }
        let (_, out) = kubectl(&kc, &args, None);
        out.trim() == "yes"
    };
    for t in rampart_cluster::watch::WATCHED {
        let r = if t.group.is_empty() {
            t.resource.to_owned()
        } else {
            format!("{}.{}", t.resource, t.group)
        };
        for verb in ["get", "list", "watch"] {
            assert!(can(verb, &r, true), "the service account cannot {verb} {r}");
        }
        for verb in ["create", "update", "patch", "delete"] {
            assert!(!can(verb, &r, true), "the service account may {verb} {r}");
        }
    }
    for (verb, r) in [
        ("get", "secrets"),
        ("list", "secrets"),
        ("watch", "secrets"),
        ("create", "pods"),
        ("create", "pods/exec"),
        ("create", "serviceaccounts/token"),
        ("impersonate", "users"),
        ("escalate", "clusterroles"),
        ("bind", "clusterroles"),
        ("list", "customresourcedefinitions.apiextensions.k8s.io"),
    ] {
        assert!(!can(verb, r, true), "the service account may {verb} {r}");
    }
    // The ClusterRole grants exactly WATCHED, with get/list/watch.
    let (ok, out) = kubectl(
        &kc,
        &["get", "clusterrole", "rel-rampart", "-o", "json"],
        None,
    );
    assert!(ok, "{out}");
    let role: Value = serde_json::from_str(&out).expect("ClusterRole JSON");
    let mut granted: Vec<(String, String)> = Vec::new();
    for rule in role["rules"].as_array().into_iter().flatten() {
        let verbs: Vec<&str> = rule["verbs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(verbs, ["get", "list", "watch"], "{rule}");
        for g in rule["apiGroups"].as_array().into_iter().flatten() {
            for r in rule["resources"].as_array().into_iter().flatten() {
                granted.push((
                    g.as_str().unwrap_or_default().to_owned(),
                    r.as_str().unwrap_or_default().to_owned(),
                ));
            }
        }
    }
    let mut want: Vec<(String, String)> = rampart_cluster::watch::WATCHED
        .iter()
        .map(|t| (t.group.to_owned(), t.resource.to_owned()))
        .collect();
    granted.sort();
    want.sort();
    assert_eq!(granted, want);

    // The watch runs as that service account, with no watch error.
    let (ok, token) = kubectl(
        &kc,
        &["create", "token", "rel-rampart", "-n", ns, "--duration=10m"],
        None,
    );
    assert!(ok, "{token}");
    let dir = TempDir::new("watch_chart");
    let server = std::env::var("APISERVER_URL").expect("APISERVER_URL");
    let ca = std::env::var("TESTENV_CA_CERT").expect("TESTENV_CA_CERT");
    let sa_kc = dir.write(
        "sa.kubeconfig",
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: t\n  cluster:\n    server: {server}\n    certificate-authority: {ca}\nusers:\n- name: sa\n  user:\n    token: {}\ncontexts:\n- name: sa\n  context: {{cluster: t, user: sa}}\ncurrent-context: sa\n",
            token.trim()
        ),
    );
    let serve = Serve::start(
        &[
            "--kubeconfig",
            &sa_kc.to_string_lossy(),
            "--cluster-name",
            "sa",
        ],
        &dir,
        "sa",
    );
    std::thread::sleep(Duration::from_secs(2));
    let m = metrics_of(&serve);
    let errors: f64 = m
        .iter()
        .filter(|(k, _)| k.starts_with("rampart_watch_errors_total"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(
        errors,
        0.0,
        "watch errors as the chart's service account: {m:?}\n{}",
        serve.log()
    );
    assert!(metric(&m, "rampart_watch_objects") > 0.0);
    serve.stop();
    let _ = kubectl(&kc, &["delete", "namespace", ns, "--wait=false"], None);
    let _ = kubectl(
        &kc,
        &["delete", "clusterrole,clusterrolebinding", "rel-rampart"],
        None,
    );
}

#[test]
#[ignore = "needs the testenv API server (KUBECONFIG_ADMIN); RAMPART_TEST_POSTGRES for PostgreSQL"]
fn fleet_two_clusters_one_store() {
    let Some(kc) = admin() else { return };
    let dir = TempDir::new("watch_fleet");
    let store = std::env::var("RAMPART_TEST_POSTGRES")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| dir.join("fleet.db"));
    eprintln!(
        "fleet store: {}",
        if store.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    // Two tenants of the one control plane, each seen by its own rampart through an identity
    // that may read only its namespace (a cluster of its own, as far as rampart can tell).
    let tenants = ["fleet-a", "fleet-b"];
    for t in tenants {
        let _ = kubectl(&kc, &["delete", "namespace", t, "--wait=false"], None);
    }
    std::thread::sleep(Duration::from_secs(1));
    for t in tenants {
        apply(
            &kc,
            &format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {t}\n"),
        );
    }
    apply(&kc, &privileged_pod("fleet-a", "priv-a", "a"));
    apply(
        &kc,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: host-b\n  namespace: fleet-b\nspec:\n  hostNetwork: true\n  containers:\n  - name: c\n    image: registry.example/app:1\n",
    );
    let mut servers = Vec::new();
    for (t, name) in tenants.iter().zip(["cluster-a", "cluster-b"]) {
        servers.push(Serve::start(
            &[
                "--kubeconfig",
                &kc,
                "--cluster-name",
                name,
                "--namespace",
                t,
                "--store",
                &store,
                "--snapshot-interval",
                "1",
            ],
            &dir,
            t,
        ));
    }
    // A change in each: a second snapshot each.
    apply(&kc, &privileged_pod("fleet-a", "priv-a2", "a"));
    std::thread::sleep(Duration::from_secs(5));
    for s in servers {
        let log = s.stop();
        assert!(!log.contains("panicked"), "{log}");
    }
    let out = run_binary(
        BIN,
        &["history", "list", "--store", &store, "--format", "json"],
        None,
    );
    assert!(
        out.status.success(),
        "history list: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let scans: Value = serde_json::from_slice(&out.stdout).expect("history JSON");
    let scans = scans.as_array().cloned().unwrap_or_default();
    // cluster-a: the first snapshot and the one after the change; cluster-b: the first.
    for (name, least) in [("cluster-a", 2), ("cluster-b", 1)] {
        let of: Vec<&Value> = scans.iter().filter(|s| s["target"] == name).collect();
        assert!(of.len() >= least, "{name}: {of:?}");
    }
    eprintln!("fleet: {} scans stored", scans.len());
    // Each cluster's latest scan holds its own findings, and not the other's.
    let latest_by_namespace = |name: &str| -> BTreeMap<String, i64> {
        let out = run_binary(
            BIN,
            &[
                "history",
                "trend",
                "--by",
                "namespace",
                "--target",
                name,
                "--store",
                &store,
                "--format",
                "json",
            ],
            None,
        );
        assert!(
            out.status.success(),
            "history trend: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).expect("trend JSON");
        v["series"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| {
                let last = s["counts"].as_array()?.last()?.as_i64()?;
                Some((s["key"].as_str()?.to_owned(), last))
            })
            .collect()
    };
    let a = latest_by_namespace("cluster-a");
    let b = latest_by_namespace("cluster-b");
    eprintln!("fleet: cluster-a open by namespace {a:?}; cluster-b {b:?}");
    assert!(a.get("fleet-a").copied().unwrap_or(0) > 0, "{a:?}");
    assert_eq!(a.get("fleet-b").copied().unwrap_or(0), 0, "{a:?}");
    assert!(b.get("fleet-b").copied().unwrap_or(0) > 0, "{b:?}");
    assert_eq!(b.get("fleet-a").copied().unwrap_or(0), 0, "{b:?}");
    for t in tenants {
        let _ = kubectl(&kc, &["delete", "namespace", t, "--wait=false"], None);
    }
}
