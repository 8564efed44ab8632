//! The dashboard's queries: pages of a scan's findings, filtered and sorted on the server, agree
//! with filtering and sorting the scan's rows in memory.

use rampart_store::{FindingQuery, Location, NewScan, Row, SortKey, Store};

const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

fn row(i: usize) -> Row {
    let check = ["host-network", "privileged-container", "image-tag-latest"][i % 3];
    Row {
        check: check.into(),
        status: if i % 11 == 0 { "pass" } else { "fail" }.into(),
        severity: SEVERITIES[i % 5].into(),
        subject_type: "object".into(),
        subject: format!("Deployment/ns-{}/app-{i}", i % 4),
        namespace: (i % 7 != 0).then(|| format!("ns-{}", i % 4)),
        pointer: "/spec".into(),
        path: Some(format!("f{}.yaml", i % 9)),
        line: Some(i64::try_from(1000 - i).unwrap_or(0)),
        column: Some(1),
        message: format!("message {i}"),
        fingerprint: format!("{i:016x}"),
        suppression: if i % 13 == 0 { "suppressed" } else { "open" }.into(),
        suppressed_by: None,
        suppression_reason: None,
    }
}

fn new_scan(rows: Vec<Row>) -> NewScan {
    let open: Vec<&Row> = rows.iter().filter(|r| r.is_open()).collect();
    let by = |s: &str| i64::try_from(open.iter().filter(|r| r.severity == s).count()).unwrap_or(0);
    NewScan {
        target: "t".into(),
        source_type: "files".into(),
        rampart_version: "test".into(),
        options: serde_json::json!({}),
        started_at: jiff::Timestamp::now(),
        finished_at: jiff::Timestamp::now(),
        files: 9,
        objects: 10,
        checks: 3,
        open: i64::try_from(open.len()).unwrap_or(0),
        suppressed: 0,
        baselined: 0,
        by_severity: SEVERITIES.map(by),
        partial: false,
        source: None,
        coverage: None,
        errors: serde_json::json!([]),
        error_count: 0,
        rows: rows.into(),
        frameworks: Vec::new(),
    }
}

#[test]
fn pages_match_the_rows_filtered_and_sorted_in_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&Location::Sqlite(dir.path().join("h.db"))).expect("open");
    let rows: Vec<Row> = (0..530).map(row).collect();
    let id = store.save(&new_scan(rows.clone())).expect("save");
    let summaries = store.scan_summaries().expect("summaries");
    assert_eq!(summaries.len(), 1);
    assert_eq!(summaries[0].results, 530);
    let rank = |s: &str| SEVERITIES.iter().position(|x| *x == s).unwrap_or(9);
    let cases: Vec<FindingQuery> = vec![
        FindingQuery {
            scan: id,
            open_only: true,
            limit: 100,
            ..Default::default()
        },
        FindingQuery {
            scan: id,
            open_only: true,
            offset: 100,
            limit: 100,
            ..Default::default()
        },
        FindingQuery {
            scan: id,
            open_only: true,
            offset: 400,
            limit: 100,
            ..Default::default()
        },
        FindingQuery {
            scan: id,
            open_only: true,
            descending: true,
            offset: 90,
            limit: 30,
            ..Default::default()
        },
        FindingQuery {
            scan: id,
            open_only: false,
            limit: 1000,
            ..Default::default()
        },
        FindingQuery {
            scan: id,
            open_only: true,
            severities: vec!["high".into()],
            limit: 100,
            ..Default::default()
        },
        FindingQuery {
            scan: id,
            open_only: true,
            checks: vec!["host-network".into()],
            namespace: Some("ns-1".into()),
            limit: 100,
            ..Default::default()
        },
        FindingQuery {
            scan: id,
            open_only: true,
            namespace: Some(String::new()),
            limit: 100,
            ..Default::default()
        },
        FindingQuery {
            scan: id,
            open_only: true,
            text: Some("MESSAGE 5".into()),
            sort: SortKey::Check,
            limit: 100,
            ..Default::default()
        },
        FindingQuery {
            scan: id,
            open_only: true,
            sort: SortKey::Place,
            descending: true,
            limit: 50,
            offset: 10,
            ..Default::default()
        },
        FindingQuery {
            scan: id,
            open_only: true,
            sort: SortKey::Subject,
            limit: 50,
            ..Default::default()
        },
    ];
    for q in cases {
        let mut want: Vec<(usize, &Row)> = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| !q.open_only || r.is_open())
            .filter(|(_, r)| q.severities.is_empty() || q.severities.contains(&r.severity))
            .filter(|(_, r)| q.checks.is_empty() || q.checks.contains(&r.check))
            .filter(|(_, r)| match q.namespace.as_deref() {
                None => true,
                Some("") => r.namespace.is_none(),
                Some(n) => r.namespace.as_deref() == Some(n),
            })
            .filter(|(_, r)| {
                q.text.as_deref().is_none_or(|t| {
                    let t = t.to_lowercase();
                    r.message.to_lowercase().contains(&t) || r.subject.to_lowercase().contains(&t)
                })
            })
            .collect();
        want.sort_by(|(i, a), (j, b)| {
            let ord = match q.sort {
                SortKey::Severity => rank(&a.severity).cmp(&rank(&b.severity)),
                SortKey::Check => a.check.cmp(&b.check),
                SortKey::Namespace => a.namespace.cmp(&b.namespace),
                SortKey::Subject => a.subject.cmp(&b.subject),
                SortKey::Place => (&a.path, a.line).cmp(&(&b.path, b.line)),
            }
            .then(i.cmp(j));
            if q.descending {
                ord.reverse()
            } else {
                ord
            }
        });
        let page = store.findings_page(&q).expect("page");
        assert_eq!(page.total, i64::try_from(want.len()).unwrap_or(0), "{q:?}");
        let got: Vec<i64> = page.rows.iter().map(|(seq, _)| *seq).collect();
        let expect: Vec<i64> = want
            .iter()
            .skip(q.offset)
            .take(q.limit)
            .map(|(i, _)| i64::try_from(*i).unwrap_or(0))
            .collect();
        assert_eq!(got, expect, "{q:?}");
    }
    let one = store.finding(id, 7).expect("finding").expect("row 7");
    assert_eq!(one, rows[7]);
    assert!(store.finding(id, 9999).expect("finding").is_none());
    let groups = store.groups(id).expect("groups");
    let sum: i64 = groups.iter().map(|g| g.count).sum();
    assert_eq!(sum, 530);
}
