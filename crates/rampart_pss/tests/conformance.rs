//! Conformance with upstream: every fixture of k8s.io/pod-security-admission's `test/testdata`
//! (`<level>/v1.N/<pass|fail>/*.yaml`) must be allowed (pass) or denied (fail) at its level and
//! policy version. The corpus is found through `RAMPART_CORPORA` (see `rampart_testutil`).

use std::collections::BTreeMap;
use std::path::Path;

use rampart_model::Workload;
use rampart_pss::{evaluate, Level, Version};
use serde_json::Value;

struct Label {
    level: Level,
    version: Version,
    expect_pass: bool,
}

/// Reads `labels.json` (`file -> {level, version, check, expected}`) and checks each label against
/// the file's path, which encodes the same facts.
fn labels(root: &Path) -> BTreeMap<String, Label> {
    let text = std::fs::read_to_string(root.join("labels.json")).expect("read labels.json");
    let json: Value = serde_json::from_str(&text).expect("labels.json is JSON");
    let map = json.as_object().expect("labels.json is an object");
    let mut out = BTreeMap::new();
    for (file, label) in map {
        let field = |k: &str| {
            label
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("{file}: label has no {k}"))
        };
        let (level, version, expected) = (field("level"), field("version"), field("expected"));
        let parts: Vec<&str> = file.split('/').collect();
        let n = parts.len();
        assert!(n >= 4, "{file}: unexpected path");
        assert_eq!(
            (parts[n - 4], parts[n - 3], parts[n - 2]),
            (level, version, expected),
            "{file}: label disagrees with its path"
        );
        assert!(
            matches!(expected, "pass" | "fail"),
            "{file}: expected {expected:?}"
        );
        out.insert(
            file.clone(),
            Label {
                level: level.parse().expect("level"),
                version: version.parse().expect("version"),
                expect_pass: expected == "pass",
            },
        );
    }
    out
}

/// Every `*.yaml` under `<root>/test/testdata`, relative to `root`.
fn fixture_files(root: &Path) -> Vec<String> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, root, out);
            } else if p.extension().is_some_and(|x| x == "yaml") {
                let rel = p.strip_prefix(root).expect("under root");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(&root.join("test").join("testdata"), root, &mut out);
    out.sort();
    out
}

#[test]
fn pod_security_admission_fixtures() {
    let Some(root) = rampart_testutil::require_corpora("pod-security-admission") else {
        return;
    };
    let labels = labels(&root);
    let files = fixture_files(&root);
    let unlabeled: Vec<&String> = files.iter().filter(|f| !labels.contains_key(*f)).collect();
    assert!(
        unlabeled.is_empty(),
        "fixtures without a label: {unlabeled:?}"
    );

    let mut agree = 0usize;
    let mut mismatches = Vec::new();
    for (file, label) in &labels {
        let path = root.join(file);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: cannot read: {e}", path.display()));
        let parsed = rampart_source::parse_str(&path, &text);
        let problem = if !parsed.errors.is_empty() {
            Some(format!("load errors: {:?}", parsed.errors))
        } else if parsed.resources.len() != 1 {
            Some(format!("{} objects, expected 1", parsed.resources.len()))
        } else {
            None
        };
        if let Some(problem) = problem {
            mismatches.push(format!("{file}: {problem}"));
            continue;
        }
        let res = &parsed.resources[0];
        let Some(w) = Workload::of(res.kind(), &res.raw) else {
            mismatches.push(format!("{file}: kind {:?} carries no pod", res.kind()));
            continue;
        };
        let violations = evaluate(label.level, label.version, &w);
        let got_pass = violations.is_empty();
        if got_pass == label.expect_pass {
            agree += 1;
        } else {
            let mut msg = format!(
                "{file}: expected {}, got {} at {} {}",
                if label.expect_pass { "pass" } else { "fail" },
                if got_pass { "pass" } else { "fail" },
                label.level,
                label.version
            );
            for v in &violations {
                let ptrs: Vec<&str> = v.pointers.iter().map(|p| p.as_str()).collect();
                msg.push_str(&format!(
                    "\n    {} ({}): {} {:?}",
                    v.check, v.reason, v.detail, ptrs
                ));
            }
            mismatches.push(msg);
        }
    }
    for m in &mismatches {
        println!("MISMATCH {m}");
    }
    println!("PSS conformance: {agree}/{} fixtures agree", labels.len());
    assert!(
        mismatches.is_empty(),
        "{} of {} fixtures disagree (listed above)",
        mismatches.len(),
        labels.len()
    );
}
