//! `rbac-escalation-path` reports one finding per first grant on a path, however many subjects
//! and workloads reach cluster-admin through it: a RoleBinding of a whole service-account group
//! opens the same route for every account and pod of the namespace.

use std::path::Path;

use rampart_checks::{Engine, Inventory, Selection};

#[test]
fn a_group_grant_is_reported_once_with_the_count_of_who_reaches_it() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/escalation_group.yaml");
    let text = std::fs::read_to_string(&path).expect("fixture");
    let parsed = rampart_source::parse_str(&path, &text);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let sel = Selection {
        checks: Selection::matching(&["rbac-escalation-path".to_string()]).expect("check"),
        severity: Default::default(),
    };
    let engine = Engine::new(sel);
    let mut inventory = Inventory::default();
    for r in &parsed.resources {
        inventory.keep(r);
    }
    let found = engine.run_inventory(&inventory);
    let messages: Vec<&str> = found.findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(messages.len(), 1, "{messages:#?}");
    let m = messages[0];
    assert!(
        m.starts_with("group:system:serviceaccounts:ci reaches cluster-admin in 2 steps"),
        "{m}"
    );
    // Five named accounts, their five pods and the namespace's `default` account.
    assert!(
        m.contains("; 11 more reach it through the same grant ("),
        "{m}"
    );
    assert!(m.ends_with(", ...)"), "{m}");
}
