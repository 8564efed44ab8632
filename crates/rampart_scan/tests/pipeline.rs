//! The pipeline as a library: sinks agree, baselines of both schema versions, one object at a
//! time.

use std::path::PathBuf;

use rampart_model::{Finding, Resource, Status};
use rampart_scan::sink::{Collect, JsonStream};
use rampart_scan::{ConfigSource, ScanError, ScanOptions, Scanner};
use rampart_testutil::{workspace, TempDir};
use serde_json::Value;

const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: shop
spec:
  hostPID: true
  containers:
  - name: c
    image: busybox@sha256:0000000000000000000000000000000000000000000000000000000000000000
";

fn options(paths: Vec<PathBuf>) -> ScanOptions {
    ScanOptions {
        paths,
        config: ConfigSource::None,
        ..ScanOptions::default()
    }
}

fn collect(opts: ScanOptions) -> (Vec<Finding>, rampart_scan::Outcome) {
    let scanner = Scanner::new(opts).expect("options are valid");
    let sources = scanner.sources().expect("sources");
    let mut sink = Collect::new();
    let outcome = scanner.run(sources, &mut sink);
    let report = sink.into_report().expect("a report once finished");
    (report.findings, outcome)
}

#[test]
fn the_stream_and_the_collected_report_hold_the_same_results() {
    let opts = options(vec![workspace().join("examples")]);
    let (collected, outcome) = collect(opts.clone());
    assert!(!collected.is_empty());
    assert!(outcome.summary.failed);
    assert_eq!(outcome.exit_code(), 1);

    let scanner = Scanner::new(opts).expect("options are valid");
    let mut out = Vec::new();
    let mut sink = JsonStream::begin(&mut out).expect("header");
    let streamed_outcome = scanner.run(scanner.sources().expect("sources"), &mut sink);
    assert!(streamed_outcome.write_error.is_none());
    let doc: Value = serde_json::from_slice(&out).expect("the stream is one JSON document");
    let streamed: Vec<Finding> =
        serde_json::from_value(doc["findings"].clone()).expect("findings read back");
    // The same results; the stream puts cross-object results last, the report merges them in.
    let mut a: Vec<_> = collected.iter().map(|f| f.fingerprint).collect();
    let mut b: Vec<_> = streamed.iter().map(|f| f.fingerprint).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    assert_eq!(doc["summary"]["open"], outcome.summary.open);
}

