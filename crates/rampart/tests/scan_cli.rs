//! End-to-end tests of `rampart scan`, running the built binary: exit codes, formats, inputs,
//! selection, config (found upward, --config, --no-config), severity overrides, waivers, the
//! ignore annotation, and baselines. Written against `privileged-container`, `host-pid` and
//! `invalid-ignore-annotation` only, so that adding checks does not break them.

use std::path::{Path, PathBuf};
use std::process::Output;

use rampart_testutil::TempDir;
use serde_json::Value;

const SELECT: &str = "--select=privileged-container,host-pid,invalid-ignore-annotation";

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/scan")
        .join(name)
}

fn rampart(args: &[&str], stdin: Option<&str>) -> Output {
    let out = rampart_testutil::run_binary(env!("CARGO_BIN_EXE_rampart"), args, stdin);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "rampart panicked:\n{stderr}");
    out
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
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

/// `rampart scan --format json ARGS` with the three checks selected: (exit code, report).
fn scan_json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["scan", "--format", "json", SELECT];
    all.extend_from_slice(args);
    let out = rampart(&all, None);
    (code(&out), json_of(&out))
}

/// (object name, check, line, state) of each finding, sorted as reported.
fn findings(report: &Value) -> Vec<(String, String, u64, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["subject"]["name"].as_str().unwrap_or_default().to_owned(),
                f["check"].as_str().expect("check").to_owned(),
                f["location"]["line"].as_u64().unwrap_or(0),
                f["suppression"]["state"]
                    .as_str()
                    .unwrap_or("open")
                    .to_owned(),
            )
        })
        .collect()
}

fn open(name: &str, check: &str, line: u64) -> (String, String, u64, String) {
    (name.into(), check.into(), line, "open".into())
}

const HOST_PID_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: hp\n  namespace: monitoring\nspec:\n  hostPID: true\n  containers:\n  - name: c\n    image: busybox:1.36\n";

#[test]
fn exit_codes_follow_fail_on() {
    let deploy = data("app/deploy.yaml");
    let deploy = deploy.to_str().expect("path");
    // privileged-container is critical.
    let (c, r) = scan_json(&["--no-config", deploy]);
    assert_eq!(c, 1);
    assert_eq!(findings(&r), vec![open("web", "privileged-container", 13)]);
    assert_eq!(r["summary"]["failed"], true);
    let (c, _) = scan_json(&["--no-config", "--fail-on", "critical", deploy]);
    assert_eq!(c, 1);

    // host-pid is high: fails by default and at --fail-on high, not at critical.
    let dir = TempDir::new("failon");
    let p = dir.write("hp.yaml", HOST_PID_POD);
    let p = p.to_str().expect("path");
    assert_eq!(scan_json(&["--no-config", p]).0, 1);
    assert_eq!(scan_json(&["--no-config", "--fail-on", "high", p]).0, 1);
    let (c, r) = scan_json(&["--no-config", "--fail-on", "critical", p]);
    assert_eq!(c, 0);
    assert_eq!(r["summary"]["failed"], false);
    assert_eq!(findings(&r), vec![open("hp", "host-pid", 7)]);

    // Nothing to find: 0.
    let clean = dir.write(
        "clean.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n",
    );
    assert_eq!(
        scan_json(&["--no-config", clean.to_str().expect("path")]).0,
        0
    );
    // Bad usage: 2.
    assert_eq!(code(&rampart(&["scan", "--fail-on", "severe", p], None)), 2);
    assert_eq!(
        code(&rampart(
            &["scan", "--no-config", "/no/such/path.yaml"],
            None
        )),
        2
    );
}

