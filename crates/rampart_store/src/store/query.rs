//! The dashboard's queries: the scans of every target (light: no counting of rows), one scan's
//! findings grouped for scores, and pages of one scan's findings with server-side filters and
//! sorting.
//!
//! Speed: a scan's counts by severity are kept in its `scans` row, so the first page of a
//! scan's open findings (most severe first) needs no count over the findings: it reads the
//! partial index `findings_open_by_severity` (scan, severity, seq), one severity after the
//! other, and stops after a page. Other sorts and filters read the scan's rows.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row as _};

use super::{finding_row, millis_to_rfc3339, Store, StoreError};
use crate::record::{Row, SEVERITIES};

/// The condition of an open row (as the partial index `findings_open_by_severity` says it).
const OPEN: &str = "status IN ('fail', 'error') AND suppression <> 'suppressed'";

/// One scan without its rows, as the dashboard lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanSummary {
    pub id: i64,
    /// Unix milliseconds.
    pub started_ms: i64,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub target: String,
    pub source_type: String,
    pub objects: i64,
    pub checks: i64,
    pub errors: i64,
    pub results: i64,
    pub open: i64,
    pub suppressed: i64,
    /// Open findings: critical, high, medium, low, info.
    pub by_severity: [i64; 5],
    pub partial: bool,
}

/// The results of one scan counted by check, status, suppression, namespace and severity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub check: String,
    pub status: String,
    pub suppression: String,
    pub namespace: Option<String>,
    pub severity: String,
    pub count: i64,
}

/// What the findings list sorts by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortKey {
    /// Most severe first, then report order.
    #[default]
    Severity,
    Check,
    Namespace,
    Subject,
    /// File and line.
    Place,
}

impl SortKey {
    pub const ALL: [SortKey; 5] = [
        SortKey::Severity,
        SortKey::Check,
        SortKey::Namespace,
        SortKey::Subject,
        SortKey::Place,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Severity => "severity",
            SortKey::Check => "check",
            SortKey::Namespace => "namespace",
            SortKey::Subject => "subject",
            SortKey::Place => "place",
        }
    }

    pub fn parse(s: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|k| k.as_str() == s)
    }

    fn order(self) -> &'static str {
        match self {
            SortKey::Severity => "seq",
            SortKey::Check => "check_id, seq",
            SortKey::Namespace => "namespace, seq",
            SortKey::Subject => "subject, seq",
            SortKey::Place => "path, line, seq",
        }
    }
}

/// A page of one scan's findings: which, in what order, which page.
#[derive(Clone, Debug, Default)]
pub struct FindingQuery {
    pub scan: i64,
    /// Only open findings (failures and errors no waiver suppresses); else every result.
    pub open_only: bool,
    /// Any of these severities (empty: any).
    pub severities: Vec<String>,
    /// Any of these checks (empty: any). A framework control is the list of its checks.
    pub checks: Vec<String>,
    /// `Some("")`: cluster-scoped subjects only.
    pub namespace: Option<String>,
    /// A case-insensitive substring of the message, subject, check or file.
    pub text: Option<String>,
    pub sort: SortKey,
    pub descending: bool,
    pub offset: usize,
    pub limit: usize,
}

/// One page: `(seq, row)` pairs and how many rows match in all.
#[derive(Clone, Debug, Serialize)]
pub struct FindingsPage {
    pub total: i64,
    pub rows: Vec<(i64, Row)>,
}

const ROW_COLUMNS: &str = "check_id, status, severity, subject_type, subject, namespace, \
    pointer, path, line, col, message, fingerprint, suppression, suppressed_by, \
    suppression_reason, seq";

const SUMMARY_COLUMNS: &str = "id, started_at, target, source_type, objects, checks, errors, \
    results, open_count, suppressed, critical, high, medium, low, info, partial";

fn summary(r: &AnyRow) -> Result<ScanSummary, sqlx::Error> {
    let started_ms: i64 = r.try_get(1)?;
    Ok(ScanSummary {
        id: r.try_get(0)?,
        started_ms,
        started_at: millis_to_rfc3339(started_ms),
        target: r.try_get(2)?,
        source_type: r.try_get(3)?,
        objects: r.try_get(4)?,
        checks: r.try_get(5)?,
        errors: r.try_get(6)?,
        results: r.try_get(7)?,
        open: r.try_get(8)?,
        suppressed: r.try_get(9)?,
        by_severity: [
            r.try_get(10)?,
            r.try_get(11)?,
            r.try_get(12)?,
            r.try_get(13)?,
            r.try_get(14)?,
        ],
        partial: r.try_get::<i64, _>(15)? != 0,
    })
}

