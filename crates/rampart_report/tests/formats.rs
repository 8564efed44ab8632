//! Every output format over one canonical report: snapshots, schema validation (SARIF against the
//! official OASIS schema, JSON against `schemas/report.schema.json`), and JUnit read back.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rampart_model::{
    Category, Control, Evidence, Finding, InputError, Location, Meta, ObjectRef, Pointer, Pos,
    Severity, Subject, Suppression,
};
use rampart_report::{Report, Scanned};
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// The canonical report
// ---------------------------------------------------------------------------------------------

static PRIVILEGED: Meta = rampart_model::meta! {
    id: "privileged-container",
    title: "Container runs privileged",
    severity: Severity::Critical,
    category: Category::PodSecurity,
    controls: &[
        Control::Pss {
            level: "baseline",
            control: "Privileged Containers",
        },
        Control::Cis {
            version: "1.10",
            id: "5.2.2",
        },
        Control::MitreAttack {
            id: "T1611",
            name: "Escape to Host",
        },
    ],
    rationale:
        "A privileged container has every capability and all host devices: it is root on the node.",
    remediation: "Remove `securityContext.privileged: true` or set it to `false`.",
    kinds: &[],
    example_fail: "",
    example_pass: "",
};

static HOST_PID: Meta = rampart_model::meta! {
    id: "host-pid",
    title: "Pod shares the host PID namespace",
    severity: Severity::High,
    category: Category::PodSecurity,
    controls: &[Control::Pss {
        level: "baseline",
        control: "Host Namespaces",
    }],
    rationale: "With `hostPID` the pod sees and can signal every process on the node.",
    remediation: "Remove `spec.hostPID` or set it to `false`.",
    kinds: &[],
    example_fail: "",
    example_pass: "",
};

static READ_ONLY_ROOT: Meta = rampart_model::meta! {
    id: "read-only-root-filesystem",
    title: "Root filesystem is writable",
    severity: Severity::Low,
    category: Category::PodSecurity,
    controls: &[],
    rationale: "A writable root filesystem lets an attacker persist tools & payloads <in> the container.",
    remediation: "Set `securityContext.readOnlyRootFilesystem: true` and mount an emptyDir where writes are needed.",
    kinds: &[],
    example_fail: "",
    example_pass: "",
};

fn obj(api: &str, kind: &str, ns: Option<&str>, name: &str) -> ObjectRef {
    ObjectRef {
        api_version: api.into(),
        kind: kind.into(),
        namespace: ns.map(str::to_owned),
        name: name.into(),
        uid: None,
    }
}

fn loc(path: &str, line: u32, column: u32, snippet: &str) -> Option<Location> {
    Some(Location {
        path: PathBuf::from(path).into(),
        line,
        column,
        snippet: Some(snippet.into()),
    })
}

fn finding(
    meta: &Meta,
    object: ObjectRef,
    pointer: &str,
    location: Option<Location>,
    message: &str,
    suppression: Suppression,
) -> Finding {
    let mut f = Finding::new(
        meta.id.clone(),
        meta.severity,
        Subject::Object(Arc::new(object)),
        Pointer::from_raw(pointer),
        message.into(),
    );
    f.location = location;
    f.suppression = suppression;
    f
}

