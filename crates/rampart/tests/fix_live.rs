//! The fixed objects are valid Kubernetes: every fixable check's fail fixtures, fixed by the
//! `rampart fix` binary (unsafe fixes and a digest lock map included), are accepted by a real API
//! server's `kubectl apply --dry-run=server` whenever the unfixed objects were.
//!
//! Needs a running testenv (see testenv/README.md):
//!
//! testenv/run-with.sh cargo test -p rampart --test fix_live -- --ignored --nocapture

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rampart_testutil::TempDir;

fn admin() -> Option<String> {
    match std::env::var("KUBECONFIG_ADMIN") {
        Ok(k) if !k.is_empty() => Some(k),
        _ => {
            println!(
                "skipping: KUBECONFIG_ADMIN is not set; run under testenv/run-with.sh (see the top of this file)"
            );
            None
        }
    }
}

fn checks_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rampart_checks/src/checks")
}

/// The objects `kubectl apply --dry-run=server` accepts from a file (`kind/name` as kubectl
/// prints them), and its output.
fn accepted(admin: &str, file: &Path) -> (BTreeSet<String>, String) {
    let (_, out) = rampart_testutil::kubectl(
        admin,
        &[
            "apply",
            "--dry-run=server",
            "-o",
            "name",
            "-f",
            &file.to_string_lossy(),
        ],
        None,
    );
    let names = out
        .lines()
        .filter(|l| !l.contains(' ') && l.contains('/'))
        .map(str::to_string)
        .collect();
    (names, out)
}

#[test]
#[ignore = "needs a running testenv (testenv/run-with.sh)"]
fn fixed_fail_fixtures_are_accepted_by_the_api_server() {
    let Some(admin) = admin() else { return };
    let dir = TempDir::new("fix_live");
    let mut problems = Vec::new();
    let (mut files, mut objects) = (0, 0);
    let mut namespaces = BTreeSet::new();
    for (check, _) in rampart_checks::docs::FIXES {
        let Some((folder, _)) = rampart_checks::checks::FOLDERS
            .iter()
            .find(|(_, c)| c.meta.id == *check)
        else {
            problems.push(format!("{check}: no folder"));
            continue;
        };
        let fixtures = checks_dir().join(folder).join("fixtures");
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&fixtures)
            .map(|d| d.flatten().map(|e| e.path()).collect::<Vec<PathBuf>>())
            .unwrap_or_default();
        paths.retain(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("fail") && n.ends_with(".yaml"))
        });
        paths.sort();
        for src in paths {
            let text = std::fs::read_to_string(&src).expect("fixture");
            // The namespaces the fixture's objects live in must exist.
            let parsed = rampart_source::parse_str(&src, &text);
            for r in &parsed.resources {
                if let Some(ns) = &r.id.namespace {
                    if namespaces.insert(ns.clone()) {
                        rampart_testutil::kubectl(&admin, &["create", "namespace", ns], None);
                    }
                }
            }
            // A digest for every image the fixture names.
            let images: BTreeSet<&str> = text
                .lines()
                .filter_map(|l| l.split_once("image:"))
                .map(|(_, img)| {
                    img.split('#')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .trim_matches(['"', '\''])
                })
                .filter(|img| !img.is_empty() && !img.contains('@'))
                .collect();
            let lock: String = images
                .iter()
                .map(|img| {
                    format!(
                        "{}: sha256:{}\n",
                        serde_json::to_string(img).unwrap_or_default(),
                        "a".repeat(64)
                    )
                })
                .collect();
            let name = format!(
                "{}-{}",
                check,
                src.file_name().and_then(|n| n.to_str()).unwrap_or("f.yaml")
            );
            let original = dir.write(&format!("orig-{name}"), &text);
            let fixed = dir.write(&name, &text);
            let lockfile = dir.write(&format!("{name}.lock"), &lock);
            let out = rampart_testutil::run_binary(
                env!("CARGO_BIN_EXE_rampart"),
                &[
                    "fix",
                    "--no-config",
                    "--unsafe-fixes",
                    "--select",
                    check,
                    "--digests",
                    &lockfile.to_string_lossy(),
                    &fixed.to_string_lossy(),
                ],
                None,
            );
            if out.status.code() != Some(0) {
                problems.push(format!(
                    "{}: rampart fix exited {:?}: {}",
                    src.display(),
                    out.status.code(),
                    String::from_utf8_lossy(&out.stderr)
                ));
                continue;
            }
            let after = std::fs::read_to_string(&fixed).expect("read");
            if after == text {
                continue;
            }
            files += 1;
            let (before_ok, _) = accepted(&admin, &original);
            let (after_ok, log) = accepted(&admin, &fixed);
            objects += after_ok.len();
            let lost: Vec<&String> = before_ok.difference(&after_ok).collect();
            if !lost.is_empty() {
                problems.push(format!(
                    "{}: the server accepted {lost:?} before the fix, not after:\n{log}\n{after}",
                    src.display()
                ));
            }
        }
    }
    println!("{files} fixed fixture files, {objects} fixed objects accepted by the API server");
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    assert!(files >= 15, "only {files} fixtures were changed");
}

