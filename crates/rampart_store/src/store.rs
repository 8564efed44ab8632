//! The store: where it is, opening and migrating it, and every query.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, AssertSqlSafe, Executor, Row as _};

use crate::diff::{diff, Diff};
use crate::record::{FrameworkScore, NewScan, Row, SEVERITIES};

/// The dashboard's queries (a child module: they use the pool and [`Store::call`]).
mod query;
/// Saving into SQLite through a prepared statement (rusqlite).
mod sqlite_save;
pub use query::{FindingQuery, FindingsPage, Group, ScanSummary, SortKey};
/// Views kept per scan (escalation paths, reachability; migration 4).
mod views;
pub use views::{StoredView, ViewSummary};

/// The newest schema version this build knows (the number of its last migration).
pub const SCHEMA_VERSION: i64 = 4;

/// The migrations, per backend: `(version, description, SQL)`. Append only: an applied
/// migration must never change (sqlx refuses a store whose applied migration's checksum differs).
const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "history",
        include_str!("../migrations/sqlite/0001_history.sql"),
    ),
    (
        2,
        "dashboard indexes",
        include_str!("../migrations/sqlite/0002_dashboard_indexes.sql"),
    ),
    (
        3,
        "framework scores",
        include_str!("../migrations/sqlite/0003_framework_scores.sql"),
    ),
    (
        4,
        "scan views",
        include_str!("../migrations/sqlite/0004_scan_views.sql"),
    ),
];
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "history",
        include_str!("../migrations/postgres/0001_history.sql"),
    ),
    (
        2,
        "dashboard indexes",
        include_str!("../migrations/postgres/0002_dashboard_indexes.sql"),
    ),
    (
        3,
        "framework scores",
        include_str!("../migrations/postgres/0003_framework_scores.sql"),
    ),
    (
        4,
        "scan views",
        include_str!("../migrations/postgres/0004_scan_views.sql"),
    ),
];

/// How long one call to the store may take before it fails.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// How long opening a SQLite file may retry a connection that fails (a file that is no database
/// fails at once; a new file locked by another process opening it is retried).
const SQLITE_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long SQLite waits for another writer's lock before it gives up.
const SQLITE_BUSY_TIMEOUT_MS: u64 = 30_000;
/// Rows per multi-row insert: 17 columns each, within SQLite's 32,766 and PostgreSQL's 65,535
/// bind parameters.
const ROWS_PER_INSERT: usize = 100;
const FINDING_COLUMNS: usize = 17;

/// Where the store is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file (created with its directory when missing).
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://user:password@host:port/db?sslmode=...`).
    Postgres(String),
}

impl Location {
    /// Reads `--store`'s value: empty for the default store, `postgres://` or `postgresql://`
    /// URLs, `sqlite:PATH` / `sqlite://PATH`, or a file path.
    pub fn parse(s: &str) -> Result<Location, String> {
        let s = s.trim();
        if s.is_empty() {
            return Location::default_location();
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(Location::Postgres(s.to_owned()));
        }
        if let Some(rest) = s.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err(format!("store `{s}`: no file named"));
            }
            return Ok(Location::Sqlite(PathBuf::from(path)));
        }
        if s.contains("://") {
            return Err(format!(
                "store `{s}`: expected a file path, sqlite:PATH or postgres://..."
            ));
        }
        Ok(Location::Sqlite(PathBuf::from(s)))
    }

    /// The default store: `$RAMPART_STORE` when set, else the SQLite file
    /// `$XDG_STATE_HOME/rampart/history.db`, else `$HOME/.local/state/rampart/history.db`.
    pub fn default_location() -> Result<Location, String> {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        if let Some(s) = var("RAMPART_STORE") {
            let s = s.to_string_lossy().into_owned();
            if !s.trim().is_empty() {
                return Location::parse(&s);
            }
        }
        let state = var("XDG_STATE_HOME")
            .map(PathBuf::from)
            .or_else(|| var("HOME").map(|h| Path::new(&h).join(".local/state")))
            .ok_or("no default store: neither XDG_STATE_HOME nor HOME is set; give --store PATH")?;
        Ok(Location::Sqlite(state.join("rampart").join("history.db")))
    }

    /// A name for messages, without the password.
    pub fn name(&self) -> String {
        match self {
            Location::Sqlite(p) => format!("sqlite:{}", p.display()),
            Location::Postgres(url) => redact(url),
        }
    }

    fn is_sqlite(&self) -> bool {
        matches!(self, Location::Sqlite(_))
    }
}

