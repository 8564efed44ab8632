//! Live-cluster tests against the real control plane of `testenv/`. Ignored by default; run with
//!
//! ```sh
//! testenv/run-with.sh cargo test -p rampart --test cluster -- --ignored --test-threads=1
//! ```
//!
//! They need the variables of the testenv `env` file (KUBECONFIG_ADMIN, KUBECONFIG_RESTRICTED,
//! APISERVER_URL, TESTENV_CA_CERT, TESTENV_KUBECTL).

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

const NS: &str = "rampart-it";
const SECRET_VALUE: &str = "rampart-it-SECRET-VALUE-do-not-leak";

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run under testenv/run-with.sh (see the top of this file)")
    })
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs kubectl with the admin kubeconfig; stdin is `input` when given.
fn kubectl_admin(args: &[&str], input: Option<&str>) -> (bool, String) {
    rampart_testutil::kubectl(&env("KUBECONFIG_ADMIN"), args, input)
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    took: Duration,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", self.stdout, self.stderr))
    }
}

fn rampart(args: &[&str]) -> Run {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run rampart");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: start.elapsed(),
    };
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

/// The insecure example app (what the server admits of it) plus objects of our own: a privileged
/// Deployment and Pod, and Secrets whose values must never be read.
fn apply_fixtures() {
    let _ = kubectl_admin(&["create", "namespace", "legacy-shop"], None);
    // The example's Deployment is rejected by the server (hostPort with hostNetwork); the rest applies.
    let (_, out) = kubectl_admin(
        &[
            "apply",
            "-f",
            &workspace().join("examples/insecure").display().to_string(),
        ],
        None,
    );
    assert!(out.contains("serviceaccount/shop"), "{out}");
    let manifest = format!(
        r#"apiVersion: v1
kind: Namespace
metadata:
  name: {NS}
  labels: {{pod-security.kubernetes.io/warn: restricted}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: priv, namespace: {NS}}}
spec:
  selector: {{matchLabels: {{app: priv}}}}
  template:
    metadata: {{labels: {{app: priv}}}}
    spec:
      hostPID: true
      containers:
      - name: c
        image: registry.example/priv:1.0
        securityContext: {{privileged: true}}
---
apiVersion: v1
kind: Pod
metadata: {{name: priv-pod, namespace: {NS}}}
spec:
  containers:
  - name: c
    image: registry.example/priv:1.0
    securityContext: {{privileged: true}}
---
apiVersion: v1
kind: Secret
metadata: {{name: applied, namespace: {NS}}}
stringData: {{token: {SECRET_VALUE}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: deny-all, namespace: {NS}}}
spec: {{podSelector: {{}}, policyTypes: [Ingress]}}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {{name: rampart-it}}
webhooks:
- name: check.rampart-it.example
  failurePolicy: Ignore
  sideEffects: None
  admissionReviewVersions: [v1]
  clientConfig: {{url: "https://127.0.0.1:1/validate"}}
  rules:
  - {{apiGroups: ["rampart.example"], apiVersions: ["*"], operations: [CREATE], resources: ["*"]}}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: widgets.rampart.example}}
spec:
  group: rampart.example
  scope: Namespaced
  names: {{plural: widgets, singular: widget, kind: Widget}}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {{openAPIV3Schema: {{type: object, x-kubernetes-preserve-unknown-fields: true}}}}