/// Well-formed workloads with every fixable problem (tests/data/fix/workloads.yaml): the server
/// accepts them before, every check of `docs::FIXES` fixes something, and the server accepts every
/// fixed object.
#[test]
#[ignore = "needs a running testenv (testenv/run-with.sh)"]
fn fixed_workloads_are_accepted_by_the_api_server() {
    let Some(admin) = admin() else { return };
    let dir = TempDir::new("fix_live_workloads");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fix/workloads.yaml");
    let text = std::fs::read_to_string(&src).expect("sample");
    rampart_testutil::kubectl(&admin, &["create", "namespace", "fix-live"], None);
    let original = dir.write("orig.yaml", &text);
    let (before, log) = accepted(&admin, &original);
    assert_eq!(before.len(), 5, "the sample must be valid:\n{log}");
    let lock = dir.write(
        "lock.yaml",
        format!(
            "nginx:1.27: sha256:{0}\nbusybox:1.36: sha256:{0}\nagent:2.1: sha256:{0}\n\
             init:1: sha256:{0}\nbackup:1: sha256:{0}\napp:1: sha256:{0}\n",
            "b".repeat(64)
        ),
    );
    let fixed = dir.write("fixed.yaml", &text);
    let out = rampart_testutil::run_binary(
        env!("CARGO_BIN_EXE_rampart"),
        &[
            "fix",
            "--no-config",
            "--unsafe-fixes",
            "--digests",
            &lock.to_string_lossy(),
            &fixed.to_string_lossy(),
        ],
        None,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // net-raw-not-dropped has nothing left to do once capabilities-not-dropped drops ALL;
    // procMount: Unmasked needs a node with user namespaces, so the sample leaves it out (both
    // fixes are checked on their fixtures above).
    for (check, _) in rampart_checks::docs::FIXES
        .iter()
        .filter(|(c, _)| !matches!(*c, "net-raw-not-dropped" | "proc-mount-unmasked"))
    {
        assert!(
            stderr.contains(&format!(": {check} (")),
            "no fix of {check} applied:\n{stderr}"
        );
    }
    let after_text = std::fs::read_to_string(&fixed).expect("read");
    let (after, log) = accepted(&admin, &fixed);
    assert_eq!(after, before, "{log}\n{after_text}");
    println!("{stderr}\n{after_text}");
}

/// The fixes that add files: `rampart fix --unsafe-fixes` writes a default-deny NetworkPolicy
/// file beside each fail fixture of the default-deny checks, and the server accepts every
/// policy in it.
#[test]
#[ignore = "needs a running testenv (testenv/run-with.sh)"]
fn default_deny_files_are_accepted_by_the_api_server() {
    let Some(admin) = admin() else { return };
    let mut problems = Vec::new();
    let mut policies = 0;
    let mut namespaces = BTreeSet::new();
    for check in rampart_fix::netpol::DEFAULT_DENY_CHECKS {
        let Some((folder, _)) = rampart_checks::checks::FOLDERS
            .iter()
            .find(|(_, c)| c.meta.id == *check)
        else {
            problems.push(format!("{check}: no folder"));
            continue;
        };
        let src = checks_dir().join(folder).join("fixtures/fail.yaml");
        let text = std::fs::read_to_string(&src).expect("fixture");
        let dir = TempDir::new(&format!("fix_live_{check}"));
        let input = dir.write("manifests.yaml", &text);
        let out = rampart_testutil::run_binary(
            env!("CARGO_BIN_EXE_rampart"),
            &[
                "fix",
                "--no-config",
                "--unsafe-fixes",
                "--select",
                check,
                &input.to_string_lossy(),
            ],
            None,
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.code() != Some(0) {
            problems.push(format!(
                "{check}: rampart fix exited {:?}: {stderr}",
                out.status.code()
            ));
            continue;
        }
        let written: Vec<PathBuf> = std::fs::read_dir(dir.dir())
            .map(|d| d.flatten().map(|e| e.path()).collect::<Vec<PathBuf>>())
            .unwrap_or_default()
            .into_iter()
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("networkpolicy-default-deny-"))
            })
            .collect();
        if written.is_empty() {
            problems.push(format!("{check}: no default-deny file written:\n{stderr}"));
        }
        for file in written {
            let policy_text = std::fs::read_to_string(&file).expect("read");
            for r in &rampart_source::parse_str(&file, &policy_text).resources {
                if let Some(ns) = &r.id.namespace {
                    if namespaces.insert(ns.clone()) {
                        rampart_testutil::kubectl(&admin, &["create", "namespace", ns], None);
                    }
                }
            }
            let (ok, log) = accepted(&admin, &file);
            if ok.len() != 2 {
                problems.push(format!(
                    "{}: the server accepted {ok:?}, expected both policies:\n{log}\n{policy_text}",
                    file.display()
                ));
            }
            policies += ok.len();
        }
    }
    println!("{policies} default-deny policies accepted by the API server");
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