/// The URL without its password.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// A failed call to the store, naming it.
#[derive(Debug, thiserror::Error)]
#[error("store {store}: {message}")]
pub struct StoreError {
    pub store: String,
    pub message: String,
}

/// One kept scan, as `history list` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanInfo {
    pub id: i64,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub finished_at: String,
    pub target: String,
    pub source_type: String,
    pub rampart_version: String,
    pub options: serde_json::Value,
    pub files: i64,
    pub objects: i64,
    pub checks: i64,
    pub errors: i64,
    /// Every stored result (any status, suppressed included).
    pub results: i64,
    pub open: i64,
    pub suppressed: i64,
    pub baselined: i64,
    /// Open findings by severity.
    pub by_severity: BTreeMap<String, i64>,
    pub partial: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<serde_json::Value>,
}

/// What `history trend` groups open findings by, or (`Framework`) follows the framework scores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrendBy {
    Severity,
    Namespace,
    Check,
    /// Each compliance framework's score (and failing controls) per scan.
    Framework,
}

impl TrendBy {
    fn column(self) -> &'static str {
        match self {
            TrendBy::Severity => "severity",
            TrendBy::Namespace => "namespace",
            TrendBy::Check | TrendBy::Framework => "check_id",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TrendBy::Severity => "severity",
            TrendBy::Namespace => "namespace",
            TrendBy::Check => "check",
            TrendBy::Framework => "framework",
        }
    }
}

/// Open findings per key over a run of scans (oldest first).
#[derive(Clone, Debug, Serialize)]
pub struct Trend {
    pub by: &'static str,
    pub target: String,
    pub scans: Vec<ScanInfo>,
    pub series: Vec<TrendSeries>,
}

/// One key's counts, one per scan of [`Trend::scans`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrendSeries {
    /// The severity, namespace (`-` for cluster-scoped subjects), check or framework.
    pub key: String,
    /// Open findings; for a framework, its failing controls.
    pub counts: Vec<i64>,
    /// For a framework: its score per scan (percent of decided controls that pass; None when
    /// none was decided or the scan was kept before scores were).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<Option<f64>>,
}

/// Which scans `history prune` removes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Prune {
    /// Keep the newest N scans of each target.
    pub keep: Option<usize>,
    /// Remove scans started before this time.
    pub older_than: Option<jiff::Timestamp>,
}

/// An open store.
pub struct Store {
    rt: tokio::runtime::Runtime,
    pool: AnyPool,
    name: String,
    /// The SQLite file (`None` for PostgreSQL), for [`Store::save`]'s prepared-statement path.
    sqlite_path: Option<PathBuf>,
    timeout: Duration,
}