/// Five findings (open with a location, open without one, suppressed by annotation, suppressed by
/// a waiver, waiver expired), two input errors, three rules (one without findings).
fn canonical() -> Report {
    let mut live = obj("v1", "Pod", Some("default"), "live-debug");
    live.uid = Some("0f3c1a52-7a6e-4c43-9d55-2f1d4c3b8a10".into());
    let findings = vec![
        finding(
            &PRIVILEGED,
            obj("apps/v1", "Deployment", Some("shop"), "web"),
            "/spec/template/spec/containers/0/securityContext/privileged",
            loc(
                "apps/shop/deploy.yaml",
                24,
                13,
                "            privileged: true",
            ),
            "container `web` runs privileged",
            Suppression::Open,
        ),
        finding(
            &HOST_PID,
            obj("apps/v1", "DaemonSet", Some("monitoring"), "node-exporter"),
            "/spec/template/spec/hostPID",
            loc(
                "apps/monitoring/node exporter.yaml",
                9,
                7,
                "      hostPID: true",
            ),
            "the pod shares the host PID namespace",
            Suppression::Suppressed {
                by: "waiver".into(),
                reason: "node metrics need the host PID namespace".into(),
            },
        ),
        finding(
            &PRIVILEGED,
            obj("v1", "Pod", Some("kube-system"), "gpu-installer"),
            "/spec/containers/0/securityContext/privileged",
            loc("apps/system/gpu.yaml", 14, 9, "        privileged: true"),
            "container `installer` runs privileged",
            Suppression::Suppressed {
                by: "annotation".into(),
                reason: "GPU driver installer (OPS-42)".into(),
            },
        ),
        finding(
            &HOST_PID,
            obj("v1", "Pod", None, "debug"),
            "/spec/hostPID",
            loc("apps/debug.yaml", 6, 3, "  hostPID: true"),
            "the pod shares the host PID namespace",
            Suppression::WaiverExpired {
                expired: "2025-03-31".into(),
                reason: "temporary debugging <until> the \"incident\" is closed".into(),
            },
        ),
        finding(
            &PRIVILEGED,
            live,
            "/spec/containers/0/securityContext/privileged",
            None,
            "container `sh` runs privileged",
            Suppression::Open,
        ),
    ];
    let errors = vec![
        InputError::file(Path::new("apps/blob.yaml"), "not UTF-8 text (binary file?)"),
        InputError::at(
            Path::new("apps/broken.yaml"),
            Pos { line: 3, col: 5 },
            "did not find expected key",
        ),
    ];
    Report::new(
        findings,
        errors,
        Scanned {
            files: 6,
            objects: 7,
            checks: 3,
        },
        vec![PRIVILEGED.clone(), HOST_PID.clone(), READ_ONLY_ROOT.clone()],
        Severity::High,
        1,
    )
}

/// The output with the tool version replaced, so that snapshots survive version bumps.
fn redact(out: &str) -> String {
    out.replace(
        &format!("\"{}\"", env!("CARGO_PKG_VERSION")),
        "\"[version]\"",
    )
}

fn parse(out: &str) -> Value {
    serde_json::from_str(out).expect("output is JSON")
}

// ---------------------------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------------------------

#[test]
fn snapshot_table() {
    insta::assert_snapshot!("table", rampart_report::table(&canonical()));
}

#[test]
fn snapshot_json() {
    insta::assert_snapshot!("json", redact(&rampart_report::json(&canonical())));
}

#[test]
fn snapshot_sarif() {
    insta::assert_snapshot!(
        "sarif",
        redact(&rampart_report::sarif::render(&canonical()))
    );
}

#[test]
fn snapshot_junit() {
    insta::assert_snapshot!("junit", rampart_report::junit::render(&canonical()));
}

// ---------------------------------------------------------------------------------------------
// Schema validation
// ---------------------------------------------------------------------------------------------

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .expect("schema compiles")
}

fn assert_valid(validator: &jsonschema::Validator, instance: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not follow its schema:\n{}",
        errors.join("\n")
    );
}

/// The shared directory holding `schemas/sarif-schema-2.1.0.json`, or `None` after printing a
/// skip message. With `RAMPART_REQUIRE_CORPORA=1`, a missing directory fails the test instead.
fn shared_schemas() -> Option<PathBuf> {
    let found = rampart_testutil::shared_dir()
        .map(|d| d.join("schemas"))
        .filter(|d| d.join("sarif-schema-2.1.0.json").is_file());
    if found.is_none() {
        assert!(
            std::env::var("RAMPART_REQUIRE_CORPORA").as_deref() != Ok("1"),
            "shared/schemas/sarif-schema-2.1.0.json not found and RAMPART_REQUIRE_CORPORA=1 (set {})",
            rampart_testutil::CORPORA_ENV
        );
        println!(
            "skipping: shared/schemas/sarif-schema-2.1.0.json not found (set {})",
            rampart_testutil::CORPORA_ENV
        );
    }
    found
}

fn report_schema() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/report.schema.json");
    let text = std::fs::read_to_string(&path).expect("read schemas/report.schema.json");
    serde_json::from_str(&text).expect("schemas/report.schema.json is JSON")
}

fn empty_report() -> Report {
    Report::new(
        vec![],
        vec![],
        Scanned::default(),
        vec![],
        Severity::High,
        0,
    )
}

