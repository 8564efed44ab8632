//! The local index built by `rampart db import`, and queries against it.
//!
//! Layout of a database directory:
//! - `index.json`: `{"format": N, "ecosystems": [{"ecosystem", "file", "records", "packages"}]}`.
//! - one `<ecosystem>.rvdb` file per OSV ecosystem base name (`Debian`, `npm`, ...): the magic
//!   bytes `RAMPVULN`, the format number (u32 LE), the header length (u64 LE), a postcard header
//!   (the ecosystem, its record count, and the sorted package keys with the offset and length of
//!   each package's entries), then the entries: postcard lists of the affected entries naming
//!   that package. Opening reads the files and decodes the headers only; a query decodes the
//!   entries of the one package it asks about.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ecosystem::{advisories_name_sources, normalize_name, order_of, Ecosystem};
use crate::matching::{check, EventKind, RangeKind, StoredRange};
use crate::osv::Record;
use crate::severity::{overall, score_entry, Level, Score};

/// The index format this build reads and writes.
pub const FORMAT: u32 = 1;
const MAGIC: &[u8; 8] = b"RAMPVULN";
const MANIFEST: &str = "index.json";

/// Errors opening or writing an index.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path}: not a rampart vulnerability index ({what}); build one with `rampart db import OSV_DIR_OR_ZIP... --db DIR`")]
    Corrupt { path: PathBuf, what: String },
    #[error("{path}: index format {found}, this rampart reads format {FORMAT}; rebuild it with `rampart db import OSV_DIR_OR_ZIP... --db DIR`")]
    Stale { path: PathBuf, found: u32 },
}

/// A package to look up.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    /// OSV ecosystem, with or without release: `Debian:12`, `Alpine:v3.20`, `npm`, `PyPI`.
    pub ecosystem: String,
    pub name: String,
    pub version: String,
    /// The source package (Debian, Ubuntu) or origin (Alpine) with its version, when known.
    #[serde(default)]
    pub source: Option<(String, String)>,
}

/// A vulnerability affecting a queried package.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Vuln {
    pub id: String,
    pub aliases: Vec<String>,
    pub summary: String,
    pub modified: String,
    /// The record's ecosystem and package name (the source package when matched through it).
    pub ecosystem: String,
    pub package: String,
    /// The version that was compared (the source version when matched through the source).
    pub version: String,
    pub via_source: bool,
    pub severity: Vec<Score>,
    pub score: Option<f64>,
    pub level: Level,
    /// Versions that fix it (above the queried one), in ecosystem order as the record lists them.
    pub fixed: Vec<String>,
    /// The affected ranges that matched, as text.
    pub ranges: Vec<String>,
}

/// One affected entry of a record, stored under its package.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Entry {
    id: String,
    aliases: Vec<String>,
    summary: String,
    modified: String,
    ecosystem: String,
    name: String,
    severity: Vec<(String, String)>,
    word: Option<String>,
    ranges: Vec<StoredRange>,
    versions: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct Header {
    ecosystem: String,
    records: u64,
    packages: Vec<(String, u32, u32)>,
}

#[derive(Serialize, Deserialize)]
struct Manifest {
    format: u32,
    ecosystems: Vec<ManifestEntry>,
}

#[derive(Serialize, Deserialize)]
struct ManifestEntry {
    ecosystem: String,
    file: String,
    records: u64,
    packages: u64,
}

struct Table {
    base: String,
    records: u64,
    packages: Vec<(String, u32, u32)>,
    blob: Vec<u8>,
}

/// Per-ecosystem figures of a database.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EcosystemStats {
    pub ecosystem: String,
    pub records: u64,
    pub packages: u64,
}

/// An opened vulnerability database.
pub struct Db {
    tables: Vec<Table>,
}

fn word_of(v: Option<&serde_json::Value>) -> Option<String> {
    let v = v?;
    ["severity", "urgency"]
        .iter()
        .find_map(|k| v.get(k).and_then(|s| s.as_str()))
        .map(str::to_string)
}

fn summary_of(r: &Record) -> String {
    if !r.summary.trim().is_empty() {
        return r.summary.trim().to_string();
    }
    let line = r
        .details
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    line.chars().take(160).collect()
}

