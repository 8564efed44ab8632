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

/// Runs `f` with a buffered writer on `path`, or on stdout when `path` is `None` or `-`.
pub fn with_writer(
    path: Option<&Path>,
    f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let result = match path {
        Some(p) if p.as_os_str() != "-" => {
            let file = std::fs::File::create(p)
                .with_context(|| format!("cannot write {}", p.display()))?;
            let mut w = std::io::BufWriter::with_capacity(1 << 16, file);
            f(&mut w).and_then(|_| w.flush())
        }
        _ => {
            let mut w = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            f(&mut w).and_then(|_| w.flush())
        }
    };
    match result {
        // A closed pipe (`rampart ... | head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.with_context(|| match path {
            Some(p) => format!("cannot write {}", p.display()),
            None => "cannot write to stdout".to_string(),
        }),
    }
}