/// A bind value of a built query.
enum Bind {
    Int(i64),
    Text(String),
}

/// A WHERE clause under construction, with its binds.
struct Where {
    sql: String,
    binds: Vec<Bind>,
}

impl Where {
    fn new(scan: i64) -> Where {
        Where {
            sql: "scan_id = $1".to_owned(),
            binds: vec![Bind::Int(scan)],
        }
    }

    fn next(&self) -> usize {
        self.binds.len() + 1
    }

    fn and(&mut self, sql: &str) {
        self.sql.push_str(" AND ");
        self.sql.push_str(sql);
    }

    fn any_of(&mut self, column: &str, values: &[String]) {
        if values.is_empty() {
            return;
        }
        let first = self.next();
        let list = super::placeholders(first, values.len());
        self.and(&format!("{column} IN ({list})"));
        self.binds
            .extend(values.iter().map(|v| Bind::Text(v.clone())));
    }

    fn text(&mut self, column: &str, value: &str) {
        let n = self.next();
        self.and(&format!("{column} = ${n}"));
        self.binds.push(Bind::Text(value.to_owned()));
    }

    fn query(
        &self,
        sql: String,
    ) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for b in &self.binds {
            q = match b {
                Bind::Int(i) => q.bind(*i),
                Bind::Text(t) => q.bind(t.clone()),
            };
        }
        q
    }
}