impl Store {
    /// Opens (and for SQLite creates) the store, and brings its schema up to date.
    pub fn open(location: &Location) -> Result<Store, StoreError> {
        let name = location.name();
        let fail = |message: String| StoreError {
            store: name.clone(),
            message,
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| fail(format!("cannot start the I/O runtime: {e}")))?;
        sqlx::any::install_default_drivers();
        let url = match location {
            Location::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        fail(format!(
                            "cannot create the directory {}: {e}",
                            dir.display()
                        ))
                    })?;
                }
                if path.is_dir() {
                    return Err(fail("is a directory, not a SQLite file".into()));
                }
                sqlite_url(path)
            }
            Location::Postgres(url) => url.clone(),
        };
        let sqlite = location.is_sqlite();
        let mut opts = AnyPoolOptions::new()
            .max_connections(if sqlite { 1 } else { 4 })
            .acquire_timeout(if sqlite {
                SQLITE_ACQUIRE_TIMEOUT
            } else {
                DEFAULT_TIMEOUT
            });
        if sqlite {
            opts = opts.after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute(AssertSqlSafe(format!(
                        "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}"
                    )))
                    .await?;
                    // WAL: readers do not block the writer; NORMAL is durable in WAL mode except
                    // for the last transactions on power loss.
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    Ok(())
                })
            });
        }
        let store_name = name.clone();
        let timeout = DEFAULT_TIMEOUT;
        let pool = rt
            .block_on(async {
                // A new SQLite file that two processes open at once: switching it to WAL takes a
                // lock that the busy timeout does not wait for, and both may try to create the
                // tables. Such a race only costs a retry.
                let mut attempt = 0;
                loop {
                    attempt += 1;
                    let res =
                        tokio::time::timeout(timeout, connect_and_migrate(&opts, &url, sqlite))
                            .await
                            .unwrap_or_else(|_| {
                                Err(OpenError::Other(format!(
                                    "no answer within {}s while opening",
                                    timeout.as_secs()
                                )))
                            });
                    match res {
                        Err(OpenError::Transient(_)) if sqlite && attempt < 50 => {
                            tokio::time::sleep(Duration::from_millis(50 + 20 * attempt)).await;
                        }
                        other => return other,
                    }
                }
            })
            .map_err(|e| StoreError {
                store: store_name,
                message: e.to_string(),
            })?;
        let sqlite_path = match location {
            Location::Sqlite(path) => Some(path.clone()),
            Location::Postgres(_) => None,
        };
        Ok(Store {
            rt,
            pool,
            name,
            sqlite_path,
            timeout,
        })
    }

    /// The store's name for messages (no password).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sets how long one call may take (default 60 s).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Runs one call with the timeout, naming the store and what was being done on failure.
    fn call<T>(
        &self,
        what: &str,
        fut: impl Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, StoreError> {
        let timeout = self.timeout;
        self.rt
            .block_on(async { tokio::time::timeout(timeout, fut).await })
            .map_err(|_| self.error(format!("{what}: no answer within {}s", timeout.as_secs())))?
            .map_err(|e| self.error(format!("{what}: {e}")))
    }

    fn error(&self, message: String) -> StoreError {
        StoreError {
            store: self.name.clone(),
            message,
        }
    }

    /// The schema version of the store.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.call("reading the schema version", async {
            let v: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
                .fetch_one(&self.pool)
                .await?;
            Ok(v.unwrap_or(0))
        })
    }

    /// Keeps a scan: its metadata, counts and every result, in one transaction. Returns its id.
    pub fn save(&self, scan: &NewScan) -> Result<i64, StoreError> {
        match &self.sqlite_path {
            Some(path) => sqlite_save::save(path, scan)
                .map_err(|m| self.error(format!("saving the scan: {m}"))),
            None => self.call("saving the scan", save(&self.pool, scan)),
        }
    }

    /// The scans, newest first: of one target when given, at most `limit` when given.
    pub fn scans(
        &self,
        target: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Vec<ScanInfo>, StoreError> {
        let limit = limit.map_or(i64::MAX, |l| i64::try_from(l).unwrap_or(i64::MAX));
        self.call("listing the scans", async {
            let rows = match target {
                Some(t) => {
                    sqlx::query(AssertSqlSafe(format!(
                        "SELECT {SCAN_COLUMNS} FROM scans s WHERE target = $1 ORDER BY id DESC LIMIT $2"
                    )))
                    .bind(t)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
                }
                None => {
                    sqlx::query(AssertSqlSafe(format!(
                        "SELECT {SCAN_COLUMNS} FROM scans s ORDER BY id DESC LIMIT $1"
                    )))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
                }
            };
            rows.iter().map(scan_info).collect()
        })
    }

    /// One scan.
    pub fn scan(&self, id: i64) -> Result<Option<ScanInfo>, StoreError> {
        self.call("reading a scan", async {
            let row = sqlx::query(AssertSqlSafe(format!(
                "SELECT {SCAN_COLUMNS} FROM scans s WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
            row.as_ref().map(scan_info).transpose()
        })
    }

    /// The results of one scan, in report order.
    pub fn findings(&self, id: i64) -> Result<Vec<Row>, StoreError> {
        self.call("reading a scan's results", async {
            let rows = sqlx::query(
                "SELECT check_id, status, severity, subject_type, subject, namespace, pointer, \
                 path, line, col, message, fingerprint, suppression, suppressed_by, \
                 suppression_reason FROM findings WHERE scan_id = $1 ORDER BY seq",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
            rows.iter().map(finding_row).collect()
        })
    }

    /// The two scans `rampart diff` compares: `a` and `b` when both are given; `a` and the
    /// newest scan of its target when only `a` is (the scan before `a` and `a` when `a` is the
    /// newest); else the two newest scans of `target` (or of
    /// the newest scan's target).
    pub fn pick_pair(
        &self,
        a: Option<i64>,
        b: Option<i64>,
        target: Option<&str>,
    ) -> Result<(ScanInfo, ScanInfo), StoreError> {
        let get = |id: i64| -> Result<ScanInfo, StoreError> {
            self.scan(id)?
                .ok_or_else(|| self.error(format!("no scan {id}: see `rampart history list`")))
        };
        match (a, b) {
            (Some(a), Some(b)) => Ok((get(a)?, get(b)?)),
            (Some(a), None) => {
                let from = get(a)?;
                let mut newest = self.scans(Some(&from.target), Some(2))?;
                match newest.first() {
                    // `a` is the newest: what it changed since the scan before it.
                    Some(n) if n.id == from.id => match newest.get(1) {
                        Some(_) => {
                            let before = newest.remove(1);
                            Ok((before, from))
                        }
                        None => Err(self.error(format!(
                            "scan {a} is the only scan of `{}`; a diff needs two",
                            from.target
                        ))),
                    },
                    Some(_) => Ok((from, newest.remove(0))),
                    None => Err(self.error("no scans".into())),
                }
            }
            (None, _) => {
                let target = match target {
                    Some(t) => t.to_owned(),
                    None => {
                        self.scans(None, Some(1))?
                            .into_iter()
                            .next()
                            .ok_or_else(|| {
                                self.error("no scans kept yet: run `rampart scan --store`".into())
                            })?
                            .target
                    }
                };
                let mut two = self.scans(Some(&target), Some(2))?;
                if two.len() < 2 {
                    return Err(self.error(format!(
                        "target `{target}` has {} scan(s); a diff needs two",
                        two.len()
                    )));
                }
                let newer = two.remove(0);
                let older = two.remove(0);
                Ok((older, newer))
            }
        }
    }

    /// What changed from scan `from` to scan `to`.
    pub fn diff(&self, from: ScanInfo, to: ScanInfo) -> Result<Diff, StoreError> {
        let before = self.findings(from.id)?;
        let after = self.findings(to.id)?;
        let mut d = diff(&before, &after);
        d.from = Some(from);
        d.to = Some(to);
        Ok(d)
    }

    /// Open findings per severity, namespace or check over the last `last` scans of `target`
    /// (default: the newest scan's target), oldest first.
    pub fn trend(
        &self,
        by: TrendBy,
        target: Option<&str>,
        last: usize,
    ) -> Result<Trend, StoreError> {
        let target = match target {
            Some(t) => t.to_owned(),
            None => match self.scans(None, Some(1))?.into_iter().next() {
                Some(s) => s.target,
                None => {
                    return Ok(Trend {
                        by: by.as_str(),
                        target: String::new(),
                        scans: Vec::new(),
                        series: Vec::new(),
                    })
                }
            },
        };
        let mut scans = self.scans(Some(&target), Some(last))?;
        scans.reverse();
        let ids: Vec<i64> = scans.iter().map(|s| s.id).collect();
        if by == TrendBy::Framework {
            let series = self.framework_series(&ids)?;
            return Ok(Trend {
                by: by.as_str(),
                target,
                scans,
                series,
            });
        }
        let col = by.column();
        let counts: Vec<(i64, Option<String>, i64)> = if ids.is_empty() {
            Vec::new()
        } else {
            self.call("counting findings", async {
                let sql = format!(
                    "SELECT scan_id, {col}, COUNT(*) FROM findings WHERE scan_id IN ({}) \
                     AND status IN ('fail', 'error') AND suppression <> 'suppressed' \
                     GROUP BY scan_id, {col}",
                    placeholders(1, ids.len())
                );
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for id in &ids {
                    q = q.bind(*id);
                }
                let rows = q.fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
                    .collect()
            })?
        };
        let index: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        let mut series: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        if by == TrendBy::Severity {
            for s in SEVERITIES {
                series.insert(s.as_str().to_owned(), vec![0; ids.len()]);
            }
        }
        for (scan, key, n) in counts {
            let key = key.unwrap_or_else(|| "-".to_owned());
            let row = series.entry(key).or_insert_with(|| vec![0; ids.len()]);
            if let Some(i) = index.get(&scan) {
                row[*i] = n;
            }
        }
        let mut series: Vec<TrendSeries> = series
            .into_iter()
            .map(|(key, counts)| TrendSeries {
                key,
                counts,
                scores: Vec::new(),
            })
            .collect();
        if by == TrendBy::Severity {
            let rank = |k: &str| SEVERITIES.iter().position(|s| s.as_str() == k);
            series.sort_by_key(|s| rank(&s.key));
        } else {
            // Largest in the newest scan first.
            series.sort_by(|a, b| {
                b.counts
                    .last()
                    .cmp(&a.counts.last())
                    .then_with(|| a.key.cmp(&b.key))
            });
        }
        Ok(Trend {
            by: by.as_str(),
            target,
            scans,
            series,
        })
    }

    /// Each framework's score and failing controls over the scans `ids` (in their order).
    fn framework_series(&self, ids: &[i64]) -> Result<Vec<TrendSeries>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(i64, String, Option<i64>, i64)> =
            self.call("reading framework scores", async {
                let sql = format!(
                    "SELECT scan_id, framework, score_permille, fail FROM framework_scores \
                     WHERE scan_id IN ({})",
                    placeholders(1, ids.len())
                );
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for id in ids {
                    q = q.bind(*id);
                }
                let rows = q.fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
                    .collect()
            })?;
        let index: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        let mut series: BTreeMap<String, TrendSeries> = BTreeMap::new();
        for (scan, framework, permille, fail) in rows {
            let Some(&i) = index.get(&scan) else { continue };
            let s = series
                .entry(framework.clone())
                .or_insert_with(|| TrendSeries {
                    key: framework,
                    counts: vec![0; ids.len()],
                    scores: vec![None; ids.len()],
                });
            s.counts[i] = fail;
            s.scores[i] = permille.map(|p| p as f64 / 10.0);
        }
        Ok(series.into_values().collect())
    }

    /// Removes scans (and their results) by count per target and/or age, in one transaction.
    /// Returns the ids removed.
    pub fn prune(&self, rule: Prune) -> Result<Vec<i64>, StoreError> {
        let all = self.call("listing the scans", async {
            let rows = sqlx::query("SELECT id, target, started_at FROM scans ORDER BY id DESC")
                .fetch_all(&self.pool)
                .await?;
            rows.iter()
                .map(|r| {
                    Ok((
                        r.try_get::<i64, _>(0)?,
                        r.try_get::<String, _>(1)?,
                        r.try_get::<i64, _>(2)?,
                    ))
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
        })?;
        let cutoff = rule.older_than.map(|t| t.as_millisecond());
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut doomed = Vec::new();
        for (id, target, started) in &all {
            let n = seen.entry(target.as_str()).or_default();
            *n += 1;
            let too_many = rule.keep.is_some_and(|k| *n > k);
            let too_old = cutoff.is_some_and(|c| *started < c);
            if too_many || too_old {
                doomed.push(*id);
            }
        }
        if doomed.is_empty() {
            return Ok(doomed);
        }
        self.call("removing scans", async {
            let mut tx = self.pool.begin().await?;
            for chunk in doomed.chunks(500) {
                for table_col in [
                    ("findings", "scan_id"),
                    ("framework_scores", "scan_id"),
                    ("scan_views", "scan_id"),
                    ("scans", "id"),
                ] {
                    let sql = format!(
                        "DELETE FROM {} WHERE {} IN ({})",
                        table_col.0,
                        table_col.1,
                        placeholders(1, chunk.len())
                    );
                    let mut q = sqlx::query(AssertSqlSafe(sql));
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    q.execute(&mut *tx).await?;
                }
            }
            tx.commit().await
        })?;
        doomed.reverse();
        Ok(doomed)
    }

    /// Closes the pool (and for SQLite checkpoints the WAL).
    pub fn close(self) {
        let Store { rt, pool, .. } = self;
        rt.block_on(pool.close());
    }

    /// True for a SQLite store.
    pub fn is_sqlite(&self) -> bool {
        self.sqlite_path.is_some()
    }
}

/// `$first, ..., $(first+n-1)`.
fn placeholders(first: usize, n: usize) -> String {
    let mut s = String::with_capacity(n * 6);
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('$');
        s.push_str(&(first + i).to_string());
    }
    s
}

/// A `sqlite://` URL for the file, created when missing.
fn sqlite_url(path: &Path) -> String {
    let mut encoded = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' | '?' | '#' | ' ' | '"' | '<' | '>' | '`' | '{' | '}' => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    encoded.push_str(&format!("%{b:02X}"));
                }
            }
            c => encoded.push(c),
        }
    }
    format!("sqlite://{encoded}?mode=rwc")
}

