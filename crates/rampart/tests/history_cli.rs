//! End-to-end tests of history: `rampart scan --store`, `rampart history list|trend|prune` and
//! `rampart diff`, running the built binary against a SQLite file (and, `#[ignore]`d, against
//! the PostgreSQL that scripts/store-tests.sh starts). Written against `host-pid` and
//! `privileged-container` only.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const SELECT: &str = "--select=privileged-container,host-pid";

fn rampart(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .env_remove("RAMPART_STORE")
        .stdin(Stdio::null())
        .output()
        .expect("run rampart");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "rampart panicked:\n{stderr}");
    out
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn pod(name: &str, host_pid: bool, privileged: bool) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: shop\nspec:\n  hostPID: {host_pid}\n  containers:\n  - name: app\n    image: nginx:1.27\n    securityContext:\n      privileged: {privileged}\n"
    )
}

/// Scans `dir` into `store` under `target`: the exit code and stderr.
fn scan_into(store: &str, target: &str, dir: &Path) -> (i32, String) {
    let dir = dir.to_str().expect("utf-8 path");
    let store_arg = format!("--store={store}");
    let out = rampart(&[
        "scan",
        SELECT,
        "--no-config",
        "--format",
        "json",
        &store_arg,
        "--store-target",
        target,
        dir,
    ]);
    (
        code(&out),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Two scans of one target: the second moved web's lines down (not new), fixed api's hostPID
/// and added a privileged db.
fn history_round(store: &str, target: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("app.yaml");
    std::fs::write(
        &file,
        format!(
            "{}---\n{}",
            pod("web", true, false),
            pod("api", true, false)
        ),
    )
    .expect("write");
    let (c, err) = scan_into(store, target, dir.path());
    assert_eq!(c, 1, "high findings fail the scan: {err}");
    assert!(err.contains("kept in"), "{err}");
    std::fs::write(
        &file,
        format!(
            "# a comment\n# another\n{}---\n{}---\n{}",
            pod("web", true, false),
            pod("api", false, false),
            pod("db", false, true)
        ),
    )
    .expect("write");
    let (c, err) = scan_into(store, target, dir.path());
    assert_eq!(c, 1, "{err}");

    let store_arg = format!("--store={store}");
    let list = json_of(&rampart(&[
        "history", "list", &store_arg, "--target", target, "--format", "json",
    ]));
    let scans = list.as_array().expect("scans");
    assert_eq!(scans.len(), 2, "{list}");
    assert_eq!(scans[0]["target"], target);
    assert_eq!(
        scans[0]["open"], 2,
        "newest first: web host-pid, db privileged"
    );
    assert_eq!(scans[1]["open"], 2);
    assert_eq!(scans[0]["objects"], 3);
    assert_eq!(scans[0]["options"]["select"][0], "privileged-container");

    let d = json_of(&rampart(&[
        "diff", &store_arg, "--target", target, "--format", "json",
    ]));
    assert_eq!(d["from"]["id"], scans[1]["id"]);
    assert_eq!(d["to"]["id"], scans[0]["id"]);
    assert_eq!(d["moved"], 1, "web's finding moved two lines: {d}");
    let subjects = |k: &str| -> Vec<String> {
        d[k].as_array()
            .expect("list")
            .iter()
            .map(|f| {
                format!(
                    "{} {}",
                    f["check"].as_str().unwrap_or(""),
                    f["subject"].as_str().unwrap_or("")
                )
            })
            .collect()
    };
    assert_eq!(subjects("new"), vec!["privileged-container Pod/shop/db"]);
    assert_eq!(subjects("fixed"), vec!["host-pid Pod/shop/api"]);
    assert!(d["changed"].as_array().expect("changed").is_empty());

    // The same by explicit ids, as a table.
    let (a, b) = (scans[1]["id"].to_string(), scans[0]["id"].to_string());
    let out = rampart(&["diff", &a, &b, &store_arg]);
    assert_eq!(code(&out), 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("New (1):"), "{text}");
    assert!(text.contains("Fixed (1):"), "{text}");
    assert!(
        text.contains("1 new, 1 fixed, 0 changed, 1 moved, 0 unchanged"),
        "{text}"
    );

    let t = json_of(&rampart(&[
        "history", "trend", &store_arg, "--target", target, "--by", "check", "--format", "json",
    ]));
    let series = t["series"].as_array().expect("series");
    let counts = |k: &str| {
        series
            .iter()
            .find(|s| s["key"] == k)
            .map(|s| s["counts"].clone())
            .unwrap_or_default()
    };
    assert_eq!(counts("host-pid"), serde_json::json!([2, 1]));
    assert_eq!(counts("privileged-container"), serde_json::json!([0, 1]));
    let out = rampart(&["history", "trend", &store_arg, "--target", target]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("SEVERITY"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("high")), "{text}");
}

#[test]
fn scan_store_list_diff_trend_prune_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("h/history.db");
    let db = db.to_str().expect("utf-8");
    history_round(db, "shop");
    let store_arg = format!("--store={db}");
    let out = rampart(&["history", "list", &store_arg]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("ID  STARTED"), "{text}");
    assert!(text.contains("shop"), "{text}");
    let out = rampart(&["history", "prune", &store_arg, "--keep", "1"]);
    assert_eq!(code(&out), 0);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("removed 1 scan(s)"),
        "{out:?}"
    );
    let list = json_of(&rampart(&["history", "list", &store_arg, "-f", "json"]));
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let out = rampart(&["history", "prune", &store_arg, "--older-than", "30d"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("removed 0 scan(s)"));
    // One scan left: nothing to compare.
    let out = rampart(&["diff", &store_arg]);
    assert_eq!(code(&out), 2);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("a diff needs two"),
        "{out:?}"
    );
}

