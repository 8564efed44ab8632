//! The benchmark on prepared nodes: each directory of `tests/fixtures/` is a node's root tree
//! with `PERMS` (modes and owners to apply, since git keeps neither) and `EXPECTED` (the result
//! of every item on that node: `ID COMPONENT STATUS`). The test copies the tree, applies the
//! modes, runs `read_node` + `run`, and compares every result with the table, both ways.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use rampart_model::Status;
use rampart_node::{read_node, run, NodeOptions};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for e in fs::read_dir(from).expect("read fixture dir").flatten() {
        let target = to.join(e.file_name());
        if e.file_type().expect("file type").is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            fs::copy(e.path(), &target).expect("copy");
            fs::set_permissions(&target, fs::Permissions::from_mode(0o644)).expect("chmod");
        }
    }
    fs::set_permissions(to, fs::Permissions::from_mode(0o755)).expect("chmod dir");
}

/// The paths a PERMS pattern names (`*` only in the last component: `dir/*.key`).
fn expand(root: &Path, pattern: &str) -> Vec<PathBuf> {
    let Some((dir, file)) = pattern.rsplit_once('/') else {
        return vec![root.join(pattern)];
    };
    let Some(suffix) = file.strip_prefix('*') else {
        return vec![root.join(pattern)];
    };
    let mut out: Vec<PathBuf> = fs::read_dir(root.join(dir))
        .expect("pattern dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    out.sort();
    out
}

/// Applies PERMS; returns false when an owner could not be set (not running as root).
fn apply_perms(fixture: &Path, root: &Path) -> bool {
    let text = fs::read_to_string(fixture.join("PERMS")).expect("PERMS");
    let mut owners_ok = true;
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let (mode, owner, pattern) = match words[..] {
            [m, p] => (m, None, p),
            [m, o, p] => (m, Some(o), p),
            _ => panic!("PERMS: bad line {line:?}"),
        };
        let mode = u32::from_str_radix(mode, 8).expect("octal mode");
        let paths = expand(root, pattern);
        assert!(!paths.is_empty(), "PERMS: {pattern} names nothing");
        for p in paths {
            fs::set_permissions(&p, fs::Permissions::from_mode(mode)).expect("chmod");
            if let Some(o) = owner {
                let (u, g) = o.split_once(':').expect("uid:gid");
                let r = std::os::unix::fs::chown(&p, u.parse().ok(), g.parse().ok());
                owners_ok &= r.is_ok();
            }
        }
    }
    owners_ok
}

fn parse_status(s: &str) -> Status {
    match s {
        "PASS" => Status::Pass,
        "FAIL" => Status::Fail,
        "MANUAL" => Status::Manual,
        "N/A" => Status::NotApplicable,
        "ERROR" => Status::Error,
        other => panic!("EXPECTED: unknown status {other}"),
    }
}

fn label(s: Status) -> &'static str {
    match s {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Manual => "MANUAL",
        Status::NotApplicable => "N/A",
        Status::Error => "ERROR",
    }
}

/// Prepares a fixture's tree in a temporary directory.
pub fn prepare(name: &str) -> (tempfile::TempDir, bool) {
    let fixture = fixtures().join(name);
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("root");
    copy_tree(&fixture, &root);
    for f in ["PERMS", "EXPECTED"] {
        let _ = fs::remove_file(root.join(f));
    }
    let owners = apply_perms(&fixture, &root);
    // Files are owned by whoever runs the test: root:root checks hold only when that is root.
    let is_root = fs::metadata(&root)
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false);
    (tmp, owners && is_root)
}

fn check_fixture(name: &str) {
    let (tmp, owners) = prepare(name);
    let root = tmp.path().join("root");
    let node = read_node(&NodeOptions {
        root: root.clone(),
        ..NodeOptions::default()
    });
    let r = run(&node, root.display().to_string());
    assert!(r.errors.is_empty(), "{name}: input errors: {:?}", r.errors);

    let text = fs::read_to_string(fixtures().join(name).join("EXPECTED")).expect("EXPECTED");
    let mut expected: BTreeMap<(String, String), Status> = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let w: Vec<&str> = line.split_whitespace().collect();
        let [id, comp, status] = w[..] else {
            panic!("EXPECTED: bad line {line:?}");
        };
        let prev = expected.insert((id.to_owned(), comp.to_owned()), parse_status(status));
        assert!(prev.is_none(), "EXPECTED: {id} {comp} twice");
    }

    let mut got: BTreeMap<(String, String), Status> = BTreeMap::new();
    let mut owner_rows = Vec::new();
    for res in &r.results {
        let comp = match &res.finding.subject {
            rampart_model::Subject::Component(c) => c.name.clone(),
            other => panic!("unexpected subject {other:?}"),
        };
        let id = if res.item.is_benchmark_item() {
            res.item.id.to_owned()
        } else {
            res.item.check_id()
        };
        if matches!(res.item.test, rampart_node::eval::Test::FileOwner { .. }) {
            owner_rows.push((id.clone(), comp.clone()));
        }
        got.insert((id, comp), res.finding.status);
    }
    if !owners {
        println!("{name}: not running as root: ownership items are not compared");
        for k in &owner_rows {
            got.remove(k);
            expected.remove(k);
        }
    }

    let mut problems = Vec::new();
    for (k, want) in &expected {
        match got.get(k) {
            None => problems.push(format!(
                "{} {}: expected {} but no such result",
                k.0,
                k.1,
                label(*want)
            )),
            Some(s) if s != want => {
                let msg = r
                    .results
                    .iter()
                    .find(|x| {
                        (x.item.id == k.0 || x.item.check_id() == k.0)
                            && x.finding.subject.display_name().starts_with(&k.1)
                    })
                    .map(|x| x.finding.message.clone())
                    .unwrap_or_default();
                problems.push(format!(
                    "{} {}: expected {}, got {} ({msg})",
                    k.0,
                    k.1,
                    label(*want),
                    label(*s)
                ));
            }
            _ => {}
        }
    }
    for (k, s) in &got {
        if !expected.contains_key(k) {
            problems.push(format!(
                "{} {}: {} but not in EXPECTED",
                k.0,
                k.1,
                label(*s)
            ));
        }
    }
    assert!(problems.is_empty(), "{name}:\n{}", problems.join("\n"));
    println!(
        "{name}: {} items: {} pass, {} fail, {} manual, {} n/a, {} error; beyond: {} pass, {} fail, {} n/a",
        r.totals.total(),
        r.totals.pass,
        r.totals.fail,
        r.totals.manual,
        r.totals.not_applicable,
        r.totals.error,
        r.extra.pass,
        r.extra.fail,
        r.extra.not_applicable
    );
}

