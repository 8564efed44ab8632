//! The store against SQLite (always) and PostgreSQL (`#[ignore]`d; `scripts/store-tests.sh`
//! starts a server and runs them with RAMPART_TEST_POSTGRES set to its URL): round trip through
//! the recorder, migrations and a newer schema refused, retention, diff semantics, trends and
//! concurrent writers.

use std::path::Path;
use std::sync::Arc;

use rampart_model::{Finding, Location as Loc, ObjectRef, Pointer, Severity, Subject, Suppression};
use rampart_report::{Scanned, Summary};
use rampart_scan::sink::{Collect, End};
use rampart_scan::Sink;
use rampart_store::{Location, NewScan, Prune, Recorder, ScanMeta, Store, TrendBy};

/// A fresh store of the backend, and what keeps it alive.
struct Fresh {
    _dir: Option<tempfile::TempDir>,
    location: Location,
}

fn sqlite() -> Fresh {
    let dir = tempfile::tempdir().expect("temp dir");
    let location = Location::Sqlite(dir.path().join("nested/dir/history.db"));
    Fresh {
        _dir: Some(dir),
        location,
    }
}

/// A new, empty database on the PostgreSQL server named by RAMPART_TEST_POSTGRES.
fn postgres(name: &str) -> Fresh {
    let url = std::env::var("RAMPART_TEST_POSTGRES").expect(
        "RAMPART_TEST_POSTGRES must name a PostgreSQL URL (scripts/store-tests.sh sets it)",
    );
    let db = format!("rampart_test_{name}");
    sqlx::any::install_default_drivers();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        use sqlx::Executor;
        let pool = sqlx::AnyPool::connect(&url).await.expect("connect");
        pool.execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {db} WITH (FORCE)"
        )))
        .await
        .expect("drop database");
        pool.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
            .await
            .expect("create database");
        pool.close().await;
    });
    let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
    Fresh {
        _dir: None,
        location: Location::Postgres(format!("{base}/{db}")),
    }
}

/// Each test runs against SQLite, and against PostgreSQL when asked (`--ignored`).
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name(super::sqlite());
            }
            #[test]
            #[ignore = "needs PostgreSQL: scripts/store-tests.sh"]
            fn postgres() {
                super::$name(super::postgres(stringify!($name)));
            }
        }
    )*};
}

on_both!(
    round_trip,
    migrations_are_applied_once_and_newer_schemas_refused,
    retention_by_count_and_age,
    diff_by_fingerprint,
    trend_by_severity_namespace_and_check,
    framework_scores_are_kept_and_followed,
    concurrent_writers,
);

fn finding(name: &str, check: &str, sev: Severity, line: u32, message: &str) -> Finding {
    let subject = Subject::from(ObjectRef {
        api_version: "apps/v1".into(),
        kind: "Deployment".into(),
        namespace: Some(
            if name.starts_with("db") {
                "data"
            } else {
                "web"
            }
            .into(),
        ),
        name: name.into(),
        uid: None,
    });
    let mut f = Finding::new(
        check.to_owned().into(),
        sev,
        subject,
        Pointer::from_raw("/spec/template/spec/hostNetwork"),
        message.into(),
    );
    f.location = Some(Loc {
        path: Arc::from(Path::new("deploy/app.yaml")),
        line,
        column: 7,
        snippet: None,
    });
    f
}

/// A scan of `findings` recorded through the recorder in front of a report sink, as
/// `rampart scan --store` does.
fn record(target: &str, findings: Vec<Finding>) -> NewScan {
    let mut recorder = Recorder::new(ScanMeta {
        target: Some(target.into()),
        options: serde_json::json!({"select": ["host-network"]}),
        started_at: jiff::Timestamp::now(),
    });
    let mut summary = Summary::new(Severity::High);
    for f in &findings {
        summary.count(f);
    }
    let scanned = Scanned {
        files: 1,
        objects: findings.len(),
        checks: 2,
    };
    let mut collect = Collect::new();
    {
        let mut tee = recorder.tee(&mut collect);
        tee.results(findings).expect("results");
        tee.finish(&End {
            errors: &[],
            scanned: &scanned,
            summary: &summary,
            source: None,
            coverage: None,
            rules: &[],
        })
        .expect("finish");
    }
    // The report sink got the results too.
    assert_eq!(
        collect.into_report().expect("report").findings.len(),
        scanned.objects
    );
    recorder.into_scan().expect("finished scan")
}

