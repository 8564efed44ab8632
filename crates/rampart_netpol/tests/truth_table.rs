//! The NetworkPolicy truth table: every file in `tests/cases/` holds resources, queries and the
//! answers the Kubernetes NetworkPolicy specification gives.
//!
//! ```yaml
//! rule: what part of the specification this case pins down
//! default_namespace: default          # optional
//! resources: [ ...Kubernetes objects... ]
//! queries:
//!   - from: Deployment/ns/name        # or ns/name, or an IP address
//!     to: ns/other
//!     port: 80/TCP                    # optional; without it: "any port"
//!     allowed: true
//!     ports: "TCP/80"                 # optional: every port allowed between the two
//!     decided_by: [ingress allow-web 0]   # optional: matched rules (direction, policy, index)
//!     isolated: [egress]              # optional: the directions isolated at their end
//! checks:                             # optional: answers of the check questions
//!   unselected: [Deployment/ns/name]
//!   selecting_nothing: [ns/policy]
//!   diagnostics: 1
//! ```
//!
//! Every query is also checked against the full matrix, so that `explain` and `matrix` agree.

use std::path::{Path, PathBuf};

use rampart_model::{Origin, Resource};
use rampart_netpol::{Analysis, Options, Protocol, Target};
use serde_json::Value;

fn load_case(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("read case");
    let stream = rampart_source::yaml::parse_stream(&text);
    assert!(
        stream.errors.is_empty(),
        "{}: {:?}",
        path.display(),
        stream.errors
    );
    stream.docs.into_iter().next().expect("one document").value
}

fn parse_port(s: &str) -> (Protocol, u16) {
    let (n, p) = s.split_once('/').unwrap_or((s, "TCP"));
    (
        p.parse().expect("protocol"),
        n.parse().expect("port number"),
    )
}

fn strs(v: Option<&Value>) -> Option<Vec<String>> {
    v.and_then(Value::as_array).map(|a| {
        let mut v: Vec<String> = a
            .iter()
            .map(|x| x.as_str().expect("string").to_string())
            .collect();
        v.sort();
        v
    })
}

fn run_case(path: &Path) -> Vec<String> {
    let case = load_case(path);
    let name = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let resources: Vec<Resource> = case["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .enumerate()
        .map(|(i, v)| {
            Resource::new(
                v.clone(),
                Origin::File {
                    path: PathBuf::from(&name),
                    doc: 0,
                    item: Some(i),
                },
            )
        })
        .collect();
    let mut opts = Options::default();
    if let Some(ns) = case.get("default_namespace").and_then(Value::as_str) {
        opts.default_namespace = ns.to_string();
    }
    let analysis = Analysis::new(&resources, &opts);
    let matrix = analysis.matrix();
    let mut failures = Vec::new();
    for (qi, q) in case["queries"]
        .as_array()
        .expect("queries")
        .iter()
        .enumerate()
    {
        let from_s = q["from"].as_str().expect("from");
        let to_s = q["to"].as_str().expect("to");
        let what = format!("{name} query {qi} ({from_s} -> {to_s})");
        let from = analysis
            .find(from_s)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let to = analysis
            .find(to_s)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let port = q.get("port").and_then(Value::as_str).map(parse_port);
        let e = analysis.explain(&from, &to, port);
        let want = q["allowed"].as_bool().expect("allowed");
        if e.allowed != want {
            failures.push(format!(
                "{what} port {:?}: allowed = {}, want {want}\n{}",
                port,
                e.allowed,
                serde_json::to_string_pretty(&e).unwrap_or_default()
            ));
        }
        if let Some(ports) = q.get("ports").and_then(Value::as_str) {
            if e.allowed_ports.to_string() != ports {
                failures.push(format!("{what}: ports = {}, want {ports}", e.allowed_ports));
            }
        }
        if let Some(mut want) = strs(q.get("decided_by")) {
            want.sort();
            let mut got: Vec<String> = [&e.egress, &e.ingress]
                .iter()
                .flat_map(|side| {
                    side.policies.iter().flat_map(move |pv| {
                        pv.rules.iter().filter(|r| r.matched).map(move |r| {
                            format!("{} {} {}", side.direction, pv.policy.object.name, r.index)
                        })
                    })
                })
                .collect();
            got.sort();
            if got != want {
                failures.push(format!("{what}: decided_by = {got:?}, want {want:?}"));
            }
        }
        if let Some(want) = strs(q.get("isolated")) {
            let mut got = Vec::new();
            if e.egress.isolated {
                got.push("egress".to_string());
            }
            if e.ingress.isolated {
                got.push("ingress".to_string());
            }
            if got != want {
                failures.push(format!("{what}: isolated = {got:?}, want {want:?}"));
            }
        }
        // The matrix must agree with explain.
        let (Some(s), Some(d)) = (
            matrix.endpoint_of(&from, &analysis),
            matrix.endpoint_of(&to, &analysis),
        ) else {
            continue;
        };
        if matches!((from, to), (Target::Ip(_), Target::Ip(_))) {
            continue;
        }
        let cell = matrix.ports(s, d);
        if cell != &e.allowed_ports {
            failures.push(format!(
                "{what}: matrix says {cell}, explain says {}",
                e.allowed_ports
            ));
        }
    }
    if let Some(checks) = case.get("checks") {
        if let Some(want) = strs(checks.get("unselected")) {
            let mut got: Vec<String> = analysis
                .unselected_workloads()
                .iter()
                .map(|s| s.object.display_name())
                .collect();
            got.sort();
            if got != want {
                failures.push(format!("{name}: unselected = {got:?}, want {want:?}"));
            }
        }
        if let Some(want) = strs(checks.get("selecting_nothing")) {
            let mut got: Vec<String> = analysis
                .policies_selecting_nothing()
                .iter()
                .map(|s| s.object.name.clone())
                .collect();
            got.sort();
            if got != want {
                failures.push(format!(
                    "{name}: selecting_nothing = {got:?}, want {want:?}"
                ));
            }
        }
        if let Some(n) = checks.get("diagnostics").and_then(Value::as_u64) {
            let got = analysis.diagnostics().len() as u64;
            if got != n {
                failures.push(format!(
                    "{name}: {got} diagnostics, want {n}: {:?}",
                    analysis.diagnostics()
                ));
            }
        }
    }
    if case
        .get("checks")
        .and_then(|c| c.get("diagnostics"))
        .is_none()
        && !analysis.diagnostics().is_empty()
    {
        failures.push(format!(
            "{name}: unexpected diagnostics {:?}",
            analysis.diagnostics()
        ));
    }
    failures
}

#[test]
fn truth_table() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("cases dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 20,
        "expected the whole truth table, found {}",
        files.len()
    );
    let failures: Vec<String> = files.iter().flat_map(|f| run_case(f)).collect();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
