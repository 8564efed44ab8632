//! The docs under docs/checks/ must match the registry.

use std::path::Path;

#[test]
fn docs_match_registry() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut stale = Vec::new();
    let files = rampart_checks::docs::all_files();
    for (rel, want) in &files {
        let have = std::fs::read_to_string(root.join(rel)).unwrap_or_default();
        if &have != want {
            stale.push(rel.clone());
        }
    }
    // No page may exist for a check that is gone.
    if let Ok(dir) = std::fs::read_dir(root.join("docs/checks")) {
        for e in dir.flatten() {
            let rel = format!("docs/checks/{}", e.file_name().to_string_lossy());
            if !files.iter().any(|(r, _)| *r == rel) {
                stale.push(format!("{rel} (no such check)"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "docs/checks is out of date; run `cargo run -p xtask -- docs`. Stale: {stale:?}"
    );
}
