//! End-to-end tests of `rampart pss`, running the built binary.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use rampart_testutil as testutil;
use rampart_testutil::TempDir;

fn rampart(args: &[&str], stdin: Option<&str>) -> Output {
    rampart_testutil::run_binary(env!("CARGO_BIN_EXE_rampart"), args, stdin)
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn corpus_fixtures_json() {
    let Some(root) = testutil::require_corpora("pod-security-admission") else {
        return;
    };
    let dir = root.join("test/testdata/restricted/v1.37");
    let fail = dir.join("fail/privileged0.yaml");
    let pass = dir.join("pass/base.yaml");
    let out = rampart(
        &[
            "pss",
            s(&fail),
            s(&pass),
            "--level",
            "restricted",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "a denied object exits 1");
    let report = json_of(&out);
    assert_eq!(report["schemaVersion"], 1);
    assert_eq!(report["level"], "restricted");
    assert_eq!(report["version"], "latest");
    assert_eq!(report["errors"], Value::Array(vec![]));
    let results = report["results"].as_array().expect("results");
    assert_eq!(results.len(), 2);

    let denied = &results[0];
    assert_eq!(denied["name"], "privileged0");
    assert_eq!(denied["kind"], "Pod");
    assert_eq!(denied["allowed"], false);
    assert_eq!(denied["line"], 1);
    let violations = denied["violations"].as_array().expect("violations");
    let privileged = violations
        .iter()
        .find(|v| v["check"] == "privileged")
        .expect("privileged violation");
    assert_eq!(privileged["reason"], "privileged");
    assert_eq!(
        privileged["detail"],
        "container \"container1\" must not set securityContext.privileged=true"
    );
    assert_eq!(
        privileged["pointers"],
        serde_json::json!(["/spec/containers/0/securityContext/privileged"])
    );
    assert_eq!(privileged["line"], 13);

    let allowed = &results[1];
    assert_eq!(allowed["name"], "base");
    assert_eq!(allowed["allowed"], true);
    assert_eq!(allowed["violations"], Value::Array(vec![]));

    // The same pass fixture alone exits 0; at an older version the fail fixture's extra
    // restricted checks no longer apply but privileged still does.
    let out = rampart(&["pss", s(&pass), "--level", "restricted"], None);
    assert_eq!(out.status.code(), Some(0));
    let out = rampart(
        &[
            "pss",
            s(&fail),
            "--level",
            "baseline",
            "--pss-version",
            "v1.0",
            "-f",
            "json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let report = json_of(&out);
    let checks: Vec<&Value> = report["results"][0]["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .map(|v| &v["check"])
        .collect();
    assert_eq!(checks, ["privileged"]);
}

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      hostNetwork: true
      containers:
      - name: app
        image: nginx
        readinessProbe:
          httpGet:
            host: 10.0.0.1
            port: 80
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: not-a-pod
data: {}
";

const GOOD_POD: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: fine
spec:
  containers:
  - name: app
    image: nginx
";

#[test]
fn temp_dir_table_versions_and_load_errors() {
    let tmp = TempDir::new("dir");
    tmp.write("a-deploy.yaml", DEPLOYMENT);
    tmp.write("b-pod.yml", GOOD_POD);

    let out = rampart(&["pss", s(tmp.dir()), "--level", "baseline"], None);
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{table}");
    assert!(table.contains("DENIED   Deployment/shop/web"), "{table}");
    assert!(table.contains("a-deploy.yaml:1"), "{table}");
    assert!(
        table.contains("hostNamespaces (host namespaces): hostNetwork"),
        "{table}"
    );
    assert!(
        table.contains("a-deploy.yaml:9]"),
        "hostNetwork line: {table}"
    );
    assert!(
        table.contains("a-deploy.yaml:15]"),
        "probe host line: {table}"
    );
    assert!(table.contains("ALLOWED  Pod/fine"), "{table}");
    assert!(
        !table.contains("not-a-pod"),
        "ConfigMaps are not evaluated: {table}"
    );
    assert!(
        table.contains("2 objects: 1 allowed, 1 not allowed"),
        "{table}"
    );

    // The probe-host check only exists from v1.34.
    let out = rampart(
        &[
            "pss",
            s(tmp.dir()),
            "--level",
            "baseline",
            "--pss-version",
            "v1.33",
            "-f",
            "json",
        ],
        None,
    );
    let report = json_of(&out);
    let web = &report["results"][0];
    let checks: Vec<&Value> = web["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .map(|v| &v["check"])
        .collect();
    assert_eq!(checks, ["hostNamespaces"]);
    assert_eq!(web["namespace"], "shop");
    assert_eq!(web["version"], "v1.33");

    // A file that cannot be read as YAML: exit 2, and the other objects are still reported.
    tmp.write(
        "c-broken.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: x\n",
    );
    let out = rampart(
        &[
            "pss",
            s(tmp.dir()),
            "--level",
            "restricted",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let report = json_of(&out);
    assert!(!report["errors"].as_array().expect("errors").is_empty());
    let names: Vec<&Value> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| &r["name"])
        .collect();
    assert!(names.contains(&&Value::from("web")), "{names:?}");
    assert!(names.contains(&&Value::from("fine")), "{names:?}");
}

#[test]
fn stdin_and_output_file() {
    let out = rampart(&["pss", "-", "--level", "baseline"], Some(GOOD_POD));
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("ALLOWED  Pod/fine"));

    let out = rampart(
        &["pss", "-", "--level", "restricted", "-f", "json"],
        Some(GOOD_POD),
    );
    assert_eq!(out.status.code(), Some(1));
    let report = json_of(&out);
    assert_eq!(report["results"][0]["file"], "-");
    assert_eq!(report["resolvedVersion"], "v1.37");

    let tmp = TempDir::new("out");
    let dest = tmp.dir().join("report.json");
    let out = rampart(
        &[
            "pss",
            "-",
            "--level",
            "restricted",
            "-f",
            "json",
            "-o",
            s(&dest),
        ],
        Some(GOOD_POD),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&dest).expect("report written"))
            .expect("JSON report");
    assert_eq!(written["results"][0]["allowed"], false);
}

#[test]
fn bad_arguments_exit_2() {
    let out = rampart(&["pss", "x.yaml", "--level", "strict"], None);
    assert_eq!(out.status.code(), Some(2));
    let out = rampart(
        &[
            "pss",
            "x.yaml",
            "--level",
            "baseline",
            "--pss-version",
            "v1.38",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
}