#[derive(Debug)]
enum OpenError {
    /// Worth another try (a SQLite lock held by a process opening the same new file).
    Transient(String),
    Other(String),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::Transient(m) | OpenError::Other(m) => f.write_str(m),
        }
    }
}

fn open_error(what: &str, e: impl std::fmt::Display) -> OpenError {
    let text = format!("{what}: {e}");
    let lower = text.to_lowercase();
    if lower.contains("locked")
        || lower.contains("busy")
        || lower.contains("already exists")
        || lower.contains("unique constraint")
    {
        OpenError::Transient(text)
    } else {
        OpenError::Other(text)
    }
}

async fn connect_and_migrate(
    opts: &AnyPoolOptions,
    url: &str,
    sqlite: bool,
) -> Result<AnyPool, OpenError> {
    let pool = opts
        .clone()
        .connect(url)
        .await
        .map_err(|e| open_error("cannot connect", e))?;
    let exists: i64 = if sqlite {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
    } else {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM information_schema.tables \
             WHERE table_name = '_sqlx_migrations' AND table_schema = current_schema()",
        )
    }
    .fetch_one(&pool)
    .await
    .map_err(|e| open_error("cannot read the schema", e))?;
    if exists > 0 {
        let newest: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
            .fetch_one(&pool)
            .await
            .map_err(|e| open_error("cannot read the schema version", e))?;
        if let Some(v) = newest.filter(|v| *v > SCHEMA_VERSION) {
            return Err(OpenError::Other(format!(
                "its schema version is {v}, newer than this rampart knows ({SCHEMA_VERSION}): \
                 use a newer rampart, or another store"
            )));
        }
    }
    let set = if sqlite {
        SQLITE_MIGRATIONS
    } else {
        POSTGRES_MIGRATIONS
    };
    let migrations = set
        .iter()
        .map(|(version, description, sql)| {
            Migration::new(
                *version,
                Cow::Borrowed(*description),
                MigrationType::Simple,
                sqlx::SqlStr::from_static(sql),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations)
        .run(&pool)
        .await
        .map_err(|e| open_error("cannot migrate the schema", e))?;
    Ok(pool)
}

/// The columns [`scan_info`] reads, in its order.
const SCAN_COLUMNS: &str = "id, started_at, finished_at, target, source_type, rampart_version, \
    options, files, objects, checks, errors, \
    (SELECT COUNT(*) FROM findings f WHERE f.scan_id = s.id), \
    open_count, suppressed, baselined, critical, high, medium, low, info, partial, coverage";

fn millis_to_rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| ms.to_string())
}

