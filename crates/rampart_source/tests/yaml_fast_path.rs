//! The fast YAML path must read every stream it accepts exactly as the general parser does:
//! same documents, values (key order included), positions and document starts, and no stream
//! it accepts may be one the general parser reports a problem in. Checked on every YAML and JSON
//! file of the upstream corpora (and of `$RAMPART_YAML_DIFF_DIR` when set).

use std::path::{Path, PathBuf};

use rampart_source::yaml::{parse_stream_fast, parse_stream_general};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| matches!(x, "yaml" | "yml" | "json"))
        {
            out.push(p);
        }
    }
}

/// Compares the two paths on `dir`; returns (files read, files the fast path took).
fn compare(dir: &Path) -> (usize, usize) {
    let mut all = Vec::new();
    files(dir, &mut all);
    all.sort();
    let (mut read, mut fast) = (0, 0);
    let mut mismatches = Vec::new();
    for path in &all {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        read += 1;
        let Some(quick) = parse_stream_fast(&text) else {
            continue;
        };
        fast += 1;
        let general = parse_stream_general(&text);
        assert!(
            quick.errors.is_empty(),
            "{}: the fast path reported problems",
            path.display()
        );
        let (a, b) = (quick.describe(), general.describe());
        if a != b {
            let line = a
                .lines()
                .zip(b.lines())
                .position(|(x, y)| x != y)
                .unwrap_or(0);
            mismatches.push(format!(
                "{}:\n  fast:    {}\n  general: {}",
                path.display(),
                a.lines()
                    .nth(line)
                    .unwrap_or("")
                    .chars()
                    .take(400)
                    .collect::<String>(),
                b.lines()
                    .nth(line)
                    .unwrap_or("")
                    .chars()
                    .take(400)
                    .collect::<String>(),
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {fast} files read differently by the fast path:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    (read, fast)
}

#[test]
fn the_fast_path_reads_the_corpora_like_the_general_parser() {
    let Some(dir) = rampart_testutil::require_corpora("") else {
        return;
    };
    let (read, fast) = compare(&dir);
    println!("corpora: {read} files, {fast} read by the fast path");
    assert!(
        read > 1000,
        "only {read} files found under {}",
        dir.display()
    );
    // Most manifests are plain block YAML: the fast path must take the bulk of them.
    assert!(
        fast * 2 > read,
        "the fast path took only {fast} of {read} files"
    );
    if let Some(extra) = std::env::var_os("RAMPART_YAML_DIFF_DIR") {
        let (read, fast) = compare(Path::new(&extra));
        println!(
            "{}: {read} files, {fast} read by the fast path",
            extra.to_string_lossy()
        );
    }
}