#[test]
fn every_format_produces_output() {
    let deploy = data("app/deploy.yaml");
    let deploy = deploy.to_str().expect("path");
    let run = |format: &str| {
        let out = rampart(&["scan", "--no-config", SELECT, "-f", format, deploy], None);
        assert_eq!(code(&out), 1, "{format}");
        String::from_utf8(out.stdout).expect("UTF-8 output")
    };
    let table = run("table");
    assert!(table.contains("privileged-container"), "{table}");
    assert!(table.contains("13:"), "{table}");
    assert!(table.contains("privileged: true"), "snippet: {table}");
    let json: Value = serde_json::from_str(&run("json")).expect("json");
    assert_eq!(json["findings"][0]["location"]["line"], 13);
    let sarif: Value = serde_json::from_str(&run("sarif")).expect("sarif is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "privileged-container");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        13
    );
    let junit = run("junit");
    assert!(junit.starts_with("<?xml"), "{junit}");
    assert!(junit.contains("<testsuite"), "{junit}");
    assert!(junit.contains("privileged-container"), "{junit}");
}

#[test]
fn output_goes_to_a_file() {
    let dir = TempDir::new("output");
    let report = dir.join("report.json");
    let deploy = data("app/deploy.yaml");
    let out = rampart(
        &[
            "scan",
            "--no-config",
            SELECT,
            "-f",
            "json",
            "-o",
            &report,
            deploy.to_str().expect("path"),
        ],
        None,
    );
    assert_eq!(code(&out), 1);
    assert!(out.stdout.is_empty());
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report written"))
            .expect("JSON report");
    assert_eq!(
        findings(&written),
        vec![open("web", "privileged-container", 13)]
    );
}

#[test]
fn stdin_is_read_with_dash() {
    let out = rampart(
        &["scan", "--no-config", SELECT, "-f", "json", "-"],
        Some(&format!("---\n{HOST_PID_POD}")),
    );
    assert_eq!(code(&out), 1);
    let r = json_of(&out);
    assert_eq!(findings(&r), vec![open("hp", "host-pid", 8)]);
    assert_eq!(r["findings"][0]["location"]["path"], "-");
}

#[test]
fn directories_are_searched_recursively_for_manifests_only() {
    let (c, r) = scan_json(&["--no-config", data("app").to_str().expect("path")]);
    assert_eq!(c, 1);
    // deploy.yaml, sub/agent.yml, sub/pod.json; not hidden files or directories, not .txt/.md.
    assert_eq!(r["scanned"]["files"], 3);
    assert_eq!(r["scanned"]["objects"], 3);
    let mut got = findings(&r);
    got.sort();
    assert_eq!(
        got,
        vec![
            open("json-pod", "host-pid", 6),
            open("node-exporter-a", "host-pid", 9),
            open("web", "privileged-container", 13),
        ]
    );
    for f in r["findings"].as_array().expect("findings") {
        let path = f["location"]["path"].as_str().expect("path");
        assert!(
            !path.contains(".hidden") && !path.contains(".skipped"),
            "{path}"
        );
    }
}

#[test]
fn lists_are_expanded_with_exact_lines() {
    let (c, r) = scan_json(&["--no-config", data("list.yaml").to_str().expect("path")]);
    assert_eq!(c, 1);
    assert_eq!(r["scanned"]["objects"], 2);
    let mut got = findings(&r);
    got.sort();
    assert_eq!(
        got,
        vec![
            open("second", "host-pid", 17),
            open("second", "privileged-container", 22),
        ]
    );
}

/// Lists as `kubectl get -o json` and the API return them: items without apiVersion and kind
/// take them from the list (`PodList` -> `v1` `Pod`), as kubectl does.
#[test]
fn typed_lists_from_kubectl_are_scanned() {
    let (c, r) = scan_json(&["--no-config", data("podlist.json").to_str().expect("path")]);
    assert_eq!(c, 1);
    assert_eq!(r["errors"].as_array().map_or(0, Vec::len), 0, "{r:#}");
    assert_eq!(r["scanned"]["objects"], 1);
    let mut got = findings(&r);
    got.sort();
    assert_eq!(
        got,
        vec![
            open("agent-7d9f", "host-pid", 26),
            open("agent-7d9f", "privileged-container", 22),
        ]
    );
    for f in r["findings"].as_array().expect("findings") {
        assert_eq!(f["subject"]["kind"], "Pod", "{f:#}");
        assert_eq!(f["subject"]["apiVersion"], "v1", "{f:#}");
        assert_eq!(f["subject"]["namespace"], "monitoring", "{f:#}");
    }

    // invalid-ignore-annotation is below the default --fail-on: exit 0.
    let (_, r) = scan_json(&[
        "--no-config",
        data("namespacelist.yaml").to_str().expect("path"),
    ]);
    assert_eq!(r["errors"].as_array().map_or(0, Vec::len), 0, "{r:#}");
    assert_eq!(r["scanned"]["objects"], 2);
    assert_eq!(
        findings(&r),
        vec![open("tools", "invalid-ignore-annotation", 10)]
    );
    assert_eq!(r["findings"][0]["subject"]["kind"], "Namespace");
}