"#
    );
    let (ok, out) = kubectl_admin(&["apply", "-f", "-"], Some(&manifest));
    assert!(ok, "{out}");
    let (ok, out) = kubectl_admin(
        &[
            "-n",
            NS,
            "create",
            "secret",
            "generic",
            "created",
            &format!("--from-literal=password={SECRET_VALUE}"),
            "--dry-run=client",
            "-o",
            "yaml",
        ],
        None,
    );
    assert!(ok, "{out}");
    let (ok, out) = kubectl_admin(&["apply", "-f", "-"], Some(&out));
    assert!(ok, "{out}");
    // Wait until the CRD serves, so discovery lists it.
    for _ in 0..50 {
        let (ok, _) = kubectl_admin(&["get", "widgets", "-A"], None);
        if ok {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let widget = format!(
        "apiVersion: rampart.example/v1\nkind: Widget\nmetadata: {{name: w1, namespace: {NS}}}\nspec: {{size: 3}}\n"
    );
    let (ok, out) = kubectl_admin(&["apply", "-f", "-"], Some(&widget));
    assert!(ok, "{out}");
}

/// A kubeconfig for the testenv server with `ca` as its CA and a bogus bearer token.
fn kubeconfig(dir: &Path, name: &str, server: &str, ca: &str, extra_cluster: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: t\nclusters:\n- name: t\n  cluster: {{server: \"{server}\", certificate-authority: \"{ca}\"{extra_cluster}}}\nusers:\n- name: t\n  user: {{token: bogus-token}}\ncontexts:\n- name: t\n  context: {{cluster: t, user: t}}\n"
        ),
    )
    .expect("write kubeconfig");
    path
}

fn names(v: &Value, field: &str) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.get(field).and_then(Value::as_str).map(str::to_owned))
        .collect()
}

