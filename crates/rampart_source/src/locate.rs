//! Resolving findings' pointers to file positions.

use rampart_model::{Finding, Location, Origin, Resource};

/// Line index of a text, to fetch a line's text quickly.
pub struct Lines<'a> {
    text: &'a str,
    starts: std::sync::Arc<[usize]>,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Lines {
            text,
            starts: starts.into(),
        }
    }

    /// The index of `text` made by an earlier [`Lines::new`] on the same text ([`Lines::starts`]),
    /// without scanning the text again.
    pub fn with_starts(text: &'a str, starts: std::sync::Arc<[usize]>) -> Self {
        Lines { text, starts }
    }

    /// Where each line starts (shared), for [`Lines::with_starts`].
    pub fn starts(&self) -> std::sync::Arc<[usize]> {
        self.starts.clone()
    }

    /// The text of 1-based line `n`, without its line break.
    pub fn line(&self, n: u32) -> Option<&'a str> {
        let i = (n as usize).checked_sub(1)?;
        let start = *self.starts.get(i)?;
        let end = self.starts.get(i + 1).copied().unwrap_or(self.text.len());
        Some(self.text[start..end].trim_end_matches(['\n', '\r']))
    }
}

/// Sets `location` on findings about `res` (read from a file); with `lines`, also the source line.
/// `path` is the file's path, shared by every location in it.
pub fn locate_findings(
    res: &Resource,
    findings: &mut [Finding],
    lines: Option<&Lines>,
    path: &std::sync::Arc<std::path::Path>,
) {
    if !matches!(res.origin, Origin::File { .. }) {
        return;
    }
    for f in findings {
        if let Some(l) = location_of(|p| res.locate(p), f.pointer.as_str(), lines, path) {
            f.location = Some(l);
        }
    }
}

/// The location of `pointer` in the file at `path`, through `locate` (pointer -> position), with
/// the line's text when `lines` are given.
pub fn location_of(
    locate: impl Fn(&str) -> Option<rampart_model::Pos>,
    pointer: &str,
    lines: Option<&Lines>,
    path: &std::sync::Arc<std::path::Path>,
) -> Option<Location> {
    let pos = locate(pointer)?;
    Some(Location {
        path: path.clone(),
        line: pos.line,
        column: pos.col,
        snippet: lines.and_then(|l| l.line(pos.line)).map(str::to_owned),
    })
}
