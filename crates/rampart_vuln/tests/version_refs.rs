//! Each version order checked against the ecosystem's own implementation over generated pairs
//! of tricky versions: `dpkg --compare-versions`, Python's `packaging.version`, rpm's
//! `labelCompare` (python3-rpm), and Maven's `ComparableVersion` (maven-artifact's main).
//! A missing reference skips its test with a message; with RAMPART_REQUIRE_VERSION_REFS=1 (set by
//! .ci/run after scripts/install_version_refs.sh) a missing reference fails instead.

use std::cmp::Ordering;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use rampart_vuln::version::Order;

fn skip(what: &str) {
    if std::env::var_os("RAMPART_REQUIRE_VERSION_REFS").is_some_and(|v| v == "1") {
        panic!("{what} is required (RAMPART_REQUIRE_VERSION_REFS=1) but not installed");
    }
    println!("skipping: {what} not installed (scripts/install_version_refs.sh installs it)");
}

/// Every ordered pair of distinct entries.
fn pairs(list: &[String]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, a) in list.iter().enumerate() {
        for b in &list[i + 1..] {
            out.push((a.clone(), b.clone()));
        }
    }
    out
}

/// Versions built from parts: every base with every tail, plus hand-picked extras.
fn combine(bases: &[&str], tails: &[&str], extra: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for b in bases {
        for t in tails {
            out.push(format!("{b}{t}"));
        }
    }
    out.extend(extra.iter().map(|s| s.to_string()));
    out.sort();
    out.dedup();
    out
}

