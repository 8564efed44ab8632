//! Every fixable check, on its own fail fixtures: apply its fixes (unsafe ones included), re-scan
//! with every check, and compare. The check's fixed findings are gone, no check reports more
//! about any object than before, the result verifies, and fixing again changes nothing.
//! Pass fixtures (no finding of their check) are never changed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rampart_checks::{CheckRef, Engine, Inventory, Selection};
use rampart_fix::{fix_text, Options};
use rampart_model::Finding;

fn checks_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rampart_checks/src/checks")
}

fn fixtures(folder: &str, prefix: &str) -> Vec<PathBuf> {
    let dir = checks_dir().join(folder).join("fixtures");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    out.retain(|p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(prefix) && n.ends_with(".yaml"))
    });
    out.sort();
    out
}

/// Every finding of every check (object and inventory) in a text: (check, object) -> count, and
/// the findings themselves.
fn scan(
    path: &Path,
    text: &str,
    engine: &Engine,
) -> (BTreeMap<(String, String), usize>, Vec<Finding>) {
    let parsed = rampart_source::parse_str(path, text);
    assert!(
        parsed.errors.is_empty(),
        "{}: {:?}",
        path.display(),
        parsed.errors
    );
    let mut all = Vec::new();
    let mut inv = Inventory::default();
    for r in &parsed.resources {
        all.extend(engine.run(r));
        inv.keep(r);
    }
    all.extend(engine.run_inventory(&inv).findings);
    let mut counts = BTreeMap::new();
    for f in all.iter().filter(|f| f.is_open()) {
        *counts
            .entry((f.check.to_string(), f.subject.display_name()))
            .or_insert(0) += 1;
    }
    (counts, all)
}

fn only(check: &CheckRef) -> Engine {
    Engine::new(Selection {
        checks: vec![check.clone()],
        severity: Default::default(),
    })
}

/// Options with every fix enabled and a digest for every image the text names.
fn options(text: &str) -> Options {
    let mut opts = Options {
        unsafe_fixes: true,
        ..Options::default()
    };
    for line in text.lines() {
        if let Some((_, img)) = line.split_once("image:") {
            let img = img
                .split('#')
                .next()
                .unwrap_or("")
                .trim()
                .trim_matches(['"', '\'']);
            if !img.is_empty() {
                opts.digests
                    .insert(img.to_string(), format!("sha256:{}", "a".repeat(64)));
            }
        }
    }
    opts
}

/// Findings a fix rightly brings to light: a check that stays silent while another problem makes
/// its advice impossible. `hostUsers: false` cannot be combined with host namespaces, so
/// host-users-not-disabled waits until they are gone.
fn unmasks(fixed: &str, other: &str) -> bool {
    matches!(
        (fixed, other),
        (
            "host-network" | "host-pid" | "host-ipc",
            "host-users-not-disabled"
        )
    )
}

