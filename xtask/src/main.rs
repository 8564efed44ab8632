//! Project tasks: `cargo run -p xtask -- docs` regenerates docs/checks/ from the registry.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};

fn main() -> Result<()> {
    let task = std::env::args().nth(1).unwrap_or_default();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    match task.as_str() {
        "docs" => {
            let dir = root.join("docs/checks");
            if dir.exists() {
                std::fs::remove_dir_all(&dir).context("removing docs/checks")?;
            }
            std::fs::create_dir_all(&dir)?;
            let files = rampart_checks::docs::all_files();
            for (rel, content) in &files {
                std::fs::write(root.join(rel), content)
                    .with_context(|| format!("writing {rel}"))?;
            }
            println!("wrote {} files under docs/checks", files.len());
            Ok(())
        }
        _ => bail!("usage: cargo run -p xtask -- docs"),
    }
}