fn stored_range(r: &crate::osv::Range) -> StoredRange {
    let kind = match r.kind.as_str() {
        "ECOSYSTEM" => RangeKind::Ecosystem,
        "SEMVER" => RangeKind::SemVer,
        "GIT" => RangeKind::Git,
        _ => RangeKind::Other,
    };
    let events = r
        .events
        .iter()
        .filter_map(|e| {
            let pairs = [
                (EventKind::Introduced, &e.introduced),
                (EventKind::Fixed, &e.fixed),
                (EventKind::LastAffected, &e.last_affected),
                (EventKind::Limit, &e.limit),
            ];
            pairs
                .into_iter()
                .find_map(|(k, v)| v.as_ref().map(|v| (k, v.trim().to_string())))
        })
        .collect();
    StoredRange { kind, events }
}

/// Group records into per-ecosystem, per-package tables. Later `modified` wins for a repeated id.
fn build(records: &[Record]) -> BTreeMap<String, (u64, BTreeMap<String, Vec<Entry>>)> {
    let mut latest: BTreeMap<&str, &Record> = BTreeMap::new();
    for r in records {
        let keep = latest
            .get(r.id.as_str())
            .is_none_or(|old| old.modified <= r.modified);
        if keep {
            latest.insert(&r.id, r);
        }
    }
    let mut out: BTreeMap<String, (u64, BTreeMap<String, Vec<Entry>>)> = BTreeMap::new();
    for r in latest.values() {
        let mut counted: Vec<String> = Vec::new();
        let summary = summary_of(r);
        for a in &r.affected {
            let Some(p) = &a.package else { continue };
            let base = Ecosystem::parse(&p.ecosystem).base.to_string();
            let key = normalize_name(&base, &p.name);
            let sev = if a.severity.is_empty() {
                &r.severity
            } else {
                &a.severity
            };
            let word = word_of(a.ecosystem_specific.as_ref())
                .or_else(|| word_of(a.database_specific.as_ref()))
                .or_else(|| word_of(r.database_specific.as_ref()));
            let entry = Entry {
                id: r.id.clone(),
                aliases: r.aliases.clone(),
                summary: summary.clone(),
                modified: r.modified.clone(),
                ecosystem: p.ecosystem.trim().to_string(),
                name: p.name.trim().to_string(),
                severity: sev
                    .iter()
                    .map(|s| (s.kind.clone(), s.score.clone()))
                    .collect(),
                word,
                ranges: a.ranges.iter().map(stored_range).collect(),
                versions: a.versions.iter().map(|v| v.trim().to_string()).collect(),
            };
            let table = out.entry(base.clone()).or_default();
            if !counted.contains(&base) {
                table.0 += 1;
                counted.push(base);
            }
            table.1.entry(key).or_default().push(entry);
        }
    }
    out
}

fn encode(records: &[Record]) -> Vec<(String, Table)> {
    build(records)
        .into_iter()
        .map(|(base, (count, packages))| {
            let mut blob = Vec::new();
            let mut dir = Vec::with_capacity(packages.len());
            for (key, entries) in packages {
                let bytes = postcard::to_stdvec(&entries).unwrap_or_default();
                let off = u32::try_from(blob.len()).unwrap_or(u32::MAX);
                let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
                blob.extend_from_slice(&bytes);
                dir.push((key, off, len));
            }
            (
                base.clone(),
                Table {
                    base,
                    records: count,
                    packages: dir,
                    blob,
                },
            )
        })
        .collect()
}

fn file_name(base: &str) -> String {
    let s: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{s}.rvdb")
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DbError + '_ {
    move |error| DbError::Io {
        path: path.to_path_buf(),
        error,
    }
}

impl Db {
    /// An in-memory database of `records` (the same tables `import` writes).
    pub fn from_records(records: &[Record]) -> Db {
        Db {
            tables: encode(records).into_iter().map(|(_, t)| t).collect(),
        }
    }

