//! rampart's offline ValidatingAdmissionPolicy verdicts compared with the real API server's.
//!
//! For each policy of tests/vap: its Namespaces and params are created in the testenv API
//! server, the policy and its binding installed, and every sample submitted with server-side
//! dry-run (`kubectl create --dry-run=server`). The server's decision (denied or admitted), its
//! denial message and its warnings must equal what rampart's offline evaluation of the same
//! files gives. Then the policy is removed before the next one is installed (one policy in force
//! at a time, so each sample meets only its own policy).
//!
//! Run: `testenv/run-with.sh cargo test -p rampart_policy --test vap_live -- --ignored`
//! (part of scripts/cluster-tests.sh).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rampart_policy::{suite, Action, ClusterData, Policy, Review, Verdict, VerdictKind};
use rampart_source::Input;
use serde_json::Value;

fn here(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(rel)
}

fn objects(path: &Path) -> Vec<Value> {
    let parsed = rampart_source::read_and_parse(&Input::File(path.to_path_buf()));
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    parsed.resources.into_iter().map(|r| r.raw).collect()
}

/// What the API server says about one request: denied (with its message) and its warnings.
#[derive(Debug, PartialEq, Eq, Clone)]
struct Decision {
    denied: Option<String>,
    warnings: Vec<String>,
}

/// The message from `ValidatingAdmissionPolicy '` to the end of its line.
fn policy_message(line: &str) -> Option<String> {
    line.find("ValidatingAdmissionPolicy '")
        .map(|i| line[i..].trim().to_string())
}

fn server_decision(admin: &str, sample: &Path) -> (Decision, String) {
    let path = sample.to_string_lossy();
    let (ok, text) = rampart_testutil::kubectl(
        admin,
        &["create", "--dry-run=server", "-o", "name", "-f", &path],
        None,
    );
    let mut warnings = Vec::new();
    let mut denied = None;
    for line in text.lines() {
        if let Some(w) = line.strip_prefix("Warning: ") {
            if let Some(m) = policy_message(w) {
                // "Validation failed for ValidatingAdmissionPolicy '...'"
                warnings.push(format!("Validation failed for {m}"));
            }
        } else if !ok {
            if let Some(m) = policy_message(line) {
                denied.get_or_insert(m);
            }
        }
    }
    if !ok && denied.is_none() {
        denied = Some(format!("<not a policy denial> {}", text.trim()));
    }
    warnings.sort();
    (Decision { denied, warnings }, text)
}