#[test]
fn select_and_ignore_take_ids_categories_and_frameworks() {
    let dir = data("app");
    let dir = dir.to_str().expect("path");
    let checks = |args: &[&str]| {
        let mut all = vec!["scan", "--no-config", "-f", "json"];
        all.extend_from_slice(args);
        all.push(dir);
        let r = json_of(&rampart(&all, None));
        let mut ids: Vec<String> = findings(&r)
            .into_iter()
            .map(|f| f.1)
            .filter(|c| c == "host-pid" || c == "privileged-container")
            .collect();
        ids.sort();
        ids.dedup();
        ids
    };
    assert_eq!(checks(&["--select", "host-pid"]), vec!["host-pid"]);
    assert_eq!(
        checks(&["--select", "host-pid,privileged-container"]),
        vec!["host-pid", "privileged-container"]
    );
    assert_eq!(
        checks(&["--select", "pod-security"]),
        vec!["host-pid", "privileged-container"]
    );
    assert_eq!(
        checks(&["--select", "framework:pss"]),
        vec!["host-pid", "privileged-container"]
    );
    assert_eq!(
        checks(&[
            "--select",
            "pod-security",
            "--ignore",
            "privileged-container"
        ]),
        vec!["host-pid"]
    );
    assert_eq!(checks(&["--ignore", "pod-security"]), Vec::<String>::new());
    assert_eq!(
        checks(&["--ignore", "host-pid"]),
        vec!["privileged-container"]
    );
    // An unknown term is bad usage.
    let out = rampart(
        &["scan", "--no-config", "--select", "no-such-check", dir],
        None,
    );
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-check"));
}

#[test]
fn config_is_found_upward_or_given_or_ignored() {
    let dir = TempDir::new("config");
    dir.write(
        ".rampart.yaml",
        "fail-on: critical\nchecks:\n  severity: {host-pid: medium}\n",
    );
    let pod = dir.write("deep/down/pod.yaml", HOST_PID_POD);
    let pod = pod.to_str().expect("path");
    let severity = |r: &Value| r["findings"][0]["severity"].as_str().map(str::to_owned);
    // Found upward from the scanned file and from its directory.
    let (c, r) = scan_json(&[pod]);
    assert_eq!((c, severity(&r).as_deref()), (0, Some("medium")));
    assert_eq!(r["summary"]["failOn"], "critical");
    let (c, r) = scan_json(&[&dir.join("deep")]);
    assert_eq!((c, severity(&r).as_deref()), (0, Some("medium")));
    // --no-config: defaults again.
    let (c, r) = scan_json(&["--no-config", pod]);
    assert_eq!((c, severity(&r).as_deref()), (1, Some("high")));
    assert_eq!(findings(&r), vec![open("hp", "host-pid", 7)]);
    // --config FILE wins over the one found upward.
    let other = dir.write("other.yaml", "checks:\n  severity: {host-pid: low}\n");
    let (c, r) = scan_json(&["--config", other.to_str().expect("path"), pod]);
    assert_eq!((c, severity(&r).as_deref()), (0, Some("low")));
    assert_eq!(r["summary"]["failOn"], "high");
    // --config and --no-config together are bad usage.
    let out = rampart(&["scan", "--no-config", "--config", "x.yaml", pod], None);
    assert_eq!(code(&out), 2);
}

