//! YAML case files in `tests/cases/`: the first document (`kind: RbacTestCase`) holds queries and
//! expected answers, the others are the objects.
//!
//! - `allowed`: `{user, groups, verb, apiGroup, resource, subresource, namespace, name, path,
//!   expect: bool}` against `Rbac::allowed` (groups taken literally, as in a SubjectAccessReview);
//! - `whoCan`: `{verb, resource, ..., expect: ["SUBJECT@SCOPE", ...]}` (scope `*` = cluster-wide),
//!   compared as sorted, deduplicated sets;
//! - `can`: `{subject, expect: ["SCOPE: RULE SUMMARY", ...]}`;
//! - `paths`: `{from | fromWorkload, expect: [node, ...] | null}`;
//! - `issues`: substrings each of which some issue message must contain;
//! - `risks` / `absentRisks`: `"CHECK-ID SUBJECT"` entries that must / must not be reported.

use std::collections::BTreeSet;
use std::path::Path;

use rampart_model::Resource;
use rampart_rbac::{Node, Rbac, RequestAttributes, Subject};
use serde_json::Value;

fn load(path: &Path) -> (Value, Vec<Resource>) {
    let text = std::fs::read_to_string(path).expect("read case");
    let parsed = rampart_source::parse_str(path, &text);
    assert!(
        parsed.errors.is_empty(),
        "{}: {:?}",
        path.display(),
        parsed.errors
    );
    let mut resources = parsed.resources;
    assert!(!resources.is_empty(), "{}: empty", path.display());
    let case = resources.remove(0);
    assert_eq!(case.kind(), "RbacTestCase", "{}", path.display());
    (case.raw, resources)
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

fn attrs_of(q: &Value) -> RequestAttributes {
    let mut a = RequestAttributes {
        verb: s(q, "verb").into(),
        api_group: s(q, "apiGroup").into(),
        resource: s(q, "resource").into(),
        subresource: s(q, "subresource").into(),
        namespace: s(q, "namespace").into(),
        name: s(q, "name").into(),
        path: None,
    };
    if let Some(p) = q.get("path").and_then(Value::as_str) {
        a.path = Some(p.into());
    }
    a
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| x.to_string())
                })
                .collect()
        })
        .unwrap_or_default()
}

