//! The Falco k8saudit corpus (`shared/corpora/falco-k8saudit`): Falco's own audit-event trace
//! files with the outcome its regression tests expect. For every Falco rule that a built-in rule
//! maps (`falco:` in the rule file), rampart must alert exactly where (and as often as) Falco
//! does, and stay silent on the traces where Falco is silent. Falco rules without a rampart
//! counterpart are listed with the reason.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rampart_audit::{Engine, RuleSet};
use serde_json::Value;

/// Rule sets of the Falco tests that the built-in pack models as is: Falco's default rules (and
/// its engine-v4 test variant of them), and the overlay that only turns off the "K8s activity"
/// informational rules, which rampart does not have.
const BASELINE: &[&str] = &[
    "LegacyFalcoRules_v1_0_1",
    "K8SAuditRules",
    "K8SAuditEngineV4K8SAuditRules",
    "K8SAuditDisallowKactivity",
];

/// Falco overlays modelled by a user library file of ours.
const OVERLAYS: &[(&str, &str)] = &[("K8SAuditTrustNginxContainer", "trust_nginx.yaml")];

/// Falco rules seen in the corpus that no built-in rule maps, and why.
fn unmapped_reason(rule: &str) -> Option<&'static str> {
    if (rule.starts_with("K8s ") && (rule.ends_with(" Created") || rule.ends_with(" Deleted")))
        || rule == "K8s Serviceaccount Created"
    {
        return Some(
            "Falco's informational \"K8s activity\" rules (every create/delete of a kind): an \
             activity log, not a threat; the audit log itself is that record",
        );
    }
    match rule {
        "Create Disallowed Pod" | "Create Disallowed Namespace" | "Disallowed K8s User" => Some(
            "allow-list policies that need each site's lists of allowed images, namespaces and \
             users; expressible as user rules (`--rules DIR`), no built-in",
        ),
        "json_pointer_example" => Some("a test-only rule of Falco's test suite"),
        _ => None,
    }
}

fn run(
    file: &Path,
    extra: Option<&Path>,
) -> (Vec<rampart_model::Finding>, rampart_audit::ScanResult) {
    let mut set = RuleSet::builtin();
    if let Some(x) = extra {
        set.add_path(x);
    }
    let engine = Engine::new(&set);
    assert!(
        engine.errors.is_empty(),
        "rule errors: {:#?}",
        engine.errors
    );
    let result = rampart_audit::scan(&[file.to_path_buf()], engine);
    (result.alerts.clone(), result)
}

