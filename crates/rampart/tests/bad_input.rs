//! Bad input never panics: every problem is an input error naming the file and the line, the rest
//! is still scanned, and the exit code is 2. Runs the built binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use rampart_testutil::TempDir;
use serde_json::Value;

/// Only the checks these tests are about (more checks are added over time).
const SELECT: &str = "--select=privileged-container,host-pid";

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/bad")
        .join(name)
}

/// Runs `rampart scan PATHS --format json`, optionally under a virtual-memory limit (KiB).
fn scan_limited(paths: &[&Path], mem_kib: Option<u64>) -> (i32, Value, String, Duration) {
    let exe = env!("CARGO_BIN_EXE_rampart");
    let mut cmd = match mem_kib {
        // `ulimit -v` makes an unbounded allocation fail (and the test with it).
        Some(kib) => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!("ulimit -v {kib} && exec \"$0\" \"$@\""))
                .arg(exe);
            c
        }
        None => Command::new(exe),
    };
    cmd.args(["scan", "--no-config", "--format", "json", SELECT])
        .args(paths)
        .stdin(Stdio::null());
    let start = Instant::now();
    let out: Output = cmd.output().expect("run rampart");
    let took = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "rampart panicked:\n{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code().expect("exit code"), report, stderr, took)
}

fn scan(paths: &[&Path]) -> (i32, Value) {
    let (code, report, _, _) = scan_limited(paths, None);
    (code, report)
}

/// (file name, line, message) of each input error.
fn errors(report: &Value) -> Vec<(String, Option<u64>, String)> {
    report["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            let path = Path::new(e["path"].as_str().expect("error path"));
            (
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                e["line"].as_u64(),
                e["message"].as_str().expect("error message").to_owned(),
            )
        })
        .collect()
}

/// (object name, check, line) of each finding.
fn findings(report: &Value) -> Vec<(String, String, u64)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["subject"]["name"].as_str().unwrap_or_default().to_owned(),
                f["check"].as_str().expect("check").to_owned(),
                f["location"]["line"].as_u64().expect("line"),
            )
        })
        .collect()
}

fn f(name: &str, check: &str, line: u64) -> (String, String, u64) {
    (name.to_owned(), check.to_owned(), line)
}

/// Asserts exactly one error, in `file` at `line`, whose message contains `what`.
fn assert_one_error(report: &Value, file: &str, line: u64, what: &str) {
    let errs = errors(report);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let (name, l, message) = &errs[0];
    assert_eq!(name, file);
    assert_eq!(*l, Some(line), "{errs:?}");
    assert!(message.contains(what), "{message:?} should say {what:?}");
}

const GOOD_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: good\nspec:\n  hostPID: true\n  containers:\n  - name: c\n    image: nginx:1.25\n";

#[test]
fn unclosed_flow_sequence_is_reported_at_its_bracket_and_the_rest_is_scanned() {
    let (code, r) = scan(&[&data("unclosed-flow.yaml")]);
    assert_eq!(code, 2);
    assert_one_error(&r, "unclosed-flow.yaml", 16, "never closed (expected `]`");
    assert_eq!(
        findings(&r),
        vec![f("before", "host-pid", 6), f("after", "host-pid", 24)]
    );
}

#[test]
fn bad_indentation_is_an_error_with_its_line() {
    let (code, r) = scan(&[&data("bad-indent.yaml")]);
    assert_eq!(code, 2);
    assert_one_error(&r, "bad-indent.yaml", 5, "invalid YAML");
    assert_eq!(findings(&r), vec![f("after", "host-pid", 14)]);
}

#[test]
fn tab_indentation_is_an_error_that_says_so() {
    let (code, r) = scan(&[&data("tab-indent.yaml")]);
    assert_eq!(code, 2);
    assert_one_error(&r, "tab-indent.yaml", 4, "spaces");
    assert_eq!(findings(&r), vec![f("after", "host-pid", 13)]);
}

#[test]
fn malformed_json_is_an_error_and_other_files_are_scanned() {
    let (code, r) = scan(&[&data("malformed.json"), &data("good.json")]);
    assert_eq!(code, 2);
    assert_one_error(&r, "malformed.json", 4, "expected");
    // good.json is tab-indented JSON: valid, scanned, with exact lines.
    assert_eq!(
        findings(&r),
        vec![
            f("json-good", "host-pid", 6),
            f("json-good", "privileged-container", 7)
        ]
    );
}

