//! The framework files agree with the checks: every check a file names exists, every control a
//! check's Meta names is in its framework's file, and docs/frameworks.md is up to date.

use std::collections::HashSet;

use rampart_frameworks::{catalog, docs, Catalog, Judged};
use rampart_model::Meta;

/// Every built-in check: the registry's and the node benchmark's.
fn metas() -> Vec<&'static Meta> {
    let mut v: Vec<&Meta> = rampart_checks::all().iter().map(|c| &c.meta).collect();
    v.extend(rampart_node::metas());
    v.extend(rampart_imagescan::metas().iter().copied());
    v
}

#[test]
fn the_files_parse() {
    let c = Catalog::load().expect("framework files");
    let ids: Vec<&str> = c.frameworks.iter().map(|f| f.id.as_str()).collect();
    for want in [
        "cis-1.12",
        "nsa-cisa",
        "nist-800-190",
        "pss-baseline",
        "pss-restricted",
        "mitre-attack",
        "soc2",
        "pci-dss-4.0",
        "hipaa",
    ] {
        assert!(ids.contains(&want), "{want} missing from {ids:?}");
    }
    // Aliases resolve and do not collide.
    let mut names = HashSet::new();
    for f in &c.frameworks {
        assert!(names.insert(f.id.clone()), "{}", f.id);
        for a in &f.aliases {
            assert!(names.insert(a.clone()), "alias {a} used twice");
        }
    }
    assert_eq!(c.get("CIS").map(|f| f.id.as_str()), Some("cis-1.12"));
}

#[test]
fn every_check_named_by_a_file_exists() {
    let known: HashSet<String> = metas().iter().map(|m| m.id.to_string()).collect();
    let mut missing = Vec::new();
    for f in &catalog().frameworks {
        for c in &f.controls {
            for r in &c.checks {
                if !known.contains(&r.id) {
                    missing.push(format!("{} {}: {}", f.id, c.id, r.id));
                }
                assert!(
                    !r.why.trim().is_empty(),
                    "{} {} {}: no why",
                    f.id,
                    c.id,
                    r.id
                );
            }
        }
    }
    assert!(missing.is_empty(), "unknown checks: {missing:#?}");
}

#[test]
fn every_control_a_check_names_is_in_its_file() {
    let m = metas();
    let mappings = catalog().mappings(&m);
    assert!(
        mappings.unknown.is_empty(),
        "controls named by checks but missing from the framework files: {:#?}",
        mappings.unknown
    );
}

#[test]
fn controls_without_checks_say_why() {
    let m = metas();
    let mappings = catalog().mappings(&m);
    for f in &catalog().frameworks {
        for c in &f.controls {
            match &c.judged {
                Judged::Manual { reason } | Judged::NotApplicable { reason } => {
                    assert!(!reason.trim().is_empty(), "{} {}", f.id, c.id);
                    assert!(
                        mappings.checks(&f.id, &c.id).is_empty(),
                        "{} {} is manual but checks map to it: {:?}",
                        f.id,
                        c.id,
                        mappings.checks(&f.id, &c.id)
                    );
                }
                Judged::Checks => {}
            }
        }
        // The requirement frameworks say plainly that a mapping is not certification.
        if f.meta.is_none() {
            let d = f.disclaimer.to_lowercase();
            assert!(d.contains("not"), "{}: {}", f.id, f.disclaimer);
        }
    }
}

#[test]
fn docs_are_up_to_date() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let want = docs::page(catalog(), &metas());
    let have = std::fs::read_to_string(root.join(docs::PATH)).unwrap_or_default();
    assert!(
        have == want,
        "{} is out of date; run `cargo run -p xtask -- docs`",
        docs::PATH
    );
}