fn run_case(path: &Path) -> Vec<String> {
    let (case, resources) = load(path);
    let rbac = Rbac::build(&resources);
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
    let mut failures = Vec::new();
    let empty = Vec::new();
    let list = |k: &str| {
        case.get(k)
            .and_then(Value::as_array)
            .unwrap_or(&empty)
            .clone()
    };
    for (i, q) in list("allowed").iter().enumerate() {
        let groups = strings(q.get("groups"));
        let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
        let got = rbac.allowed(s(q, "user"), &groups, &attrs_of(q));
        let want = q.get("expect").and_then(Value::as_bool).unwrap_or(false);
        if got != want {
            failures.push(format!("{name}: allowed[{i}] {q}: got {got}, want {want}"));
        }
    }
    for (i, q) in list("whoCan").iter().enumerate() {
        let got: BTreeSet<String> = rbac
            .who_can_request(&attrs_of(q))
            .iter()
            .map(|g| format!("{}@{}", g.subject, g.namespace.as_deref().unwrap_or("*")))
            .collect();
        let want: BTreeSet<String> = strings(q.get("expect")).into_iter().collect();
        if got != want {
            failures.push(format!("{name}: whoCan[{i}]: got {got:?}, want {want:?}"));
        }
    }
    for (i, q) in list("can").iter().enumerate() {
        let subject: Subject = s(q, "subject").parse().expect("subject");
        let p = rbac.can(&subject);
        let mut got: Vec<String> = p
            .cluster
            .iter()
            .map(|r| format!("*: {}", r.rule.summary()))
            .collect();
        for (ns, rules) in &p.namespaces {
            got.extend(rules.iter().map(|r| format!("{ns}: {}", r.rule.summary())));
        }
        let got: BTreeSet<String> = got.into_iter().collect();
        let want: BTreeSet<String> = strings(q.get("expect")).into_iter().collect();
        if got != want {
            failures.push(format!(
                "{name}: can[{i}] {subject}: got {got:?}, want {want:?}"
            ));
        }
    }
    if !list("paths").is_empty() {
        let esc = rbac.escalation();
        for (i, q) in list("paths").iter().enumerate() {
            let node = if let Some(f) = q.get("from").and_then(Value::as_str) {
                Node::Subject(f.parse().expect("subject"))
            } else {
                let w = s(q, "fromWorkload");
                let found = rbac
                    .workloads
                    .iter()
                    .find(|x| format!("{}/{}/{}", x.id.kind, x.namespace, x.id.name) == w)
                    .unwrap_or_else(|| panic!("{name}: no workload {w}"));
                Node::Workload(std::sync::Arc::clone(&found.id))
            };
            let got = esc.path_from(&node).map(|p| {
                // Every step but membership and runs-as is justified by a binding -> role -> rule.
                for st in &p.steps {
                    let needs_why = !matches!(
                        st.kind,
                        rampart_rbac::EdgeKind::RunsAs
                            | rampart_rbac::EdgeKind::MemberOf
                            | rampart_rbac::EdgeKind::PrivilegedGroup
                    );
                    assert!(
                        !needs_why || !st.why.is_empty(),
                        "{name}: step without justification: {st:?}"
                    );
                }
                p.nodes()
            });
            let want = q
                .get("expect")
                .filter(|v| !v.is_null())
                .map(|v| strings(Some(v)));
            if got != want {
                failures.push(format!(
                    "{name}: paths[{i}] from {node}: got {got:?}, want {want:?}"
                ));
            }
        }
    }
    let messages: Vec<&str> = rbac.issues.iter().map(|i| i.message.as_str()).collect();
    for want in strings(case.get("issues")) {
        if !messages.iter().any(|m| m.contains(&want)) {
            failures.push(format!(
                "{name}: no issue containing {want:?}; issues: {messages:#?}"
            ));
        }
    }
    let risks: BTreeSet<String> = rbac
        .risks()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r.kind.id(),
                r.subject
                    .as_ref()
                    .map(|s| s.to_string())
                    .unwrap_or_default()
            )
        })
        .collect();
    for want in strings(case.get("risks")) {
        if !risks.contains(&want) {
            failures.push(format!(
                "{name}: risk {want:?} not reported; risks: {risks:#?}"
            ));
        }
    }
    for unwanted in strings(case.get("absentRisks")) {
        if risks.contains(&unwanted) {
            failures.push(format!(
                "{name}: risk {unwanted:?} reported but should not be"
            ));
        }
    }
    failures
}

#[test]
fn case_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("cases dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    entries.sort();
    assert!(entries.len() >= 6, "case files missing");
    let failures: Vec<String> = entries.iter().flat_map(|p| run_case(p)).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `routes()` is `paths_iter()` without the copies: same order, same nodes, same first grant.
#[test]
fn routes_agree_with_paths() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut compared = 0;
    for name in [
        "escalation.yaml",
        "risks.yaml",
        "aggregation.yaml",
        "subjects.yaml",
    ] {
        let (_, resources) = load(&dir.join(name));
        let esc = Rbac::build(&resources).escalation();
        let paths: Vec<_> = esc.paths_iter().collect();
        let routes: Vec<_> = esc.routes().collect();
        assert_eq!(paths.len(), routes.len(), "{name}");
        for (p, r) in paths.iter().zip(&routes) {
            assert_eq!(&p.from, r.from, "{name}");
            let to: Vec<&rampart_rbac::Node> = p.steps.iter().map(|s| &s.to).collect();
            assert_eq!(to, r.to, "{name}: {}", p.from);
            assert_eq!(
                p.steps.iter().find_map(|s| s.why.first()),
                r.first_why,
                "{name}: {}",
                p.from
            );
            compared += 1;
        }
    }
    assert!(compared > 3, "the cases have escalation paths ({compared})");
}
