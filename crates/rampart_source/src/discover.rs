//! Expands the paths given on the command line into the files to read.

use std::path::{Path, PathBuf};

use crate::LoadError;

/// One thing to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// Standard input (`-` on the command line).
    Stdin,
    File(PathBuf),
}

impl Input {
    pub fn path(&self) -> &Path {
        match self {
            Input::Stdin => Path::new("-"),
            Input::File(p) => p,
        }
    }
}

fn is_manifest(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Expands files, directories (recursively, `*.yaml`, `*.yml`, `*.json`, hidden files and
/// `.gitignore`d paths skipped) and `-` into a sorted list of inputs. A file named explicitly is
/// read whatever its extension.
pub fn discover(paths: &[PathBuf]) -> (Vec<Input>, Vec<LoadError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        match std::fs::metadata(p) {
            Err(e) => errors.push(LoadError::file(p, format!("cannot read: {e}"))),
            Ok(m) if m.is_dir() => {
                let mut found = Vec::new();
                let walker = ignore::WalkBuilder::new(p)
                    .hidden(true)
                    .git_ignore(true)
                    .git_global(false)
                    .git_exclude(false)
                    .require_git(false)
                    .build();
                for entry in walker {
                    match entry {
                        Ok(e) => {
                            if e.file_type().is_some_and(|t| t.is_file()) && is_manifest(e.path()) {
                                found.push(Input::File(e.into_path()));
                            }
                        }
                        Err(e) => errors.push(LoadError::file(p, format!("cannot walk: {e}"))),
                    }
                }
                found.sort_by(|a, b| a.path().cmp(b.path()));
                inputs.extend(found);
            }
            Ok(_) => inputs.push(Input::File(p.clone())),
        }
    }
    (inputs, errors)
}
