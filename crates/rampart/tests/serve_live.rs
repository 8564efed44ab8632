//! `rampart serve --audit-webhook` fed by a real kube-apiserver's audit webhook backend.
//! Ignored by default; scripts/cluster-tests.sh runs it:
//!
//! ```sh
//! testenv/build.sh && cargo test -p rampart --test serve_live -- --ignored --nocapture
//! ```
//!
//! The test owns its control plane: it starts `rampart serve` first (a self-signed pair in a
//! temporary directory, and the kubeconfig the API server needs), then `testenv/start.sh` with
//! `--apiserver-arg` pointing `--audit-webhook-config-file` at it (batches every second). It
//! performs the issue's actions through the API as `rampart-admin` and checks that each
//! expected alert arrives exactly once, naming the rule, the actor, the verb and the object, and
//! that the benign actions raise nothing. Alerts about other actors (the API server's and the
//! controller-manager's own bootstrap) are printed, not asserted.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Stops `rampart serve` and the control plane whatever happens.
struct Guard {
    serve: Option<Child>,
    env_dir: PathBuf,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(mut c) = self.serve.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = Command::new(repo().join("testenv/stop.sh"))
            .arg("--dir")
            .arg(&self.env_dir)
            .stdout(Stdio::null())
            .status();
    }
}

fn wait_for(what: &str, timeout: Duration, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn alerts(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("alert line not JSON ({e}): {l}"))
        })
        .collect()
}

/// (rule, actor, verb, namespace, name) of an alert.
fn key(a: &Value) -> (String, String, String, String, String) {
    let s = |v: &Value| v.as_str().unwrap_or("").to_owned();
    let e = &a["subject"];
    (
        s(&a["check"]),
        s(&e["user"]),
        s(&e["verb"]),
        s(&e["object"]["namespace"]),
        s(&e["object"]["name"]),
    )
}

struct Kubectl {
    bin: PathBuf,
    kubeconfig: PathBuf,
}

impl Kubectl {
    /// Runs kubectl; returns (success, stdout+stderr).
    fn run(&self, args: &[&str], stdin: Option<&str>) -> (bool, String) {
        let mut cmd = Command::new(&self.bin);
        cmd.arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("run kubectl");
        if let Some(text) = stdin {
            if let Some(mut w) = child.stdin.take() {
                w.write_all(text.as_bytes()).expect("kubectl stdin");
            }
        }
        let out = child.wait_with_output().expect("kubectl");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    fn ok(&self, args: &[&str]) -> String {
        let (ok, text) = self.run(args, None);
        assert!(ok, "kubectl {args:?} failed: {text}");
        text
    }

    fn apply(&self, yaml: &str) {
        let (ok, text) = self.run(&["apply", "-f", "-"], Some(yaml));
        assert!(ok, "kubectl apply failed: {text}\n{yaml}");
    }
}

#[test]
#[ignore = "needs the testenv binaries (scripts/cluster-tests.sh)"]
fn audit_webhook_alerts_arrive_once_each_and_benign_actions_raise_none() {
    let testenv = repo().join("testenv");
    assert!(
        testenv.join(".bin/kube-apiserver").exists(),
        "testenv/.bin/kube-apiserver missing: run testenv/build.sh"
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    let tls = tmp.path().join("tls");
    let alerts_file = tmp.path().join("alerts.jsonl");
    let serve_log = tmp.path().join("serve.log");
    let env_dir = tmp.path().join("env");
    let mut guard = Guard {
        serve: None,
        env_dir: env_dir.clone(),
    };

    // 1. rampart serve, on a free loopback port; it writes the API server's kubeconfig.
    let child = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["serve", "--audit-webhook", "127.0.0.1:0", "--tls-dir"])
        .arg(&tls)
        .arg("--alerts")
        .arg(&alerts_file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&serve_log).expect("log"))
        .spawn()
        .expect("start rampart serve");
    let pid = child.id();
    guard.serve = Some(child);
    let kubeconfig = tls.join("audit-webhook.kubeconfig");
    wait_for(
        "rampart serve's kubeconfig",
        Duration::from_secs(20),
        || kubeconfig.exists(),
    );
    let server_line = std::fs::read_to_string(&kubeconfig).expect("kubeconfig");
    let url = server_line
        .lines()
        .find_map(|l| l.trim().strip_prefix("server: "))
        .expect("server in kubeconfig")
        .to_owned();
    let base = url.trim_end_matches("/audit").to_owned();

