//! rampart's verdicts against Gatekeeper's own: the suite in tests/gatekeeper is run by
//! rampart, then rewritten so that each case asserts exactly what rampart found (the number of
//! violations and each message, anchored), and the rewritten suite is run by `gator verify`.
//! gator passing it means Gatekeeper gives the same violations with the same messages.
//!
//! gator is installed by `scripts/install_peers.sh --only-gator` into bench/.peers/bin (or named
//! by `RAMPART_GATOR`). Without it the test skips with a message, unless
//! `RAMPART_REQUIRE_GATOR=1` (as in CI), where it fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rampart_policy::suite::{self, Outcome};
use serde_json::{json, Value};

fn gator() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("RAMPART_GATOR").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/.peers/bin/gator");
    p.is_file().then_some(p)
}

fn required() -> bool {
    std::env::var_os("RAMPART_REQUIRE_GATOR").is_some_and(|v| !v.is_empty() && v != "0")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("as set up by the test");
    for e in std::fs::read_dir(from).expect("as set up by the test") {
        let e = e.expect("as set up by the test");
        let target = to.join(e.file_name());
        if e.file_type().expect("as set up by the test").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("as set up by the test");
        }
    }
}

/// The suite at `path` with every case's assertions replaced by what rampart found.
fn pinned_suite(path: &Path, found: &BTreeMap<(String, String), Vec<String>>) -> Value {
    let parsed = rampart_source::read_and_parse(&rampart_source::Input::File(path.to_path_buf()));
    let mut suite = parsed
        .resources
        .into_iter()
        .next()
        .expect("a suite document")
        .raw;
    for t in suite["tests"].as_array_mut().expect("tests") {
        let test = t["name"].as_str().unwrap_or("").to_string();
        for c in t["cases"].as_array_mut().expect("cases") {
            let case = c["name"].as_str().unwrap_or("").to_string();
            let messages = &found[&(test.clone(), case)];
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for m in messages {
                *counts.entry(m.as_str()).or_default() += 1;
            }
            let mut assertions = vec![json!({"violations": messages.len()})];
            for (m, n) in counts {
                assertions.push(json!({
                    "violations": n,
                    "message": format!("^{}$", regex::escape(m)),
                }));
            }
            c["assertions"] = Value::Array(assertions);
        }
    }
    suite
}

#[test]
fn gator_verify_agrees_with_rampart_on_every_case() {
    let Some(gator) = gator() else {
        assert!(
            !required(),
            "RAMPART_REQUIRE_GATOR is set but gator is not installed (scripts/install_peers.sh --only-gator)"
        );
        println!("skipping: gator not installed (scripts/install_peers.sh --only-gator, or set RAMPART_GATOR)");
        return;
    };
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/gatekeeper");
    let report = suite::run(&src);
    assert_eq!(report.failed(), 0, "{}", report.render(false));
    let dir = tempfile::tempdir().expect("as set up by the test");
    let copy = dir.path().join("gatekeeper");
    copy_dir(&src, &copy);
    let mut by_suite: BTreeMap<PathBuf, BTreeMap<(String, String), Vec<String>>> = BTreeMap::new();
    let mut violations = 0;
    for r in &report.results {
        assert_eq!(r.outcome, Outcome::Pass);
        violations += r.messages.len();
        by_suite
            .entry(r.suite.clone())
            .or_default()
            .insert((r.test.clone(), r.case.clone()), r.messages.clone());
    }
    for (suite_path, found) in &by_suite {
        let rel = suite_path
            .strip_prefix(&src)
            .expect("as set up by the test");
        let pinned = pinned_suite(suite_path, found);
        // JSON is YAML: gator reads it as it reads the original.
        std::fs::write(
            copy.join(rel),
            serde_json::to_string_pretty(&pinned).expect("as set up by the test"),
        )
        .expect("as set up by the test");
    }
    let out = std::process::Command::new(&gator)
        .arg("verify")
        .arg("-v")
        .arg(format!("{}/...", copy.display()))
        .output()
        .expect("gator runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "gator verify disagrees with rampart:\n{stdout}\n{stderr}"
    );
    let passed_cases = stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("--- PASS") && l.starts_with(' '))
        .count();
    assert_eq!(
        passed_cases,
        report.passed(),
        "gator ran a different number of cases:\n{stdout}"
    );
    println!(
        "gator verify agrees with rampart on {} suites, {} cases, {violations} violations (same messages)",
        by_suite.len(),
        passed_cases
    );
}