fn offline_decision(policies: &rampart_policy::PolicySet, verdicts: &[Verdict]) -> Decision {
    let vap = |v: &Verdict| match policies.get(&v.policy) {
        Some(Policy::Vap(p)) => p.clone(),
        other => panic!("{}: not a VAP: {other:?}", v.policy),
    };
    let denied = verdicts
        .iter()
        .find(|v| v.action == Action::Deny)
        .map(|v| vap(v).server_message(v.action, &v.message));
    let mut warnings: Vec<String> = verdicts
        .iter()
        .filter(|v| {
            v.action != Action::Deny
                && vap(v)
                    .actions
                    .contains(&rampart_policy::vap::ValidationAction::Warn)
        })
        .map(|v| vap(v).server_message(v.action, &v.message))
        .collect();
    warnings.sort();
    Decision { denied, warnings }
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
#[ignore = "needs the testenv API server: run under testenv/run-with.sh"]
fn offline_verdicts_equal_the_api_servers() {
    let Ok(admin) = std::env::var("KUBECONFIG_ADMIN") else {
        eprintln!("skipping: KUBECONFIG_ADMIN is not set; run under testenv/run-with.sh");
        return;
    };
    let root = here("vap");
    let mut suites = suite::find_suites(&root);
    suites.sort();
    assert_eq!(suites.len(), 20);
    let mut compared = 0;
    let mut denied = 0;
    let mut warned = 0;
    let mut mismatches = Vec::new();
    for suite_path in &suites {
        let dir = suite_path.parent().expect("suite dir");
        let suite = objects(suite_path).remove(0);
        for test in suite["tests"].as_array().expect("tests") {
            let policy_file = dir.join(test["policy"].as_str().expect("policy"));
            let loaded = rampart_policy::load(std::slice::from_ref(&policy_file));
            assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
            let cases: Vec<&Value> = test["cases"].as_array().expect("cases").iter().collect();
            // Namespaces and params, for real.
            let mut inventory_files: Vec<PathBuf> = Vec::new();
            for c in &cases {
                for f in c["inventory"].as_array().into_iter().flatten() {
                    let p = dir.join(f.as_str().expect("path"));
                    if !inventory_files.contains(&p) {
                        inventory_files.push(p);
                    }
                }
            }
            for f in &inventory_files {
                let (ok, text) =
                    rampart_testutil::kubectl(&admin, &["apply", "-f", &f.to_string_lossy()], None);
                assert!(ok, "{}: {text}", f.display());
            }
            // What rampart says about every case.
            let mut expected = Vec::new();
            for c in &cases {
                let sample = dir.join(c["object"].as_str().expect("object"));
                let obj = objects(&sample).remove(0);
                let mut inv = Vec::new();
                for f in c["inventory"].as_array().into_iter().flatten() {
                    inv.extend(objects(&dir.join(f.as_str().expect("path"))));
                }
                let data = ClusterData::from_objects(inv.iter());
                let verdicts = loaded.policies.evaluate(&Review::of(&obj), Some(&data));
                assert!(
                    !verdicts.iter().any(
                        |v| v.kind == VerdictKind::Error && v.message.contains("not supported")
                    ),
                    "{verdicts:?}"
                );
                expected.push((
                    c["name"].as_str().unwrap_or("").to_string(),
                    sample,
                    offline_decision(&loaded.policies, &verdicts),
                ));
            }
            let name = test["name"].as_str().unwrap_or("");
            let probe = expected
                .iter()
                .find(|(_, _, d)| d.denied.is_some() || !d.warnings.is_empty())
                .map(|(_, s, _)| s.clone())
                .expect("every policy has a sample it denies or warns about");
            let (ok, text) = rampart_testutil::kubectl(
                &admin,
                &["apply", "-f", &policy_file.to_string_lossy()],
                None,
            );
            // The API server's compile errors quote the expression with a caret line: keep the
            // messages.
            let brief: Vec<&str> = text.lines().filter(|l| !l.starts_with(" |")).collect();
            assert!(ok, "installing {name}: {}", brief.join("\n"));
            let marker = format!("ValidatingAdmissionPolicy '{name}'");
            wait_until(&format!("policy {name} in force"), || {
                server_decision(&admin, &probe).1.contains(&marker)
            });
            for (case, sample, want) in &expected {
                let (got, text) = server_decision(&admin, sample);
                compared += 1;
                if got.denied.is_some() {
                    denied += 1;
                }
                if !got.warnings.is_empty() {
                    warned += 1;
                }
                if &got != want {
                    mismatches.push(format!(
                        "{name}/{case}:\n  rampart: {want:?}\n  server:  {got:?}\n  kubectl: {}",
                        text.trim()
                    ));
                } else {
                    println!("ok {name}/{case}: {got:?}");
                }
            }
            let (ok, text) = rampart_testutil::kubectl(
                &admin,
                &["delete", "-f", &policy_file.to_string_lossy()],
                None,
            );
            assert!(ok, "removing {name}: {text}");
            wait_until(&format!("policy {name} gone"), || {
                !server_decision(&admin, &probe).1.contains(&marker)
            });
        }
    }
    println!(
        "{compared} samples compared ({denied} denied, {warned} with warnings), {} mismatches",
        mismatches.len()
    );
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert!(compared >= 50, "{compared} samples");
}