    // 2. The control plane, its audit webhook pointing at rampart serve.
    let started = Command::new(testenv.join("start.sh"))
        .arg("--dir")
        .arg(&env_dir)
        .arg(format!(
            "--apiserver-arg=--audit-webhook-config-file={}",
            kubeconfig.display()
        ))
        .arg("--apiserver-arg=--audit-webhook-batch-max-wait=1s")
        .status()
        .expect("testenv/start.sh");
    assert!(started.success(), "testenv/start.sh failed");
    let k = Kubectl {
        bin: testenv.join(".bin/kubectl"),
        kubeconfig: env_dir.join("admin.kubeconfig"),
    };

    // 3. The actions. Setup first (namespaces, a service account, a webhook configuration).
    k.apply(
        "apiVersion: v1
kind: Namespace
metadata:
  name: live
---
apiVersion: v1
kind: Namespace
metadata:
  name: live-psa
  labels:
    pod-security.kubernetes.io/enforce: restricted
",
    );
    wait_for(
        "the default service account",
        Duration::from_secs(30),
        || {
            k.run(&["-n", "live", "get", "serviceaccount", "default"], None)
                .0
        },
    );
    k.ok(&["-n", "live", "create", "serviceaccount", "other"]);
    // A privileged pod.
    k.apply(
        "apiVersion: v1
kind: Pod
metadata:
  name: evil
  namespace: live
spec:
  containers:
  - name: c
    image: busybox:1.36
    command: [sleep, '3600']
    securityContext:
      privileged: true
",
    );
    // cluster-admin bound to a user.
    k.ok(&[
        "create",
        "clusterrolebinding",
        "live-admin",
        "--clusterrole=cluster-admin",
        "--user=mallory",
    ]);
    // A token for another service account.
    k.ok(&["-n", "live", "create", "token", "other"]);
    // A webhook configuration (for a resource nobody uses), then its deletion.
    k.apply(
        "apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: live-hook
webhooks:
- name: live-hook.example.com
  admissionReviewVersions: [v1]
  sideEffects: None
  failurePolicy: Ignore
  clientConfig:
    url: https://127.0.0.1:1/validate
  rules:
  - apiGroups: [example.com]
    apiVersions: [v1]
    operations: [CREATE]
    resources: [widgets]
",
    );
    k.ok(&["delete", "validatingwebhookconfiguration", "live-hook"]);
    // Pod Security weakened.
    k.ok(&[
        "label",
        "namespace",
        "live-psa",
        "pod-security.kubernetes.io/enforce=privileged",
        "--overwrite",
    ]);
    // Exec: there is no kubelet, so the pod has no node and the API server answers 400 ("pod
    // evil does not have a host assigned") after authorizing it; kubectl tries a WebSocket GET,
    // then falls back to a SPDY POST: two requests, both audited with code 400. The pod-exec rule
    // alerts on exec sessions that were served (1xx/2xx), so these raise nothing (checked below).
    let (exec_ok, exec_out) = k.run(&["-n", "live", "exec", "evil", "--", "id"], None);
    println!("kubectl exec (fails without a kubelet): ok={exec_ok}: {exec_out}");
    assert!(!exec_ok);
    // Benign actions.
    k.ok(&[
        "-n",
        "live",
        "create",
        "configmap",
        "benign",
        "--from-literal=colour=blue",
    ]);
    k.ok(&["-n", "live", "get", "pods"]);
    k.ok(&["get", "namespaces"]);