#[test]
fn baselines_of_both_schema_versions_hide_known_results() {
    let dir = TempDir::new("scan-baseline");
    let pod = dir.write("pod.yaml", POD);
    let (findings, _) = collect(options(vec![pod.clone()]));
    let host_pid = findings
        .iter()
        .find(|f| f.check == "host-pid")
        .expect("host-pid finding");

    // Version 2: fingerprints.
    let v2 = serde_json::json!({"schemaVersion": 2, "findings": [host_pid]});
    let v2_path = dir.write("v2.json", v2.to_string());
    // Version 1: check, object and pointer, no fingerprint.
    let v1 = serde_json::json!({"schemaVersion": 1, "findings": [{
        "check": "host-pid", "severity": "high",
        "object": {"apiVersion": "v1", "kind": "Pod", "namespace": "shop", "name": "debug"},
        "pointer": "/spec/hostPID", "message": "moved and reworded",
        "location": {"path": "elsewhere.yaml", "line": 99, "column": 1}
    }]});
    let v1_path = dir.write("v1.json", v1.to_string());
    for baseline in [v2_path, v1_path] {
        let mut opts = options(vec![pod.clone()]);
        opts.baseline = Some(baseline.clone());
        let (after, outcome) = collect(opts);
        assert!(
            after.iter().all(|f| f.check != "host-pid"),
            "{}: host-pid still reported",
            baseline.display()
        );
        assert_eq!(outcome.summary.baselined, 1);
        assert_eq!(after.len(), findings.len() - 1);
    }

    let bad = dir.write("bad.json", r#"{"findings": [{"fingerprint": "zz"}]}"#);
    let mut opts = options(vec![pod]);
    opts.baseline = Some(bad);
    match Scanner::new(opts) {
        Err(ScanError::Baseline(msg)) => assert!(msg.contains("16 hex digits"), "{msg}"),
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("a malformed baseline was accepted"),
    }
}

#[test]
fn one_object_is_judged_with_its_annotations_and_the_config_waivers() {
    let dir = TempDir::new("scan-one");
    let config = dir.write(
        ".rampart.yaml",
        "waivers:\n- check: host-pid\n  namespace: shop\n  reason: debugging (OPS-1)\n",
    );
    let scanner = Scanner::new(ScanOptions {
        config: ConfigSource::File(config),
        ..ScanOptions::default()
    })
    .expect("config is valid");
    let res = Resource::new(
        pod_value(),
        rampart_model::Origin::Cluster {
            context: "admission".into(),
        },
    );
    let findings = scanner.check_object(&res);
    let host_pid = findings
        .iter()
        .find(|f| f.check == "host-pid")
        .expect("host-pid finding");
    assert!(host_pid.is_suppressed());
    assert_eq!(host_pid.status, Status::Fail);
    assert!(findings.iter().any(|f| f.is_open()));
}

#[test]
fn nothing_to_scan_is_an_error() {
    let scanner = Scanner::new(options(vec![])).expect("options are valid");
    assert!(matches!(scanner.sources(), Err(ScanError::NothingToScan)));
}

/// The pod as a JSON value, as an admission request or a watch would hand it over.
fn pod_value() -> Value {
    let parsed = rampart_source::parse_str(std::path::Path::new("pod.yaml"), POD);
    parsed.resources[0].raw.clone()
}

/// A check made at run time (as a user policy will be): logic with state, its own metadata,
/// selected by id like a built-in check, reported like one, documented like one.
#[test]
fn a_check_added_at_run_time_is_selected_reported_and_documented() {
    use std::sync::Arc;

    use rampart_checks::{Check, Ctx, Emitter, Rule, Run};
    use rampart_model::{Category, Meta, Pointer, Severity};

    struct RequireLabel(String);
    impl rampart_checks::ObjectRule for RequireLabel {
        fn check(&self, ctx: &Ctx, out: &mut Emitter) {
            if ctx
                .res
                .raw
                .pointer(&format!("/metadata/labels/{}", self.0))
                .is_none()
            {
                out.emit(
                    Pointer::from_raw("/metadata"),
                    format!("no `{}` label", self.0),
                );
            }
        }
    }
    let label = String::from("team");
    let meta = Meta {
        id: format!("require-{label}-label").into(),
        title: format!("Objects carry a `{label}` label").into(),
        severity: Severity::Low,
        category: Category::Hygiene,
        controls: &[],
        rationale: "Ownership labels route findings to the team that can fix them.".into(),
        remediation: format!("Add `metadata.labels.{label}`.").into(),
        kinds: &[],
        example_fail: "metadata: {}\n".into(),
        example_pass: "metadata: {labels: {team: shop}}\n".into(),
    };
    let page = rampart_checks::docs::page(&meta);
    assert!(page.contains("require-team-label") && page.contains("Ownership labels"));

    let dir = TempDir::new("scan-added");
    let pod = dir.write("pod.yaml", POD);
    let mut opts = options(vec![pod]);
    opts.checks = vec![Check {
        meta,
        run: Run::ObjectRule(Rule::Shared(Arc::new(RequireLabel(label)))),
    }];
    opts.select = vec!["require-team-label".into()];
    let (findings, outcome) = collect(opts.clone());
    assert_eq!(outcome.scanned.checks, 1);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].check, "require-team-label");
    assert_eq!(findings[0].message, "no `team` label");
    assert_eq!(
        findings[0].location.as_ref().map(|l| l.line),
        Some(3),
        "located in the file like any finding"
    );

    // Its id may not shadow a built-in check.
    opts.checks[0].meta.id = "host-pid".into();
    assert!(
        matches!(Scanner::new(opts), Err(ScanError::Selection(m)) if m.contains("already taken"))
    );
}

