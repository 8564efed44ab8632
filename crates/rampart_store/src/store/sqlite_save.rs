//! Saving a scan into SQLite through rusqlite: one transaction, one prepared single-row insert
//! reused for every finding.
//!
//! sqlx's `Any` driver converts every argument to its own value type and builds a fresh
//! statement per batch; for a 100,000-finding scan (1.7 million bound values) that overhead, not
//! SQLite, was most of the time. A cached prepared statement binds borrowed strings straight into
//! SQLite. The connection is the store's own file, opened for this save only, with the same
//! settings as the pool's (busy timeout, WAL, `synchronous = NORMAL`, foreign keys); SQLite
//! serialises it with other writers, so several processes may still save at once.

use std::path::Path;
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, TransactionBehavior};

use super::SQLITE_BUSY_TIMEOUT_MS;
use crate::record::NewScan;

/// Saves `scan` into the SQLite file at `path` (already migrated) and returns its id. Waiting
/// for another writer's lock is bounded by the busy timeout; the inserts themselves are local
/// work on a file, with no other wait.
pub(super) fn save(path: &Path, scan: &NewScan) -> Result<i64, String> {
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("cannot open the file: {e}"))?;
    conn.busy_timeout(Duration::from_millis(SQLITE_BUSY_TIMEOUT_MS))
        .map_err(|e| e.to_string())?;
    // The file is already in WAL mode (set when the pool opened it); these are per connection.
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
        .map_err(|e| e.to_string())?;
    let to_text = |v: &serde_json::Value| serde_json::to_string(v).unwrap_or_default();
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| format!("cannot begin a transaction: {e}"))?;
    let [critical, high, medium, low, info] = scan.by_severity;
    let id: i64 = tx
        .query_row(
            "INSERT INTO scans (started_at, finished_at, target, source_type, rampart_version, \
             options, files, objects, checks, errors, results, open_count, suppressed, baselined, \
             critical, high, medium, low, info, partial, source, coverage, error_list) VALUES \
             (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, \
             ?19, ?20, ?21, ?22, ?23) RETURNING id",
            params![
                scan.started_at.as_millisecond(),
                scan.finished_at.as_millisecond(),
                scan.target,
                scan.source_type,
                scan.rampart_version,
                to_text(&scan.options),
                scan.files,
                scan.objects,
                scan.checks,
                scan.error_count,
                i64::try_from(scan.rows.len()).unwrap_or(i64::MAX),
                scan.open,
                scan.suppressed,
                scan.baselined,
                critical,
                high,
                medium,
                low,
                info,
                i64::from(scan.partial),
                scan.source.as_ref().map(to_text),
                scan.coverage.as_ref().map(to_text),
                to_text(&scan.errors),
            ],
            |r| r.get(0),
        )
        .map_err(|e| format!("cannot insert the scan: {e}"))?;
    {
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO findings (scan_id, seq, check_id, status, severity, subject_type, \
                 subject, namespace, pointer, path, line, col, message, fingerprint, suppression, \
                 suppressed_by, suppression_reason) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .map_err(|e| e.to_string())?;
        for (seq, r) in (0_i64..).zip(scan.rows.iter()) {
            insert
                .execute(params![
                    id,
                    seq,
                    r.check,
                    r.status,
                    r.severity,
                    r.subject_type,
                    r.subject,
                    r.namespace,
                    r.pointer,
                    r.path,
                    r.line,
                    r.column,
                    r.message,
                    r.fingerprint,
                    r.suppression,
                    r.suppressed_by,
                    r.suppression_reason,
                ])
                .map_err(|e| format!("cannot insert finding {seq}: {e}"))?;
        }
        let mut score = tx
            .prepare_cached(
                "INSERT INTO framework_scores (scan_id, framework, score_permille, pass, fail, \
                 manual, not_applicable, not_assessed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .map_err(|e| e.to_string())?;
        for f in &scan.frameworks {
            score
                .execute(params![
                    id,
                    f.framework,
                    f.score_permille,
                    f.pass,
                    f.fail,
                    f.manual,
                    f.not_applicable,
                    f.not_assessed,
                ])
                .map_err(|e| format!("cannot insert the score of {}: {e}", f.framework))?;
        }
    }
    tx.commit()
        .map_err(|e| format!("cannot commit the scan: {e}"))?;
    Ok(id)
}
