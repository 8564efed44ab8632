//! The admission webhook against the real API server (testenv): the same verdict from
//! `rampart scan`, `rampart policy test` and the API server calling `rampart serve --admission`;
//! dry-run requests; and what happens when the webhook is down or sent garbage. Ignored by
//! default; run with
//!
//! ```sh
//! testenv/run-with.sh cargo test -p rampart --test admission_live -- --ignored --test-threads=1
//! ```
//!
//! Each test starts its own `rampart serve --admission` on a free loopback port with a CA and
//! serving certificate made by openssl (IP SAN 127.0.0.1), registers it with `rampart webhook
//! manifest --url ... --ca-file ...` for the namespaces labelled for that test only (so the
//! rest of the cluster is untouched), and removes the registration at the end.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rampart_admission::{Admission, AdmissionOptions, Decision};
use rampart_model::Finding;
use rampart_testutil::{kubectl, run_binary, TempDir};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_rampart");

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/admission")
}

fn admin() -> Option<String> {
    match std::env::var("KUBECONFIG_ADMIN") {
        Ok(k) => Some(k),
        Err(_) => {
            eprintln!(
                "skipping: KUBECONFIG_ADMIN is not set; run under testenv/run-with.sh (see the top of this file)"
            );
            None
        }
    }
}

fn openssl(args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA and a serving certificate for 127.0.0.1 signed by it.
fn certificates(dir: &TempDir) {
    let j = |n: &str| dir.join(n);
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=rampart-test-ca",
        "-keyout",
        &j("ca.key"),
        "-out",
        &j("ca.crt"),
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        &j("tls.key"),
        "-out",
        &j("tls.csr"),
    ]);
    dir.write("ext.cnf", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    openssl(&[
        "x509",
        "-req",
        "-in",
        &j("tls.csr"),
        "-CA",
        &j("ca.crt"),
        "-CAkey",
        &j("ca.key"),
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        &j("ext.cnf"),
        "-out",
        &j("tls.crt"),
    ]);
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `curl` over TLS with the test CA: (HTTP status, body).
fn curl(dir: &TempDir, method: &str, url: &str, body: Option<&Path>) -> (u16, String) {
    let mut args = vec![
        "-s".to_string(),
        "--cacert".into(),
        dir.join("ca.crt"),
        "-X".into(),
        method.into(),
        "-H".into(),
        "Content-Type: application/json".into(),
        // No `Expect: 100-continue`: the status is the answer's, not the interim one.
        "-H".into(),
        "Expect:".into(),
        "-o".into(),
        dir.join("curl.out"),
        "-w".into(),
        "%{http_code}".into(),
    ];
    if let Some(b) = body {
        args.push("--data-binary".into());
        args.push(format!("@{}", b.display()));
    }
    args.push(url.into());
    let out = Command::new("curl").args(&args).output().expect("run curl");
    let code = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0);
    let body = std::fs::read_to_string(dir.join("curl.out")).unwrap_or_default();
    (code, body)
}