fn round_trip(fresh: Fresh) {
    let store = Store::open(&fresh.location).expect("open");
    let mut waived = finding("db", "host-network", Severity::Medium, 3, "waived one");
    waived.suppression = Suppression::Suppressed {
        by: "annotation".into(),
        reason: "legacy".into(),
    };
    let scan = record(
        "files deploy",
        vec![
            finding(
                "web",
                "host-network",
                Severity::High,
                10,
                "web uses the host network",
            ),
            finding(
                "api",
                "host-pid",
                Severity::Critical,
                20,
                "api shares the host PID",
            ),
            waived,
        ],
    );
    let id = store.save(&scan).expect("save");
    let listed = store.scans(None, None).expect("list");
    assert_eq!(listed.len(), 1);
    let info = &listed[0];
    assert_eq!(info.id, id);
    assert_eq!(info.target, "files deploy");
    assert_eq!(info.source_type, "files");
    assert_eq!((info.results, info.open, info.suppressed), (3, 2, 1));
    assert_eq!(info.by_severity["critical"], 1);
    assert_eq!(info.by_severity["high"], 1);
    assert_eq!(info.by_severity["medium"], 0);
    assert_eq!((info.files, info.objects, info.checks), (1, 3, 2));
    assert_eq!(info.options["select"][0], "host-network");
    assert!(!info.partial);
    let rows = store.findings(id).expect("findings");
    assert_eq!(
        rows,
        scan.rows.to_vec(),
        "rows come back as saved, in order"
    );
    // Saved in the report's order (file, line), not the order the results came in.
    let lines: Vec<_> = rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [Some(3), Some(10), Some(20)]);
    assert_eq!(rows[1].namespace.as_deref(), Some("web"));
    assert_eq!(rows[0].suppression, "suppressed");
    assert_eq!(rows[0].suppression_reason.as_deref(), Some("legacy"));
    assert!(store.scan(id + 100).expect("query").is_none());
    store.close();
}

fn migrations_are_applied_once_and_newer_schemas_refused(fresh: Fresh) {
    let store = Store::open(&fresh.location).expect("open");
    assert_eq!(
        store.schema_version().expect("version"),
        rampart_store::SCHEMA_VERSION
    );
    store.save(&record("t", vec![])).expect("save");
    store.close();
    // Opening again applies nothing and keeps the data.
    let store = Store::open(&fresh.location).expect("reopen");
    assert_eq!(store.scans(None, None).expect("list").len(), 1);
    store.close();
    // A store written by a newer rampart is refused with a clear error, not touched.
    let url = match &fresh.location {
        Location::Sqlite(p) => format!("sqlite://{}", p.display()),
        Location::Postgres(u) => u.clone(),
    };
    sqlx::any::install_default_drivers();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let pool = sqlx::AnyPool::connect(&url).await.expect("connect");
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(99_i64)
        .bind("from the future")
        .bind(true)
        .bind(vec![0u8; 4])
        .bind(0_i64)
        .execute(&pool)
        .await
        .expect("insert");
        pool.close().await;
    });
    let err = Store::open(&fresh.location)
        .err()
        .expect("a newer schema is refused");
    let text = err.to_string();
    assert!(text.contains("schema version is 99"), "{text}");
    assert!(text.contains("newer than this rampart knows"), "{text}");
    assert!(
        text.contains(&fresh.location.name()),
        "names the store: {text}"
    );
}

