//! The renderings of `rampart rbac`: `who-can` and `can` (table, JSON), `paths` (text, JSON,
//! Graphviz DOT), `risks` (table, JSON), and the notes about objects the analysis could not use.
//!
//! Every place is `file:line` of the input objects: a [`View`] holds the objects, their
//! [`Rbac`] analysis and the input errors (which every JSON document carries).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use rampart_model::{InputError, Resource};
use rampart_rbac::{
    EffectiveRule, Escalation, Grant, Justification, Node, Path, Permissions, Rbac,
    RequestAttributes, Risk, SubjectKind,
};
use serde_json::{json, Value};

use crate::text::{file_of, place, pretty_json};

/// What every `rbac` rendering reads.
#[derive(Clone, Copy)]
pub struct View<'a> {
    /// The objects the analysis was built from (its resource indices point here).
    pub resources: &'a [Resource],
    pub rbac: &'a Rbac,
    /// Input errors, listed in JSON documents.
    pub errors: &'a [InputError],
}

impl View<'_> {
    /// `file:line` of a pointer inside an input object.
    fn at(&self, resource: usize, pointer: &str) -> String {
        match self.resources.get(resource) {
            Some(res) => place(res, pointer),
            // A built-in role of the bootstrap policy, in no input object.
            None if resource == rampart_rbac::NO_RESOURCE => "built-in".into(),
            None => "?".into(),
        }
    }

    fn line(&self, resource: usize, pointer: &str) -> Option<u32> {
        self.resources
            .get(resource)?
            .locate(pointer)
            .map(|p| p.line)
    }

    fn file(&self, resource: usize) -> String {
        self.resources
            .get(resource)
            .map_or_else(|| "-".into(), |r| file_of(r).display().to_string())
    }

    /// One line: `RoleBinding/ns/b -> Role/ns/r rule 0`.
    fn chain(&self, j: &Justification) -> String {
        let via = if j.rule_role != j.role {
            format!(" (aggregated from {})", j.rule_role.display_name())
        } else {
            String::new()
        };
        let builtin = if j.builtin.is_some() { "built-in " } else { "" };
        format!(
            "{} -> {builtin}{}{} rule {}",
            j.binding.display_name(),
            j.role.display_name(),
            via,
            j.rule_pointer.as_str().rsplit('/').next().unwrap_or("")
        )
    }

    fn justification_json(&self, j: &Justification) -> Value {
        let mut v = json!({
            "binding": j.binding,
            "bindingFile": self.file(j.binding_resource),
            "subjectPointer": j.subject_pointer,
            "subjectLine": self.line(j.binding_resource, j.subject_pointer.as_str()),
            "role": j.role,
            "ruleRole": j.rule_role,
            "ruleFile": self.file(j.rule_resource),
            "rulePointer": j.rule_pointer,
            "ruleLine": self.line(j.rule_resource, j.rule_pointer.as_str()),
            "rule": j.rule,
        });
        // A built-in role of the bootstrap policy (no file, no line): where it comes from.
        if let (Some(b), Some(m)) = (&j.builtin, v.as_object_mut()) {
            m.insert("builtin".into(), Value::from(b.as_str()));
        }
        v
    }

    /// The `issues` and `errors` members of every JSON document.
    fn issues_json(&self) -> (Value, Value) {
        let issues: Vec<Value> = self
            .rbac
            .issues
            .iter()
            .map(|i| {
                json!({
                    "object": i.object,
                    "file": self.file(i.resource),
                    "line": self.line(i.resource, i.pointer.as_str()),
                    "pointer": i.pointer,
                    "message": i.message,
                })
            })
            .collect();
        (
            Value::from(issues),
            serde_json::to_value(self.errors).unwrap_or_default(),
        )
    }

    /// One line per object the analysis could not use fully: `file:line: message (object)`.
    pub fn notes(&self) -> Vec<String> {
        self.rbac
            .issues
            .iter()
            .map(|issue| {
                format!(
                    "{}: {} ({})",
                    self.at(issue.resource, issue.pointer.as_str()),
                    issue.message,
                    issue.object.display_name()
                )
            })
            .collect()
    }

    /// `rbac who-can` as a table: subject, scope, binding -> role rule, where.
    pub fn who_can_table(&self, req: &RequestAttributes, grants: &[Grant]) -> String {
        let mut out = format!("Who can {}:\n\n", describe_request(req));
        if grants.is_empty() {
            out.push_str("Nobody (except members of system:masters).\n");
            return out;
        }
        let mut rows = vec![vec![
            "SUBJECT".to_owned(),
            "SCOPE".to_owned(),
            "BINDING -> ROLE RULE".to_owned(),
            "WHERE".to_owned(),
        ]];
        for g in grants {
            rows.push(vec![
                g.subject.to_string(),
                g.namespace.clone().unwrap_or_else(|| "*".into()),
                self.chain(&g.why),
                format!(
                    "binding {}, rule {}",
                    self.at(g.why.binding_resource, g.why.subject_pointer.as_str()),
                    self.at(g.why.rule_resource, g.why.rule_pointer.as_str())
                ),
            ]);
        }
        out.push_str(&columns(&rows));
        let _ = writeln!(
            out,
            "\n{} grant{} (members of system:masters are allowed everything).",
            grants.len(),
            plural(grants.len())
        );
        out
    }

    /// `rbac who-can` as JSON.
    pub fn who_can_json(
        &self,
        req: &RequestAttributes,
        grants: &[Grant],
    ) -> serde_json::Result<String> {
        let (issues, errs) = self.issues_json();
        let v = json!({
            "schemaVersion": 1,
            "request": req,
            "grants": grants.iter().map(|g| json!({
                "subject": g.subject,
                "namespace": g.namespace,
                "why": self.justification_json(&g.why),
            })).collect::<Vec<_>>(),
            "issues": issues,
            "errors": errs,
        });
        pretty_json(&v)
    }

    /// `rbac can` as text: the subject, then its rules cluster-wide and per namespace.
    pub fn can_table(&self, perms: &Permissions) -> String {
        let mut out = format!(
            "{} (user {:?}, groups {})\n",
            perms.subject,
            perms.identity.user,
            perms.identity.groups.join(", ")
        );
        if perms.superuser {
            out.push_str("  member of system:masters: allowed everything\n");
        }
        let section = |out: &mut String, title: &str, rules: &[EffectiveRule]| {
            let _ = writeln!(out, "\n{title}:");
            if rules.is_empty() {
                out.push_str("  (nothing)\n");
                return;
            }
            let mut rows = Vec::new();
            for r in rules {
                rows.push(vec![
                    format!("  {}", r.rule.summary()),
                    format!("via {}", r.via),
                    self.chain(&r.why),
                    self.at(r.why.rule_resource, r.why.rule_pointer.as_str()),
                ]);
            }
            out.push_str(&columns(&rows));
        };
        section(
            &mut out,
            "Cluster-wide (ClusterRoleBindings)",
            &perms.cluster,
        );
        for (ns, rules) in &perms.namespaces {
            section(&mut out, &format!("Namespace {ns} (RoleBindings)"), rules);
        }
        out
    }

    /// `rbac can` as JSON.
    pub fn can_json(&self, perms: &Permissions) -> serde_json::Result<String> {
        let rules = |v: &[EffectiveRule]| -> Vec<Value> {
            v.iter()
                .map(|r| json!({"via": r.via, "rule": r.rule, "why": self.justification_json(&r.why)}))
                .collect()
        };
        let (issues, errs) = self.issues_json();
        let v = json!({
            "schemaVersion": 1,
            "subject": perms.subject,
            "identity": perms.identity,
            "superuser": perms.superuser,
            "cluster": rules(&perms.cluster),
            "namespaces": perms.namespaces.iter().map(|(k, v)| (k.clone(), Value::from(rules(v)))).collect::<serde_json::Map<_, _>>(),
            "issues": issues,
            "errors": errs,
        });
        pretty_json(&v)
    }

    fn path_text(&self, p: &Path, out: &mut String) {
        let _ = writeln!(
            out,
            "{}  ({} step{})",
            p.from,
            p.steps.len(),
            plural(p.steps.len())
        );
        for s in &p.steps {
            let _ = writeln!(out, "  -> {}  [{:?}] {}", s.to, s.kind, s.detail);
            for j in &s.why {
                let _ = writeln!(
                    out,
                    "       {}  {}",
                    self.chain(j),
                    self.at(j.rule_resource, j.rule_pointer.as_str())
                );
            }
        }
    }

    /// `rbac paths` as text: each path with its steps and the rules behind them. `from` is the
    /// node asked about (`--from`, `--from-workload`), if any; `paths` the paths found.
    pub fn paths_text(&self, esc: &Escalation, from: Option<&Node>, paths: &[Path]) -> String {
        let mut out = String::new();
        match from {
            Some(n) if paths.is_empty() => {
                if esc.distance(n) == Some(0)
                    || esc.distance(n) == Some(1) && esc.path_from(n).is_none()
                {
                    let _ = writeln!(out, "{n} is cluster-admin.");
                } else {
                    let _ = writeln!(out, "No path from {n} to cluster-admin.");
                }
            }
            None if paths.is_empty() => out.push_str("No escalation path to cluster-admin.\n"),
            _ => {
                for p in paths {
                    self.path_text(p, &mut out);
                    out.push('\n');
                }
                let _ = writeln!(
                    out,
                    "{} path{} to cluster-admin.",
                    paths.len(),
                    plural(paths.len())
                );
            }
        }
        out
    }

    /// `rbac paths` as JSON.
    pub fn paths_json(&self, paths: &[Path]) -> serde_json::Result<String> {
        let (issues, errs) = self.issues_json();
        let v = json!({
            "schemaVersion": 1,
            "paths": paths.iter().map(|p| json!({
                "from": p.from,
                "length": p.steps.len(),
                "steps": p.steps.iter().map(|s| json!({
                    "from": s.from,
                    "to": s.to,
                    "kind": s.kind,
                    "detail": s.detail,
                    "why": s.why.iter().map(|j| self.justification_json(j)).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "issues": issues,
            "errors": errs,
        });
        pretty_json(&v)
    }

    /// `rbac risks` as a table: check, message, where; then the count.
    pub fn risks_table(&self, risks: &[Risk]) -> String {
        let mut rows = Vec::new();
        for r in risks {
            rows.push(vec![
                r.kind.id().to_owned(),
                r.message.clone(),
                self.at(r.resource, r.pointer.as_str()),
            ]);
        }
        let mut out = columns(&rows);
        let _ = writeln!(out, "\n{} risk{}.", risks.len(), plural(risks.len()));
        out
    }

    /// `rbac risks` as JSON.
    pub fn risks_json(&self, risks: &[Risk]) -> serde_json::Result<String> {
        let (issues, errs) = self.issues_json();
        let v = json!({
            "schemaVersion": 1,
            "risks": risks.iter().map(|r| json!({
                "check": r.kind.id(),
                "subject": r.subject,
                "namespace": r.namespace,
                "object": r.object,
                "file": self.file(r.resource),
                "line": self.line(r.resource, r.pointer.as_str()),
                "pointer": r.pointer,
                "message": r.message,
                "unbound": r.unbound,
                "why": r.why.as_ref().map(|j| self.justification_json(j)),
            })).collect::<Vec<_>>(),
            "issues": issues,
            "errors": errs,
        });
        pretty_json(&v)
    }
}

/// `rbac paths` as Graphviz DOT: every node and step of the given paths.
pub fn paths_dot(paths: &[Path]) -> String {
    let mut out = String::from(
        "digraph escalation {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n",
    );
    let q = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let _ = writeln!(
        out,
        "  {} [shape=doubleoctagon, style=filled, fillcolor=\"#f4cccc\"];",
        q("cluster-admin")
    );
    let mut nodes = BTreeSet::new();
    let mut edges = BTreeSet::new();
    for p in paths {
        for s in &p.steps {
            nodes.insert(s.from.clone());
            nodes.insert(s.to.clone());
            let label = match s.why.first() {
                Some(j) => format!(
                    "{:?}\\n{} -> {}",
                    s.kind,
                    j.binding.display_name(),
                    j.role.display_name()
                ),
                None => format!("{:?}", s.kind),
            };
            edges.insert((s.from.to_string(), s.to.to_string(), label));
        }
    }
    for n in &nodes {
        let shape = match n {
            Node::Workload(_) => "component",
            Node::Subject(s) if s.kind == SubjectKind::Group => "folder",
            Node::Subject(_) => "ellipse",
            Node::Pool(_) => "note",
            Node::ClusterAdmin => continue,
        };
        let _ = writeln!(out, "  {} [shape={shape}];", q(&n.to_string()));
    }
    for (a, b, label) in edges {
        let _ = writeln!(
            out,
            "  {} -> {} [label={}];",
            q(&a),
            q(&b),
            q(&label).replace("\\\\n", "\\n")
        );
    }
    out.push_str("}\n");
    out
}

/// A request in words: `create pods/exec (apiGroup g) named n in namespace prod`.
fn describe_request(r: &RequestAttributes) -> String {
    if let Some(p) = &r.path {
        return format!("{} {p}", r.verb);
    }
    let mut s = format!("{} {}", r.verb, r.combined_resource());
    if !r.api_group.is_empty() {
        let _ = write!(s, " (apiGroup {})", r.api_group);
    }
    if !r.name.is_empty() {
        let _ = write!(s, " named {}", r.name);
    }
    if r.namespace.is_empty() {
        s.push_str(" cluster-wide");
    } else {
        let _ = write!(s, " in namespace {}", r.namespace);
    }
    s
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Renders rows as aligned columns.
fn columns(rows: &[Vec<String>]) -> String {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            if c + 1 == r.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<w$}  ", w = widths[c]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path as FsPath;

    use rampart_rbac::Subject;

    use super::*;

    const RBAC: &str = "\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: prod}
rules:
  - apiGroups: [\"\"]
    resources: [pods]
    verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read-pods, namespace: prod}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
subjects:
  - {kind: User, name: alice}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cluster-admin}
rules:
  - {apiGroups: [\"*\"], resources: [\"*\"], verbs: [\"*\"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ops-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
  - {kind: User, name: bob}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dangling, namespace: prod}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: missing}
subjects:
  - {kind: User, name: carol}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: impersonate-groups}
rules: [{apiGroups: [\"\"], resources: [groups], verbs: [impersonate]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: mallory}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonate-groups}
subjects: [{kind: User, name: mallory}]
";

    fn resources() -> Vec<Resource> {
        let parsed = rampart_source::parse_str(FsPath::new("rbac.yaml"), RBAC);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        parsed.resources
    }

    fn user(name: &str) -> Subject {
        format!("user:{name}").parse().expect("subject")
    }

    #[test]
    fn who_can_table_and_json() {
        let resources = resources();
        let rbac = Rbac::build(&resources);
        let view = View {
            resources: &resources,
            rbac: &rbac,
            errors: &[],
        };
        let req = RequestAttributes {
            namespace: "prod".into(),
            ..RequestAttributes::resource("get", "", "pods")
        };
        let grants = rbac.who_can_request(&req);
        assert_eq!(
            view.who_can_table(&req, &grants),
            "Who can get pods in namespace prod:\n\
             \n\
             SUBJECT     SCOPE  BINDING -> ROLE RULE                                              WHERE\n\
             user:bob    *      ClusterRoleBinding/ops-admin -> ClusterRole/cluster-admin rule 0  binding rbac.yaml:27, rule rbac.yaml:20\n\
             user:alice  prod   RoleBinding/prod/read-pods -> Role/prod/pod-reader rule 0         binding rbac.yaml:14, rule rbac.yaml:5\n\
             \n\
             2 grants (members of system:masters are allowed everything).\n"
        );
        let v: Value = serde_json::from_str(&view.who_can_json(&req, &grants).expect("json"))
            .expect("valid JSON");
        assert_eq!(v["schemaVersion"], 1);
        assert_eq!(v["request"]["namespace"], "prod");
        assert_eq!(v["grants"][1]["subject"], "user:alice");
        assert_eq!(v["grants"][1]["namespace"], "prod");
        assert_eq!(
            v["grants"][1]["why"],
            json!({
                "binding": {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "namespace": "prod", "name": "read-pods"},
                "bindingFile": "rbac.yaml",
                "subjectPointer": "/subjects/0",
                "subjectLine": 14,
                "role": {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "namespace": "prod", "name": "pod-reader"},
                "ruleRole": {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "namespace": "prod", "name": "pod-reader"},
                "ruleFile": "rbac.yaml",
                "rulePointer": "/rules/0",
                "ruleLine": 5,
                "rule": v["grants"][1]["why"]["rule"].clone(),
            })
        );
        assert_eq!(v["errors"], json!([]));

        let nobody = RequestAttributes::resource("delete", "", "nodes");
        assert_eq!(
            view.who_can_table(&nobody, &[]),
            "Who can delete nodes cluster-wide:\n\nNobody (except members of system:masters).\n"
        );
    }

    #[test]
    fn can_table_and_json() {
        let resources = resources();
        let rbac = Rbac::build(&resources);
        let view = View {
            resources: &resources,
            rbac: &rbac,
            errors: &[],
        };
        let perms = rbac.can(&user("alice"));
        assert_eq!(
            view.can_table(&perms),
            "user:alice (user \"alice\", groups system:authenticated)\n\
             \n\
             Cluster-wide (ClusterRoleBindings):\n\
             \x20 (nothing)\n\
             \n\
             Namespace prod (RoleBindings):\n\
             \x20 verbs=[get,list] apiGroups=[\"\"] resources=[pods]  via user:alice  RoleBinding/prod/read-pods -> Role/prod/pod-reader rule 0  rbac.yaml:5\n"
        );
        let v: Value = serde_json::from_str(&view.can_json(&perms).expect("json")).expect("JSON");
        assert_eq!(v["namespaces"]["prod"][0]["why"]["ruleLine"], 5);
    }

    #[test]
    fn paths_text_json_and_dot() {
        let resources = resources();
        let rbac = Rbac::build(&resources);
        let view = View {
            resources: &resources,
            rbac: &rbac,
            errors: &[],
        };
        let esc = rbac.escalation();
        let paths = esc.paths();
        assert_eq!(
            view.paths_text(&esc, None, &paths),
            "user:mallory  (2 steps)\n\
             \x20 -> group:system:masters  [Impersonate] can impersonate any group (including system:masters) (for example group:system:masters)\n\
             \x20      ClusterRoleBinding/mallory -> ClusterRole/impersonate-groups rule 0  rbac.yaml:39\n\
             \x20 -> cluster-admin  [PrivilegedGroup] system:masters is allowed everything by the API server\n\
             \n\
             1 path to cluster-admin.\n"
        );
        let alice = Node::Subject(user("alice"));
        assert_eq!(
            view.paths_text(&esc, Some(&alice), &[]),
            "No path from user:alice to cluster-admin.\n"
        );
        assert_eq!(
            view.paths_text(&esc, Some(&Node::ClusterAdmin), &[]),
            "cluster-admin is cluster-admin.\n"
        );
        let v: Value = serde_json::from_str(&view.paths_json(&paths).expect("json")).expect("JSON");
        assert_eq!(v["paths"][0]["from"], "user:mallory");
        assert_eq!(v["paths"][0]["length"], 2);
        assert_eq!(
            paths_dot(&paths),
            "digraph escalation {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n\
             \x20 \"cluster-admin\" [shape=doubleoctagon, style=filled, fillcolor=\"#f4cccc\"];\n\
             \x20 \"user:mallory\" [shape=ellipse];\n\
             \x20 \"group:system:masters\" [shape=folder];\n\
             \x20 \"group:system:masters\" -> \"cluster-admin\" [label=\"PrivilegedGroup\"];\n\
             \x20 \"user:mallory\" -> \"group:system:masters\" [label=\"Impersonate\\nClusterRoleBinding/mallory -> ClusterRole/impersonate-groups\"];\n\
             }\n"
        );
    }

    #[test]
    fn risks_and_notes() {
        let resources = resources();
        let rbac = Rbac::build(&resources);
        let errors = [InputError::file(FsPath::new("bad.yaml"), "not YAML")];
        let view = View {
            resources: &resources,
            rbac: &rbac,
            errors: &errors,
        };
        let risks = rbac.risks_with(false);
        let table = view.risks_table(&risks);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines[0],
            "rbac-cluster-admin            user:bob is cluster-admin (every verb on * resources in * apiGroups) cluster-wide (ClusterRoleBinding/ops-admin -> ClusterRole/cluster-admin /rules/0)             rbac.yaml:20"
        );
        assert_eq!(lines[lines.len() - 2..], ["", "18 risks."]);
        let v: Value = serde_json::from_str(&view.risks_json(&risks).expect("json")).expect("JSON");
        assert_eq!(
            v["errors"],
            json!([{"path": "bad.yaml", "message": "not YAML"}])
        );
        assert_eq!(v["risks"][0]["check"], "rbac-cluster-admin");
        assert_eq!(v["risks"][0]["file"], "rbac.yaml");
        assert_eq!(v["risks"][0]["line"], 20);
        let message =
            "binding refers to Role \"missing\", which is not defined in namespace \"prod\"; it grants nothing";
        assert_eq!(
            v["issues"],
            json!([{
                "object": {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "namespace": "prod", "name": "dangling"},
                "file": "rbac.yaml",
                "line": 32,
                "pointer": "/roleRef",
                "message": message,
            }])
        );
        assert_eq!(
            view.notes(),
            [format!(
                "rbac.yaml:32: {message} (RoleBinding/prod/dangling)"
            )]
        );
    }

    #[test]
    fn describe_request_in_words() {
        let mut r = RequestAttributes::resource("create", "apps", "deployments");
        r.namespace = "prod".into();
        r.name = "web".into();
        assert_eq!(
            describe_request(&r),
            "create deployments (apiGroup apps) named web in namespace prod"
        );
        assert_eq!(
            describe_request(&RequestAttributes::non_resource("get", "/healthz")),
            "get /healthz"
        );
    }

    #[test]
    fn columns_align_all_but_the_last() {
        let rows = vec![
            vec!["a".to_owned(), "bb".to_owned(), "c".to_owned()],
            vec!["aaa".to_owned(), "b".to_owned(), "".to_owned()],
        ];
        assert_eq!(columns(&rows), "a    bb  c\naaa  b\n");
    }
}
