//! Writing command output to stdout or `--output FILE`.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

/// Writes `text` to `path`, or to stdout when `path` is `None` or `-`.
pub fn write(path: Option<&Path>, text: &str) -> anyhow::Result<()> {
    match path {
        Some(p) if p.as_os_str() != "-" => {
            std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display()))
        }
        _ => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                // A closed pipe (`rampart ... | head`) is not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => r.context("cannot write to stdout"),
            }
        }
    }
}
