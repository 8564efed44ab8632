//! Times storing one large scan: `cargo run --release -p rampart_store --example store_bench
//! [-- FINDINGS [STORE]]` (default 100,000 findings into a new SQLite file in a temporary
//! directory). Prints the time of `Store::save` (one transaction, multi-row inserts; SQLite's with
//! anonymous `?` parameters), of reading
//! the rows back, and of a diff against a second scan with every line moved.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use rampart_model::{Finding, Location as Loc, ObjectRef, Pointer, Severity, Subject};
use rampart_store::{Location, NewScan, Row, Store};

fn scan(n: usize, shift: u32) -> NewScan {
    let path: Arc<Path> = Arc::from(Path::new("manifests/generated.yaml"));
    let checks = [
        "host-network",
        "privileged-container",
        "run-as-root",
        "latest-tag",
    ];
    let rows: Vec<Row> = (0..n)
        .map(|i| {
            let subject = Subject::from(ObjectRef {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                namespace: Some(format!("team-{}", i % 50)),
                name: format!("app-{}", i / 4),
                uid: None,
            });
            let check = checks[i % checks.len()];
            let mut f = Finding::new(
                check.into(),
                Severity::ALL[i % 5],
                subject,
                Pointer::from_raw("/spec/template/spec/containers/0/securityContext"),
                format!("container app of Deployment app-{} fails {check}", i / 4),
            );
            f.location = Some(Loc {
                path: path.clone(),
                line: u32::try_from(i).unwrap_or(u32::MAX) * 3 + 1 + shift,
                column: 7,
                snippet: None,
            });
            Row::of(&f)
        })
        .collect();
    NewScan {
        target: "bench".into(),
        source_type: "files".into(),
        rampart_version: env!("CARGO_PKG_VERSION").into(),
        options: serde_json::json!({}),
        started_at: jiff::Timestamp::now(),
        finished_at: jiff::Timestamp::now(),
        files: 1,
        objects: i64::try_from(n / 4).unwrap_or(0),
        checks: 4,
        open: i64::try_from(n).unwrap_or(0),
        suppressed: 0,
        baselined: 0,
        by_severity: [0; 5],
        partial: false,
        source: None,
        coverage: None,
        errors: serde_json::json!([]),
        error_count: 0,
        rows: rows.into(),
        frameworks: ["cis-1.12", "nsa", "nist-800-190", "pss-restricted"]
            .iter()
            .map(|f| rampart_store::FrameworkScore {
                framework: (*f).into(),
                score_permille: Some(875),
                pass: 70,
                fail: 10,
                manual: 5,
                not_applicable: 3,
                not_assessed: 2,
            })
            .collect(),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(Ok(100_000), |a| a.parse())?;
    let dir = tempfile::tempdir()?;
    let location = match args.next() {
        Some(s) => Location::parse(&s)?,
        None => Location::Sqlite(dir.path().join("history.db")),
    };
    let store = Store::open(&location)?;
    let first = scan(n, 0);
    let second = scan(n, 2);
    let t = Instant::now();
    let a = store.save(&first)?;
    let save = t.elapsed();
    let b = store.save(&second)?;
    let t = Instant::now();
    let rows = store.findings(b)?;
    let read = t.elapsed();
    assert_eq!(rows.len(), n);
    let (from, to) = store.pick_pair(Some(a), Some(b), None)?;
    let t = Instant::now();
    let d = store.diff(from, to)?;
    let diff = t.elapsed();
    assert_eq!((d.new.len(), d.moved), (0, n));
    println!(
        "{n} findings into {}: save {:.3} s, read back {:.3} s, diff of two scans {:.3} s",
        store.name(),
        save.as_secs_f64(),
        read.as_secs_f64(),
        diff.as_secs_f64()
    );
    Ok(())
}