    // 4. The alerts: every expected one, once; nothing else by the admin.
    let admin = "rampart-admin";
    let expected: Vec<(&str, &str, &str, &str)> = vec![
        ("audit-privileged-pod", "create", "live", "evil"),
        ("audit-bind-cluster-admin", "create", "", "live-admin"),
        ("audit-token-request-other-sa", "create", "live", "other"),
        ("audit-admission-webhook-changed", "delete", "", "live-hook"),
        // A namespace is its own namespace in the alert's object.
        ("audit-psa-label-weakened", "patch", "live-psa", "live-psa"),
    ];
    let by_admin = |all: &[Value]| -> Vec<(String, String, String, String, String)> {
        all.iter().map(key).filter(|k| k.1 == admin).collect()
    };
    let arrived = |all: &[Value], rule: &str| by_admin(all).iter().any(|k| k.0 == rule);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let all = alerts(&alerts_file);
        let missing: Vec<&str> = expected
            .iter()
            .map(|e| e.0)
            .filter(|rule| !arrived(&all, rule))
            .collect();
        if missing.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(&serve_log).unwrap_or_default();
            let audit = std::fs::read_to_string(env_dir.join("audit.log")).unwrap_or_default();
            let exec: Vec<&str> = audit.lines().filter(|l| l.contains("\"exec\"")).collect();
            panic!(
                "missing alerts {missing:?}; by {admin}: {:#?}\nexec events in the audit log: {exec:#?}\nrampart serve:\n{log}",
                by_admin(&all)
            );
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    // Batches arrive every second: wait for late duplicates or stray alerts.
    std::thread::sleep(Duration::from_secs(4));
    let all = alerts(&alerts_file);
    for a in &all {
        println!("alert: {}: {}", a["check"], a["message"]);
    }
    let mut seen: BTreeMap<(String, String, String, String, String), usize> = BTreeMap::new();
    for k in by_admin(&all) {
        *seen.entry(k).or_default() += 1;
    }
    for (rule, verb, ns, name) in &expected {
        let hits: Vec<_> = seen
            .iter()
            .filter(|(k, _)| {
                k.0 == *rule && (*verb == "*" || k.2 == *verb) && k.3 == *ns && k.4 == *name
            })
            .collect();
        assert_eq!(
            hits.len(),
            1,
            "{rule} {verb} {ns}/{name}: {hits:?}\nall: {seen:#?}"
        );
        assert_eq!(*hits[0].1, 1, "{rule} arrived more than once: {seen:#?}");
    }
    // The refused exec attempts reached the API server's audit log (and so the webhook), with
    // the authorizer's allow and code 400; no exec alert for them.
    let audit_log = std::fs::read_to_string(env_dir.join("audit.log")).expect("audit.log");
    let exec_events: Vec<Value> = audit_log
        .lines()
        .filter(|l| l.contains("\"subresource\":\"exec\""))
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(!exec_events.is_empty(), "no exec event in the audit log");
    assert!(exec_events
        .iter()
        .all(|e| e["responseStatus"]["code"] == 400
            && e["annotations"]["authorization.k8s.io/decision"] == "allow"));
    assert!(!seen.keys().any(|k| k.0 == "audit-pod-exec"), "{seen:#?}");
    assert_eq!(
        seen.len(),
        expected.len(),
        "alerts by {admin} other than the expected ones (benign actions must raise none): {seen:#?}"
    );

    // 5. Metrics: everything received was judged; then a graceful stop.
    let ca = tls.join("ca.crt");
    let metrics = Command::new("curl")
        .args(["-s", "--max-time", "5", "--cacert"])
        .arg(&ca)
        .arg(format!("{base}/metrics"))
        .output()
        .expect("curl");
    let text = String::from_utf8_lossy(&metrics.stdout).into_owned();
    let value = |name: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok()))
            .unwrap_or_else(|| panic!("{name} not in metrics:\n{text}"))
    };
    let received = value("rampart_audit_events_received_total ");
    assert!(received > 100.0, "{text}");
    println!("metrics: {received} events received by rampart serve");
    let killed = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let mut child = guard.serve.take().expect("child");
    let status = child.wait().expect("wait");
    let log = std::fs::read_to_string(&serve_log).unwrap_or_default();
    assert!(
        status.success(),
        "rampart serve exited with {status}:\n{log}"
    );
    assert!(log.contains("audit-webhook: drained"), "{log}");
    println!("{log}");
    // "N events received, N judged": nothing accepted was lost at shutdown.
    let summary = log
        .lines()
        .find(|l| l.contains("events received"))
        .unwrap_or_else(|| panic!("no summary in:\n{log}"));
    let words: Vec<&str> = summary.split_whitespace().collect();
    let received_at = words.iter().position(|w| *w == "events").expect("events");
    let judged_at = words.iter().position(|w| *w == "judged").expect("judged");
    assert_eq!(
        words[received_at - 1],
        words[judged_at - 1],
        "received and judged differ: {summary}"
    );
}
