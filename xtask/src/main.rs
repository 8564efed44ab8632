//! Project tasks (`cargo xtask` is an alias of `cargo run -p xtask --`):
//!
//! - `cargo xtask docs` regenerates docs/checks/ from the registry and docs/benchmarks/ from the
//!   node benchmark's table.
//! - `cargo xtask new-check ID --category CAT [--severity S] [--dry-run]` scaffolds a check: its
//!   folder `crates/rampart_checks/src/checks/CAT/ID/` (ID with `_` for `-`) with a `mod.rs`, a
//!   `fixtures/fail.yaml` and a `fixtures/pass.yaml`, then regenerates the docs. build.rs registers
//!   the folder; the tests fail until the scaffold text, the code and the fixtures are real.

mod scaffold;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

const USAGE: &str = "usage: cargo xtask docs\n       \
     cargo xtask new-check ID --category CATEGORY [--severity info|low|medium|high|critical] [--dry-run]";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .context("the workspace root")?;
    match args.first().map(String::as_str) {
        Some("docs") => docs(&root),
        Some("new-check") => new_check(&root, &args[1..]),
        _ => bail!("{USAGE}"),
    }
}

fn docs(root: &Path) -> Result<()> {
    let dir = root.join("docs/checks");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).context("removing docs/checks")?;
    }
    std::fs::create_dir_all(&dir)?;
    let files = rampart_checks::docs::all_files();
    for (rel, content) in &files {
        std::fs::write(root.join(rel), content).with_context(|| format!("writing {rel}"))?;
    }
    println!("wrote {} files under docs/checks", files.len());
    // The node benchmark's pages (crates/rampart_node/src/cis.rs).
    let b = rampart_node::benchmark();
    let dir = root.join(rampart_node::docs::dir(b));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir)?;
    let files = rampart_node::docs::all_files(b);
    for (rel, content) in &files {
        std::fs::write(root.join(rel), content).with_context(|| format!("writing {rel}"))?;
    }
    println!("wrote {} files under {}", files.len(), dir.display());
    // The image checks' pages (crates/rampart_imagescan/src/checks.rs).
    let dir = root.join(rampart_imagescan::checks::DOCS_DIR);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir)?;
    let files = rampart_imagescan::checks::doc_files();
    for (rel, content) in &files {
        std::fs::write(root.join(rel), content).with_context(|| format!("writing {rel}"))?;
    }
    println!("wrote {} files under {}", files.len(), dir.display());
    // The frameworks' coverage (crates/rampart_frameworks/frameworks/).
    let mut metas: Vec<_> = rampart_checks::all().iter().map(|c| &c.meta).collect();
    metas.extend(rampart_node::metas());
    metas.extend(rampart_imagescan::metas().iter().copied());
    let page = rampart_frameworks::docs::page(rampart_frameworks::catalog(), &metas);
    let path = root.join(rampart_frameworks::docs::PATH);
    std::fs::write(&path, page).with_context(|| format!("writing {}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

fn new_check(root: &Path, args: &[String]) -> Result<()> {
    let mut id = None;
    let mut category = None;
    let mut severity = "medium".to_string();
    let mut dry_run = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |flag: &str| {
            it.next()
                .cloned()
                .with_context(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            "--category" => category = Some(value("--category")?),
            "--severity" => severity = value("--severity")?,
            "--dry-run" => dry_run = true,
            s if s.starts_with('-') => bail!("unknown option {s}\n{USAGE}"),
            s if id.is_none() => id = Some(s.to_string()),
            s => bail!("unexpected argument {s}\n{USAGE}"),
        }
    }
    let (Some(id), Some(category)) = (id, category) else {
        bail!("{USAGE}");
    };
    let files = scaffold::plan(root, &id, &category, &severity)?;
    if dry_run {
        for (path, content) in &files {
            println!("would write {}:\n{content}", path.display());
        }
        return Ok(());
    }
    scaffold::write(&files)?;
    for (path, _) in &files {
        println!("wrote {}", path.display());
    }
    // This binary was built without the new check: a fresh build of xtask registers it.
    // (Built with the profile of this one, to reuse its dependencies.)
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let profile: &[&str] = if cfg!(debug_assertions) {
        &[]
    } else {
        &["--release"]
    };
    let status = Command::new(cargo)
        .args(["run", "--quiet", "-p", "xtask"])
        .args(profile)
        .args(["--", "docs"])
        .current_dir(root)
        .status()
        .context("running `cargo run -p xtask -- docs`")?;
    if !status.success() {
        bail!("regenerating the docs failed ({status})");
    }
    let folder = files[0].0.parent().unwrap_or(root).display().to_string();
    println!(
        "\nNext: in {folder}, replace every `{}` text in mod.rs, write the check's code and its \
         fixtures, then run `cargo xtask docs` and `cargo test -p rampart_checks`.",
        rampart_checks::checks::SCAFFOLD
    );
    Ok(())
}
