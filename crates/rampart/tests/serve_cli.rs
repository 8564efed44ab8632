//! `rampart serve` as a process: flags, the generated certificate and kubeconfig, an audit batch
//! posted over HTTPS (with curl, trusting the generated CA), the alert written, and a graceful
//! stop on SIGTERM.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn curl(args: &[&str], ca: &Path) -> Option<String> {
    let out = Command::new("curl")
        .args(["-s", "--max-time", "10", "--cacert"])
        .arg(ca)
        .args(args)
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn without_a_part_serve_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .arg("serve")
        .output()
        .expect("run rampart");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--audit-webhook"));
}

#[test]
fn serve_judges_a_posted_batch_and_stops_on_sigterm() {
    if Command::new("curl").arg("--version").output().is_err() {
        println!("skipping: curl not found");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let tls = dir.path().join("tls");
    let alerts = dir.path().join("alerts.jsonl");
    let log = dir.path().join("serve.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["serve", "--audit-webhook", "127.0.0.1:0", "--tls-dir"])
        .arg(&tls)
        .arg("--alerts")
        .arg(&alerts)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log"))
        .spawn()
        .expect("start rampart serve");
    let kubeconfig = tls.join("audit-webhook.kubeconfig");
    wait_for("the kubeconfig", || kubeconfig.exists());
    let text = std::fs::read_to_string(&kubeconfig).expect("kubeconfig");
    let url = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("server: "))
        .expect("server")
        .to_owned();
    let base = url.trim_end_matches("/audit");
    let ca = tls.join("ca.crt");
    assert_eq!(
        curl(&[&format!("{base}/readyz")], &ca).as_deref(),
        Some("ok\n")
    );
    let batch = r#"{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[
      {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"1","stage":"ResponseComplete",
       "requestURI":"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings","verb":"create",
       "user":{"username":"mallory"},"sourceIPs":["127.0.0.1"],
       "objectRef":{"resource":"clusterrolebindings","name":"pwn","apiGroup":"rbac.authorization.k8s.io","apiVersion":"v1"},
       "responseStatus":{"code":201},
       "requestObject":{"kind":"ClusterRoleBinding","metadata":{"name":"pwn"},
         "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},
         "subjects":[{"kind":"User","name":"mallory"}]},
       "requestReceivedTimestamp":"2026-12-07T00:00:00.000000Z"}]}"#;
    let answer = curl(
        &[
            "-X",
            "POST",
            "-H",
            "content-type: application/json",
            "--data-binary",
            batch,
            &url,
        ],
        &ca,
    );
    assert_eq!(answer.as_deref(), Some("accepted\n"));
    wait_for("the alert", || {
        std::fs::read_to_string(&alerts).is_ok_and(|t| t.contains("audit-bind-cluster-admin"))
    });
    let metrics = curl(&[&format!("{base}/metrics")], &ca).unwrap_or_default();
    assert!(
        metrics.contains("rampart_audit_events_processed_total 1"),
        "{metrics}"
    );
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("wait");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(status.success(), "{status}: {text}");
    assert!(text.contains("1 events received, 1 judged"), "{text}");
}

#[test]
fn cluster_flags_need_a_part_that_reads_the_cluster_and_a_cluster() {
    let dir =
        std::env::temp_dir().join(format!("rampart_serve_cli_cluster_{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let missing = dir.join("no-such.kubeconfig");
    // --kubeconfig names the cluster of --watch or --admission-cluster: alone it is an error.
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["serve", "--admission", "127.0.0.1:0", "--tls-dir"])
        .arg(&dir)
        .arg("--kubeconfig")
        .arg(&missing)
        .output()
        .expect("run rampart");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--admission-cluster"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // With --admission-cluster and a cluster that cannot be used: refuses to start.
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["serve", "--admission", "127.0.0.1:0", "--tls-dir"])
        .arg(&dir)
        .args(["--policies-from-cluster", "--kubeconfig"])
        .arg(&missing)
        .output()
        .expect("run rampart");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("--admission-cluster"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
