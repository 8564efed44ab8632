//! The meeting point of image readers and package detectors: which files of a filesystem to keep,
//! and the kept files.
//!
//! An image reader (or a directory walker) streams every regular file of every layer past a
//! [`FileFilter`]; the filter reads what it needs from the stream and returns what to keep (the whole
//! file, a small extract such as a Go binary's build info, or nothing). The reader applies layers in
//! order (later files replace earlier ones; whiteouts and opaque directories remove) and hands the
//! result over as a [`FileSet`]. Nothing is extracted to disk and only kept bytes stay in memory.

use std::collections::BTreeMap;
use std::io::{self, Read};

/// One regular file as a reader meets it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryMeta<'a> {
    /// Path inside the filesystem: normalised, `/`-separated, without a leading `/` or `./`
    /// (`var/lib/dpkg/status`).
    pub path: &'a str,
    /// Size in bytes, as the archive header says.
    pub size: u64,
    /// Unix permission bits (`0o755`).
    pub mode: u32,
}

impl EntryMeta<'_> {
    /// True when any execute bit is set.
    pub fn executable(&self) -> bool {
        self.mode & 0o111 != 0
    }
}

/// Decides, file by file, what a reader keeps. Implementations must read at most what they need and
/// must not fail on odd content: an `Err` is for I/O errors of the stream only.
pub trait FileFilter: Sync {
    /// Quick pre-test on path and header alone: false means the reader skips the entry without
    /// calling [`FileFilter::keep`].
    fn wants(&self, meta: &EntryMeta<'_>) -> bool;

    /// Reads the entry (as much as needed) and returns the bytes to keep under its path, or `None`.
    fn keep(&self, meta: &EntryMeta<'_>, content: &mut dyn Read) -> io::Result<Option<Vec<u8>>>;
}

/// The files a reader kept, after layers were applied: path -> kept bytes, plus every symbolic link
/// (path -> target as written), so that e.g. `etc/os-release -> ../usr/lib/os-release` resolves.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileSet {
    pub files: BTreeMap<String, Vec<u8>>,
    pub symlinks: BTreeMap<String, String>,
}

impl FileSet {
    /// The kept bytes at `path` (normalised as in [`EntryMeta::path`]), following symbolic links of
    /// the path and its parents (at most 32 hops).
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        let mut p = normalize(path);
        for _ in 0..32 {
            if let Some(b) = self.files.get(&p) {
                return Some(b);
            }
            p = self.resolve_once(&p)?;
        }
        None
    }

    /// Rewrites the first symlinked component of `path` (itself or a parent), or `None` when none is.
    fn resolve_once(&self, path: &str) -> Option<String> {
        let parts: Vec<&str> = path.split('/').collect();
        for i in (1..=parts.len()).rev() {
            let prefix = parts[..i].join("/");
            if let Some(target) = self.symlinks.get(&prefix) {
                let base = if target.starts_with('/') {
                    String::new()
                } else {
                    parts[..i - 1].join("/")
                };
                let mut joined = if base.is_empty() {
                    target.clone()
                } else {
                    format!("{base}/{target}")
                };
                for rest in &parts[i..] {
                    joined.push('/');
                    joined.push_str(rest);
                }
                return Some(normalize(&joined));
            }
        }
        None
    }
}

/// Normalises a path as [`EntryMeta::path`] wants it: `/`-separated, no leading `/` or `./`, `.`
/// removed and `..` applied (never above the root).
pub fn normalize(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            p => out.push(p),
        }
    }
    out.join("/")
}

/// A filter that keeps every file whole: for tests and small filesystems.
pub struct KeepAll;

impl FileFilter for KeepAll {
    fn wants(&self, _meta: &EntryMeta<'_>) -> bool {
        true
    }

    fn keep(&self, _meta: &EntryMeta<'_>, content: &mut dyn Read) -> io::Result<Option<Vec<u8>>> {
        let mut v = Vec::new();
        content.read_to_end(&mut v)?;
        Ok(Some(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_paths() {
        assert_eq!(normalize("/var/lib/dpkg/status"), "var/lib/dpkg/status");
        assert_eq!(normalize("./etc//os-release"), "etc/os-release");
        assert_eq!(normalize("a/../../b/./c"), "b/c");
    }

    #[test]
    fn symlinks_resolve_for_files_and_parents() {
        let mut fs = FileSet::default();
        fs.files
            .insert("usr/lib/os-release".into(), b"ID=debian\n".to_vec());
        fs.symlinks
            .insert("etc/os-release".into(), "../usr/lib/os-release".into());
        fs.files.insert("usr/lib/x/y".into(), b"y".to_vec());
        fs.symlinks.insert("lib".into(), "/usr/lib".into());
        assert_eq!(fs.get("/etc/os-release"), Some(&b"ID=debian\n"[..]));
        assert_eq!(fs.get("lib/x/y"), Some(&b"y"[..]));
        assert_eq!(fs.get("lib/x/z"), None);
        fs.symlinks.insert("loop".into(), "loop".into());
        assert_eq!(fs.get("loop"), None);
    }
}
