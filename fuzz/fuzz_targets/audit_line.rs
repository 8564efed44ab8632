//! Fuzzes the audit replay's line decoding: arbitrary bytes, as a file of audit events, must never
//! panic, and the fast path (`rampart_audit::scan`: the hand-written head scanner, events decoded
//! in full only when a rule needs it) must agree with the full path (`scan_full`: every line
//! decoded by serde) on the alerts, the counters and the errors, as tests/fast_path.rs checks on
//! a generated mix.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rampart_audit::{scan, scan_full, Engine, RuleSet, ScanResult};

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(RuleSet::builtin)
}

fn path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir =
            std::env::var_os("RAMPART_FUZZ_TMP").map_or_else(std::env::temp_dir, PathBuf::from);
        dir.join(format!("rampart-fuzz-audit-{}.log", std::process::id()))
    })
}

fn summary(r: &ScanResult) -> (String, String, Vec<String>, Vec<String>) {
    (
        format!("{:?}", r.read),
        serde_json::to_string(&r.engine).expect("stats to JSON"),
        r.errors.iter().map(|e| e.to_string()).collect(),
        r.alerts
            .iter()
            .map(|f| serde_json::to_string(f).expect("finding to JSON"))
            .collect(),
    )
}

fuzz_target!(|data: &[u8]| {
    let p = path();
    std::fs::write(p, data).expect("write the input");
    let paths = std::slice::from_ref(p);
    let fast = scan(paths, Engine::new(rules()));
    let full = scan_full(paths, Engine::new(rules()));
    assert_eq!(
        summary(&fast),
        summary(&full),
        "fast and full paths disagree"
    );
});