#[test]
fn falco_corpus_agreement() {
    let Some(root) = rampart_testutil::require_corpora("falco-k8saudit") else {
        return;
    };
    let labels: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("labels.json")).expect("labels.json"),
    )
    .expect("labels.json is JSON");
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");

    // Falco rule name -> rampart rule ids that cover it.
    let set = RuleSet::builtin();
    let mut mapped: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in &set.rules {
        for f in &r.spec.falco {
            mapped
                .entry(f.clone())
                .or_default()
                .insert(r.spec.id.clone());
        }
    }
    let falco_of = |rule_id: &str| -> Vec<String> {
        mapped
            .iter()
            .filter(|(_, ids)| ids.contains(rule_id))
            .map(|(f, _)| f.clone())
            .collect()
    };

    let mut failures = Vec::new();
    let mut checked = 0;
    let mut skipped = Vec::new();
    let mut exercised: BTreeSet<String> = BTreeSet::new();
    let mut unmapped: BTreeMap<String, &'static str> = BTreeMap::new();
    let mut agree_alert = 0;
    let mut agree_silent = 0;
    let by_file = labels["by_trace_file"].as_object().expect("by_trace_file");
    for (file, tests) in by_file {
        let path = root.join(file);
        for t in tests.as_array().expect("tests") {
            let loaded: Vec<&str> = t["rules_loaded"]
                .as_array()
                .expect("rules_loaded")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            let others: Vec<&str> = loaded
                .iter()
                .copied()
                .filter(|r| !BASELINE.contains(r))
                .collect();
            let extra = match others.as_slice() {
                [] => None,
                [o] => match OVERLAYS.iter().find(|(n, _)| n == o) {
                    Some((_, f)) => Some(fixtures.join(f)),
                    None => {
                        skipped.push(format!("{file} with {o}"));
                        continue;
                    }
                },
                _ => {
                    skipped.push(format!("{file} with {}", others.join("+")));
                    continue;
                }
            };
            if !loaded.contains(&"K8SAuditRules")
                && !loaded.contains(&"K8SAuditEngineV4K8SAuditRules")
            {
                skipped.push(format!("{file} with {}", loaded.join("+")));
                continue;
            }
            checked += 1;
            let (alerts, _) = run(&path, extra.as_deref());
            // Falco rule -> how many alerts rampart raised for it.
            let mut ours: BTreeMap<String, u64> = BTreeMap::new();
            for a in &alerts {
                for f in falco_of(&a.check) {
                    *ours.entry(f).or_default() += 1;
                }
            }
            let expect_any = t["any_detection"].as_bool().unwrap_or(false);
            let counts = t["rule_counts"].as_object();
            let ctx = format!("{file} [{}]", loaded.join("+"));
            if !expect_any {
                if alerts.is_empty() {
                    agree_silent += 1;
                } else {
                    failures.push(format!(
                        "{ctx}: Falco is silent, rampart alerted: {:?}",
                        alerts
                            .iter()
                            .map(|a| a.check.to_string())
                            .collect::<Vec<_>>()
                    ));
                }
                continue;
            }
            let mut expected: BTreeMap<String, u64> = BTreeMap::new();
            for (rule, n) in counts.into_iter().flatten() {
                if mapped.contains_key(rule) {
                    expected.insert(rule.clone(), n.as_u64().unwrap_or(0));
                } else {
                    match unmapped_reason(rule) {
                        Some(why) => {
                            unmapped.insert(rule.clone(), why);
                        }
                        None => failures.push(format!(
                            "{ctx}: Falco rule {rule:?} is neither mapped nor listed as unmapped"
                        )),
                    }
                }
            }
            exercised.extend(expected.keys().cloned());
            if expected.is_empty() {
                // Falco alerts with an unmapped rule only: no mapped rule may fire.
                if ours.is_empty() {
                    agree_silent += 1;
                } else {
                    failures.push(format!(
                        "{ctx}: only unmapped Falco rules fire, rampart raised {ours:?}"
                    ));
                }
                continue;
            }
            if ours == expected {
                agree_alert += 1;
            } else {
                failures.push(format!("{ctx}: Falco {expected:?}, rampart {ours:?}"));
            }
        }
    }
    println!("Falco k8saudit corpus: {checked} tests checked ({agree_alert} alerting, {agree_silent} silent agree), {} skipped", skipped.len());
    for s in &skipped {
        println!("  skipped (Falco allow-list overlay not modelled): {s}");
    }
    println!("mapped Falco rules ({}):", mapped.len());
    for (f, ids) in &mapped {
        let mark = if exercised.contains(f) {
            "tested"
        } else {
            "no corpus trace"
        };
        println!(
            "  {f:<45} -> {} ({mark})",
            ids.iter().cloned().collect::<Vec<_>>().join(", ")
        );
    }
    println!("unmapped Falco rules in the corpus ({}):", unmapped.len());
    for (f, why) in &unmapped {
        println!("  {f}: {why}");
    }
    assert!(checked >= 40, "only {checked} tests checked");
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The traces' malformed line (`{"kind": 0}`) is counted with its file and line, not fatal.
#[test]
fn falco_corpus_malformed_trace_is_reported() {
    let Some(root) = rampart_testutil::require_corpora("falco-k8saudit") else {
        return;
    };
    let file = root.join("test/trace_files/k8s_audit/fal_01_003.json");
    let (alerts, result) = run(&file, None);
    assert!(alerts.is_empty());
    assert_eq!(result.read.malformed, 1);
    assert_eq!(result.errors.len(), 1, "{:?}", result.errors);
    assert_eq!(result.errors[0].line, Some(1));
}