fn check(order: Order, pairs: &[(String, String)], reference: &[Option<Ordering>]) {
    assert_eq!(
        pairs.len(),
        reference.len(),
        "reference answered every pair"
    );
    let mut wrong = Vec::new();
    for ((a, b), want) in pairs.iter().zip(reference) {
        let got = order.compare(a, b);
        if got != *want {
            wrong.push(format!("{a} vs {b}: reference {want:?}, rampart {got:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} pairs differ from the reference:\n{}",
        wrong.len(),
        pairs.len(),
        wrong.join("\n")
    );
    println!(
        "{}: {} pairs agree with the reference",
        order.name(),
        pairs.len()
    );
}

/// Run a Python program that reads `a\tb` lines and prints -1, 0 or 1 per line.
fn python_cmp(
    python: &str,
    program: &str,
    pairs: &[(String, String)],
) -> Option<Vec<Option<Ordering>>> {
    let mut child = Command::new(python)
        .args(["-c", program])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let input: String = pairs.iter().map(|(a, b)| format!("{a}\t{b}\n")).collect();
    child.stdin.take()?.write_all(input.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    assert!(
        out.status.success(),
        "{python} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| match l.trim() {
                "-1" => Some(Ordering::Less),
                "0" => Some(Ordering::Equal),
                "1" => Some(Ordering::Greater),
                "invalid" => None,
                other => panic!("unexpected reference output {other:?}"),
            })
            .collect(),
    )
}

fn python_with(module: &str, candidates: &[PathBuf]) -> Option<String> {
    candidates
        .iter()
        .map(|p| p.display().to_string())
        .find(|p| {
            Command::new(p)
                .args(["-c", &format!("import {module}")])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn dpkg_matches_dpkg_compare_versions() {
    if Command::new("dpkg").arg("--version").output().is_err() {
        return skip("dpkg");
    }
    let versions = combine(
        &[
            "1.0", "1:1.0", "0:1.0", "1.0~rc1", "1.0~~", "1.0+dfsg", "1.0a", "1.00",
        ],
        &["", "-1", "-1~deb12u1", "-1+deb12u1", "-0", "-1+b1"],
        &[
            "1~",
            "1",
            "10",
            "9",
            "1.0.1-1.1",
            "2.36-9+deb12u4",
            "2.36-9+deb12u10",
            "3.0.11-1~deb12u2",
        ],
    );
    let pairs = pairs(&versions);
    // One process per question; spread over a few threads (dpkg starts in about a millisecond).
    let dpkg = |a: &str, op: &str, b: &str| {
        Command::new("dpkg")
            .args(["--compare-versions", a, op, b])
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    let chunks: Vec<&[(String, String)]> = pairs.chunks(pairs.len().div_ceil(4)).collect();
    let reference: Vec<Option<Ordering>> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|(a, b)| {
                            Some(if dpkg(a, "lt", b) {
                                Ordering::Less
                            } else if dpkg(a, "eq", b) {
                                Ordering::Equal
                            } else {
                                Ordering::Greater
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    check(Order::Dpkg, &pairs, &reference);
}

#[test]
fn pep440_matches_python_packaging() {
    let candidates = [
        std::env::var_os("RAMPART_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_default(),
        workspace_root().join("target/version-refs/venv/bin/python"),
        PathBuf::from("python3"),
    ];
    let Some(python) = python_with("packaging.version", &candidates) else {
        return skip("python with packaging");
    };
    let versions = combine(
        &[
            "1.0",
            "1",
            "1.0.0",
            "1!1.0",
            "2.0",
            "1.0.post1",
            "1.0a1",
            "1.0b2",
            "1.0rc1",
        ],
        &["", ".dev1", "+local.7", "+abc", ".post2"],
        &[
            "1.0-1",
            "1.0_a_1",
            "1.0.RC1",
            "v1.0",
            "1.0c1",
            "1.0alpha1",
            "0.9",
            "1.0.0.0.1",
            "1.0-post1",
        ],
    );
    let program = "import sys\nfrom packaging.version import Version\n\
        for line in sys.stdin:\n    a, b = line.rstrip('\\n').split('\\t')\n    \
        try:\n        x, y = Version(a), Version(b)\n    except Exception:\n        print('invalid')\n        continue\n    \
        print(-1 if x < y else (0 if x == y else 1))\n";
    let pairs = pairs(&versions);
    let Some(reference) = python_cmp(&python, program, &pairs) else {
        return skip("python with packaging");
    };
    check(Order::Pep440, &pairs, &reference);
}

#[test]
fn rpm_matches_rpm_label_compare() {
    let candidates = [PathBuf::from("/usr/bin/python3"), PathBuf::from("python3")];
    let Some(python) = python_with("rpm", &candidates) else {
        return skip("python3-rpm");
    };
    // One `-` at most (version-release); epochs; tildes and carets; letters against digits.
    let versions = combine(
        &[
            "1.0", "1:1.0", "0:1.0", "1.0~rc1", "1.0^git1", "1.0.1", "1.0a", "1.a", "1.00", "10",
            "1.0~~",
        ],
        &["", "-1", "-1.el9", "-1.el9_2", "-2~beta", "-1^post"],
        &[
            "1",
            "2",
            "1.0_1",
            "1.0.1a",
            "1..0",
            "5.14.0-362.el9",
            "5.14.0-362.18.1.el9_3",
        ],
    );
    let program = "import sys, rpm\n\
        def evr(s):\n    e, _, vr = s.rpartition(':') if ':' in s else ('', '', s)\n    \
        v, _, r = vr.partition('-')\n    return (e or None, v, r or None)\n\
        for line in sys.stdin:\n    a, b = line.rstrip('\\n').split('\\t')\n    \
        print(rpm.labelCompare(evr(a), evr(b)))\n";
    let pairs = pairs(&versions);
    let Some(reference) = python_cmp(&python, program, &pairs) else {
        return skip("python3-rpm");
    };
    check(Order::Rpm, &pairs, &reference);
}

#[test]
fn maven_matches_comparable_version() {
    let jar = std::env::var_os("RAMPART_MAVEN_ARTIFACT_JAR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/maven/lib/maven-artifact-3.x.jar"));
    if !jar.exists() || Command::new("java").arg("-version").output().is_err() {
        return skip("java with maven-artifact");
    }
    let versions = combine(
        &["1", "1.0", "1.0.0", "1.0.1", "2.0", "1.0.10", "1.0.9"],
        &[
            "",
            "-SNAPSHOT",
            "-alpha1",
            "-alpha-1",
            "-beta",
            "-m2",
            "-rc1",
            "-cr1",
            "-ga",
            "-final",
            "-sp1",
            "-foo",
            "-1",
            ".RELEASE",
            "a1",
            "b2",
        ],
        &[
            "2.0-beta9",
            "2.13.0",
            "2.15.0",
            "2.3.1",
            "2.4",
            "2.12.2",
            "1-1",
            "1-0",
            "1.0-0.1",
            "1.0.0.0.0",
            "1-a",
        ],
    );
    let pairs = pairs(&versions);
    // ComparableVersion's main compares each argument with the next: pass the pairs flattened
    // and read only the lines comparing an even-indexed argument with the following one.
    let mut args: Vec<String> = Vec::new();
    for (a, b) in &pairs {
        args.push(a.clone());
        args.push(b.clone());
    }
    let mut reference = Vec::with_capacity(pairs.len());
    for chunk in args.chunks(2000) {
        let out = Command::new("java")
            .arg("-cp")
            .arg(&jar)
            .arg("org.apache.maven.artifact.versioning.ComparableVersion")
            .args(chunk)
            .output()
            .expect("java runs");
        assert!(
            out.status.success(),
            "java failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        // Lines "N. arg -> canonical; tokens: [...]" are followed by "   arg OP next".
        let mut index = 0usize;
        for line in text.lines() {
            if !line.starts_with(' ') {
                if let Some((n, _)) = line.split_once(". ") {
                    if let Ok(n) = n.trim().parse::<usize>() {
                        index = n;
                    }
                }
                continue;
            }
            if index % 2 == 1 {
                let op = line.split_whitespace().rev().nth(1).unwrap_or("");
                reference.push(match op {
                    "<" => Some(Ordering::Less),
                    "==" => Some(Ordering::Equal),
                    ">" => Some(Ordering::Greater),
                    other => panic!("unexpected operator {other:?} in {line:?}"),
                });
            }
        }
    }
    check(Order::Maven, &pairs, &reference);
}
