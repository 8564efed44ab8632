//! Findings: one shape for every source (files, cluster, snapshot, admission).

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::{ObjectRef, Pointer, Pos, Severity};

/// A resolved place in a file.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    /// Shared by every finding in the same file.
    pub path: Arc<Path>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// The text of that line, when the reporter asked for it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub snippet: Option<String>,
}

/// Whether a finding counts, and why not when it does not.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum FindingStatus {
    /// It counts.
    #[default]
    Open,
    /// Waived by a config waiver or annotation; kept in JSON output for audit, not counted.
    Suppressed { by: String, reason: String },
    /// A waiver matched but expired on `expired`; the finding counts again.
    WaiverExpired { expired: String, reason: String },
}

/// One problem found by one check on one object.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Finding {
    /// The check id.
    pub check: Cow<'static, str>,
    pub severity: Severity,
    /// Shared by every finding on the same object.
    pub object: Arc<ObjectRef>,
    /// The field the finding is about.
    pub pointer: Pointer,
    /// Where that field is, for objects read from files.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub location: Option<Location>,
    pub message: String,
    #[serde(default, skip_serializing_if = "is_open")]
    pub status: FindingStatus,
}

fn is_open(s: &FindingStatus) -> bool {
    *s == FindingStatus::Open
}

impl Finding {
    /// True when the finding counts toward the exit code and the summary.
    pub fn is_open(&self) -> bool {
        !matches!(self.status, FindingStatus::Suppressed { .. })
    }

    /// A key that identifies a finding across runs (for baselines): check, object, pointer.
    pub fn fingerprint(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}",
            self.check,
            self.object.kind,
            self.object.namespace.as_deref().unwrap_or(""),
            self.object.name,
            self.pointer
        )
    }
}

/// A problem with the input: which file, where, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct InputError {
    pub path: PathBuf,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    pub message: String,
}

impl InputError {
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        InputError {
            path: path.to_path_buf(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    pub fn at(path: &Path, pos: Pos, message: impl Into<String>) -> Self {
        InputError {
            path: path.to_path_buf(),
            line: Some(pos.line),
            column: Some(pos.col),
            message: message.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}