fn filters(q: &FindingQuery) -> Where {
    let mut w = Where::new(q.scan);
    if q.open_only {
        w.and(OPEN);
    }
    w.any_of("check_id", &q.checks);
    match q.namespace.as_deref() {
        Some("") => w.and("namespace IS NULL"),
        Some(ns) => w.text("namespace", ns),
        None => {}
    }
    if let Some(t) = q.text.as_deref().filter(|t| !t.is_empty()) {
        let n = w.next();
        let escaped = t
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        w.and(&format!(
            "(LOWER(message) LIKE ${n} ESCAPE '\\' OR LOWER(subject) LIKE ${n} ESCAPE '\\' \
             OR LOWER(check_id) LIKE ${n} ESCAPE '\\' OR LOWER(COALESCE(path, '')) LIKE ${n} ESCAPE '\\')"
        ));
        w.binds.push(Bind::Text(format!("%{escaped}%")));
    }
    w
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Store {
    /// Every scan without its rows, oldest first (the scans table only: fast at any size).
    pub fn scan_summaries(&self) -> Result<Vec<ScanSummary>, StoreError> {
        self.call("listing the scans", async {
            let rows = sqlx::query(AssertSqlSafe(format!(
                "SELECT {SUMMARY_COLUMNS} FROM scans ORDER BY id"
            )))
            .fetch_all(&self.pool)
            .await?;
            rows.iter().map(summary).collect()
        })
    }

    /// One scan without its rows.
    pub fn scan_summary(&self, id: i64) -> Result<Option<ScanSummary>, StoreError> {
        self.call("reading a scan", async {
            let row = sqlx::query(AssertSqlSafe(format!(
                "SELECT {SUMMARY_COLUMNS} FROM scans WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
            row.as_ref().map(summary).transpose()
        })
    }

    /// One scan's results counted by check, status, suppression, namespace and severity.
    pub fn groups(&self, scan: i64) -> Result<Vec<Group>, StoreError> {
        self.call("counting a scan's results", async {
            let rows = sqlx::query(
                "SELECT check_id, status, suppression, namespace, severity, COUNT(*) \
                 FROM findings WHERE scan_id = $1 \
                 GROUP BY check_id, status, suppression, namespace, severity",
            )
            .bind(scan)
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(Group {
                        check: r.try_get(0)?,
                        status: r.try_get(1)?,
                        suppression: r.try_get(2)?,
                        namespace: r.try_get(3)?,
                        severity: r.try_get(4)?,
                        count: r.try_get(5)?,
                    })
                })
                .collect()
        })
    }

    /// One result of a scan, by its place in the report (`seq`).
    pub fn finding(&self, scan: i64, seq: i64) -> Result<Option<Row>, StoreError> {
        self.call("reading a result", async {
            let row = sqlx::query(AssertSqlSafe(format!(
                "SELECT {ROW_COLUMNS} FROM findings WHERE scan_id = $1 AND seq = $2"
            )))
            .bind(scan)
            .bind(seq)
            .fetch_optional(&self.pool)
            .await?;
            row.as_ref().map(finding_row).transpose()
        })
    }

    /// A page of one scan's results (see [`FindingQuery`]).
    pub fn findings_page(&self, q: &FindingQuery) -> Result<FindingsPage, StoreError> {
        let severities: Vec<&str> = SEVERITIES
            .iter()
            .map(|s| s.as_str())
            .filter(|s| q.severities.is_empty() || q.severities.iter().any(|x| x == s))
            .collect();
        if q.sort == SortKey::Severity {
            return self.page_by_severity(q, &severities);
        }
        let mut w = filters(q);
        let list: Vec<String> = severities.iter().map(|s| (*s).to_owned()).collect();
        if list.len() < SEVERITIES.len() {
            w.any_of("severity", &list);
        }
        let dir = if q.descending { " DESC" } else { "" };
        let order: Vec<String> = q
            .sort
            .order()
            .split(", ")
            .map(|c| format!("{c}{dir}"))
            .collect();
        let total = self.count(&w)?;
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM findings WHERE {} ORDER BY {} LIMIT {} OFFSET {}",
            w.sql,
            order.join(", "),
            to_i64(q.limit),
            to_i64(q.offset)
        );
        let rows = self.call("reading a page of results", async {
            let rows = w.query(sql).fetch_all(&self.pool).await?;
            rows.iter().map(with_seq).collect::<Result<Vec<_>, _>>()
        })?;
        Ok(FindingsPage { total, rows })
    }

    fn count(&self, w: &Where) -> Result<i64, StoreError> {
        self.call("counting results", async {
            let row = w
                .query(format!("SELECT COUNT(*) FROM findings WHERE {}", w.sql))
                .fetch_one(&self.pool)
                .await?;
            row.try_get::<i64, _>(0)
        })
    }

    /// Most severe first: one severity after the other, each in report order, so that the
    /// partial index serves the open findings and only a page of rows is read.
    fn page_by_severity(
        &self,
        q: &FindingQuery,
        severities: &[&str],
    ) -> Result<FindingsPage, StoreError> {
        let w = filters(q);
        // How many rows each severity has under the filters: for the open rows of the scan
        // alone, its counts as saved (baselined results are never stored, so they agree);
        // else counted (for open rows, the partial index covers the count).
        let plain = q.open_only
            && q.checks.is_empty()
            && q.namespace.is_none()
            && q.text.as_deref().is_none_or(str::is_empty);
        let summary = if plain {
            self.scan_summary(q.scan)?
        } else {
            None
        };
        let counts: Vec<(String, i64)> = if let Some(scan) = summary {
            SEVERITIES
                .iter()
                .zip(scan.by_severity)
                .map(|(s, n)| (s.as_str().to_owned(), n))
                .collect()
        } else {
            self.call("counting results", async {
                let rows = w
                    .query(format!(
                        "SELECT severity, COUNT(*) FROM findings WHERE {} GROUP BY severity",
                        w.sql
                    ))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                    .collect::<Result<Vec<_>, sqlx::Error>>()
            })?
        };
        let count_of = |s: &str| {
            counts
                .iter()
                .filter(|(k, _)| k == s)
                .map(|(_, n)| *n)
                .sum::<i64>()
        };
        let mut order: Vec<&str> = severities.to_vec();
        if q.descending {
            order.reverse();
        }
        let total: i64 = order.iter().map(|s| count_of(s)).sum();
        let mut skip = to_i64(q.offset);
        let mut want = to_i64(q.limit);
        let mut rows = Vec::new();
        let dir = if q.descending { " DESC" } else { "" };
        for s in order {
            if want <= 0 {
                break;
            }
            let n = count_of(s);
            if skip >= n {
                skip -= n;
                continue;
            }
            let mut ws = filters(q);
            ws.text("severity", s);
            let sql = format!(
                "SELECT {ROW_COLUMNS} FROM findings WHERE {} ORDER BY seq{dir} LIMIT {want} OFFSET {skip}",
                ws.sql
            );
            let got = self.call("reading a page of results", async {
                let rows = ws.query(sql).fetch_all(&self.pool).await?;
                rows.iter().map(with_seq).collect::<Result<Vec<_>, _>>()
            })?;
            want -= to_i64(got.len());
            skip = 0;
            rows.extend(got);
        }
        Ok(FindingsPage { total, rows })
    }
}

fn with_seq(r: &AnyRow) -> Result<(i64, Row), sqlx::Error> {
    Ok((r.try_get(15)?, finding_row(r)?))
}