fn scan_info(r: &AnyRow) -> Result<ScanInfo, sqlx::Error> {
    let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    let mut by_severity = BTreeMap::new();
    for (i, s) in SEVERITIES.iter().enumerate() {
        by_severity.insert(s.as_str().to_owned(), r.try_get::<i64, _>(15 + i)?);
    }
    Ok(ScanInfo {
        id: r.try_get(0)?,
        started_at: millis_to_rfc3339(r.try_get(1)?),
        finished_at: millis_to_rfc3339(r.try_get(2)?),
        target: r.try_get(3)?,
        source_type: r.try_get(4)?,
        rampart_version: r.try_get(5)?,
        options: json(r.try_get(6)?).unwrap_or_default(),
        files: r.try_get(7)?,
        objects: r.try_get(8)?,
        checks: r.try_get(9)?,
        errors: r.try_get(10)?,
        results: r.try_get(11)?,
        open: r.try_get(12)?,
        suppressed: r.try_get(13)?,
        baselined: r.try_get(14)?,
        by_severity,
        partial: r.try_get::<i64, _>(20)? != 0,
        coverage: json(r.try_get(21)?),
    })
}

fn finding_row(r: &AnyRow) -> Result<Row, sqlx::Error> {
    Ok(Row {
        check: r.try_get(0)?,
        status: r.try_get(1)?,
        severity: r.try_get(2)?,
        subject_type: r.try_get(3)?,
        subject: r.try_get(4)?,
        namespace: r.try_get(5)?,
        pointer: r.try_get(6)?,
        path: r.try_get(7)?,
        line: r.try_get(8)?,
        column: r.try_get(9)?,
        message: r.try_get(10)?,
        fingerprint: r.try_get(11)?,
        suppression: r.try_get(12)?,
        suppressed_by: r.try_get(13)?,
        suppression_reason: r.try_get(14)?,
    })
}

