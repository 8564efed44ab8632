//! The pages under docs/benchmarks/cis-1.12/ must match the benchmark table.

use std::path::Path;

#[test]
fn docs_match_the_table() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let b = rampart_node::benchmark();
    let files = rampart_node::docs::all_files(b);
    let mut stale = Vec::new();
    for (rel, want) in &files {
        let have = std::fs::read_to_string(root.join(rel)).unwrap_or_default();
        if &have != want {
            stale.push(rel.clone());
        }
    }
    let dir = rampart_node::docs::dir(b);
    if let Ok(rd) = std::fs::read_dir(root.join(&dir)) {
        for e in rd.flatten() {
            let rel = format!("{dir}/{}", e.file_name().to_string_lossy());
            if !files.iter().any(|(r, _)| *r == rel) {
                stale.push(format!("{rel} (no such item)"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "{dir} is out of date; run `cargo run -p xtask -- docs`. Stale: {stale:?}"
    );
}