/// A running `rampart serve --admission`, stopped on drop.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(dir: &TempDir, policies: &[PathBuf], config: &Path) -> Server {
        Server::start_with(dir, policies, config, &[])
    }

    /// Started with more flags (`extra`), ready (`/readyz` 200) within 60 s.
    fn start_with(dir: &TempDir, policies: &[PathBuf], config: &Path, extra: &[&str]) -> Server {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let mut args: Vec<String> = vec![
            "serve".into(),
            "--admission".into(),
            addr,
            "--tls-cert".into(),
            dir.join("tls.crt"),
            "--tls-key".into(),
            dir.join("tls.key"),
            "--config".into(),
            config.display().to_string(),
        ];
        for p in policies {
            args.push("--policy".into());
            args.push(p.display().to_string());
        }
        args.extend(extra.iter().map(|a| a.to_string()));
        let child = Command::new(BIN)
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start rampart serve");
        let mut s = Server { child, port };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (code, _) = curl(dir, "GET", &s.url("/readyz"), None);
            if code == 200 {
                break;
            }
            if let Ok(Some(status)) = s.child.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = s.child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!("rampart serve exited ({status}): {err}");
            }
            assert!(Instant::now() < deadline, "rampart serve not ready in 60 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        s
    }

    fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// What the server wrote on stderr (once stopped).
    fn stderr(&mut self) -> String {
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        err
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Registers the webhook for namespaces labelled `rampart-admission-test=<tag>`.
fn register(admin: &str, dir: &TempDir, name: &str, tag: &str, port: u16, failure: &str) {
    let out = run_binary(
        BIN,
        &[
            "webhook",
            "manifest",
            "--name",
            name,
            "--url",
            &format!("https://127.0.0.1:{port}/validate"),
            "--ca-file",
            &dir.join("ca.crt"),
            "--failure-policy",
            failure,
            "--timeout-seconds",
            "5",
            "--namespace-label",
            &format!("rampart-admission-test={tag}"),
        ],
        None,
    );
    assert!(
        out.status.success(),
        "webhook manifest: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest = String::from_utf8_lossy(&out.stdout).into_owned();
    let (ok, text) = kubectl(admin, &["apply", "-f", "-"], Some(&manifest));
    assert!(ok, "apply the webhook: {text}");
}

fn unregister(admin: &str, name: &str) {
    let _ = kubectl(
        admin,
        &[
            "delete",
            "validatingwebhookconfiguration",
            name,
            "--ignore-not-found",
        ],
        None,
    );
}

/// A namespace labelled for one test, with its default ServiceAccount in place before the
/// webhook is registered (so the controller's own writes never meet it).
fn namespace(admin: &str, name: &str, tag: &str) {
    namespace_with(admin, name, tag, "")
}

/// [`namespace`] with more labels (`extra`: YAML lines `    key: value\n`).
fn namespace_with(admin: &str, name: &str, tag: &str, extra: &str) {
    let _ = kubectl(
        admin,
        &[
            "delete",
            "namespace",
            name,
            "--ignore-not-found",
            "--wait=false",
        ],
        None,
    );
    let ns = format!(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n  labels:\n    rampart-admission-test: {tag}\n    app: {name}\n{extra}"
    );
    let (ok, text) = kubectl(admin, &["create", "-f", "-"], Some(&ns));
    assert!(ok, "create namespace {name}: {text}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !kubectl(
        admin,
        &["get", "serviceaccount", "default", "-n", name],
        None,
    )
    .0
    {
        assert!(
            Instant::now() < deadline,
            "no default ServiceAccount in {name}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// What the API server answered to one `kubectl create`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Answer {
    allowed: bool,
    /// The webhook's status message, for a refusal.
    message: Option<String>,
    warnings: Vec<String>,
}

fn create(admin: &str, file: &Path, dry_run: bool) -> Answer {
    let f = file.display().to_string();
    let mut args = vec!["create", "-f", f.as_str()];
    if dry_run {
        args.push("--dry-run=server");
    }
    let (ok, text) = kubectl(admin, &args, None);
    let warnings = text
        .lines()
        .filter_map(|l| l.strip_prefix("Warning: "))
        .map(str::to_string)
        .collect();
    let message = (!ok).then(|| {
        let marker = "denied the request: ";
        match text.find(marker) {
            Some(i) => text[i + marker.len()..].trim_end().to_string(),
            None => panic!("{f}: refused, but not by the webhook: {text}"),
        }
    });
    Answer {
        allowed: ok,
        message,
        warnings,
    }
}

/// The policy files of the corpus.
fn policies() -> Vec<PathBuf> {
    vec![data().join("policies")]
}

/// The verdicts a scan of the corpus gives, read as admission decisions with the same config,
/// by object file.
fn scan_decisions(admission: &Admission) -> BTreeMap<String, Decision> {
    let corpus = data().join("corpus");
    let config = data().join("rampart.yaml");
    let out = run_binary(
        BIN,
        &[
            "scan",
            "-f",
            "json",
            "--config",
            &config.display().to_string(),
            "--policy",
            &data().join("policies").display().to_string(),
            &corpus.display().to_string(),
        ],
        None,
    );
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "scan: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("scan JSON");
    let mut by_file: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    for f in report["findings"].as_array().expect("findings") {
        let file = f["location"]["path"]
            .as_str()
            .or_else(|| f["location"]["file"].as_str())
            .expect("a location");
        let name = Path::new(file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let finding: Finding = serde_json::from_value(f.clone()).expect("a finding");
        by_file.entry(name).or_default().push(finding);
    }
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(&corpus).expect("corpus") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let obj: Value = {
            let text = std::fs::read_to_string(&path).expect("read");
            let s = rampart_source::yaml::parse_stream(&text);
            s.docs.into_iter().next().expect("one document").value
        };
        let s = |p: &str| {
            obj.pointer(p)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let object =
            Decision::name_of(&s("/kind"), &s("/metadata/namespace"), &s("/metadata/name"));
        let findings = by_file.remove(&name).unwrap_or_default();
        out.insert(
            name,
            Decision::of_results("", "CREATE", object, admission.judge(&findings)),
        );
    }
    out
}

/// One Suite (gator verify's format) asserting, for every constraint and corpus object, the
/// violations and messages the scan found.
fn suite_of(dir: &TempDir, admission_scan: &BTreeMap<String, Decision>) -> PathBuf {
    let pol = data().join("policies");
    let constraints = [
        ("no-latest-tag", "k8sdisallowedtags.yaml"),
        ("no-dev-tag-warn", "k8sdisallowedtags.yaml"),
        ("namespaced-need-app", "k8srequiredlabels.yaml"),
        ("replica-limits", "k8sreplicalimits.yaml"),
    ];
    let mut y = String::from(
        "kind: Suite\napiVersion: test.gatekeeper.sh/v1alpha1\nmetadata:\n  name: three-way\ntests:\n",
    );
    for (c, t) in constraints {
        y.push_str(&format!(
            "- name: {c}\n  template: {}\n  constraint: {}\n  cases:\n",
            pol.join(t).display(),
            pol.join(format!("{c}.yaml")).display()
        ));
        for (file, d) in admission_scan {
            let msgs: Vec<&str> = d
                .results
                .iter()
                .filter(|j| j.check == c)
                .map(|j| j.message.as_str())
                .collect();
            y.push_str(&format!(
                "  - name: {file}\n    object: {}\n    assertions:\n",
                data().join("corpus").join(file).display()
            ));
            if msgs.is_empty() {
                y.push_str("    - violations: \"no\"\n");
            } else {
                y.push_str(&format!("    - violations: {}\n", msgs.len()));
                let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
                for m in msgs {
                    *counts.entry(m).or_default() += 1;
                }
                for (m, n) in counts {
                    let re = format!("^{}$", regex::escape(m));
                    y.push_str(&format!(
                        "    - violations: {n}\n      message: {}\n",
                        serde_json::to_string(&re).expect("string")
                    ));
                }
            }
        }
    }
    dir.write("suite.yaml", y)
}

/// The corpus object of `file` as the API server sends it: an AdmissionReview v1 CREATE.
fn review_of(file: &str, dry_run: bool) -> Vec<u8> {
    let text = std::fs::read_to_string(data().join("corpus").join(file)).expect("read");
    let obj = rampart_source::yaml::parse_stream(&text)
        .docs
        .into_iter()
        .next()
        .expect("one document")
        .value;
    let s = |p: &str| {
        obj.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let av = s("/apiVersion");
    let (group, version) = av.split_once('/').unwrap_or(("", av.as_str()));
    let review = serde_json::json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": format!("uid-{file}"),
            "kind": {"group": group, "version": version, "kind": s("/kind")},
            "name": s("/metadata/name"), "namespace": s("/metadata/namespace"),
            "operation": "CREATE", "userInfo": {"username": "test"},
            "object": obj, "oldObject": null, "dryRun": dry_run,
        }
    });
    serde_json::to_vec(&review).expect("json")
}

/// Without a cluster: the corpus judged by `rampart scan`, by `rampart policy test` and by the
/// webhook's library on the AdmissionReview the API server would send gives the same decisions,
/// messages and warnings (dry run included). The live test below adds the real API server.
#[test]
fn scan_policy_test_and_webhook_library_agree() {
    let dir = TempDir::new("admission3_offline");
    let admission = Admission::new(AdmissionOptions {
        config: Some(data().join("rampart.yaml")),
        policies: policies(),
        ..AdmissionOptions::default()
    })
    .expect("the corpus config and policies load");
    let expected = scan_decisions(&admission);
    assert_eq!(expected.len(), 8);
    assert!(
        expected.values().any(|d| !d.allowed),
        "the corpus has denials"
    );
    assert!(
        expected.values().any(|d| d.allowed),
        "the corpus has admitted objects"
    );
    assert!(
        expected.values().any(|d| !d.warnings().is_empty()),
        "the corpus has warnings"
    );
    for (file, want) in &expected {
        for dry_run in [false, true] {
            let got = admission.review(&review_of(file, dry_run)).expect("review");
            assert_eq!(got.dry_run, dry_run);
            assert_eq!(
                got.allowed, want.allowed,
                "{file}: {:?} vs {:?}",
                got.results, want.results
            );
            assert_eq!(got.results, want.results, "{file}");
            assert_eq!(got.message(), want.message(), "{file}");
            assert_eq!(got.warnings(), want.warnings(), "{file}");
        }
    }
    let suite = suite_of(&dir, &expected);
    let out = run_binary(BIN, &["policy", "test", &suite.display().to_string()], None);
    assert!(
        out.status.success(),
        "policy test disagrees with the scan:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // What the corpus shows, so a change to it is noticed.
    let outcome: BTreeMap<&str, &str> = expected
        .iter()
        .map(|(f, d)| (f.as_str(), d.outcome()))
        .collect();
    assert_eq!(outcome["configmap-no-app.yaml"], "deny");
    assert_eq!(outcome["deployment-privileged.yaml"], "deny");
    assert_eq!(outcome["deployment-latest.yaml"], "deny");
    assert_eq!(outcome["pod-dev-tag.yaml"], "warn");
    assert_eq!(outcome["configmap-ok.yaml"], "allow");
}

#[test]
#[ignore = "needs the testenv API server: testenv/run-with.sh"]
fn three_way_verdicts_agree_and_dry_run_gets_the_same() {
    let Some(admin) = admin() else { return };
    let dir = TempDir::new("admission3");
    certificates(&dir);
    let config = data().join("rampart.yaml");
    let admission = Admission::new(AdmissionOptions {
        config: Some(config.clone()),
        policies: policies(),
        ..AdmissionOptions::default()
    })
    .expect("the corpus config and policies load");

    // 1. rampart scan.
    let expected = scan_decisions(&admission);
    assert!(
        expected.values().any(|d| !d.allowed),
        "the corpus has denials"
    );
    assert!(
        expected.values().any(|d| d.allowed),
        "the corpus has admitted objects"
    );
    assert!(
        expected.values().any(|d| !d.warnings().is_empty()),
        "the corpus has warnings"
    );
    assert!(
        expected
            .values()
            .any(|d| d.results.iter().any(|j| j.check == "no-latest-tag")),
        "a user policy denies"
    );

    // 2. rampart policy test, with the scan's answers as the expected ones.
    let suite = suite_of(&dir, &expected);
    let out = run_binary(BIN, &["policy", "test", &suite.display().to_string()], None);
    assert!(
        out.status.success(),
        "policy test disagrees with the scan:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // 3. The API server with the webhook.
    let ns = "rampart-3way";
    namespace(&admin, ns, "three-way");
    let server = Server::start(&dir, &policies(), &config);
    let hook = "rampart-test-three-way";
    register(&admin, &dir, hook, "three-way", server.port, "Fail");
    // The registration takes effect within a moment: wait until a known denial is denied.
    let probe = data().join("corpus/deployment-privileged.yaml");
    let deadline = Instant::now() + Duration::from_secs(20);
    while create(&admin, &probe, true).allowed {
        assert!(Instant::now() < deadline, "the webhook never took effect");
        std::thread::sleep(Duration::from_millis(250));
    }
    let mut mismatches = Vec::new();
    for (file, want) in &expected {
        let path = data().join("corpus").join(file);
        let dry = create(&admin, &path, true);
        let real = create(&admin, &path, false);
        let want = Answer {
            allowed: want.allowed,
            message: (!want.allowed).then(|| want.message()),
            warnings: want.warnings(),
        };
        if real != want {
            mismatches.push(format!("{file}:\n  scan:    {want:?}\n  webhook: {real:?}"));
        }
        if dry != real {
            mismatches.push(format!("{file}: dry run {dry:?}\n  real {real:?}"));
        }
    }
    unregister(&admin, hook);
    let _ = kubectl(&admin, &["delete", "namespace", ns, "--wait=false"], None);
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    // The webhook counted every decision, dry runs apart.
    let (code, metrics) = curl(&dir, "GET", &server.url("/metrics"), None);
    assert_eq!(code, 200);
    assert!(metrics.contains("dry_run=\"true\""), "{metrics}");
}

#[test]
#[ignore = "needs the testenv API server: testenv/run-with.sh"]
fn webhook_down_fail_refuses_ignore_admits_and_garbage_is_a_400() {
    let Some(admin) = admin() else { return };
    let dir = TempDir::new("admission_fail");
    certificates(&dir);
    let config = data().join("rampart.yaml");
    let ns = "rampart-down";
    namespace(&admin, ns, "down");
    let mut server = Server::start(&dir, &policies(), &config);
    let hook = "rampart-test-down";
    register(&admin, &dir, hook, "down", server.port, "Fail");
    let cm = |name: &str| {
        dir.write(
            &format!("{name}.yaml"),
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels:\n    app: x\n"),
        )
    };
    // Up: a clean object is admitted (once the registration is in effect: wait for a denial).
    let deadline = Instant::now() + Duration::from_secs(20);
    let bad = dir.write(
        "bad.yaml",
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n  namespace: {ns}\n"),
    );
    while create(&admin, &bad, true).allowed {
        assert!(Instant::now() < deadline, "the webhook never took effect");
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(create(&admin, &cm("up"), false).allowed);

    // Malformed and oversized reviews: 400 with a message, counted.
    let garbage = dir.write("garbage.json", "{\"apiVersion\": \"admission.k8s.io/v1\", ");
    let (code, body) = curl(&dir, "POST", &server.url("/validate"), Some(&garbage));
    assert_eq!(code, 400, "{body}");
    assert!(body.contains("not JSON"), "{body}");
    let wrong = dir.write("wrong.json", "{\"apiVersion\": \"v1\", \"kind\": \"Pod\"}");
    let (code, body) = curl(&dir, "POST", &server.url("/validate"), Some(&wrong));
    assert_eq!(code, 400, "{body}");
    assert!(body.contains("AdmissionReview"), "{body}");
    let big = dir.write("big.json", vec![b' '; 4 * 1024 * 1024]);
    let (code, body) = curl(&dir, "POST", &server.url("/validate"), Some(&big));
    assert_eq!(code, 400, "{body}");
    assert!(body.contains("limit"), "{body}");
    let (_, metrics) = curl(&dir, "GET", &server.url("/metrics"), None);
    assert!(
        metrics.contains("rampart_admission_bad_requests_total"),
        "{metrics}"
    );

    // Down with failurePolicy Fail: refused.
    server.stop();
    let (ok, text) = kubectl(
        &admin,
        &["create", "-f", &cm("down-fail").display().to_string()],
        None,
    );
    assert!(
        !ok,
        "admitted with the webhook down and failurePolicy Fail: {text}"
    );
    assert!(text.contains("failed calling webhook"), "{text}");
    // Down with failurePolicy Ignore: admitted.
    register(&admin, &dir, hook, "down", server.port, "Ignore");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (ok, text) = kubectl(
            &admin,
            &["create", "-f", &cm("down-ignore").display().to_string()],
            None,
        );
        if ok {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never admitted with Ignore: {text}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    unregister(&admin, hook);
    let _ = kubectl(&admin, &["delete", "namespace", ns, "--wait=false"], None);
}

/// `kubectl create` of YAML text (`--dry-run=server` with `dry_run`), read as the API server's
/// answer.
fn create_text(admin: &str, dir: &TempDir, name: &str, yaml: &str, dry_run: bool) -> Answer {
    let f = dir.write(name, yaml);
    create(admin, &f, dry_run)
}

/// Polls `f` every 250 ms until it is true, for `secs` seconds at most.
fn eventually(secs: u64, what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "not within {secs} s: {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn apply(admin: &str, yaml: &str) {
    let (ok, text) = kubectl(admin, &["apply", "-f", "-"], Some(yaml));
    assert!(ok, "apply: {text}\n{yaml}");
}

/// The CRDs Gatekeeper would install: ConstraintTemplates, and the constraints of one kind
/// (Gatekeeper makes them from each template; here there is no Gatekeeper).
fn gatekeeper_crds(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    format!(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: constrainttemplates.templates.gatekeeper.sh\nspec:\n  group: templates.gatekeeper.sh\n  scope: Cluster\n  names: {{kind: ConstraintTemplate, plural: constrainttemplates, singular: constrainttemplate, listKind: ConstraintTemplateList}}\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema: {{openAPIV3Schema: {{type: object, x-kubernetes-preserve-unknown-fields: true}}}}\n---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: {lower}.constraints.gatekeeper.sh\nspec:\n  group: constraints.gatekeeper.sh\n  scope: Cluster\n  names: {{kind: {kind}, plural: {lower}, singular: {lower}, listKind: {kind}List}}\n  versions:\n  - name: v1beta1\n    served: true\n    storage: true\n    schema: {{openAPIV3Schema: {{type: object, x-kubernetes-preserve-unknown-fields: true}}}}\n"
    )
}

const FORBIDDEN_LABEL_TEMPLATE: &str = "apiVersion: templates.gatekeeper.sh/v1\nkind: ConstraintTemplate\nmetadata: {name: k8sforbiddenlabel}\nspec:\n  crd: {spec: {names: {kind: K8sForbiddenLabel}}}\n  targets:\n  - target: admission.k8s.gatekeeper.sh\n    rego: |\n      package k8sforbiddenlabel\n      violation[{\"msg\": msg}] {\n        input.review.object.metadata.labels[input.parameters.label]\n        msg := sprintf(\"label %v is forbidden here\", [input.parameters.label])\n      }\n";

fn pod_yaml(ns: &str, name: &str, labels: &str) -> String {
    format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels: {{app: {name}{labels}}}\nspec:\n  containers:\n  - name: app\n    image: registry.example.com/app:1\n")
}

fn ingress_yaml(ns: &str, name: &str, host: &str) -> String {
    format!("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  rules:\n  - host: {host}\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend: {{service: {{name: web, port: {{number: 80}}}}}}\n")
}

/// With `--admission-cluster --policies-from-cluster`, the webhook judges with its watch-fed
/// cache: a referential template (unique Ingress host) refuses an Ingress because of one
/// already in the cluster, a `namespaceSelector` constraint applies by the Namespace's labels,
/// a pod in a namespace without NetworkPolicy gets the coverage finding with the configured
/// action (warn), which goes once a NetworkPolicy is there; a constraint created in the cluster
/// after the server started takes effect, a broken template in the cluster is counted and the
/// others keep working, and a deleted constraint stops applying.
#[test]
#[ignore = "needs the testenv API server: testenv/run-with.sh"]
fn the_cluster_cache_and_policies_from_the_cluster_judge_live() {
    let Some(admin) = admin() else { return };
    let dir = TempDir::new("admission_cluster");
    certificates(&dir);
    let tag = "cluster";
    let (a, b, prod, dev) = ("adm-c-a", "adm-c-b", "adm-c-prod", "adm-c-dev");
    namespace(&admin, a, tag);
    namespace(&admin, b, tag);
    namespace_with(&admin, prod, tag, "    env: prod\n");
    namespace_with(&admin, dev, tag, "    env: dev\n");
    // In the cluster before the webhook: an Ingress whose host is taken.
    apply(&admin, &ingress_yaml(a, "front", "shop.example.com"));
    apply(&admin, &gatekeeper_crds("K8sForbiddenLabel"));
    for crd in [
        "constrainttemplates.templates.gatekeeper.sh",
        "k8sforbiddenlabel.constraints.gatekeeper.sh",
    ] {
        let (ok, text) = kubectl(
            &admin,
            &[
                "wait",
                "--for=condition=Established",
                "--timeout=30s",
                "crd",
                crd,
            ],
            None,
        );
        assert!(ok, "{crd}: {text}");
    }
    // Policies from files: the referential template, and a namespaceSelector constraint.
    let gk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rampart_policy/tests/gatekeeper");
    let selector = dir.write(
        "ns-selector.yaml",
        format!("{FORBIDDEN_LABEL_TEMPLATE}---\napiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sForbiddenLabel\nmetadata: {{name: no-debug-in-prod}}\nspec:\n  match:\n    kinds: [{{apiGroups: [\"\"], kinds: [Pod]}}]\n    namespaceSelector: {{matchLabels: {{env: prod}}}}\n  parameters: {{label: debug}}\n"),
    );
    let config = dir.write(
        "rampart.yaml",
        "checks:\n  select: [policies, netpol-namespace-without-policy]\nadmission:\n  actions:\n    netpol-namespace-without-policy: warn\n",
    );
    let mut server = Server::start_with(
        &dir,
        &[gk.join("k8suniqueingresshost"), selector],
        &config,
        &[
            "--admission-cluster",
            "--policies-from-cluster",
            "--kubeconfig",
            &admin,
        ],
    );
    let hook = "rampart-admission-cluster-test";
    register(&admin, &dir, hook, tag, server.port, "Fail");

    // 1. data.inventory: the host of the Ingress already in the cluster is taken.
    let ans = create_text(
        &admin,
        &dir,
        "i1.yaml",
        &ingress_yaml(b, "copy", "shop.example.com"),
        false,
    );
    assert!(!ans.allowed, "{ans:?}");
    let msg = ans.message.clone().unwrap_or_default();
    assert!(
        msg.contains("[unique-ingress-host] ingress host conflicts with an existing ingress <shop.example.com>"),
        "{msg}"
    );
    let ans = create_text(
        &admin,
        &dir,
        "i2.yaml",
        &ingress_yaml(b, "other", "web.example.com"),
        false,
    );
    assert!(ans.allowed, "{ans:?}");

    // 2. namespaceSelector: by the Namespace's labels, as the cache holds them.
    let debug = pod_yaml(prod, "dbg", ", debug: \"1\"");
    let ans = create_text(&admin, &dir, "p1.yaml", &debug, true);
    assert!(!ans.allowed, "{ans:?}");
    assert!(
        ans.message
            .as_deref()
            .unwrap_or("")
            .contains("[no-debug-in-prod] label debug is forbidden here"),
        "{ans:?}"
    );
    let ans = create_text(
        &admin,
        &dir,
        "p2.yaml",
        &pod_yaml(dev, "dbg", ", debug: \"1\""),
        true,
    );
    assert!(ans.allowed, "{ans:?}");

    // 3. NetworkPolicy coverage of the incoming pod, as the configured action (warn).
    let ans = create_text(&admin, &dir, "p3.yaml", &pod_yaml(dev, "web", ""), false);
    assert!(ans.allowed, "{ans:?}");
    assert!(
        ans.warnings.iter().any(|w| w.starts_with(&format!(
            "[netpol-namespace-without-policy] namespace `{dev}` has 1 workload(s) and no NetworkPolicy"
        ))),
        "{ans:?}"
    );
    apply(
        &admin,
        &format!("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: default-deny, namespace: {dev}}}\nspec:\n  podSelector: {{}}\n  policyTypes: [Ingress, Egress]\n"),
    );
    eventually(20, "the NetworkPolicy reaches the cache", || {
        let ans = create_text(&admin, &dir, "p4.yaml", &pod_yaml(dev, "web2", ""), true);
        assert!(ans.allowed, "{ans:?}");
        !ans.warnings
            .iter()
            .any(|w| w.contains("netpol-namespace-without-policy"))
    });

    // 4. A template and constraint created in the cluster after the server started.
    let labelled = pod_yaml(b, "tagged", ", forbidden: \"yes\"");
    let ans = create_text(&admin, &dir, "p5.yaml", &labelled, true);
    assert!(ans.allowed, "not refused before the constraint: {ans:?}");
    // A template that does not compile, and one defining the kind a file's template defines:
    // both refused and counted; the constraint below uses the file's template.
    apply(&admin, "apiVersion: templates.gatekeeper.sh/v1\nkind: ConstraintTemplate\nmetadata: {name: k8sbroken}\nspec:\n  crd: {spec: {names: {kind: K8sBroken}}}\n  targets:\n  - target: admission.k8s.gatekeeper.sh\n    rego: |\n      package k8sbroken\n      violation[{\"msg\": msg}] {\n");
    apply(
        &admin,
        &FORBIDDEN_LABEL_TEMPLATE.replace("k8sforbiddenlabel}", "k8sforbiddenlabel-live}"),
    );
    apply(
        &admin,
        &format!("apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sForbiddenLabel\nmetadata: {{name: no-forbidden-label}}\nspec:\n  match:\n    kinds: [{{apiGroups: [\"\"], kinds: [Pod]}}]\n    namespaces: [{b}]\n  parameters: {{label: forbidden}}\n"),
    );
    eventually(30, "the constraint created in the cluster refuses", || {
        let ans = create_text(&admin, &dir, "p6.yaml", &labelled, true);
        !ans.allowed
            && ans
                .message
                .as_deref()
                .unwrap_or("")
                .contains("[no-forbidden-label] label forbidden is forbidden here")
    });
    // The broken template is counted, not dropped silently; the others keep working.
    let (code, metrics) = curl(&dir, "GET", &server.url("/metrics"), None);
    assert_eq!(code, 200);
    let metric = |name: &str| -> Option<f64> {
        metrics
            .lines()
            .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
    };
    assert!(
        metric("rampart_admission_cluster_policy_errors").unwrap_or(0.0) >= 2.0,
        "the broken template and the duplicate kind are counted:\n{metrics}"
    );
    assert_eq!(
        metric("rampart_admission_cluster_policies"),
        Some(1.0),
        "{metrics}"
    );
    assert_eq!(metric("rampart_admission_cache_synced"), Some(1.0));
    assert!(metric("rampart_admission_cache_objects").unwrap_or(0.0) > 10.0);
    // Deleted: no longer applies.
    let (ok, text) = kubectl(
        &admin,
        &[
            "delete",
            "k8sforbiddenlabel.constraints.gatekeeper.sh",
            "no-forbidden-label",
        ],
        None,
    );
    assert!(ok, "{text}");
    eventually(30, "the deleted constraint no longer refuses", || {
        create_text(&admin, &dir, "p7.yaml", &labelled, true).allowed
    });

    unregister(&admin, hook);
    server.stop();
    // Each policy of the cluster that does not load is logged, naming it.
    let log = server.stderr();
    for want in [
        "admission: cache synced",
        "policy from the cluster not loaded",
        "ConstraintTemplate k8sbroken",
        "ConstraintTemplate k8sforbiddenlabel-live",
    ] {
        assert!(log.contains(want), "{want} not in the server's log:\n{log}");
    }
    for ns in [a, b, prod, dev] {
        let _ = kubectl(&admin, &["delete", "namespace", ns, "--wait=false"], None);
    }
    let _ = kubectl(
        &admin,
        &[
            "delete",
            "crd",
            "constrainttemplates.templates.gatekeeper.sh",
            "k8sforbiddenlabel.constraints.gatekeeper.sh",
            "--timeout=60s",
        ],
        None,
    );
}

/// The ClusterRole of `webhook manifest --policies-from-cluster` is enough for the cache and the
/// policy watches: the server, running as that role's service account, gets ready and has no
/// watch error.
#[test]
#[ignore = "needs the testenv API server: testenv/run-with.sh"]
fn the_manifests_cluster_role_lets_the_cache_watch_everything() {
    let Some(admin) = admin() else { return };
    let dir = TempDir::new("admission_cluster_rbac");
    certificates(&dir);
    let ns = "adm-rbac";
    let out = run_binary(
        BIN,
        &[
            "webhook",
            "manifest",
            "--policies-from-cluster",
            "-n",
            ns,
            "--name",
            "admrbac",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let objs: Vec<Value> =
        rampart_source::yaml::parse_stream(&String::from_utf8_lossy(&out.stdout))
            .docs
            .into_iter()
            .map(|d| d.value)
            .filter(|o| {
                matches!(
                    o["kind"].as_str(),
                    Some("Namespace" | "ServiceAccount" | "ClusterRole" | "ClusterRoleBinding")
                )
            })
            .collect();
    assert_eq!(objs.len(), 4);
    for o in &objs {
        apply(&admin, &serde_json::to_string(o).expect("json"));
    }
    // Gatekeeper's types, and a template whose constraints are watched.
    apply(&admin, &gatekeeper_crds("K8sForbiddenLabel"));
    for crd in [
        "constrainttemplates.templates.gatekeeper.sh",
        "k8sforbiddenlabel.constraints.gatekeeper.sh",
    ] {
        let (ok, text) = kubectl(
            &admin,
            &[
                "wait",
                "--for=condition=Established",
                "--timeout=30s",
                "crd",
                crd,
            ],
            None,
        );
        assert!(ok, "{crd}: {text}");
    }
    apply(&admin, FORBIDDEN_LABEL_TEMPLATE);
    let (ok, token) = kubectl(
        &admin,
        &["create", "token", "admrbac", "-n", ns, "--duration=10m"],
        None,
    );
    assert!(ok, "{token}");
    let server_url = std::env::var("APISERVER_URL").expect("APISERVER_URL");
    let ca = std::env::var("TESTENV_CA_CERT").expect("TESTENV_CA_CERT");
    let sa_kc = dir.write(
        "sa.kubeconfig",
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: t\n  cluster:\n    server: {server_url}\n    certificate-authority: {ca}\nusers:\n- name: sa\n  user:\n    token: {}\ncontexts:\n- name: sa\n  context: {{cluster: t, user: sa}}\ncurrent-context: sa\n",
            token.trim()
        ),
    );
    let config = dir.write("rampart.yaml", "fail-on: high\n");
    let mut server = Server::start_with(
        &dir,
        &[],
        &config,
        &[
            "--policies-from-cluster",
            "--kubeconfig",
            &sa_kc.to_string_lossy(),
        ],
    );
    std::thread::sleep(Duration::from_secs(2));
    let (code, metrics) = curl(&dir, "GET", &server.url("/metrics"), None);
    assert_eq!(code, 200);
    let errors: Vec<&str> = metrics
        .lines()
        .filter(|l| l.starts_with("rampart_admission_cache_errors_total{"))
        .filter(|l| !l.ends_with(" 0"))
        .collect();
    assert!(
        errors.is_empty(),
        "watch errors as the manifest's service account: {errors:?}"
    );
    assert!(
        metrics.contains("rampart_admission_cache_synced 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("rampart_admission_cluster_policy_errors 0"),
        "{metrics}"
    );
    server.stop();
    for o in objs.iter().rev() {
        let kind = o["kind"].as_str().unwrap_or("");
        let name = o["metadata"]["name"].as_str().unwrap_or("");
        let mut args = vec!["delete", kind, name, "--ignore-not-found", "--wait=false"];
        let ns_of = o["metadata"]["namespace"].as_str().unwrap_or("");
        if !ns_of.is_empty() {
            args.extend(["-n", ns_of]);
        }
        let _ = kubectl(&admin, &args, None);
    }
    let _ = kubectl(
        &admin,
        &[
            "delete",
            "crd",
            "constrainttemplates.templates.gatekeeper.sh",
            "k8sforbiddenlabel.constraints.gatekeeper.sh",
            "--timeout=60s",
        ],
        None,
    );
}