#[test]
fn fixes_of_every_fixable_check_remove_its_findings_and_add_none() {
    let all = Engine::new(Selection::all());
    let mut fixable = Vec::new();
    let mut fix_safety: BTreeMap<String, bool> = BTreeMap::new();
    let mut problems = Vec::new();
    for (folder, check) in rampart_checks::checks::FOLDERS {
        let id = check.meta.id.to_string();
        let Some(cref) = rampart_checks::Registry::builtin().by_id(&id).cloned() else {
            continue;
        };
        let engine = only(&cref);
        for path in fixtures(folder, "fail") {
            let text = std::fs::read_to_string(&path).expect("fixture");
            let opts = options(&text);
            let out = match fix_text(&path, &text, &engine, &opts) {
                Ok(o) => o,
                Err(e) => {
                    problems.push(format!("{}: {e}", path.display()));
                    continue;
                }
            };
            if out.applied.is_empty() && out.failed.is_empty() {
                continue;
            }
            // Every fix of a check has the same safety.
            let (_, all_findings) = scan(&path, &text, &engine);
            for f in all_findings.iter().filter(|f| f.check == id) {
                if let Some(fx) = &f.fix {
                    let prev = fix_safety.insert(id.clone(), fx.safe);
                    if prev.is_some_and(|p| p != fx.safe) {
                        problems.push(format!("{id}: both safe and unsafe fixes"));
                    }
                }
            }
            if !fixable.contains(&id) {
                fixable.push(id.clone());
            }
            for f in &out.failed {
                problems.push(format!("{id}: {f}"));
            }
            let (before, before_all) = scan(&path, &text, &all);
            let (after, after_all) = scan(&path, &out.text, &all);
            // The check's remaining findings are exactly those that had no fix.
            let unfixed_before = before_all
                .iter()
                .filter(|f| f.check == id && f.is_open() && f.fix.is_none())
                .count();
            let digest = id == "image-not-pinned-by-digest";
            let left = after_all
                .iter()
                .filter(|f| f.check == id && f.is_open())
                .count();
            if !digest && left != unfixed_before {
                problems.push(format!(
                    "{}: {id}: {left} finding(s) left after fixing, {unfixed_before} had no fix\n{}",
                    path.display(),
                    out.text
                ));
            }
            if digest && left != 0 {
                problems.push(format!("{}: {id}: {left} left", path.display()));
            }
            for (key, n) in &after {
                let was = before.get(key).copied().unwrap_or(0);
                if *n > was && !unmasks(&id, &key.0) {
                    problems.push(format!(
                        "{}: fixing {id} made {} report {n} finding(s) on {} (was {was})\n{}",
                        path.display(),
                        key.0,
                        key.1,
                        out.text
                    ));
                }
            }
            // Idempotent: fixing the result again changes nothing.
            match fix_text(&path, &out.text, &engine, &opts) {
                Ok(again) if again.text == out.text => {}
                Ok(again) => problems.push(format!(
                    "{}: {id}: a second fix changed the file again:\n{}",
                    path.display(),
                    again.text
                )),
                Err(e) => problems.push(format!("{}: {id}: second fix: {e}", path.display())),
            }
        }
    }
    eprintln!("{} fixable checks: {}", fixable.len(), fixable.join(", "));
    // The documented list (docs/checks, docs/fix.md) is what the checks do.
    let mut documented: Vec<&str> = rampart_checks::docs::FIXES
        .iter()
        .map(|(id, _)| *id)
        .collect();
    documented.sort_unstable();
    let mut found: Vec<&str> = fixable.iter().map(String::as_str).collect();
    found.sort_unstable();
    assert_eq!(
        found, documented,
        "rampart_checks::docs::FIXES is out of date"
    );
    for (id, safe) in &fix_safety {
        if rampart_checks::docs::fix_kind(id) != if *safe { "safe" } else { "unsafe" } {
            problems.push(format!(
                "{id}: documented as {} fix",
                rampart_checks::docs::fix_kind(id)
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    assert!(fixable.len() >= 15, "only {} fixable checks", fixable.len());
}

#[test]
fn pass_fixtures_are_never_changed() {
    let mut problems = Vec::new();
    for (folder, check) in rampart_checks::checks::FOLDERS {
        let Some(cref) = rampart_checks::Registry::builtin()
            .by_id(&check.meta.id)
            .cloned()
        else {
            continue;
        };
        let engine = only(&cref);
        for path in fixtures(folder, "pass") {
            let text = std::fs::read_to_string(&path).expect("fixture");
            let opts = options(&text);
            match fix_text(&path, &text, &engine, &opts) {
                Ok(o) if o.text == text => {}
                Ok(o) => problems.push(format!("{}: changed:\n{}", path.display(), o.text)),
                // A pass fixture may hold something the loader rejects on purpose.
                Err(rampart_fix::FixError::Load(_)) => {}
                Err(e) => problems.push(format!("{}: {e}", path.display())),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// Fixing every fail fixture with every check at once: the result verifies and a second run
/// changes nothing.
#[test]
fn fixing_everything_at_once_is_idempotent() {
    let engine = Engine::new(Selection::all());
    let mut problems = Vec::new();
    let mut changed = 0;
    for (folder, _) in rampart_checks::checks::FOLDERS {
        for path in fixtures(folder, "fail") {
            let text = std::fs::read_to_string(&path).expect("fixture");
            let opts = options(&text);
            let once = match fix_text(&path, &text, &engine, &opts) {
                Ok(o) => o,
                Err(rampart_fix::FixError::Load(_)) => continue,
                Err(e) => {
                    problems.push(format!("{}: {e}", path.display()));
                    continue;
                }
            };
            if once.text != text {
                changed += 1;
            }
            match fix_text(&path, &once.text, &engine, &opts) {
                Ok(twice) if twice.text == once.text => {}
                Ok(twice) => problems.push(format!(
                    "{}: not idempotent:\n--- once\n{}\n--- twice\n{}",
                    path.display(),
                    once.text,
                    twice.text
                )),
                Err(e) => problems.push(format!("{}: second run: {e}", path.display())),
            }
        }
    }
    eprintln!("{changed} fail fixtures changed by fixing everything");
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// Every finding of every check over several files scanned together: (check, object) -> count.
fn scan_files(files: &[(PathBuf, String)], engine: &Engine) -> BTreeMap<(String, String), usize> {
    let mut all = Vec::new();
    let mut inv = Inventory::default();
    for (path, text) in files {
        let parsed = rampart_source::parse_str(path, text);
        assert!(
            parsed.errors.is_empty(),
            "{}: {:?}",
            path.display(),
            parsed.errors
        );
        for r in &parsed.resources {
            all.extend(engine.run(r));
            inv.keep(r);
        }
    }
    all.extend(engine.run_inventory(&inv).findings);
    let mut counts = BTreeMap::new();
    for f in all.iter().filter(|f| f.is_open()) {
        *counts
            .entry((f.check.to_string(), f.subject.display_name()))
            .or_insert(0) += 1;
    }
    counts
}

/// The fixes that add files (default-deny NetworkPolicies): on each of their checks' fail
/// fixtures, the new files remove the check's findings, add none anywhere, and a second run
/// proposes nothing. Without `unsafe_fixes` nothing is proposed.
#[test]
fn default_deny_files_remove_their_findings_and_add_none() {
    let all = Engine::new(Selection::all());
    let mut problems = Vec::new();
    let mut fixed = 0;
    for id in rampart_fix::netpol::DEFAULT_DENY_CHECKS {
        let (folder, _) = rampart_checks::checks::FOLDERS
            .iter()
            .find(|(_, c)| c.meta.id == *id)
            .expect("a folder of the check");
        let cref = rampart_checks::Registry::builtin()
            .by_id(id)
            .cloned()
            .expect("registered");
        let engine = only(&cref);
        for path in fixtures(folder, "fail") {
            let text = std::fs::read_to_string(&path).expect("fixture");
            let inputs = vec![(path.clone(), text)];
            let safe = rampart_fix::netpol::default_deny(&inputs, &engine, &Options::default());
            if !safe.files.is_empty() || safe.skipped_unsafe == 0 {
                problems.push(format!(
                    "{}: {id}: proposed without --unsafe-fixes, or nothing skipped",
                    path.display()
                ));
            }
            let opts = Options {
                unsafe_fixes: true,
                ..Options::default()
            };
            let out = rampart_fix::netpol::default_deny(&inputs, &engine, &opts);
            if out.files.is_empty() {
                problems.push(format!("{}: {id}: no file proposed", path.display()));
                continue;
            }
            fixed += 1;
            let mut with = inputs.clone();
            with.extend(out.files.iter().map(|n| (n.path.clone(), n.text.clone())));
            let before = scan_files(&inputs, &all);
            let after = scan_files(&with, &all);
            for (key, n) in &after {
                let was = before.get(key).copied().unwrap_or(0);
                if key.0 == *id || *n > was {
                    problems.push(format!(
                        "{}: after the default-deny files for {id}, {} reports {n} finding(s) on {} (was {was})\n{}",
                        path.display(),
                        key.0,
                        key.1,
                        out.files.iter().map(|f| f.text.as_str()).collect::<Vec<_>>().join("\n---\n")
                    ));
                }
            }
            let again = rampart_fix::netpol::default_deny(&with, &engine, &opts);
            if !again.files.is_empty() {
                problems.push(format!("{}: {id}: proposed again", path.display()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    assert!(fixed >= 3, "only {fixed} fixtures fixed");
}
