//! Loading OSV records from files: single-record JSON files, directories of them (recursively),
//! and the per-ecosystem `all.zip` exports OSV publishes (one JSON record per entry). Withdrawn
//! records are counted and skipped; a malformed record becomes a [`LoadError`] naming the file
//! (and zip entry) and what was expected, and the rest still loads.

use std::fmt;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::osv::Record;

/// A record that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// `FILE` or `ZIP!ENTRY`.
    pub origin: String,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.origin, self.message)
    }
}

/// What loading found.
#[derive(Debug, Default)]
pub struct Loaded {
    pub records: Vec<Record>,
    pub withdrawn: usize,
    pub errors: Vec<LoadError>,
}

impl Loaded {
    fn add_json(&mut self, origin: &str, bytes: &[u8]) {
        self.add_parsed(origin, parse_json(bytes));
    }

    fn add_parsed(&mut self, origin: &str, parsed: Result<Vec<Record>, String>) {
        match parsed {
            Ok(records) => {
                for r in records {
                    self.add(origin, r);
                }
            }
            Err(message) => self.errors.push(LoadError {
                origin: origin.to_string(),
                message,
            }),
        }
    }

    fn add(&mut self, origin: &str, r: Record) {
        if r.withdrawn.as_deref().is_some_and(|w| !w.trim().is_empty()) {
            self.withdrawn += 1;
            return;
        }
        match r.validate() {
            Ok(()) => self.records.push(r),
            Err(m) => self.errors.push(LoadError {
                origin: origin.to_string(),
                message: format!("record {}: {m}", r.id),
            }),
        }
    }
}

/// Parse one file's or zip entry's bytes: one record per file is the OSV layout; a JSON array of
/// records is accepted too.
fn parse_json(bytes: &[u8]) -> Result<Vec<Record>, String> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    let parsed = match first {
        Some(b'[') => serde_json::from_slice(bytes),
        _ => serde_json::from_slice::<Record>(bytes).map(|r| vec![r]),
    };
    parsed.map_err(|e| {
        format!(
            "not a valid OSV record ({e}): expected a JSON object with a string \"id\" \
             and OSV-shaped \"affected\", \"severity\" and \"aliases\""
        )
    })
}

/// Zip entries are inflated in order and parsed on all cores, this many at a time (bounded
/// memory for exports of any size).
const ZIP_BATCH: usize = 4096;

/// Load every record under `paths` (files, directories, zips). A path that does not exist or
/// cannot be read as a whole is an error; a bad record inside is a [`LoadError`] in the result.
pub fn load_paths(paths: &[PathBuf]) -> anyhow::Result<Loaded> {
    let mut out = Loaded::default();
    for p in paths {
        load_path(p, &mut out)?;
    }
    Ok(out)
}

fn load_path(p: &Path, out: &mut Loaded) -> anyhow::Result<()> {
    let meta = fs::metadata(p).with_context(|| format!("{}: cannot read", p.display()))?;
    if meta.is_dir() {
        let mut files = Vec::new();
        walk(p, &mut files)?;
        files.sort();
        for f in files {
            load_file(&f, out);
        }
        Ok(())
    } else if is_zip(p) {
        load_zip(p, out)
    } else {
        let bytes = fs::read(p).with_context(|| format!("{}: cannot read", p.display()))?;
        out.add_json(&p.display().to_string(), &bytes);
        Ok(())
    }
}

fn is_zip(p: &Path) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("{}: cannot list", dir.display()))? {
        let entry = entry.with_context(|| format!("{}: cannot list", dir.display()))?;
        let path = entry.path();
        let ft = entry.file_type()?;
        if ft.is_dir() {
            walk(&path, files)?;
        } else if is_zip(&path) || path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    Ok(())
}

/// A file found in a directory: errors are per file, so the rest of the directory loads.
fn load_file(f: &Path, out: &mut Loaded) {
    if is_zip(f) {
        if let Err(e) = load_zip(f, out) {
            out.errors.push(LoadError {
                origin: f.display().to_string(),
                message: format!("{e:#}"),
            });
        }
        return;
    }
    match fs::read(f) {
        Ok(bytes) => out.add_json(&f.display().to_string(), &bytes),
        Err(e) => out.errors.push(LoadError {
            origin: f.display().to_string(),
            message: format!("cannot read: {e}"),
        }),
    }
}

fn load_zip(p: &Path, out: &mut Loaded) -> anyhow::Result<()> {
    let file = fs::File::open(p).with_context(|| format!("{}: cannot open", p.display()))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).with_context(|| {
        format!(
            "{}: not a zip archive (expected an OSV all.zip export)",
            p.display()
        )
    })?;
    let mut batch: Vec<(String, Vec<u8>)> = Vec::with_capacity(ZIP_BATCH);
    for i in 0..zip.len() {
        let mut entry = match zip.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                out.errors.push(LoadError {
                    origin: format!("{}!#{i}", p.display()),
                    message: format!("unreadable zip entry: {e}"),
                });
                continue;
            }
        };
        let name = match entry.name() {
            Ok(n) => n.to_string(),
            Err(e) => {
                out.errors.push(LoadError {
                    origin: format!("{}!#{i}", p.display()),
                    message: format!("unreadable zip entry name: {e}"),
                });
                continue;
            }
        };
        if entry.is_dir() || !name.ends_with(".json") {
            continue;
        }
        let origin = format!("{}!{name}", p.display());
        let mut buf = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0).min(1 << 24));
        if let Err(e) = entry.read_to_end(&mut buf) {
            out.errors.push(LoadError {
                origin,
                message: format!("cannot decompress: {e}"),
            });
            continue;
        }
        batch.push((origin, buf));
        if batch.len() == ZIP_BATCH {
            parse_batch(&mut batch, out);
        }
    }
    parse_batch(&mut batch, out);
    Ok(())
}

fn parse_batch(batch: &mut Vec<(String, Vec<u8>)>, out: &mut Loaded) {
    use rayon::prelude::*;
    let parsed: Vec<_> = batch
        .par_iter()
        .map(|(_, bytes)| parse_json(bytes))
        .collect();
    for ((origin, _), p) in batch.iter().zip(parsed) {
        out.add_parsed(origin, p);
    }
    batch.clear();
}
