//! Scan history: every scan kept in a store, then listed, compared and followed over time.
//!
//! - [`Location`]: where the store is: a SQLite file (the default, no set-up:
//!   `$RAMPART_STORE`, else `$XDG_STATE_HOME/rampart/history.db`, else
//!   `~/.local/state/rampart/history.db`) or a PostgreSQL database (`postgres://...`).
//! - [`Store`]: opens it (creating a SQLite file and its directory when missing), applies the
//!   embedded, versioned migrations and refuses a store whose schema is newer than this build
//!   knows. Every call has a timeout and its errors name the store.
//! - [`Recorder`]: a [`rampart_scan::Sink`] that passes results on to the real sink (the report
//!   being written) and keeps a compact row per result; [`Store::save`] then writes the scan and
//!   its rows in one transaction.
//! - [`diff`]: new, fixed and changed results between two scans, matched by fingerprint, so a
//!   result whose line moved is neither new nor fixed.
//! - [`Store::trend`] counts open findings per severity, namespace or check over the last scans;
//!   [`Store::prune`] keeps the newest N scans of each target and/or drops scans older than an age.
//!
//! Concurrency: SQLite runs in WAL mode with a busy timeout, so several rampart processes may
//! write to one file (writes are serialised by SQLite, each scan is one transaction); PostgreSQL
//! takes each scan in its own transaction and serialises migrations with its advisory lock.
//!
//! One code path serves both databases through sqlx's `Any` driver: the queries use only
//! integers and text and portable SQL (`$N` placeholders, which SQLite also reads); the schema,
//! the one place where the dialects differ, has one migration set per backend. The exception is
//! saving into SQLite, the hot path: a prepared single-row insert through rusqlite, 1.6 times
//! faster than sqlx's batches (BENCHMARKS.md).

mod diff;
mod record;
pub mod render;
mod store;

pub use diff::{diff, Change, Diff};
#[cfg(feature = "scan")]
pub use record::{framework_scores, stored_views, Recorder, Tee};
pub use record::{FrameworkScore, NewScan, Row, Rows, ScanMeta};
pub use store::{
    FindingQuery, FindingsPage, Group, Location, Prune, ScanInfo, ScanSummary, SortKey, Store,
    StoreError, StoredView, Trend, TrendBy, TrendSeries, ViewSummary, SCHEMA_VERSION,
};