/// Saves a scan through the pool (PostgreSQL; SQLite goes through [`sqlite_save`]).
async fn save(pool: &AnyPool, scan: &NewScan) -> Result<i64, sqlx::Error> {
    let to_text = |v: &serde_json::Value| serde_json::to_string(v).unwrap_or_default();
    let mut tx = pool.begin().await?;
    let [critical, high, medium, low, info] = scan.by_severity;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO scans (started_at, finished_at, target, source_type, rampart_version, \
         options, files, objects, checks, errors, results, open_count, suppressed, baselined, \
         critical, high, medium, low, info, partial, source, coverage, error_list) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
         $19, $20, $21, $22, $23) RETURNING id",
    )
    .bind(scan.started_at.as_millisecond())
    .bind(scan.finished_at.as_millisecond())
    .bind(&scan.target)
    .bind(&scan.source_type)
    .bind(&scan.rampart_version)
    .bind(to_text(&scan.options))
    .bind(scan.files)
    .bind(scan.objects)
    .bind(scan.checks)
    .bind(scan.error_count)
    .bind(i64::try_from(scan.rows.len()).unwrap_or(i64::MAX))
    .bind(scan.open)
    .bind(scan.suppressed)
    .bind(scan.baselined)
    .bind(critical)
    .bind(high)
    .bind(medium)
    .bind(low)
    .bind(info)
    .bind(i64::from(scan.partial))
    .bind(scan.source.as_ref().map(to_text))
    .bind(scan.coverage.as_ref().map(to_text))
    .bind(to_text(&scan.errors))
    .fetch_one(&mut *tx)
    .await?;
    let per_insert = ROWS_PER_INSERT;
    let full_sql = insert_findings_sql(per_insert);
    let mut seq: i64 = 0;
    let mut rows = scan.rows.iter();
    loop {
        let chunk: Vec<Cow<'_, crate::Row>> = rows.by_ref().take(per_insert).collect();
        if chunk.is_empty() {
            break;
        }
        let sql = if chunk.len() == per_insert {
            full_sql.clone()
        } else {
            insert_findings_sql(chunk.len())
        };
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for r in &chunk {
            q = q
                .bind(id)
                .bind(seq)
                .bind(r.check.as_str())
                .bind(r.status.as_str())
                .bind(r.severity.as_str())
                .bind(r.subject_type.as_str())
                .bind(r.subject.as_str())
                .bind(r.namespace.as_deref())
                .bind(r.pointer.as_str())
                .bind(r.path.as_deref())
                .bind(r.line)
                .bind(r.column)
                .bind(r.message.as_str())
                .bind(r.fingerprint.as_str())
                .bind(r.suppression.as_str())
                .bind(r.suppressed_by.as_deref())
                .bind(r.suppression_reason.as_deref());
            seq += 1;
        }
        q.execute(&mut *tx).await?;
    }
    insert_framework_scores(&mut tx, id, &scan.frameworks).await?;
    tx.commit().await?;
    Ok(id)
}