#[test]
fn sarif_follows_the_official_schema() {
    let Some(dir) = shared_schemas() else {
        return;
    };
    let text = std::fs::read_to_string(dir.join("sarif-schema-2.1.0.json")).expect("read schema");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    let v = validator(&schema);
    assert_valid(
        &v,
        &parse(&rampart_report::sarif::render(&canonical())),
        "SARIF (canonical)",
    );
    assert_valid(
        &v,
        &parse(&rampart_report::sarif::render(&empty_report())),
        "SARIF (empty)",
    );
    // The validator is not vacuous: a result without a message is rejected.
    let mut broken = parse(&rampart_report::sarif::render(&canonical()));
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .expect("result object")
        .remove("message");
    assert!(!v.is_valid(&broken));
}

#[test]
fn report_schema_is_valid_draft_2020_12() {
    let schema = report_schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    jsonschema::meta::validate(&schema).expect("report schema follows its meta-schema");
}

#[test]
fn json_follows_the_report_schema() {
    let v = validator(&report_schema());
    assert_valid(
        &v,
        &parse(&rampart_report::json(&canonical())),
        "JSON (canonical)",
    );
    assert_valid(
        &v,
        &parse(&rampart_report::json(&empty_report())),
        "JSON (empty)",
    );
}

/// A named change that makes a valid report invalid.
type Mutation = (&'static str, fn(&mut Value));

#[test]
fn report_schema_is_strict() {
    let v = validator(&report_schema());
    let good = parse(&rampart_report::json(&canonical()));
    assert!(v.is_valid(&good));

    let mutations: Vec<Mutation> = vec![
        ("unknown top-level field", |j| j["extra"] = 1.into()),
        ("schemaVersion 1", |j| j["schemaVersion"] = 1.into()),
        ("unknown severity", |j| {
            j["findings"][0]["severity"] = "severe".into()
        }),
        ("unknown field in a finding", |j| {
            j["findings"][0]["rule"] = "x".into()
        }),
        ("unknown field in an object", |j| {
            j["findings"][0]["subject"]["labels"] = Value::Null
        }),
        ("unknown subject type", |j| {
            j["findings"][0]["subject"]["type"] = "node".into()
        }),
        ("unknown status", |j| {
            j["findings"][0]["status"] = "skipped".into()
        }),
        ("malformed fingerprint", |j| {
            j["findings"][0]["fingerprint"] = "xyz".into()
        }),
        ("missing status count", |j| {
            j["summary"]["byStatus"]
                .as_object_mut()
                .expect("byStatus")
                .remove("manual");
        }),
        ("line 0", |j| {
            j["findings"][0]["location"]["line"] = 0.into()
        }),
        ("unknown status state", |j| {
            j["findings"][1]["suppression"]["state"] = "open".into()
        }),
        ("missing severity count", |j| {
            j["summary"]["bySeverity"]
                .as_object_mut()
                .expect("bySeverity")
                .remove("info");
        }),
        ("error without message", |j| {
            j["errors"][0]
                .as_object_mut()
                .expect("error")
                .remove("message");
        }),
        ("pointer without leading slash", |j| {
            j["findings"][0]["pointer"] = "spec".into()
        }),
    ];
    for (what, mutate) in mutations {
        let mut bad = good.clone();
        mutate(&mut bad);
        assert!(!v.is_valid(&bad), "the schema accepts a report with {what}");
    }
}

// ---------------------------------------------------------------------------------------------
// SARIF content
// ---------------------------------------------------------------------------------------------

#[test]
fn sarif_content() {
    let report = canonical();
    let sarif = parse(&rampart_report::sarif::render(&report));
    assert_eq!(sarif["version"], "2.1.0");
    let runs = sarif["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");

    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "rampart");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(
        ids,
        [
            "privileged-container",
            "host-pid",
            "read-only-root-filesystem"
        ]
    );
    assert_eq!(rules[0]["properties"]["security-severity"], "9.5");
    assert_eq!(rules[1]["properties"]["security-severity"], "8.0");
    assert_eq!(rules[2]["properties"]["security-severity"], "3.0");
    assert_eq!(rules[0]["defaultConfiguration"]["level"], "error");
    assert_eq!(rules[2]["defaultConfiguration"]["level"], "note");
    assert_eq!(rules[0]["shortDescription"]["text"], &*PRIVILEGED.title);
    assert_eq!(rules[0]["fullDescription"]["text"], &*PRIVILEGED.rationale);
    assert_eq!(rules[0]["help"]["text"], &*PRIVILEGED.remediation);
    let tags: Vec<&str> = rules[0]["properties"]["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(tags.contains(&"security"));
    assert!(tags.contains(&"PSS baseline: Privileged Containers"));

    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), report.findings.len());
    for (r, f) in results.iter().zip(&report.findings) {
        assert_eq!(r["ruleId"], f.check.as_ref() as &str);
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], f.check.as_ref() as &str);
        assert_eq!(
            r["partialFingerprints"]["rampartFingerprint/v2"],
            f.fingerprint.to_string()
        );
        let logical = &r["locations"][0]["logicalLocations"][0];
        assert_eq!(logical["fullyQualifiedName"], f.subject.display_name());
        assert_eq!(logical["properties"]["pointer"], f.pointer.as_str());
        let physical = &r["locations"][0]["physicalLocation"];
        match &f.location {
            Some(l) => {
                assert_eq!(physical["region"]["startLine"], l.line);
                assert_eq!(physical["region"]["startColumn"], l.column);
            }
            None => assert!(physical.is_null()),
        }
        let suppression = &r["suppressions"][0];
        match &f.suppression {
            Suppression::Suppressed { by, reason } => {
                let kind = if by == "annotation" {
                    "inSource"
                } else {
                    "external"
                };
                assert_eq!(suppression["kind"], kind);
                assert_eq!(suppression["justification"], reason.as_str());
            }
            _ => assert!(suppression.is_null()),
        }
        let level = match f.severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "note",
        };
        assert_eq!(r["level"], level);
    }
    // A path with a space is percent-encoded; separators stay forward slashes.
    assert!(results.iter().any(
        |r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            == "apps/monitoring/node%20exporter.yaml"
    ));

    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(invocation["exitCode"], 2);
    let notes = invocation["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    assert_eq!(notes.len(), 2);
    assert!(notes.iter().all(|n| n["level"] == "error"));
    assert_eq!(
        notes[1]["locations"][0]["physicalLocation"]["region"]["startLine"],
        3
    );

    let clean = parse(&rampart_report::sarif::render(&empty_report()));
    assert_eq!(
        clean["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
    assert_eq!(clean["runs"][0]["results"], Value::Array(vec![]));
}

// ---------------------------------------------------------------------------------------------
// JUnit read back
// ---------------------------------------------------------------------------------------------

#[test]
fn junit_counts() {
    let xml = rampart_report::junit::render(&canonical());
    let parsed = quick_junit::Report::deserialize_from_str(&xml).expect("JUnit XML parses");
    // 3 checks + rampart.input.
    let names: Vec<&str> = parsed.test_suites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "privileged-container",
            "host-pid",
            "read-only-root-filesystem",
            "rampart.input"
        ]
    );
    // Cases: 3 + 2 findings, 1 passing case, 2 input errors.
    assert_eq!(parsed.tests, 8);
    // Open findings (one with an expired waiver) fail; suppressed ones are skipped.
    assert_eq!(parsed.failures, 3);
    assert_eq!(parsed.skipped, 2);
    assert_eq!(parsed.errors, 2);

    let suite = |n: &str| {
        parsed
            .test_suites
            .iter()
            .find(|s| s.name.as_str() == n)
            .expect("suite")
    };
    let privileged = suite("privileged-container");
    assert_eq!(
        (privileged.tests, privileged.failures, privileged.skipped),
        (3, 2, 1)
    );
    let host_pid = suite("host-pid");
    assert_eq!(
        (host_pid.tests, host_pid.failures, host_pid.skipped),
        (2, 1, 1)
    );
    let ro = suite("read-only-root-filesystem");
    assert_eq!((ro.tests, ro.failures, ro.skipped), (1, 0, 0));
    let input = suite("rampart.input");
    assert_eq!((input.tests, input.errors), (2, 2));

    // A failure is typed by severity and names file:line:column and the pointer.
    let failed = privileged
        .test_cases
        .iter()
        .find(|c| c.name.as_str().starts_with("Deployment/shop/web "))
        .expect("the case of Deployment/shop/web");
    match &failed.status {
        quick_junit::TestCaseStatus::NonSuccess {
            kind,
            ty,
            message,
            description,
            ..
        } => {
            assert_eq!(*kind, quick_junit::NonSuccessKind::Failure);
            assert_eq!(ty.as_ref().map(|t| t.as_str()), Some("critical"));
            assert_eq!(
                message.as_ref().map(|t| t.as_str()),
                Some("container `web` runs privileged")
            );
            let text = description.as_ref().expect("description");
            assert!(text.as_str().contains("apps/shop/deploy.yaml:24:13"));
            assert!(text
                .as_str()
                .contains("/spec/template/spec/containers/0/securityContext/privileged"));
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    // A suppressed finding is skipped with its reason.
    let skipped = privileged
        .test_cases
        .iter()
        .find_map(|c| match &c.status {
            quick_junit::TestCaseStatus::Skipped { message, .. } => message.clone(),
            _ => None,
        })
        .expect("a skipped case");
    assert_eq!(skipped.as_str(), "GPU driver installer (OPS-42)");
}

#[test]
fn junit_without_errors_has_no_input_suite() {
    let xml = rampart_report::junit::render(&empty_report());
    let parsed = quick_junit::Report::deserialize_from_str(&xml).expect("JUnit XML parses");
    assert!(parsed.test_suites.is_empty());
    assert_eq!(parsed.failures + parsed.errors, 0);
}

// ---------------------------------------------------------------------------------------------
// Table robustness
// ---------------------------------------------------------------------------------------------

#[test]
fn table_names_pointer_without_location() {
    let out = rampart_report::table(&canonical());
    assert!(out.contains("Pod/default/live-debug\n"));
    assert!(out.contains("/spec/containers/0/securityContext/privileged"));
    // Suppressed findings are counted, not listed.
    assert!(!out.contains("gpu-installer"));
    assert!(out.contains("2 suppressed"));
    assert!(out.contains("waiver expired on 2025-03-31"));
}

#[test]
fn odd_input_never_panics() {
    let weird = "multi\nline \u{1b}[31mred\u{1b}[0m \u{0}nul\r\n\t<&>\"'";
    let findings = vec![
        Finding {
            suppression: Suppression::Suppressed {
                by: String::new(),
                reason: weird.into(),
            },
            ..Finding::new(
                String::new().into(),
                Severity::Info,
                Subject::from(ObjectRef::default()),
                Pointer::root(),
                String::new(),
            )
        },
        Finding {
            location: Some(Location {
                path: PathBuf::from("dir with spaces/ü:x%.yaml").into(),
                line: u32::MAX,
                column: 0,
                snippet: Some(weird.into()),
            }),
            suppression: Suppression::WaiverExpired {
                expired: weird.into(),
                reason: weird.into(),
            },
            evidence: vec![Evidence::new(weird, Some(weird.into())).expected(weird)],
            ..Finding::new(
                "x".repeat(300).into(),
                Severity::Medium,
                Subject::from(obj(weird, weird, Some(weird), weird)),
                Pointer::from_raw("/a~1b/~0c/ü"),
                weird.repeat(100),
            )
        },
        Finding::new(
            "root".into(),
            Severity::Low,
            Subject::from(ObjectRef::default()),
            Pointer::root(),
            "whole object".into(),
        ),
    ];
    let errors = vec![InputError {
        path: PathBuf::new(),
        line: Some(0),
        column: None,
        message: weird.into(),
    }];
    let report = Report::new(
        findings,
        errors,
        Scanned::default(),
        vec![],
        Severity::Info,
        0,
    );
    let table = rampart_report::table(&report);
    assert!(!table.contains('\u{1b}'));
    assert!(table.contains("(object)"));
    let _ = parse(&rampart_report::json(&report));
    let _ = parse(&rampart_report::sarif::render(&report));
    let xml = rampart_report::junit::render(&report);
    quick_junit::Report::deserialize_from_str(&xml).expect("JUnit XML parses");
}

/// One result of every subject type and status, with evidence, related objects and a fix.
fn wide_report() -> Report {
    use rampart_model::{Component, Edit, EventRef, Fix, ImageRef, PackageRef, Related, Status};
    let image = ImageRef {
        reference: "registry.example/shop/web:1.2".into(),
        digest: Some(format!("sha256:{}", "a".repeat(64))),
    };
    let subjects = vec![
        (
            Subject::from(obj("apps/v1", "Deployment", Some("shop"), "web")),
            Status::Fail,
        ),
        (
            Subject::Component(Arc::new(Component {
                node: Some("cp-1".into()),
                name: "kube-apiserver".into(),
            })),
            Status::Pass,
        ),
        (Subject::Image(Arc::new(image.clone())), Status::Manual),
        (
            Subject::Package(Arc::new(PackageRef {
                image,
                ecosystem: "Debian".into(),
                name: "openssl".into(),
                version: "3.0.11-1~deb12u2".into(),
                path: Some("var/lib/dpkg/status".into()),
            })),
            Status::NotApplicable,
        ),
        (
            Subject::Event(Arc::new(EventRef {
                audit_id: "5d1b8a3e".into(),
                user: "alice".into(),
                verb: "create".into(),
                object: Some(obj("v1", "Pod", Some("shop"), "debug")),
                time: Some("2026-12-06T06:00:00Z".into()),
            })),
            Status::Error,
        ),
        (
            Subject::Cluster {
                name: Some("prod".into()),
            },
            Status::Fail,
        ),
    ];
    let findings = subjects
        .into_iter()
        .map(|(subject, status)| {
            let mut f = Finding::new(
                PRIVILEGED.id.clone(),
                Severity::High,
                subject,
                Pointer::from_raw("/spec/x"),
                format!("a {status} result"),
            );
            f.status = status;
            f.evidence = vec![
                Evidence::new("--anonymous-auth", Some("true".into())).expected("false"),
                Evidence::new("/etc/kubernetes/pki/ca.key (mode)", None),
            ];
            f.related = vec![Related {
                role: "binding".into(),
                object: Arc::new(obj(
                    "rbac.authorization.k8s.io/v1",
                    "RoleBinding",
                    Some("shop"),
                    "b",
                )),
                pointer: Pointer::from_raw("/subjects/0"),
                location: loc("rbac.yaml", 7, 3, "- kind: User"),
            }];
            f.fix = Some(Box::new(Fix {
                description: "drop privileged".into(),
                safe: true,
                edits: vec![
                    Edit::Replace {
                        pointer: Pointer::from_raw("/spec/x"),
                        value: false.into(),
                    },
                    Edit::Remove {
                        pointer: Pointer::from_raw("/spec/y"),
                    },
                ],
            }));
            f
        })
        .collect();
    Report::new(
        findings,
        vec![],
        Scanned::default(),
        vec![PRIVILEGED.clone()],
        Severity::High,
        0,
    )
}

#[test]
fn every_subject_status_evidence_and_fix_follow_the_schemas() {
    let report = wide_report();
    // Only failures and errors count.
    assert_eq!(report.summary.open, 3);
    assert_eq!(report.summary.by_status[&rampart_model::Status::Pass], 1);
    let json = parse(&rampart_report::json(&report));
    assert_valid(&validator(&report_schema()), &json, "JSON (every subject)");
    let types: Vec<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["subject"]["type"].as_str())
        .collect();
    for t in [
        "object",
        "component",
        "image",
        "package",
        "event",
        "cluster",
    ] {
        assert!(types.contains(&t), "no {t} subject in {types:?}");
    }
    // Read back: the same results.
    let back: Vec<Finding> =
        serde_json::from_value(json["findings"].clone()).expect("findings read back");
    assert_eq!(back, report.findings);

    let sarif = parse(&rampart_report::sarif::render(&report));
    let kinds: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["kind"].as_str())
        .collect();
    for k in ["fail", "pass", "review", "notApplicable", "open"] {
        assert!(kinds.contains(&k), "no SARIF kind {k} in {kinds:?}");
    }
    if let Some(dir) = shared_schemas() {
        let text =
            std::fs::read_to_string(dir.join("sarif-schema-2.1.0.json")).expect("read schema");
        let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
        assert_valid(&validator(&schema), &sarif, "SARIF (every subject)");
    }
    let table = rampart_report::table(&report);
    assert!(table.contains("kube-apiserver on cp-1") || !table.contains("a pass result"));
    assert!(table.contains("evidence: --anonymous-auth: true (expected false)"));
    assert!(table.contains("cluster prod"));
    let junit = rampart_report::junit::render(&report);
    assert!(junit.contains("evidence: /etc/kubernetes/pki/ca.key (mode): not set"));
}
