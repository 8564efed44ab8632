//! Every check proves both its findings and its silence with fixtures, kept in its folder:
//! `src/checks/<category>/<id>/fixtures/` (found by walking `src/checks/`; each fixtures folder
//! must belong to a registered check, and each check needs at least one fail and one pass file).
//!
//! `fail*.yaml` mark each offending line with `# expect: <check-id>`; `pass*.yaml` must produce no
//! finding of that check. Fixtures are read through the real file source, so the test covers
//! pointer-to-line resolution too.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rampart_checks::{Engine, Inventory, Selection};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// (check, line) pairs the markers expect.
fn expected(text: &str) -> BTreeSet<(String, u32)> {
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        if let Some((_, rest)) = line.split_once("# expect:") {
            for id in rest.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                out.insert((id.to_string(), i as u32 + 1));
            }
        }
    }
    out
}

/// (check, line) pairs the engine reports with the given checks selected.
fn actual(path: &Path, text: &str, sel: &Selection) -> BTreeSet<(String, u32)> {
    let parsed = rampart_source::parse_str(path, text);
    assert!(
        parsed.errors.is_empty(),
        "{}: fixture does not load: {:?}",
        path.display(),
        parsed.errors
    );
    assert!(
        !parsed.resources.is_empty(),
        "{}: no objects",
        path.display()
    );
    let engine = Engine::new(sel.clone());
    let mut out = BTreeSet::new();
    let mut inventory = Inventory::default();
    // The whole object behind each inventory entry.
    let mut originals = Vec::new();
    for r in &parsed.resources {
        for f in engine.run(r) {
            let line = r.locate(f.pointer.as_str()).map(|p| p.line).unwrap_or(0);
            out.insert((f.check.into_owned(), line));
        }
        let before = inventory.objects.len();
        inventory.keep(r);
        if inventory.objects.len() > before {
            originals.push(r);
        }
    }
    // Inventory checks see every object of the fixture file at once.
    let found = engine.run_inventory(&inventory);
    for (f, place) in found.findings.into_iter().zip(found.places) {
        let idx = place.object;
        // Related objects (binding, role, rule) are located the same way.
        for (r, ridx) in f.related.iter().zip(&place.related) {
            assert_eq!(&*inventory.objects[*ridx].id().name, r.object.name.as_str());
            assert_eq!(
                inventory.objects[*ridx].locate(r.pointer.as_str()),
                originals[*ridx].locate(r.pointer.as_str()),
                "{}: related {} of {} located differently in the inventory",
                path.display(),
                r.role,
                f.check
            );
        }
        let pos = inventory.objects[idx].locate(f.pointer.as_str());
        // The compact inventory keeps positions of only some fields: they must be the ones the
        // whole object gives.
        assert_eq!(
            pos,
            originals[idx].locate(f.pointer.as_str()),
            "{}: {} at {} located differently in the inventory",
            path.display(),
            f.check,
            f.pointer
        );
        out.insert((f.check.into_owned(), pos.map(|p| p.line).unwrap_or(0)));
    }
    out
}

/// Every `fixtures` folder under `src/checks/`, with the check folder holding it (relative to
/// `src/checks`, `/`-separated).
fn fixture_folders() -> Vec<(String, PathBuf)> {
    fn walk(dir: &Path, rel: &str, out: &mut Vec<(String, PathBuf)>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("readable directory")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        entries.sort();
        for p in entries {
            if name(&p) == "fixtures" {
                out.push((rel.to_string(), p));
            } else {
                let sub = if rel.is_empty() {
                    name(&p)
                } else {
                    format!("{rel}/{}", name(&p))
                };
                walk(&p, &sub, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join("src/checks"), "", &mut out);
    out
}

#[test]
fn every_check_has_fail_and_pass_fixtures_that_hold() {
    let mut problems = Vec::new();
    let registered = rampart_checks::checks::FOLDERS;
    assert_eq!(registered.len(), rampart_checks::all().len());
    // A check's folder is named after its id.
    for (folder, check) in registered {
        let last = folder.rsplit('/').next().unwrap_or_default();
        if last.replace('_', "-") != check.meta.id {
            problems.push(format!(
                "src/checks/{folder}: the folder of `{}` must be named `{}`",
                check.meta.id,
                check.meta.id.replace('-', "_")
            ));
        }
    }
    // Every fixtures folder belongs to a registered check.
    let found = fixture_folders();
    for (folder, dir) in &found {
        if !registered.iter().any(|(f, _)| f == folder) {
            problems.push(format!(
                "{}: fixtures of no registered check (a check is a folder \
                 src/checks/<category>/<id>/ with a mod.rs)",
                dir.display()
            ));
        }
    }
    for (folder, check) in registered {
        let id = &*check.meta.id;
        let dir = root().join("src/checks").join(folder).join("fixtures");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        let fails = files.iter().filter(|p| name(p).starts_with("fail")).count();
        let passes = files.iter().filter(|p| name(p).starts_with("pass")).count();
        if fails == 0 || passes == 0 {
            problems.push(format!(
                "{id}: needs fail*.yaml and pass*.yaml in {}",
                dir.display()
            ));
            continue;
        }
        for f in &files {
            let text = std::fs::read_to_string(f).expect("fixture readable");
            // `# kubernetes-version: 1.N` configures the checks for that target release, as the
            // config key of the same name does in a scan.
            let mut registry = rampart_checks::Registry::builtin();
            if let Some(v) = text
                .lines()
                .find_map(|l| l.strip_prefix("# kubernetes-version:"))
            {
                let minor = rampart_model::k8s::api_versions::parse_minor(v)
                    .expect("fixture kubernetes-version is 1.N");
                registry.set_kubernetes_version(minor);
            }
            // `# allowed-registries: a, b` configures the allow-list, as the config's
            // `images.allowed-registries` does in a scan.
            if let Some(v) = text
                .lines()
                .find_map(|l| l.strip_prefix("# allowed-registries:"))
            {
                let entries: Vec<&str> = v.split(',').map(str::trim).collect();
                registry.set_allowed_registries(&entries);
            }
            let configured = registry.by_id(id).expect("registered").clone();
            let sel = Selection {
                checks: vec![configured],
                severity: Default::default(),
            };
            let want: BTreeSet<_> = expected(&text)
                .into_iter()
                .filter(|(c, _)| c == id)
                .collect();
            if name(f).starts_with("fail") && want.is_empty() {
                problems.push(format!(
                    "{}: a fail fixture without `# expect: {id}`",
                    f.display()
                ));
            }
            if name(f).starts_with("pass") && !want.is_empty() {
                problems.push(format!(
                    "{}: a pass fixture must expect nothing",
                    f.display()
                ));
            }
            let got = actual(f, &text, &sel);
            if got != want {
                problems.push(format!(
                    "{}:\n    expected {:?}\n    got      {:?}",
                    f.display(),
                    want,
                    got
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "fixture problems:\n{}",
        problems.join("\n")
    );
}

#[test]
fn hardened_examples_are_silent() {
    let dir = root().join("../../examples/hardened");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples/hardened exists")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let sel = Selection::all();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("readable");
        let got = actual(&f, &text, &sel);
        assert!(
            got.is_empty(),
            "{}: hardened example has findings {got:?}",
            f.display()
        );
    }
}

fn name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
