//! [`scan_dir`]: a directory tree read the way an image reader reads layers.

use std::fs;
use std::io;
use std::path::Path;

use rampart_model::files::{normalize, EntryMeta, FileFilter, FileSet};

/// Walks `root` (without following symbolic links), passes every regular file through `filter`
/// and records every symbolic link with its target as written. Paths are relative to `root` and
/// normalised as in an image. Unreadable entries are skipped; an unreadable `root` is an error.
pub fn scan_dir(root: &Path, filter: &dyn FileFilter) -> io::Result<FileSet> {
    let mut set = FileSet::default();
    fs::read_dir(root)?;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            let Ok(md) = fs::symlink_metadata(&p) else {
                continue;
            };
            let Ok(rel) = p.strip_prefix(root) else {
                continue;
            };
            let rel = normalize(&rel.to_string_lossy().replace('\\', "/"));
            let ft = md.file_type();
            if ft.is_symlink() {
                if let Ok(target) = fs::read_link(&p) {
                    set.symlinks
                        .insert(rel, target.to_string_lossy().into_owned());
                }
            } else if ft.is_dir() {
                stack.push(p);
            } else if ft.is_file() {
                let meta = EntryMeta {
                    path: &rel,
                    size: md.len(),
                    mode: mode(&md),
                };
                if !filter.wants(&meta) {
                    continue;
                }
                let Ok(mut f) = fs::File::open(&p) else {
                    continue;
                };
                if let Ok(Some(kept)) = filter.keep(&meta, &mut f) {
                    set.files.insert(rel, kept);
                }
            }
        }
    }
    Ok(set)
}

#[cfg(unix)]
fn mode(md: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    md.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode(_md: &fs::Metadata) -> u32 {
    0o644
}