#[test]
#[ignore = "needs PostgreSQL: scripts/store-tests.sh"]
fn scan_store_list_diff_trend_on_postgres() {
    let url = std::env::var("RAMPART_TEST_POSTGRES").expect(
        "RAMPART_TEST_POSTGRES must name a PostgreSQL URL (scripts/store-tests.sh sets it)",
    );
    let target = format!("shop-{}", std::process::id());
    history_round(&url, &target);
}

#[test]
fn two_processes_write_one_new_store_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("a.yaml"), pod("web", true, true)).expect("write");
    let db = dir.path().join("history.db");
    let children: Vec<_> = (0..2)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_rampart"))
                .args([
                    "scan",
                    SELECT,
                    "--no-config",
                    "--format",
                    "json",
                    &format!("--store={}", db.display()),
                    "--store-target",
                    &format!("p{i}"),
                ])
                .arg(dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().expect("wait");
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let list = json_of(&rampart(&[
        "history",
        "list",
        &format!("--store={}", db.display()),
        "-f",
        "json",
    ]));
    let mut targets: Vec<String> = list
        .as_array()
        .expect("scans")
        .iter()
        .map(|s| s["target"].as_str().unwrap_or("").to_owned())
        .collect();
    targets.sort();
    assert_eq!(targets, vec!["p0", "p1"]);
    for s in list.as_array().expect("scans") {
        assert_eq!(s["results"], 2, "{s}");
    }
}

#[test]
fn store_flag_does_not_swallow_paths_and_the_default_store_is_used() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("a.yaml"), pod("web", true, false)).expect("write");
    let manifests = dir.path().to_str().expect("utf-8");
    let out = rampart(&["scan", "--store", manifests]);
    assert_eq!(code(&out), 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not a store"), "{err}");
    // `--store` last (or `--store=`) is the default store: $XDG_STATE_HOME/rampart/history.db.
    let state = dir.path().join("state");
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args([
            "scan",
            SELECT,
            "--no-config",
            "-f",
            "json",
            manifests,
            "--store",
        ])
        .env_remove("RAMPART_STORE")
        .env("XDG_STATE_HOME", &state)
        .output()
        .expect("run");
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(state.join("rampart/history.db").is_file());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("target `files "),
        "file scans are named by their paths: {err}"
    );
    // A store that is not one is an error naming it, before any scan.
    let not_db = dir.path().join("bad.db");
    std::fs::write(
        &not_db,
        "this is not a database, just text long enough to be read",
    )
    .expect("w");
    let out = rampart(&[
        "scan",
        SELECT,
        manifests,
        &format!("--store={}", not_db.display()),
    ]);
    assert_eq!(code(&out), 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("store sqlite:"), "{err}");
    assert!(
        out.stdout.is_empty(),
        "no report when the store cannot be opened"
    );
}