async fn insert_framework_scores(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    scan: i64,
    scores: &[FrameworkScore],
) -> Result<(), sqlx::Error> {
    const COLUMNS: usize = 8;
    for chunk in scores.chunks(ROWS_PER_INSERT) {
        let mut sql = String::from(
            "INSERT INTO framework_scores (scan_id, framework, score_permille, pass, fail, \
             manual, not_applicable, not_assessed) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            sql.push_str(&placeholders(i * COLUMNS + 1, COLUMNS));
            sql.push(')');
        }
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for f in chunk {
            q = q
                .bind(scan)
                .bind(f.framework.as_str())
                .bind(f.score_permille)
                .bind(f.pass)
                .bind(f.fail)
                .bind(f.manual)
                .bind(f.not_applicable)
                .bind(f.not_assessed);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// The multi-row insert of `rows` findings, with `$N` parameters.
fn insert_findings_sql(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO findings (scan_id, seq, check_id, status, severity, subject_type, subject, \
         namespace, pointer, path, line, col, message, fingerprint, suppression, suppressed_by, \
         suppression_reason) \
         VALUES ",
    );
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        sql.push_str(&placeholders(i * FINDING_COLUMNS + 1, FINDING_COLUMNS));
        sql.push(')');
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse() {
        assert_eq!(
            Location::parse("postgres://u:p@h/db"),
            Ok(Location::Postgres("postgres://u:p@h/db".into()))
        );
        assert_eq!(
            Location::parse("sqlite:///tmp/x.db"),
            Ok(Location::Sqlite("/tmp/x.db".into()))
        );
        assert_eq!(
            Location::parse("sqlite:x.db"),
            Ok(Location::Sqlite("x.db".into()))
        );
        assert_eq!(
            Location::parse("hist/x.db"),
            Ok(Location::Sqlite("hist/x.db".into()))
        );
        assert!(Location::parse("mysql://h/db").is_err());
        assert_eq!(
            Location::Postgres("postgres://rampart:secret@127.0.0.1:5432/h".into()).name(),
            "postgres://rampart:***@127.0.0.1:5432/h"
        );
        assert_eq!(
            Location::Postgres("postgres://127.0.0.1/h".into()).name(),
            "postgres://127.0.0.1/h"
        );
    }

    #[test]
    fn placeholders_number_from_first() {
        assert_eq!(placeholders(3, 3), "$3, $4, $5");
        assert!(insert_findings_sql(2).ends_with("$17), ($18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34)"));
    }
}