fn retention_by_count_and_age(fresh: Fresh) {
    let store = Store::open(&fresh.location).expect("open");
    let day_ms = 86_400_000;
    let now = jiff::Timestamp::now();
    let mut ids = Vec::new();
    // Target a: five scans, 5..1 days old; target b: two scans, 40 and 1 days old.
    for (target, age_days) in [
        ("a", 5),
        ("a", 4),
        ("a", 3),
        ("a", 2),
        ("a", 1),
        ("b", 40),
        ("b", 1),
    ] {
        let mut scan = record(
            target,
            vec![finding("web", "host-network", Severity::High, 1, "m")],
        );
        scan.started_at =
            jiff::Timestamp::from_millisecond(now.as_millisecond() - age_days * day_ms)
                .expect("time");
        ids.push(store.save(&scan).expect("save"));
    }
    // Keep the newest 3 of each target: a's two oldest go, b keeps both.
    let removed = store
        .prune(Prune {
            keep: Some(3),
            older_than: None,
        })
        .expect("prune");
    assert_eq!(removed, vec![ids[0], ids[1]]);
    assert!(store.findings(ids[0]).expect("findings").is_empty());
    // Older than 30 days: b's old scan goes.
    let cutoff = jiff::Timestamp::from_millisecond(now.as_millisecond() - 30 * day_ms).expect("t");
    let removed = store
        .prune(Prune {
            keep: None,
            older_than: Some(cutoff),
        })
        .expect("prune");
    assert_eq!(removed, vec![ids[5]]);
    let left: Vec<i64> = store
        .scans(None, None)
        .expect("list")
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(left, vec![ids[6], ids[4], ids[3], ids[2]]);
    // Nothing to do is not an error.
    assert!(store.prune(Prune::default()).expect("prune").is_empty());
}

fn diff_by_fingerprint(fresh: Fresh) {
    let store = Store::open(&fresh.location).expect("open");
    let first = store
        .save(&record(
            "files deploy",
            vec![
                finding(
                    "web",
                    "host-network",
                    Severity::High,
                    10,
                    "web: host network",
                ),
                finding(
                    "api",
                    "host-network",
                    Severity::Medium,
                    20,
                    "api: host network",
                ),
                finding("db", "host-network", Severity::High, 30, "db: host network"),
            ],
        ))
        .expect("save");
    // Another target in between must not be picked by the default pair.
    store.save(&record("other", vec![])).expect("save");
    let second = store
        .save(&record(
            "files deploy",
            vec![
                // 40 lines were added above: moved, not new.
                finding(
                    "web",
                    "host-network",
                    Severity::High,
                    50,
                    "web: host network",
                ),
                // Same field, new severity: changed.
                finding(
                    "api",
                    "host-network",
                    Severity::Critical,
                    60,
                    "api: host network",
                ),
                // db fixed; cache is new.
                finding(
                    "cache",
                    "host-network",
                    Severity::Low,
                    70,
                    "cache: host network",
                ),
            ],
        ))
        .expect("save");
    let (a, b) = store.pick_pair(None, None, None).expect("pair");
    assert_eq!((a.id, b.id), (first, second));
    let d = store.diff(a, b).expect("diff");
    assert_eq!(d.moved, 1);
    assert_eq!(d.new.len(), 1);
    assert_eq!(d.new[0].subject, "Deployment/web/cache");
    assert_eq!(d.fixed.len(), 1);
    assert_eq!(d.fixed[0].subject, "Deployment/data/db");
    assert_eq!(d.changed.len(), 1);
    assert_eq!(d.changed[0].fields, vec!["severity"]);
    assert_eq!(
        (
            d.changed[0].before.severity.as_str(),
            d.changed[0].after.severity.as_str()
        ),
        ("medium", "critical")
    );
    // One scan named: compared with the newest scan of its target.
    let (a, b) = store.pick_pair(Some(first), None, None).expect("pair");
    assert_eq!((a.id, b.id), (first, second));
    // The newest named: what it changed since the scan before it.
    let (a, b) = store.pick_pair(Some(second), None, None).expect("pair");
    assert_eq!((a.id, b.id), (first, second));
    // Unknown scans are named in the error.
    let err = store
        .pick_pair(Some(999), Some(first), None)
        .expect_err("error");
    assert!(err.to_string().contains("no scan 999"), "{err}");
    let err = store
        .pick_pair(None, None, Some("other"))
        .expect_err("one scan only");
    assert!(err.to_string().contains("a diff needs two"), "{err}");
}