#[test]
fn wrong_field_types_are_errors_at_the_field() {
    let (code, r) = scan(&[&data("wrong-types.yaml")]);
    assert_eq!(code, 2);
    let errs = errors(&r);
    let got: Vec<_> = errs.iter().map(|(_, l, _)| *l).collect();
    assert_eq!(got, vec![Some(6), Some(11), Some(18)], "{errs:?}");
    assert!(errs[0].2.contains("must be a boolean"), "{errs:?}");
    assert!(errs[1].2.contains("must be a boolean"), "{errs:?}");
    assert!(errs[2].2.contains("must be a sequence"), "{errs:?}");
    // A quoted "true" is not a privileged container; the well-typed Pod is still scanned.
    assert_eq!(findings(&r), vec![f("typed-ok", "host-pid", 25)]);
}

#[test]
fn unknown_kinds_are_scanned_silently_but_missing_or_bad_kinds_are_errors() {
    let (code, r) = scan(&[&data("kinds.yaml")]);
    assert_eq!(code, 2);
    let errs = errors(&r);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert_eq!(errs[0].1, Some(8));
    assert!(errs[0].2.contains("`apiVersion` is missing"), "{errs:?}");
    assert_eq!(errs[1].1, Some(14));
    assert!(errs[1].2.contains("`kind` must be a string"), "{errs:?}");
    assert_eq!(findings(&r), vec![f("kinds-good", "host-pid", 23)]);

    // A custom resource alone: no error, no finding.
    let dir = TempDir::new("crd");
    let p = dir.write(
        "widget.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {hostPID: true, privileged: true}\n",
    );
    let (code, r) = scan(&[&p]);
    assert_eq!(code, 0, "{r}");
    assert!(errors(&r).is_empty() && findings(&r).is_empty(), "{r}");
}