#[test]
fn severity_overrides_change_severity_and_exit_code() {
    let dir = TempDir::new("severity");
    let cfg = dir.write(".rampart.yaml", "checks:\n  severity: {host-pid: low}\n");
    let pod = dir.write("pod.yaml", HOST_PID_POD);
    let (c, r) = scan_json(&[
        "--config",
        cfg.to_str().expect("path"),
        pod.to_str().expect("path"),
    ]);
    assert_eq!(c, 0);
    assert_eq!(r["findings"][0]["severity"], "low");
    assert_eq!(r["summary"]["bySeverity"]["low"], 1);
}

fn waiver_config(dir: &TempDir, waiver: &str) -> String {
    dir.write(".rampart.yaml", format!("waivers:\n{waiver}"))
        .to_string_lossy()
        .into_owned()
}

#[test]
fn waivers_match_by_globs_and_expire() {
    let dir = TempDir::new("waivers");
    let pods = dir.write(
        "pods.yaml",
        format!(
            "{HOST_PID_POD}---\n{}",
            HOST_PID_POD
                .replace("name: hp", "name: other")
                .replace("monitoring", "shop")
        ),
    );
    let pods = pods.to_str().expect("path");
    // An unexpired waiver on namespace/kind/name globs: suppressed, reported, not counted.
    let cfg = waiver_config(
        &dir,
        "- check: host-pid\n  namespace: monitor*\n  kind: Po?\n  name: h*\n  reason: node agent\n  expires: 2999-12-31\n",
    );
    let (c, r) = scan_json(&["--config", &cfg, pods]);
    assert_eq!(c, 1, "the other pod still counts");
    assert_eq!(
        findings(&r),
        vec![
            ("hp".into(), "host-pid".into(), 7, "suppressed".into()),
            open("other", "host-pid", 18),
        ]
    );
    assert_eq!(r["findings"][0]["suppression"]["reason"], "node agent");
    assert_eq!(r["summary"]["suppressed"], 1);
    assert_eq!(r["summary"]["open"], 1);

    // Waiving both (the check id is exact; no other field, no expiry): exit 0.
    let cfg = waiver_config(&dir, "- check: host-pid\n  reason: all of them\n");
    let (c, r) = scan_json(&["--config", &cfg, pods]);
    assert_eq!(c, 0);
    assert_eq!(r["summary"]["suppressed"], 2);
    assert_eq!(r["summary"]["open"], 0);

    // Non-matching globs suppress nothing.
    let cfg = waiver_config(
        &dir,
        "- check: host-pid\n  kind: Deployment\n  reason: no\n",
    );
    assert_eq!(
        scan_json(&["--config", &cfg, pods]).1["summary"]["suppressed"],
        0
    );

    // An expired waiver: the finding counts again and says so, with the date.
    let cfg = waiver_config(
        &dir,
        "- check: host-pid\n  name: hp\n  reason: temporary\n  expires: 2020-01-31\n",
    );
    let (c, r) = scan_json(&["--config", &cfg, "--fail-on", "high", pods]);
    assert_eq!(c, 1);
    let f = &r["findings"][0];
    assert_eq!(f["subject"]["name"], "hp");
    assert_eq!(f["suppression"]["state"], "waiver-expired");
    assert_eq!(f["suppression"]["expired"], "2020-01-31");
    assert_eq!(r["summary"]["open"], 2);
    assert_eq!(r["summary"]["suppressed"], 0);
}