fn trend_by_severity_namespace_and_check(fresh: Fresh) {
    let store = Store::open(&fresh.location).expect("open");
    let mut waived = finding("web", "host-ipc", Severity::Critical, 2, "waived");
    waived.suppression = Suppression::Suppressed {
        by: "config".into(),
        reason: "r".into(),
    };
    let s1 = store
        .save(&record(
            "t",
            vec![
                finding("web", "host-network", Severity::High, 1, "m"),
                finding("db", "host-pid", Severity::High, 1, "m"),
            ],
        ))
        .expect("save");
    let s2 = store
        .save(&record(
            "t",
            vec![
                finding("db", "host-pid", Severity::Critical, 1, "m"),
                finding("db2", "host-pid", Severity::Low, 1, "m"),
                waived,
            ],
        ))
        .expect("save");
    let t = store.trend(TrendBy::Severity, None, 10).expect("trend");
    assert_eq!(t.target, "t");
    assert_eq!(
        t.scans.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![s1, s2]
    );
    let get = |t: &rampart_store::Trend, k: &str| {
        t.series
            .iter()
            .find(|s| s.key == k)
            .map(|s| s.counts.clone())
            .unwrap_or_default()
    };
    assert_eq!(t.series[0].key, "critical", "severities in order");
    assert_eq!(
        get(&t, "critical"),
        vec![0, 1],
        "the waived one does not count"
    );
    assert_eq!(get(&t, "high"), vec![2, 0]);
    assert_eq!(get(&t, "low"), vec![0, 1]);
    assert_eq!(get(&t, "info"), vec![0, 0]);
    let t = store
        .trend(TrendBy::Namespace, Some("t"), 10)
        .expect("trend");
    assert_eq!(get(&t, "data"), vec![1, 2]);
    assert_eq!(get(&t, "web"), vec![1, 0]);
    assert_eq!(t.series[0].key, "data", "largest now first");
    let t = store.trend(TrendBy::Check, Some("t"), 1).expect("trend");
    assert_eq!(t.scans.len(), 1);
    assert_eq!(get(&t, "host-pid"), vec![2]);
    let text = rampart_store::render::trend(&t);
    assert!(text.contains("host-pid"), "{text}");
}

/// Each scan's framework scores: computed by the recorder for every framework of the catalog,
/// kept, followed by `trend --by framework`, and removed with their scan.
fn framework_scores_are_kept_and_followed(fresh: Fresh) {
    let store = Store::open(&fresh.location).expect("open");
    let recorded = record(
        "fw",
        vec![finding("web", "host-network", Severity::High, 1, "m")],
    );
    assert_eq!(
        recorded.frameworks.len(),
        rampart_frameworks::catalog().frameworks.len(),
        "the recorder judges every framework"
    );
    let s1 = store.save(&recorded).expect("save");
    let mut second = record("fw", Vec::new());
    second.frameworks = vec![rampart_store::FrameworkScore {
        framework: "nsa-cisa".into(),
        score_permille: Some(875),
        pass: 7,
        fail: 1,
        manual: 2,
        not_applicable: 0,
        not_assessed: 3,
    }];
    let s2 = store.save(&second).expect("save");
    let t = store
        .trend(TrendBy::Framework, Some("fw"), 10)
        .expect("trend");
    assert_eq!(t.by, "framework");
    assert_eq!(
        t.scans.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![s1, s2]
    );
    let nsa = t
        .series
        .iter()
        .find(|s| s.key == "nsa-cisa")
        .expect("nsa-cisa series");
    assert_eq!(nsa.scores.len(), 2);
    assert_eq!(nsa.scores[1], Some(87.5));
    assert_eq!(nsa.counts[1], 1);
    assert_eq!(t.series.len(), recorded.frameworks.len());
    let text = rampart_store::render::trend(&t);
    assert!(text.contains("87.5% (1)"), "{text}");
    store
        .prune(Prune {
            keep: Some(1),
            older_than: None,
        })
        .expect("prune");
    let t = store
        .trend(TrendBy::Framework, Some("fw"), 10)
        .expect("trend");
    assert_eq!(t.series.len(), 1, "the pruned scan's scores are gone");
}