#[test]
fn binary_and_non_utf8_files_are_errors_and_other_files_are_scanned() {
    let dir = TempDir::new("binary");
    let bin = dir.write("image.yaml", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0");
    let latin1 = dir.write(
        "latin1.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n",
    );
    let good = dir.write("good.yaml", GOOD_POD);
    let (code, r) = scan(&[&bin, &latin1, &good]);
    assert_eq!(code, 2);
    let errs = errors(&r);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert_eq!(errs[0].0, "image.yaml");
    assert!(errs[0].2.contains("binary"), "{errs:?}");
    assert_eq!((errs[1].0.as_str(), errs[1].1), ("latin1.yaml", Some(4)));
    assert!(errs[1].2.contains("UTF-8"), "{errs:?}");
    assert_eq!(findings(&r), vec![f("good", "host-pid", 6)]);
}

#[test]
fn empty_files_and_empty_documents_are_not_errors() {
    for name in ["empty.yaml", "empty-docs.yaml", "comment-only.yaml"] {
        let (code, r) = scan(&[&data(name)]);
        assert_eq!(code, 0, "{name}: {r}");
        assert!(errors(&r).is_empty(), "{name}: {r}");
        assert_eq!(r["scanned"]["objects"], 0, "{name}");
    }
}

#[test]
fn duplicate_keys_are_errors_and_the_last_value_is_scanned() {
    let (code, r) = scan(&[&data("duplicate-keys.yaml")]);
    assert_eq!(code, 2);
    assert_one_error(&r, "duplicate-keys.yaml", 10, "duplicate key `hostPID`");
    assert!(errors(&r)[0].2.contains("first defined at line 6"));
    assert_eq!(findings(&r), vec![f("dup", "host-pid", 10)]);
}

#[test]
fn a_huge_file_is_refused_quickly_and_the_rest_is_scanned() {
    let dir = TempDir::new("huge");
    let huge = dir.0.join("huge.yaml");
    {
        use std::io::Write;
        let mut w = std::io::BufWriter::new(std::fs::File::create(&huge).expect("create"));
        let line = format!("# {}\n", "x".repeat(1021));
        for _ in 0..(65 * 1024) {
            w.write_all(line.as_bytes()).expect("write");
        }
        w.write_all(GOOD_POD.as_bytes()).expect("write");
    }
    assert!(std::fs::metadata(&huge).expect("stat").len() > 64 * 1024 * 1024);
    let good = dir.write("good.yaml", GOOD_POD);
    let (code, r, _, took) = scan_limited(&[&huge, &good], Some(1024 * 1024));
    assert_eq!(code, 2);
    let errs = errors(&r);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, "huge.yaml");
    assert!(errs[0].2.contains("larger than 64 MiB"), "{errs:?}");
    assert_eq!(findings(&r), vec![f("good", "host-pid", 6)]);
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

/// Limits for hostile input: well under the 1 GiB address space given, and quick.
const MEM_KIB: u64 = 1024 * 1024;

#[test]
fn deep_nesting_is_bounded_in_time_and_memory() {
    let dir = TempDir::new("deep");
    let deep = dir.write(
        "deep.yaml",
        format!("{}\n---\n{GOOD_POD}", "[".repeat(10_000)),
    );
    let (code, r, _, took) = scan_limited(&[&deep], Some(MEM_KIB));
    assert_eq!(code, 2);
    let errs = errors(&r);
    assert!(!errs.is_empty(), "{r}");
    assert!(
        errs.iter()
            .all(|(n, l, _)| n == "deep.yaml" && *l == Some(1)),
        "{errs:?}"
    );
    assert_eq!(findings(&r), vec![f("good", "host-pid", 8)]);
    assert!(took < Duration::from_secs(20), "took {took:?}");

    // Deep but closed nesting, block style too.
    let closed = dir.write(
        "closed.yaml",
        format!(
            "{}{}\n---\n{}x: 1\n",
            "[".repeat(10_000),
            "]".repeat(10_000),
            (0..2_000)
                .map(|i| format!("{}k:\n", " ".repeat(i)))
                .collect::<String>()
        ),
    );
    let (code, r, _, took) = scan_limited(&[&closed], Some(MEM_KIB));
    assert_eq!(code, 2);
    let errs = errors(&r);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert_eq!(errs[0].1, Some(1));
    assert!(errs[0].2.contains("nesting deeper"), "{errs:?}");
    // Block nesting: stopped at the 201st level (line 3 + 200).
    assert_eq!(errs[1].1, Some(203));
    assert!(errs[1].2.contains("nesting deeper"), "{errs:?}");
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

#[test]
fn alias_bombs_are_bounded_in_time_and_memory() {
    let dir = TempDir::new("bomb");
    for levels in [9, 10] {
        let mut y = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..levels {
            let p = i - 1;
            y.push_str(&format!(
                "  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        y.push_str("---\n");
        y.push_str(GOOD_POD);
        let bomb = dir.write(&format!("bomb{levels}.yaml"), &y);
        let (code, r, _, took) = scan_limited(&[&bomb], Some(MEM_KIB));
        assert_eq!(code, 2);
        let errs = errors(&r);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].2.contains("alias"), "{errs:?}");
        assert!(
            errs[0].1.is_some_and(|l| l >= 5 && l <= 4 + levels),
            "{errs:?}"
        );
        assert_eq!(findings(&r), vec![f("good", "host-pid", 11 + levels)]);
        assert!(took < Duration::from_secs(20), "took {took:?}");
    }
}

#[test]
fn a_directory_with_a_good_and_a_bad_file() {
    let dir = TempDir::new("dir");
    dir.write("a-good.yaml", GOOD_POD);
    dir.write(
        "b-bad.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: [}\n",
    );
    let (code, r) = scan(&[&dir.0]);
    assert_eq!(code, 2);
    let errs = errors(&r);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!((errs[0].0.as_str(), errs[0].1), ("b-bad.yaml", Some(3)));
    assert_eq!(findings(&r), vec![f("good", "host-pid", 6)]);
    assert_eq!(r["scanned"]["files"], 2);
}

#[test]
fn every_bad_input_at_once_never_panics() {
    let dir = data("");
    let (code, r) = scan(&[&dir]);
    assert_eq!(code, 2);
    let names: std::collections::BTreeSet<_> = errors(&r).into_iter().map(|e| e.0).collect();
    for bad in [
        "unclosed-flow.yaml",
        "bad-indent.yaml",
        "tab-indent.yaml",
        "malformed.json",
        "wrong-types.yaml",
        "kinds.yaml",
        "duplicate-keys.yaml",
    ] {
        assert!(names.contains(bad), "{bad} not in {names:?}");
    }
    for clean in [
        "empty.yaml",
        "empty-docs.yaml",
        "comment-only.yaml",
        "good.json",
    ] {
        assert!(!names.contains(clean), "{clean} in {names:?}");
    }
}