#[test]
fn invalid_config_is_an_error_with_file_and_line() {
    let dir = TempDir::new("badconfig");
    let pod = dir.write("pod.yaml", HOST_PID_POD);
    let pod = pod.to_str().expect("path");
    for (text, line, what) in [
        (
            "checks:\n  select: [all]\nfail_on: high\n",
            3,
            "unknown field `fail_on`",
        ),
        (
            "waivers:\n- check: host-pid\n  reason: r\n  expires: 2027-13-45\n",
            4,
            "date",
        ),
        ("checks:\n  ignore: [no-such-check]\n", 0, "no-such-check"),
        ("checks: [\n", 0, "invalid YAML"),
    ] {
        let cfg = dir.write("bad.yaml", text);
        let (c, r) = scan_json(&["--config", cfg.to_str().expect("path"), pod]);
        assert_eq!(c, 2, "{text}");
        let errs = r["errors"].as_array().expect("errors");
        assert_eq!(errs.len(), 1, "{text}: {errs:?}");
        assert!(errs[0]["path"]
            .as_str()
            .expect("path")
            .ends_with("bad.yaml"));
        let l = errs[0]["line"].as_u64().expect("a line");
        if line > 0 {
            assert_eq!(l, line, "{text}: {errs:?}");
        }
        let message = errs[0]["message"].as_str().expect("message");
        assert!(message.contains(what), "{text}: {message}");
        // The scan still ran.
        assert_eq!(findings(&r), vec![open("hp", "host-pid", 7)], "{text}");
    }
}

#[test]
fn the_ignore_annotation_needs_a_reason() {
    let (c, r) = scan_json(&[
        "--no-config",
        data("annotations.yaml").to_str().expect("path"),
    ]);
    assert_eq!(c, 1);
    let got = findings(&r);
    assert!(
        got.contains(&(
            "with-reason".into(),
            "host-pid".into(),
            8,
            "suppressed".into()
        )),
        "{got:?}"
    );
    assert!(
        got.contains(&open("without-reason", "host-pid", 20)),
        "{got:?}"
    );
    assert!(
        got.iter().any(|f| f.0 == "without-reason"
            && f.1 == "invalid-ignore-annotation"
            && f.2 == 18
            && f.3 == "open"),
        "{got:?}"
    );
    assert!(!got
        .iter()
        .any(|f| f.0 == "with-reason" && f.1 == "invalid-ignore-annotation"));
    assert_eq!(r["summary"]["suppressed"], 1);
}

#[test]
fn baseline_reports_only_new_findings() {
    let dir = TempDir::new("baseline");
    let pod = dir.write("pod.yaml", HOST_PID_POD);
    let pod = pod.to_str().expect("path");
    let base = dir.join("base.json");
    let out = rampart(
        &[
            "scan",
            "--no-config",
            SELECT,
            "-f",
            "json",
            "-o",
            &base,
            pod,
        ],
        None,
    );
    assert_eq!(code(&out), 1);
    // Unchanged: nothing new, exit 0.
    let (c, r) = scan_json(&["--no-config", "--baseline", &base, pod]);
    assert_eq!((c, findings(&r)), (0, vec![]));
    assert_eq!(r["summary"]["baselined"], 1);
    // A new problem: only it is reported.
    dir.write(
        "pod.yaml",
        format!("{HOST_PID_POD}    securityContext:\n      privileged: true\n"),
    );
    let (c, r) = scan_json(&["--no-config", "--baseline", &base, pod]);
    assert_eq!(c, 1);
    assert_eq!(findings(&r), vec![open("hp", "privileged-container", 12)]);
    assert_eq!(r["summary"]["baselined"], 1);
    // A baseline that is not a report is bad usage.
    let out = rampart(&["scan", "--no-config", "--baseline", pod, pod], None);
    assert_eq!(code(&out), 2);
}

/// JSON is streamed: when the reader goes away (`rampart scan ... | head`), writing stops but
/// every finding is still counted, so the exit code still says findings were found.
#[test]
fn closed_pipe_keeps_the_exit_code() {
    use std::process::{Command, Stdio};
    let dir = TempDir::new("closed-pipe");
    // Far more JSON than a pipe buffers (64 KiB).
    for i in 0..40 {
        let mut text = String::new();
        for j in 0..25 {
            text.push_str(&format!(
                "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}-{j}, namespace: n}}\nspec:\n  hostPID: true\n  containers:\n  - name: c\n    image: x:1\n    securityContext: {{privileged: true}}\n"
            ));
        }
        dir.write(&format!("f{i:02}.yaml"), text);
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args([
            "scan",
            dir.dir().to_str().expect("utf-8 path"),
            "-f",
            "json",
            SELECT,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run rampart");
    // Close the read end at once, as `head -c 0` would.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
}
