//! Offline vulnerability matching against OSV records.
//!
//! Input is a package query (`ecosystem`, `name`, `version`, and for Debian-like ecosystems the
//! source package); records come from OSV JSON files or the per-ecosystem `all.zip` exports
//! ([`load`]), are indexed once into a directory ([`Db::write`], `rampart db import`), and are
//! matched with each ecosystem's own version order ([`version`]). See docs/vulnerabilities.md.

pub mod db;
pub mod ecosystem;
pub mod load;
pub mod matching;
pub mod osv;
pub mod severity;
pub mod version;

pub use db::{Db, DbError, EcosystemStats, Query, Vuln, FORMAT};
pub use load::{load_paths, LoadError, Loaded};
pub use severity::Level;

/// Import: load `inputs` and write the index into `db_dir`.
pub fn import(
    inputs: &[std::path::PathBuf],
    db_dir: &std::path::Path,
) -> anyhow::Result<(Loaded, Vec<EcosystemStats>)> {
    let loaded = load_paths(inputs)?;
    let stats = Db::write(&loaded.records, db_dir)?;
    Ok((loaded, stats))
}
