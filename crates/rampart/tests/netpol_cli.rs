//! End-to-end tests of `rampart netpol`, running the built binary.

use std::process::Output;

use rampart_testutil::TempDir;
use serde_json::Value;

fn rampart(args: &[&str]) -> Output {
    rampart_testutil::run_binary(env!("CARGO_BIN_EXE_rampart"), args, None)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const SHOP: &str = r#"apiVersion: apps/v1
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
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: web}}}]
      ports: [{port: 5432}]
"#;

fn shop(dir: &TempDir) -> String {
    dir.write("shop.yaml", SHOP).display().to_string()
}

#[test]
fn matrix_lines() {
    let dir = TempDir::new("lines");
    let f = shop(&dir);
    let out = rampart(&["netpol", "matrix", &f]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "Deployment/shop/web => Deployment/shop/db : TCP/5432\n\
         0.0.0.0/0 => Deployment/shop/web : TCP/8080\n"
    );
}

#[test]
fn matrix_formats() {
    let dir = TempDir::new("formats");
    let f = shop(&dir);
    let out = rampart(&["netpol", "matrix", &f, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["schemaVersion"], 1);
    let conns = v["connections"].as_array().expect("connections");
    assert_eq!(conns.len(), 2);
    let eps = v["endpoints"].as_array().expect("endpoints");
    let first = &conns[0];
    let from = &eps[first["from"].as_u64().expect("from") as usize];
    assert_eq!(from["workloads"][0], "Deployment/shop/web");
    assert_eq!(first["ports"]["TCP"][0], "5432");

    let out = rampart(&["netpol", "matrix", &f, "-f", "dot"]);
    assert!(stdout(&out).starts_with("digraph netpol {"));
    assert!(stdout(&out).contains("[label=\"TCP/5432\"]"));

    let out = rampart(&["netpol", "matrix", &f, "-f", "table"]);
    assert!(stdout(&out).contains("2 pod groups"), "{}", stdout(&out));
}

#[test]
fn matrix_without_policies_is_all_to_all() {
    let dir = TempDir::new("open");
    let f = dir.write(
        "open.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: i}]}\n",
    );
    let out = rampart(&["netpol", "matrix", &f.display().to_string()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        "Pod/default/a => Pod/default/a : all\n\
         Pod/default/a => external : all\n\
         external => Pod/default/a : all\n"
    );
}

#[test]
fn explain_allowed_and_denied() {
    let dir = TempDir::new("explain");
    let f = shop(&dir);
    let out = rampart(&[
        "netpol",
        "explain",
        &f,
        "--from",
        "shop/web",
        "--to",
        "Deployment/shop/db",
        "--port",
        "5432/TCP",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("ALLOWED  Deployment/shop/web -> Deployment/shop/db"),
        "{text}"
    );
    assert!(
        text.contains("egress[0] ports TCP/5432: peer 0 matches, port matches: ALLOWS"),
        "{text}"
    );
    assert!(text.contains("shop.yaml:"), "{text}");

    let out = rampart(&[
        "netpol", "explain", &f, "--from", "shop/db", "--to", "shop/web", "--port", "8080",
        "--format", "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["allowed"], false);
    assert_eq!(v["egress"]["isolated"], true);
    assert_eq!(v["ingress"]["policies"][1]["rules"][0]["matched"], false);

    let out = rampart(&[
        "netpol",
        "explain",
        &f,
        "--from",
        "203.0.113.5",
        "--to",
        "shop/web",
    ]);
    assert!(stdout(&out).starts_with("ALLOWED"), "{}", stdout(&out));
    assert!(stdout(&out).contains("allowed ports: TCP/8080"));
}

#[test]
fn unknown_endpoint_is_a_usage_error() {
    let dir = TempDir::new("unknown");
    let f = shop(&dir);
    let out = rampart(&[
        "netpol",
        "explain",
        &f,
        "--from",
        "shop/nope",
        "--to",
        "shop/web",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no workload `shop/nope`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn input_errors_give_exit_2_after_the_results() {
    let dir = TempDir::new("errors");
    let f = shop(&dir);
    let bad = dir.write(
        "bad.yaml",
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: b, namespace: shop}\nspec:\n  podSelector: {}\n  ingress:\n    - ports: [{port: 99999}]\n---\nkey: [unclosed\n",
    );
    let out = rampart(&["netpol", "matrix", &f, &bad.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("bad.yaml:7:"), "{err}");
    assert!(err.contains("port must be from 1 to 65535"), "{err}");
    // the results are still printed
    assert!(stdout(&out).contains("Deployment/shop/web => Deployment/shop/db"));
}