#[test]
#[ignore = "needs testenv: testenv/run-with.sh cargo test -p rampart --test cluster -- --ignored"]
fn inventory_snapshot_and_offline_scan() {
    apply_fixtures();
    let admin = env("KUBECONFIG_ADMIN");
    let dir = tempfile::tempdir().expect("tempdir");

    let live = rampart(&[
        "inventory",
        "--cluster",
        "--kubeconfig",
        &admin,
        "-f",
        "json",
    ]);
    assert_eq!(live.code, 0, "{}", live.stderr);
    eprintln!("inventory --cluster took {:?}", live.took);
    let inv = live.json();
    assert_eq!(inv["source"]["kind"], "cluster");
    assert_eq!(inv["kubernetesVersion"], "v1.37.2");
    assert_eq!(inv["coverage"]["partial"], false, "{}", inv["coverage"]);
    let namespaces = names(&inv["namespaces"], "name");
    assert!(
        namespaces.contains(&NS.to_string()) && namespaces.contains(&"legacy-shop".to_string())
    );
    let it = inv["namespaces"]
        .as_array()
        .and_then(|a| a.iter().find(|n| n["name"] == NS))
        .expect("namespace");
    assert_eq!(it["podSecurity"]["warn"], "restricted");
    assert!(inv["workloads"]["Deployment"].as_u64() >= Some(1), "{inv}");
    assert!(inv["workloads"]["Pod"].as_u64() >= Some(1), "{inv}");
    assert!(names(&inv["images"], "image").contains(&"registry.example/priv:1.0".to_string()));
    assert!(inv["serviceAccounts"]
        .as_array()
        .is_some_and(|a| a.iter().any(|s| s == "legacy-shop/shop")));
    assert!(inv["rbac"]["clusterRoles"].as_u64() > Some(10));
    assert_eq!(inv["networkPolicies"][NS], 1);
    assert!(names(&inv["crds"], "name").contains(&"widgets.rampart.example".to_string()));
    let hook = inv["webhooks"]
        .as_array()
        .and_then(|a| a.iter().find(|w| w["configuration"] == "rampart-it"))
        .expect("webhook");
    assert_eq!(hook["failurePolicy"], "Ignore");
    assert_eq!(hook["kind"], "validating");
    // The custom resource type was discovered and read.
    let read = &inv["coverage"]["read"];
    assert!(read.as_array().is_some_and(|a| a
        .iter()
        .any(|t| t["resource"] == "widgets" && t["count"] == 1)));
    let secrets = read
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|t| t["resource"] == "secrets" && t["group"] == "")
        })
        .expect("secrets read");
    assert_eq!(secrets["metadataOnly"], true);
    if std::env::var("TESTENV_ANONYMOUS_AUTH").as_deref() == Ok("false") {
        assert_eq!(inv["anonymous"]["api"]["status"], 401);
        assert_eq!(inv["anonymous"]["version"]["status"], 401);
    }
    if std::env::var("TESTENV_ANONYMOUS_AUTH").as_deref() == Ok("true") {
        // system:public-info-viewer lets anyone read /version.
        assert_eq!(inv["anonymous"]["version"]["status"], 200);
        assert_ne!(inv["anonymous"]["api"]["status"], 401);
    }

    // Snapshots, plain and compressed, hold no Secret value.
    for name in ["snap.json", "snap.json.zst"] {
        let file = dir.path().join(name);
        let file_s = file.display().to_string();
        let run = rampart(&["snapshot", "--kubeconfig", &admin, "-o", &file_s]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        eprintln!("snapshot {name} took {:?}", run.took);
        let snap = rampart_cluster::read_snapshot(&file).expect("read snapshot");
        let text = serde_json::to_string(&snap).expect("json");
        assert!(
            !text.contains(SECRET_VALUE),
            "a Secret value leaked into {name}"
        );
        assert!(!text.contains("managedFields"));
        let secret = snap
            .objects
            .iter()
            .find(|o| o["kind"] == "Secret" && o["metadata"]["name"] == "applied")
            .expect("secret metadata");
        assert!(secret.get("data").is_none());
        assert_eq!(snap.server_version, "v1.37.2");
        let pod = snap
            .objects
            .iter()
            .find(|o| o["kind"] == "Pod" && o["metadata"]["name"] == "priv-pod")
            .expect("pod");
        assert_eq!(pod["apiVersion"], "v1");
        assert!(pod["metadata"]["uid"].is_string());

        // The same inventory offline.
        let off = rampart(&["inventory", "--snapshot", &file_s, "-f", "json"]);
        assert_eq!(off.code, 0, "{}", off.stderr);
        let off = off.json();
        assert_eq!(off["source"]["kind"], "snapshot");
        for key in [
            "kubernetesVersion",
            "namespaces",
            "workloads",
            "images",
            "rbac",
            "crds",
            "webhooks",
        ] {
            assert_eq!(off[key], inv[key], "{key}");
        }
        // Namespace filters apply to snapshots too.
        let only = rampart(&[
            "inventory",
            "--snapshot",
            &file_s,
            "--namespace",
            NS,
            "-f",
            "json",
        ]);
        let only = only.json();
        assert_eq!(names(&only["namespaces"], "name"), vec![NS.to_string()]);
        assert!(!only["serviceAccounts"]
            .as_array()
            .is_some_and(|a| a.iter().any(|s| s == "legacy-shop/shop")));
    }

    // Loaded through the library path the scan uses: resources name the cluster object.
    let snap = rampart_cluster::read_snapshot(&dir.path().join("snap.json.zst")).expect("read");
    let resources = snap.resources();
    let dep = resources
        .iter()
        .find(|r| r.id.kind == "Deployment" && r.id.name == "priv")
        .expect("deployment");
    assert_eq!(dep.id.namespace.as_deref(), Some(NS));
    assert!(dep.id.uid.is_some());
    assert_eq!(
        dep.origin,
        rampart_model::Origin::Cluster {
            context: snap.context.clone()
        }
    );

    // The existing checks run unchanged on cluster objects and name them.
    let engine = rampart_checks::Engine::new(rampart_checks::Selection::all());
    let findings = engine.run(dep);
    let privileged = findings
        .iter()
        .find(|f| f.check == "privileged-container")
        .expect("privileged-container finding on the live Deployment");
    let object = privileged.object().expect("an object finding");
    assert_eq!(object.name, "priv");
    assert_eq!(object.namespace.as_deref(), Some(NS));
    assert_eq!(object.uid, dep.id.uid);
    assert!(
        privileged.pointer.as_str().contains("/containers/0"),
        "{}",
        privileged.pointer.as_str()
    );
    assert!(findings.iter().any(|f| f.check == "host-pid"));

    // The snapshot scanned offline gives exactly the findings of the live scan.
    let file_s = dir.path().join("snap.json.zst").display().to_string();
    let scan = rampart(&[
        "scan",
        "--snapshot",
        &file_s,
        "--no-config",
        "--format",
        "json",
    ]);
    assert!(scan.code == 1, "{}\n{}", scan.stdout, scan.stderr);
    let offline = scan.json();
    let findings = offline["findings"].as_array().cloned().unwrap_or_default();
    let priv_dep = findings.iter().find(|f| {
        f.to_string().contains("privileged-container")
            && f.to_string().contains("\"priv\"")
            && f.to_string().contains(NS)
    });
    assert!(priv_dep.is_some(), "{offline}");
    let admin = env("KUBECONFIG_ADMIN");
    let live = rampart(&[
        "scan",
        "--cluster",
        "--kubeconfig",
        &admin,
        "--no-config",
        "--format",
        "json",
    ]);
    assert!(live.code == 1, "{}\n{}", live.stdout, live.stderr);
    let key = |r: &Value| {
        let mut v: Vec<String> = r["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| {
                format!(
                    "{} {} {} {} {} {}",
                    f["check"],
                    f["subject"]["kind"],
                    f["subject"]["namespace"],
                    f["subject"]["name"],
                    f["pointer"],
                    f["message"]
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        key(&offline),
        key(&live.json()),
        "a snapshot scanned offline must give the live scan's findings"
    );
    assert_eq!(offline["source"]["type"], "snapshot");
    assert_eq!(live.json()["source"]["type"], "cluster");

    // The cluster-level checks see the anonymous probe through the ClusterInfo object, live and
    // offline alike (the comparison above covers the snapshot).
    let live_report = live.json();
    let on_cluster = |check: &str| -> Vec<Value> {
        live_report["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["check"] == check)
            .cloned()
            .collect()
    };
    match std::env::var("TESTENV_ANONYMOUS_AUTH").as_deref() {
        Ok("true") => {
            let found = on_cluster("anonymous-access");
            assert_eq!(found.len(), 1, "{live_report}");
            assert_eq!(found[0]["subject"]["kind"], "ClusterInfo");
            assert_eq!(found[0]["subject"]["apiVersion"], "rampart.dev/v1");
            let msg = found[0]["message"].as_str().unwrap_or_default();
            assert!(msg.contains("GET /version answered 200"), "{msg}");
            assert_eq!(found[0]["severity"], "high");
            // 2xx is reported by anonymous-access alone.
            assert!(on_cluster("anonymous-auth-enabled").is_empty());
        }
        Ok("false") => {
            assert!(on_cluster("anonymous-access").is_empty(), "{live_report}");
            assert!(
                on_cluster("anonymous-auth-enabled").is_empty(),
                "{live_report}"
            );
        }
        _ => {}
    }
    // v1.37.2 is supported until 2027-10-28; the object carries the version of /version.
    if jiff::ZonedDateTime::now().date() <= jiff::civil::date(2027, 10, 28) {
        assert!(
            on_cluster("kubernetes-version-eol").is_empty(),
            "{live_report}"
        );
    }

    // The analyses read snapshots and live clusters too.
    let who = rampart(&[
        "rbac",
        "who-can",
        "get",
        "secrets",
        "--snapshot",
        &file_s,
        "-f",
        "json",
    ]);
    assert_eq!(who.code, 0, "{}\n{}", who.stdout, who.stderr);
    assert!(who.stdout.contains("system:masters"), "{}", who.stdout);
    let who_live = rampart(&[
        "rbac",
        "who-can",
        "get",
        "secrets",
        "--cluster",
        "--kubeconfig",
        &admin,
        "-f",
        "json",
    ]);
    assert_eq!(who_live.code, 0, "{}", who_live.stderr);
    assert_eq!(
        who.stdout, who_live.stdout,
        "snapshot and live RBAC answers differ"
    );
    let matrix = rampart(&[
        "netpol",
        "matrix",
        "--snapshot",
        &file_s,
        "--format",
        "json",
    ]);
    assert_eq!(matrix.code, 0, "{}\n{}", matrix.stdout, matrix.stderr);
}

#[test]
#[ignore = "needs testenv: testenv/run-with.sh cargo test -p rampart --test cluster -- --ignored"]
fn restricted_identity_gets_coverage_report() {
    let restricted = env("KUBECONFIG_RESTRICTED");
    let run = rampart(&[
        "inventory",
        "--cluster",
        "--kubeconfig",
        &restricted,
        "-f",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("PARTIAL"), "{}", run.stderr);
    let inv = run.json();
    let cov = &inv["coverage"];
    assert_eq!(cov["partial"], true);
    let forbidden: Vec<String> = cov["notRead"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|g| g["reason"] == "forbidden")
        .filter_map(|g| g["resource"].as_str().map(str::to_owned))
        .collect();
    for r in ["secrets", "nodes", "namespaces", "pods", "clusterroles"] {
        assert!(
            forbidden.contains(&r.to_string()),
            "{r} not in {forbidden:?}"
        );
    }

    // Per namespace, the identity reads what `view` grants there (not Secrets).
    let run = rampart(&[
        "inventory",
        "--kubeconfig",
        &restricted,
        "--namespace",
        "rampart-restricted",
        "-f",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let inv = run.json();
    let read = names(&inv["coverage"]["read"], "resource");
    assert!(read.contains(&"pods".to_string()), "{read:?}");
    assert!(read.contains(&"serviceaccounts".to_string()), "{read:?}");
    assert!(!read.contains(&"secrets".to_string()), "{read:?}");
    assert_eq!(inv["coverage"]["partial"], true);
    assert!(inv["serviceAccounts"]
        .as_array()
        .is_some_and(|a| a.iter().any(|s| s == "rampart-restricted/default")));

    // A snapshot by the restricted identity records its gaps.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("r.json");
    let run = rampart(&[
        "snapshot",
        "--kubeconfig",
        &restricted,
        "-o",
        &file.display().to_string(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let snap = rampart_cluster::read_snapshot(&file).expect("read");
    assert!(snap.coverage.partial);
    assert!(!snap.coverage.interrupted());
}

#[test]
#[ignore = "needs testenv: testenv/run-with.sh cargo test -p rampart --test cluster -- --ignored"]
fn failure_modes_have_clear_errors() {
    let url = env("APISERVER_URL");
    let ca = env("TESTENV_CA_CERT");
    let dir = tempfile::tempdir().expect("tempdir");

    // Nothing listening.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let down = kubeconfig(
        dir.path(),
        "down",
        &format!("https://127.0.0.1:{port}"),
        &ca,
        "",
    );
    let run = rampart(&["inventory", "--kubeconfig", &down.display().to_string()]);
    assert_eq!(run.code, 2);
    assert!(run.took < Duration::from_secs(5), "{:?}", run.took);
    assert!(
        run.stderr.contains(&format!(
            "cannot reach https://127.0.0.1:{port}: is the cluster running"
        )),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);

    // A CA that did not sign the server certificate.
    let other_ca = dir.path().join("other-ca.crt");
    let status = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=not-the-cluster-ca", "-keyout"])
        .arg(dir.path().join("other-ca.key"))
        .arg("-out")
        .arg(&other_ca)
        .stderr(Stdio::null())
        .status()
        .expect("openssl");
    assert!(status.success());
    let wrong_ca = kubeconfig(
        dir.path(),
        "wrong-ca",
        &url,
        &other_ca.display().to_string(),
        "",
    );
    let run = rampart(&["inventory", "--kubeconfig", &wrong_ca.display().to_string()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("TLS handshake with"), "{}", run.stderr);
    assert!(run.stderr.contains("not signed by a CA"), "{}", run.stderr);

    // A server name the certificate does not hold.
    let wrong_name = kubeconfig(
        dir.path(),
        "wrong-name",
        &url,
        &ca,
        ", tls-server-name: not-the-server.example",
    );
    let run = rampart(&[
        "inventory",
        "--kubeconfig",
        &wrong_name.display().to_string(),
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not valid for name"), "{}", run.stderr);

    // Right CA, bogus token.
    let bogus = kubeconfig(dir.path(), "bogus", &url, &ca, "");
    let run = rampart(&["inventory", "--kubeconfig", &bogus.display().to_string()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("rejected the credentials (401 Unauthorized)"),
        "{}",
        run.stderr
    );
    let run = rampart(&[
        "snapshot",
        "--kubeconfig",
        &bogus.display().to_string(),
        "-o",
        &dir.path().join("s.json").display().to_string(),
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("401"), "{}", run.stderr);
}

/// A TCP proxy to `target` that, once `budget` bytes went from server to client, closes every
/// connection and stops listening: the server "stops" in the middle of the read.
struct CuttingProxy {
    port: u16,
    down_bytes: Arc<AtomicUsize>,
}

fn cutting_proxy(target: SocketAddr, budget: Option<usize>) -> CuttingProxy {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    listener.set_nonblocking(true).expect("nonblocking");
    let down_bytes = Arc::new(AtomicUsize::new(0));
    let cut = Arc::new(AtomicBool::new(false));
    let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
    let counter = down_bytes.clone();
    std::thread::spawn(move || loop {
        if cut.load(Ordering::SeqCst) {
            if let Ok(v) = open.lock() {
                for s in v.iter() {
                    let _ = s.shutdown(Shutdown::Both);
                }
            }
            return; // drops the listener: new connections are refused
        }
        let client = match listener.accept() {
            Ok((c, _)) => c,
            Err(_) => {
                std::thread::sleep(Duration::from_millis(2));
                continue;
            }
        };
        let _ = client.set_nonblocking(false);
        let Ok(server) = TcpStream::connect(target) else {
            continue;
        };
        if let Ok(mut v) = open.lock() {
            v.extend(
                [client.try_clone(), server.try_clone()]
                    .into_iter()
                    .flatten(),
            );
        }
        let (mut c_read, mut s_write) = (
            client.try_clone().expect("clone"),
            server.try_clone().expect("clone"),
        );
        std::thread::spawn(move || {
            let mut buf = [0u8; 16384];
            while let Ok(n @ 1..) = c_read.read(&mut buf) {
                if s_write.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            let _ = s_write.shutdown(Shutdown::Write);
        });
        let (mut s_read, mut c_write) = (server, client);
        let counter = counter.clone();
        let cut = cut.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 16384];
            while let Ok(n @ 1..) = s_read.read(&mut buf) {
                let total = counter.fetch_add(n, Ordering::SeqCst) + n;
                if budget.is_some_and(|b| total > b) {
                    cut.store(true, Ordering::SeqCst);
                    let _ = s_read.shutdown(Shutdown::Both);
                    let _ = c_write.shutdown(Shutdown::Both);
                    return;
                }
                if c_write.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            let _ = c_write.shutdown(Shutdown::Write);
        });
    });
    CuttingProxy { port, down_bytes }
}

#[test]
#[ignore = "needs testenv: testenv/run-with.sh cargo test -p rampart --test cluster -- --ignored"]
fn server_stopping_mid_read_gives_partial_results() {
    let url = env("APISERVER_URL");
    let target: SocketAddr = url
        .trim_start_matches("https://")
        .parse()
        .expect("APISERVER_URL is https://IP:PORT");
    let admin = std::fs::read_to_string(env("KUBECONFIG_ADMIN")).expect("admin kubeconfig");
    let dir = tempfile::tempdir().expect("tempdir");
    let through = |port: u16, name: &str| {
        let path = dir.path().join(name);
        std::fs::write(
            &path,
            admin.replace(&url, &format!("https://127.0.0.1:{port}")),
        )
        .expect("write kubeconfig");
        path.display().to_string()
    };

    // Measure a full read through the proxy, then cut the next one at 60% of it.
    let full = cutting_proxy(target, None);
    let kc = through(full.port, "full");
    let run = rampart(&["inventory", "--kubeconfig", &kc, "-f", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let total = full.down_bytes.load(Ordering::SeqCst);
    assert!(total > 10_000, "{total}");

    let cutting = cutting_proxy(target, Some(total * 6 / 10));
    let kc = through(cutting.port, "cut");
    let start = Instant::now();
    let run = rampart(&["inventory", "--kubeconfig", &kc, "-f", "json"]);
    let took = start.elapsed();
    assert!(took < Duration::from_secs(30), "{took:?}");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("stopped answering during the read"),
        "{}",
        run.stderr
    );
    let inv = run.json();
    assert_eq!(inv["coverage"]["partial"], true);
    assert!(inv["coverage"]["notRead"]
        .as_array()
        .is_some_and(|a| a.iter().any(|g| g["reason"] == "unreachable")));
    eprintln!(
        "cut after {} of {total} bytes; {} read, {} not read, {took:?}",
        cutting.down_bytes.load(Ordering::SeqCst),
        inv["coverage"]["read"].as_array().map_or(0, Vec::len),
        inv["coverage"]["notRead"].as_array().map_or(0, Vec::len)
    );
}
