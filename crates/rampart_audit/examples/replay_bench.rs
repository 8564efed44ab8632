//! Replay benchmark: events/s of the full pipeline (read + decode + rules) against the JSON-parse
//! floor on the same file, on one thread. `scripts/bench-audit.sh` runs each mode as its own
//! process pinned to one core and reports medians from wall and CPU time.
//!
//! ```text
//! cargo run --release -p rampart_audit --example replay_bench -- gen FILE [EVENTS]
//! cargo run --release -p rampart_audit --example replay_bench -- MODE FILE [RULES_DIR]
//! ```
//! Modes (each one pass over FILE, read the way `rampart audit scan` reads it: 1 MiB buffered
//! reader, memchr line splitting):
//! - `tokenize`: serde_json over each line into `IgnoredAny` (the tokenizer floor);
//! - `value`: serde_json over each line into `serde_json::Value` (the naive-parse floor);
//! - `decode`: the reader alone, each line into the borrowed `Event` (no rules);
//! - `scan`: `rampart_audit::scan` with the built-in rules (plus RULES_DIR);
//! - `all`: every mode in turn, in one process (a quick look, not for the record).
//!
//! `gen` writes a deterministic realistic mix (see [`generate`]).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rampart_audit::{Engine, RuleSet};

#[path = "../tests/mix/mod.rs"]
mod mix;
use mix::generate;

// The allocator of the `rampart` binary, so the figures match `rampart audit scan`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map(String::as_str).unwrap_or("all");
    if mode == "gen" {
        let path = PathBuf::from(args.get(1).expect("gen FILE [EVENTS]"));
        let events: usize = args
            .get(2)
            .and_then(|n| n.parse().ok())
            .unwrap_or(1_000_000);
        generate(&path, events);
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        println!(
            "wrote {events} events, {:.1} MB ({:.0} bytes/event) to {}",
            bytes as f64 / 1e6,
            bytes as f64 / events.max(1) as f64,
            path.display()
        );
        return;
    }
    let (path, _keep) = match args.get(1) {
        Some(p) => (PathBuf::from(p), None),
        None => {
            let dir = tempfile::tempdir().expect("tempdir");
            let p = dir.path().join("audit.log");
            generate(&p, 300_000);
            (p, Some(dir))
        }
    };
    let rules = args.get(2).map(PathBuf::from);
    let modes: &[&str] = if mode == "all" {
        &["tokenize", "value", "decode", "scan"]
    } else {
        std::slice::from_ref(&mode)
    };
    for m in modes {
        run(m, &path, rules.as_deref());
    }
}

fn run(mode: &str, path: &Path, rules: Option<&Path>) {
    let t = Instant::now();
    let n = match mode {
        "tokenize" => each_line(path, |l| {
            serde_json::from_slice::<serde::de::IgnoredAny>(l).is_ok()
        }),
        "value" => each_line(path, |l| {
            serde_json::from_slice::<serde_json::Value>(l).is_ok()
        }),
        "decode" => {
            let mut reader = rampart_audit::Reader::default();
            let mut n = 0u64;
            reader.read(
                &rampart_audit::Input::File(path.to_path_buf()),
                &mut |_, _| n += 1,
            );
            n
        }
        "scan" => {
            let mut set = RuleSet::builtin();
            if let Some(dir) = rules {
                set.add_path(dir);
            }
            let engine = Engine::new(&set);
            let result = rampart_audit::scan(&[path.to_path_buf()], engine);
            eprintln!(
                "  {} rules, {} alerts, {} events reached a rule's checks ({:.1}%), {} CEL runs, {} CEL errors, {} malformed",
                result.rules,
                result.alerts.len(),
                result.engine.evaluated,
                100.0 * result.engine.evaluated as f64 / result.read.events.max(1) as f64,
                result.engine.cel_runs,
                result.engine.cel_errors,
                result.read.malformed,
            );
            eprintln!("  alerts by rule: {:?}", result.engine.alerts_by_rule);
            result.read.events
        }
        other => {
            eprintln!("unknown mode `{other}` (gen, tokenize, value, decode, scan, all)");
            std::process::exit(2);
        }
    };
    let s = t.elapsed().as_secs_f64();
    println!(
        "{mode:<9} {n:>9} events in {s:>7.3} s wall = {:>9.0} events/s",
        n as f64 / s
    );
}

/// Calls `f` on each line of `path` (1 MiB buffer, memchr split, as the reader does); counts
/// the lines `f` accepts.
fn each_line(path: &Path, mut f: impl FnMut(&[u8]) -> bool) -> u64 {
    let mut r = BufReader::with_capacity(1 << 20, std::fs::File::open(path).expect("open"));
    let mut line = Vec::with_capacity(64 * 1024);
    let mut n = 0;
    loop {
        line.clear();
        match r.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => panic!("read: {e}"),
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        if !line.is_empty() && f(&line) {
            n += 1;
        }
    }
    n
}