    /// Write the index of `records` into `dir` (created if needed), replacing any index there.
    pub fn write(records: &[Record], dir: &Path) -> Result<Vec<EcosystemStats>, DbError> {
        fs::create_dir_all(dir).map_err(io(dir))?;
        let mut manifest = Manifest {
            format: FORMAT,
            ecosystems: Vec::new(),
        };
        let mut stats = Vec::new();
        for (base, t) in encode(records) {
            let header = Header {
                ecosystem: base.clone(),
                records: t.records,
                packages: t.packages,
            };
            let hbytes = postcard::to_stdvec(&header).map_err(|e| DbError::Corrupt {
                path: dir.to_path_buf(),
                what: format!("cannot encode header: {e}"),
            })?;
            let mut bytes = Vec::with_capacity(20 + hbytes.len() + t.blob.len());
            bytes.extend_from_slice(MAGIC);
            bytes.extend_from_slice(&FORMAT.to_le_bytes());
            bytes.extend_from_slice(&(hbytes.len() as u64).to_le_bytes());
            bytes.extend_from_slice(&hbytes);
            bytes.extend_from_slice(&t.blob);
            let name = file_name(&base);
            let path = dir.join(&name);
            let tmp = dir.join(format!("{name}.tmp"));
            fs::write(&tmp, &bytes).map_err(io(&tmp))?;
            fs::rename(&tmp, &path).map_err(io(&path))?;
            let packages = header.packages.len() as u64;
            manifest.ecosystems.push(ManifestEntry {
                ecosystem: base.clone(),
                file: name,
                records: t.records,
                packages,
            });
            stats.push(EcosystemStats {
                ecosystem: base,
                records: t.records,
                packages,
            });
        }
        // Remove tables of an older import that this one no longer has.
        if let Ok(rd) = fs::read_dir(dir) {
            for e in rd.flatten() {
                let n = e.file_name().to_string_lossy().to_string();
                if n.ends_with(".rvdb") && !manifest.ecosystems.iter().any(|m| m.file == n) {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
        let mpath = dir.join(MANIFEST);
        let text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
        fs::write(&mpath, text + "\n").map_err(io(&mpath))?;
        Ok(stats)
    }

    /// Open the index in `dir`.
    pub fn open(dir: &Path) -> Result<Db, DbError> {
        let mpath = dir.join(MANIFEST);
        let text = fs::read(&mpath).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                DbError::Corrupt {
                    path: mpath.clone(),
                    what: "no such file".into(),
                }
            } else {
                DbError::Io {
                    path: mpath.clone(),
                    error: e,
                }
            }
        })?;
        let probe: serde_json::Value =
            serde_json::from_slice(&text).map_err(|e| DbError::Corrupt {
                path: mpath.clone(),
                what: format!("invalid JSON: {e}"),
            })?;
        let found = probe
            .get("format")
            .and_then(|f| f.as_u64())
            .ok_or_else(|| DbError::Corrupt {
                path: mpath.clone(),
                what: "expected a numeric \"format\"".into(),
            })?;
        if found != u64::from(FORMAT) {
            return Err(DbError::Stale {
                path: mpath,
                found: found as u32,
            });
        }
        let manifest: Manifest = serde_json::from_value(probe).map_err(|e| DbError::Corrupt {
            path: mpath.clone(),
            what: format!("expected {{\"format\", \"ecosystems\": [...]}}: {e}"),
        })?;
        let mut tables = Vec::new();
        for m in &manifest.ecosystems {
            if m.file.contains(['/', '\\']) || m.file.starts_with('.') {
                return Err(DbError::Corrupt {
                    path: mpath.clone(),
                    what: format!("unexpected file name {:?}", m.file),
                });
            }
            tables.push(read_table(&dir.join(&m.file))?);
        }
        Ok(Db { tables })
    }

    /// Records and packages per ecosystem.
    pub fn stats(&self) -> Vec<EcosystemStats> {
        self.tables
            .iter()
            .map(|t| EcosystemStats {
                ecosystem: t.base.clone(),
                records: t.records,
                packages: t.packages.len() as u64,
            })
            .collect()
    }