/// Two writers with their own connections (as two processes have) save at once; every scan and
/// every row arrives.
fn concurrent_writers(fresh: Fresh) {
    let scans_each = 5;
    let rows_each = 1000;
    let location = fresh.location.clone();
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let location = location.clone();
            std::thread::spawn(move || {
                let store = Store::open(&location).expect("open");
                for i in 0..scans_each {
                    let findings = (0..rows_each)
                        .map(|n| {
                            finding(
                                &format!("w{w}-s{i}-{n}"),
                                "host-network",
                                Severity::High,
                                1 + n,
                                "m",
                            )
                        })
                        .collect();
                    store
                        .save(&record(&format!("writer {w}"), findings))
                        .expect("save");
                }
                store.close();
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer");
    }
    let store = Store::open(&fresh.location).expect("open");
    let scans = store.scans(None, None).expect("list");
    assert_eq!(scans.len(), 2 * scans_each);
    for s in &scans {
        assert_eq!(s.results, i64::from(rows_each), "scan {}", s.id);
        assert_eq!(
            store.findings(s.id).expect("rows").len(),
            rows_each as usize
        );
    }
}

/// A writer process for [`two_processes_write_one_sqlite_file`]: does nothing unless
/// RAMPART_STORE_CHILD_DB names the store.
#[test]
fn child_writer() {
    let Ok(db) = std::env::var("RAMPART_STORE_CHILD_DB") else {
        return;
    };
    let w = std::env::var("RAMPART_STORE_CHILD_NAME").unwrap_or_default();
    let store = Store::open(&Location::Sqlite(db.into())).expect("open");
    for i in 0..5 {
        let findings = (0..1000)
            .map(|n| {
                finding(
                    &format!("{w}-s{i}-{n}"),
                    "host-network",
                    Severity::High,
                    1 + n,
                    "m",
                )
            })
            .collect();
        store
            .save(&record(&format!("writer {w}"), findings))
            .expect("save");
    }
    store.close();
}

/// Two processes (this test binary, run as [`child_writer`]) save into one new SQLite file at
/// once: both succeed, and every scan and row arrives.
#[test]
fn two_processes_write_one_sqlite_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("shared.db");
    let exe = std::env::current_exe().expect("test binary");
    let children: Vec<_> = ["a", "b"]
        .iter()
        .map(|w| {
            std::process::Command::new(&exe)
                .args(["child_writer", "--exact", "--test-threads=1"])
                .env("RAMPART_STORE_CHILD_DB", &db)
                .env("RAMPART_STORE_CHILD_NAME", w)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn a writer")
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().expect("writer");
        assert!(
            out.status.success(),
            "writer failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let store = Store::open(&Location::Sqlite(db)).expect("open");
    let scans = store.scans(None, None).expect("list");
    assert_eq!(scans.len(), 10);
    for s in &scans {
        assert_eq!(s.results, 1000, "scan {}", s.id);
    }
    assert_eq!(scans.iter().filter(|s| s.target == "writer a").count(), 5);
}
