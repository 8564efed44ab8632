//! Connection failure modes that need no cluster: nothing listening, a server that never answers,
//! a bad kubeconfig. Each must fail quickly with a one-line error saying what to check.

use std::io::Write;
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use rampart_cluster::{read_cluster, ClusterError, ConnectOptions, ReadOptions};

fn kubeconfig(dir: &Path, server: &str) -> std::path::PathBuf {
    let path = dir.join("kubeconfig");
    let mut f = std::fs::File::create(&path).expect("create kubeconfig");
    write!(
        f,
        "apiVersion: v1
kind: Config
current-context: test
clusters:
- name: test
  cluster:
    server: {server}
    insecure-skip-tls-verify: true
users:
- name: test
  user:
    token: not-a-real-token
contexts:
- name: test
  context: {{cluster: test, user: test}}
"
    )
    .expect("write kubeconfig");
    path
}

fn opts(path: &Path, secs: u64) -> ReadOptions {
    ReadOptions {
        connect: ConnectOptions {
            kubeconfig: Some(path.to_owned()),
            connect_timeout: Duration::from_secs(secs),
            request_timeout: Duration::from_secs(secs),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[test]
fn nothing_listening_is_unreachable_quickly() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let kc = kubeconfig(dir.path(), &format!("https://127.0.0.1:{port}"));
    let start = Instant::now();
    let err = read_cluster(&opts(&kc, 10)).expect_err("must fail");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert!(matches!(err, ClusterError::Unreachable { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("cannot reach https://127.0.0.1:{port}")),
        "{msg}"
    );
    assert!(msg.contains("is the cluster running"), "{msg}");
    assert!(!msg.contains('\n'), "{msg}");
}

#[test]
fn silent_server_times_out() {
    // Accepts connections and never answers: the TLS handshake hangs until the timeout.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let kc = kubeconfig(dir.path(), &format!("https://127.0.0.1:{port}"));
    let start = Instant::now();
    let err = read_cluster(&opts(&kc, 1)).expect_err("must fail");
    let took = start.elapsed();
    assert!(took < Duration::from_secs(8), "{took:?}");
    let msg = err.to_string();
    assert!(
        matches!(
            err,
            ClusterError::Timeout { .. } | ClusterError::Unreachable { .. }
        ),
        "{err:?}"
    );
    assert!(msg.contains(&format!("127.0.0.1:{port}")), "{msg}");
}

#[test]
fn bad_kubeconfig_and_context() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing");
    let err = read_cluster(&opts(&missing, 1)).expect_err("missing file");
    assert!(matches!(err, ClusterError::Config(_)), "{err:?}");
    assert!(err.to_string().contains("cannot load kubeconfig"), "{err}");

    let kc = kubeconfig(dir.path(), "https://127.0.0.1:1");
    let mut o = opts(&kc, 1);
    o.connect.context = Some("nope".into());
    let err = read_cluster(&o).expect_err("unknown context");
    assert!(
        err.to_string().contains("context \"nope\" is not in"),
        "{err}"
    );
}
