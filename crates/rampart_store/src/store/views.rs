//! Views computed over a whole scan (the RBAC escalation paths, the NetworkPolicy reachability
//! matrix), kept as JSON documents next to the scan (table `scan_views`, migration 4). The store
//! does not read the documents: `rampart_report::views` defines them.

use serde::Serialize;
use sqlx::Row as _;

use super::{Store, StoreError};

/// One view of a scan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredView {
    /// `rbac-escalation` or `netpol-reachability`.
    pub kind: String,
    /// The version of the document's shape.
    pub format: i64,
    /// How many items (paths, matrix rows) the document holds...
    pub shown: i64,
    /// ... of how many were found (more than `shown` when the view was capped).
    pub total: i64,
    /// The JSON document.
    pub body: String,
}

/// What a page needs to link to a view without reading it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ViewSummary {
    pub kind: String,
    pub shown: i64,
    pub total: i64,
}

impl Store {
    /// Keeps the views of scan `scan` (replacing views of the same kinds), in one transaction.
    pub fn save_views(&self, scan: i64, views: &[StoredView]) -> Result<(), StoreError> {
        if views.is_empty() {
            return Ok(());
        }
        self.call("saving the scan's views", async {
            let mut tx = self.pool.begin().await?;
            for v in views {
                sqlx::query("DELETE FROM scan_views WHERE scan_id = $1 AND kind = $2")
                    .bind(scan)
                    .bind(v.kind.as_str())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO scan_views (scan_id, kind, format, shown, total, body) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(scan)
                .bind(v.kind.as_str())
                .bind(v.format)
                .bind(v.shown)
                .bind(v.total)
                .bind(v.body.as_str())
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await
        })
    }

    /// The views a scan has, without their documents.
    pub fn view_summaries(&self, scan: i64) -> Result<Vec<ViewSummary>, StoreError> {
        self.call("listing the scan's views", async {
            let rows = sqlx::query(
                "SELECT kind, shown, total FROM scan_views WHERE scan_id = $1 ORDER BY kind",
            )
            .bind(scan)
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(ViewSummary {
                        kind: r.try_get(0)?,
                        shown: r.try_get(1)?,
                        total: r.try_get(2)?,
                    })
                })
                .collect()
        })
    }

    /// One view of a scan.
    pub fn view(&self, scan: i64, kind: &str) -> Result<Option<StoredView>, StoreError> {
        self.call("reading a scan's view", async {
            let row = sqlx::query(
                "SELECT kind, format, shown, total, body FROM scan_views \
                 WHERE scan_id = $1 AND kind = $2",
            )
            .bind(scan)
            .bind(kind)
            .fetch_optional(&self.pool)
            .await?;
            row.map(|r| {
                Ok(StoredView {
                    kind: r.try_get(0)?,
                    format: r.try_get(1)?,
                    shown: r.try_get(2)?,
                    total: r.try_get(3)?,
                    body: r.try_get(4)?,
                })
            })
            .transpose()
        })
    }
}