/// Issue 11, gap 7: two files defining the same object are reported as a duplicate (at the
/// later definition, naming the earlier one's file and line), not silently merged; files are
/// read in parallel, so this also holds whichever file a worker finishes first.
#[test]
fn an_object_defined_in_two_files_is_a_duplicate() {
    let dir = TempDir::new("scan-duplicates");
    let cm = |mode: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata: {{mode: {mode}}}\n")
    };
    let role = "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: reader\n  namespace: shop\nrules: []\n";
    dir.write("a.yaml", format!("{}---\n{role}", cm("strict")));
    // Padding files between the two, so they land in different parts of the parallel read.
    for i in 0..40 {
        dir.write(
            &format!("b{i:02}.yaml"),
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other-{i}\n  namespace: shop\n"),
        );
    }
    dir.write("c.yaml", format!("# the copy\n{}---\n{role}", cm("lax")));
    let (findings, _) = collect(options(vec![dir.dir().to_path_buf()]));
    let mut dups: Vec<(String, u32, String)> = findings
        .iter()
        .filter(|f| f.check == "duplicate-object")
        .map(|f| {
            let loc = f.location.as_ref().expect("a file location");
            (
                loc.path
                    .file_name()
                    .expect("a file name")
                    .to_string_lossy()
                    .into_owned(),
                loc.line,
                f.message.clone(),
            )
        })
        .collect();
    dups.sort();
    assert_eq!(dups.len(), 2, "{dups:#?}");
    // The copies in c.yaml are reported, naming a.yaml's lines.
    assert!(dups.iter().all(|d| d.0 == "c.yaml"), "{dups:#?}");
    assert!(
        dups.iter().any(|d| d.1 == 5
            && d.2.contains("a.yaml:4")
            && d.2.contains("ConfigMap shop/settings")),
        "{dups:#?}"
    );
    assert!(
        dups.iter()
            .any(|d| d.1 == 12 && d.2.contains("a.yaml:11") && d.2.contains("Role shop/reader")),
        "{dups:#?}"
    );
}

#[test]
fn the_kubernetes_version_setting_decides_removed_and_deprecated_api_versions() {
    let dir = TempDir::new("scan-kube-version");
    let pdb = dir.write(
        "pdb.yaml",
        "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  minAvailable: 1\n",
    );
    let ids = |opts: ScanOptions| {
        let (findings, outcome) = collect(ScanOptions {
            select: vec!["removed-api".into(), "deprecated-api".into()],
            ..opts
        });
        assert_eq!(outcome.errors, 0);
        findings
            .iter()
            .map(|f| f.check.to_string())
            .collect::<Vec<_>>()
    };
    // Default: the newest release rampart knows, which no longer serves policy/v1beta1.
    assert_eq!(ids(options(vec![pdb.clone()])), ["removed-api"]);
    // The config's setting.
    let config = dir.write(".rampart.yaml", "kubernetes-version: \"1.24\"\n");
    let with_config = ScanOptions {
        config: ConfigSource::File(config.clone()),
        ..options(vec![pdb.clone()])
    };
    assert_eq!(ids(with_config), ["deprecated-api"]);
    // The option wins over the config.
    let with_option = ScanOptions {
        config: ConfigSource::File(config),
        kubernetes_version: Some(20),
        ..options(vec![pdb.clone()])
    };
    assert!(ids(with_option).is_empty());
    // A YAML number is refused (1.30 would read as 1.3), with the config's file and line.
    let bad = dir.write(".bad.yaml", "fail-on: high\nkubernetes-version: 1.30\n");
    let (_, outcome) = collect(ScanOptions {
        config: ConfigSource::File(bad),
        ..options(vec![pdb])
    });
    assert_eq!(outcome.errors, 1);
}