    /// The vulnerabilities affecting the queried package, sorted by id.
    pub fn query(&self, q: &Query) -> Vec<Vuln> {
        let qeco = Ecosystem::parse(&q.ecosystem);
        let (name, version, via_source) = match &q.source {
            Some((sn, sv)) if advisories_name_sources(qeco.base) && !sn.trim().is_empty() => {
                let sv = if sv.trim().is_empty() {
                    q.version.as_str()
                } else {
                    sv.as_str()
                };
                (sn.as_str(), sv, true)
            }
            _ => (q.name.as_str(), q.version.as_str(), false),
        };
        let mut out: Vec<Vuln> = Vec::new();
        for t in self
            .tables
            .iter()
            .filter(|t| t.base.eq_ignore_ascii_case(qeco.base))
        {
            let key = normalize_name(&t.base, name);
            let Ok(i) = t
                .packages
                .binary_search_by(|p| p.0.as_str().cmp(key.as_str()))
            else {
                continue;
            };
            let (_, off, len) = &t.packages[i];
            let Some(bytes) = t
                .blob
                .get(*off as usize..(*off as usize).saturating_add(*len as usize))
            else {
                continue;
            };
            let Ok(entries) = postcard::from_bytes::<Vec<Entry>>(bytes) else {
                continue;
            };
            let order = order_of(&t.base);
            for e in entries {
                if !Ecosystem::parse(&e.ecosystem).covers(&qeco) {
                    continue;
                }
                let Some(hit) = check(&e.ranges, &e.versions, order, version) else {
                    continue;
                };
                if let Some(v) = out.iter_mut().find(|v| v.id == e.id) {
                    for f in hit.fixed {
                        if !v.fixed.contains(&f) {
                            v.fixed.push(f);
                        }
                    }
                    for r in hit.ranges {
                        if !v.ranges.contains(&r) {
                            v.ranges.push(r);
                        }
                    }
                    continue;
                }
                let severity: Vec<Score> =
                    e.severity.iter().map(|(k, s)| score_entry(k, s)).collect();
                let (score, level) = overall(&severity, e.word.as_deref());
                out.push(Vuln {
                    id: e.id,
                    aliases: e.aliases,
                    summary: e.summary,
                    modified: e.modified,
                    ecosystem: e.ecosystem,
                    package: e.name,
                    version: version.to_string(),
                    via_source,
                    severity,
                    score,
                    level,
                    fixed: hit.fixed,
                    ranges: hit.ranges,
                });
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }
}

fn read_table(path: &Path) -> Result<Table, DbError> {
    let bytes = fs::read(path).map_err(io(path))?;
    let corrupt = |what: &str| DbError::Corrupt {
        path: path.to_path_buf(),
        what: what.into(),
    };
    if bytes.len() < 20 || &bytes[..8] != MAGIC {
        return Err(corrupt("missing the RAMPVULN magic bytes"));
    }
    let mut n4 = [0u8; 4];
    n4.copy_from_slice(&bytes[8..12]);
    let format = u32::from_le_bytes(n4);
    if format != FORMAT {
        return Err(DbError::Stale {
            path: path.to_path_buf(),
            found: format,
        });
    }
    let mut n8 = [0u8; 8];
    n8.copy_from_slice(&bytes[12..20]);
    let hlen = usize::try_from(u64::from_le_bytes(n8)).unwrap_or(usize::MAX);
    let hend = 20usize.checked_add(hlen).filter(|e| *e <= bytes.len());
    let hend = hend.ok_or_else(|| corrupt("header length past the end of the file"))?;
    let header: Header = postcard::from_bytes(&bytes[20..hend])
        .map_err(|e| corrupt(&format!("undecodable header: {e}")))?;
    // Keep the file's bytes as they are (no copy of the entries): drop only the header.
    let mut blob = bytes;
    blob.drain(..hend);
    if header
        .packages
        .iter()
        .any(|(_, o, l)| (*o as usize + *l as usize) > blob.len())
    {
        return Err(corrupt(
            "a package's entries lie past the end of the file (truncated?)",
        ));
    }
    Ok(Table {
        base: header.ecosystem,
        records: header.records,
        packages: header.packages,
        blob,
    })
}