#[test]
fn kubeadm_default() {
    check_fixture("kubeadm-default");
}

#[test]
fn hardened() {
    check_fixture("hardened");
}

/// Every benchmark item of sections 1-4 is in the table, once, with its section.
#[test]
fn every_item_is_in_the_table_once() {
    let b = rampart_node::benchmark();
    let mut seen = std::collections::BTreeSet::new();
    for i in b.items {
        assert!(seen.insert(i.id), "{} twice", i.id);
        assert!(
            b.sections.iter().any(|(s, _)| *s == i.section()),
            "{}: no section {}",
            i.id,
            i.section()
        );
        assert!(
            !i.why.is_empty() && !i.fix.is_empty(),
            "{}: no rationale or fix",
            i.id
        );
    }
    let benchmark_items = b.items.iter().filter(|i| i.is_benchmark_item()).count();
    // 1.1.1-21, 1.2.1-30, 1.3.1-7, 1.4.1-2, 2.1-7, 3.1.1-3, 3.2.1-2, 4.1.1-10, 4.2.1-14, 4.3.1.
    assert_eq!(benchmark_items, 21 + 30 + 7 + 2 + 7 + 3 + 2 + 10 + 14 + 1);
    // CIS 1.12 numbers the kubelet items without --protect-kernel-defaults (rampart's own check).
    let title = |id: &str| b.items.iter().find(|i| i.id == id).map(|i| i.title);
    assert!(title("4.2.6").is_some_and(|t| t.contains("make-iptables-util-chains")));
    assert!(title("4.2.14").is_some_and(|t| t.contains("seccomp-default")));
    assert!(title("kubelet-protect-kernel-defaults").is_some());
}

/// The items the benchmark labels Manual (CIS 1.12) are exactly these; their failed tests report
/// MANUAL.
#[test]
fn manual_items_are_the_benchmarks() {
    let manual: Vec<&str> = rampart_node::benchmark()
        .items
        .iter()
        .filter(|i| i.is_benchmark_item() && !i.automated)
        .map(|i| i.id)
        .collect();
    assert_eq!(
        manual,
        [
            "1.1.9", "1.1.10", "1.1.20", "1.1.21", "1.2.1", "1.2.3", "1.2.9", "1.2.11", "1.2.20",
            "1.2.27", "1.2.28", "1.2.29", "1.3.1", "2.7", "3.1.1", "3.1.2", "3.1.3", "3.2.1",
            "3.2.2", "4.1.3", "4.1.4", "4.1.7", "4.1.8", "4.2.4", "4.2.5", "4.2.7", "4.2.8",
            "4.2.9", "4.2.11", "4.2.12", "4.2.13", "4.2.14"
        ]
    );
}

/// Every item says what it examines (the audit it implements) and how to fix it.
#[test]
fn every_item_records_its_audit() {
    for i in rampart_node::benchmark().items {
        assert!(!i.audit().is_empty(), "{}: no audit text", i.id);
    }
}

/// `benchmark cis PATH...`: a KubeletConfiguration given alone is judged with the kubelet's
/// config-file defaults, and its own mode is examined where it is.
#[test]
fn a_kubelet_config_given_alone() {
    let (tmp, _) = prepare("kubeadm-default");
    let cfg = tmp.path().join("root/var/lib/kubelet/config.yaml");
    let node = rampart_node::read_files(std::slice::from_ref(&cfg), Path::new("/nonexistent"));
    assert!(node.errors.is_empty(), "{:?}", node.errors);
    let r = run(&node, String::new());
    let status = |id: &str| {
        r.results
            .iter()
            .find(|x| x.item.id == id)
            .map(|x| x.finding.status)
    };
    // kubeadm writes it 644.
    assert_eq!(status("4.1.9"), Some(Status::Fail));
    assert_eq!(status("4.2.1"), Some(Status::Pass));
    assert_eq!(status("4.2.4"), Some(Status::Pass));
    // `streamingConnectionIdleTimeout: 0s` in a config file means the 4h default.
    assert_eq!(status("4.2.5"), Some(Status::Pass));
    assert_eq!(
        status("kubelet-protect-kernel-defaults"),
        Some(Status::Fail)
    );
    assert_eq!(status("1.2.1"), Some(Status::NotApplicable));
}
