//! The renderings of `rampart pss`: one record per pod-bearing object saying whether
//! pod-security-admission would admit its pod at a level and policy version, with the file line of
//! each offending field; as a readable table or as JSON.

use std::fmt::Write as _;
use std::path::PathBuf;

use rampart_model::{InputError, Pointer, Resource};
use rampart_pss::{Level, Version, Violation};
use serde::Serialize;

use crate::text::{file_line, file_of, pretty_json};

/// The `pss` report; its JSON form is `--format json`.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub schema_version: u32,
    pub level: Level,
    pub version: Version,
    /// The policy version the checks were selected for (`latest` resolved).
    pub resolved_version: Version,
    pub results: Vec<ObjectResult>,
    pub errors: Vec<InputError>,
}

/// The evaluation of one pod-bearing object.
#[derive(Serialize, Debug)]
pub struct ObjectResult {
    pub file: PathBuf,
    pub line: Option<u32>,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub level: Level,
    pub version: Version,
    pub allowed: bool,
    pub violations: Vec<ViolationRecord>,
}

#[derive(Serialize, Debug)]
pub struct ViolationRecord {
    pub check: &'static str,
    pub reason: String,
    pub detail: String,
    pub pointers: Vec<Pointer>,
    /// Line of the first offending field.
    pub line: Option<u32>,
}

impl ObjectResult {
    /// The record of `res` evaluated at `level` and `version`, which found `violations`.
    pub fn new(res: &Resource, level: Level, version: Version, violations: Vec<Violation>) -> Self {
        let line = |ptr: &str| res.locate(ptr).map(|p| p.line);
        ObjectResult {
            file: file_of(res).to_path_buf(),
            line: line(""),
            kind: res.id.kind.clone(),
            namespace: res.id.namespace.clone(),
            name: res.id.name.clone(),
            level,
            version,
            allowed: violations.is_empty(),
            violations: violations
                .into_iter()
                .map(|v| ViolationRecord {
                    line: v.pointers.first().and_then(|p| line(p.as_str())),
                    check: v.check,
                    reason: v.reason,
                    detail: v.detail,
                    pointers: v.pointers,
                })
                .collect(),
        }
    }
}

impl Report {
    /// The report of `results` at `level` and `version` (`latest` is resolved for the header).
    pub fn new(
        level: Level,
        version: Version,
        results: Vec<ObjectResult>,
        errors: Vec<InputError>,
    ) -> Self {
        Report {
            schema_version: 1,
            level,
            version,
            resolved_version: Version::V1(version.resolved_minor()),
            results,
            errors,
        }
    }

    /// Objects whose pod would not be admitted.
    pub fn denied(&self) -> usize {
        self.results.iter().filter(|r| !r.allowed).count()
    }
}

/// The JSON report.
pub fn json(report: &Report) -> serde_json::Result<String> {
    pretty_json(report)
}

/// One line of counts (for stderr when the report goes to a file).
pub fn counts(report: &Report) -> String {
    format!(
        "{} objects, {} not allowed, {} input errors",
        report.results.len(),
        report.denied(),
        report.errors.len()
    )
}

/// The readable report: one line per object, its violations indented below it.
pub fn table(report: &Report) -> String {
    let mut out = String::new();
    let version = if report.version == report.resolved_version {
        report.version.to_string()
    } else {
        format!("{} ({})", report.version, report.resolved_version)
    };
    let _ = writeln!(
        out,
        "Pod Security Standards: level {}, version {version}",
        report.level
    );
    let _ = writeln!(out);
    for r in &report.results {
        let name = match &r.namespace {
            Some(ns) => format!("{}/{ns}/{}", r.kind, r.name),
            None => format!("{}/{}", r.kind, r.name),
        };
        let verdict = if r.allowed { "ALLOWED" } else { "DENIED " };
        let _ = writeln!(out, "{verdict}  {name}  {}", file_line(&r.file, r.line));
        for v in &r.violations {
            let _ = writeln!(
                out,
                "    {} ({}): {}  [{}]",
                v.check,
                v.reason,
                v.detail,
                file_line(&r.file, v.line)
            );
        }
    }
    if report.results.is_empty() {
        let _ = writeln!(out, "No pod-bearing objects found.");
    }
    if !report.errors.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Input errors:");
        for e in &report.errors {
            let _ = writeln!(out, "    {e}");
        }
    }
    let denied = report.denied();
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{} {}: {} allowed, {} not allowed; {} input {}",
        report.results.len(),
        if report.results.len() == 1 {
            "object"
        } else {
            "objects"
        },
        report.results.len() - denied,
        denied,
        report.errors.len(),
        if report.errors.len() == 1 {
            "error"
        } else {
            "errors"
        },
    );
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use rampart_model::Workload;
    use serde_json::Value;

    use super::*;

    const PODS: &str = "\
apiVersion: v1
kind: Pod
metadata: {name: good, namespace: shop}
spec:
  containers: [{name: c, image: nginx}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: bad}
spec:
  template:
    spec:
      hostNetwork: true
      containers:
        - name: c
          image: nginx
          securityContext: {privileged: true}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: not-a-pod}
";

    fn report(version: Version) -> Report {
        let parsed = rampart_source::parse_str(Path::new("pods.yaml"), PODS);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let results = parsed
            .resources
            .iter()
            .filter_map(|res| {
                let w = Workload::of(res.kind(), &res.raw)?;
                let v = rampart_pss::evaluate(Level::Baseline, version, &w);
                Some(ObjectResult::new(res, Level::Baseline, version, v))
            })
            .collect();
        let errors = vec![InputError::file(Path::new("broken.yaml"), "not YAML")];
        Report::new(Level::Baseline, version, results, errors)
    }

    #[test]
    fn table_lists_objects_with_their_violations() {
        let r = report("latest".parse().expect("version"));
        assert_eq!(r.denied(), 1);
        assert_eq!(
            table(&r),
            "Pod Security Standards: level baseline, version latest (v1.37)\n\
             \n\
             ALLOWED  Pod/shop/good  pods.yaml:1\n\
             DENIED   Deployment/bad  pods.yaml:7\n\
             \x20   hostNamespaces (host namespaces): hostNetwork  [pods.yaml:13]\n\
             \x20   privileged (privileged): container \"c\" must not set securityContext.privileged=true  [pods.yaml:17]\n\
             \n\
             Input errors:\n\
             \x20   broken.yaml: not YAML\n\
             \n\
             2 objects: 1 allowed, 1 not allowed; 1 input error\n"
        );
        assert_eq!(counts(&r), "2 objects, 1 not allowed, 1 input errors");
    }

    #[test]
    fn table_says_when_nothing_was_found() {
        let r = Report::new(
            Level::Restricted,
            "v1.25".parse().expect("version"),
            vec![],
            vec![],
        );
        assert_eq!(
            table(&r),
            "Pod Security Standards: level restricted, version v1.25\n\
             \n\
             No pod-bearing objects found.\n\
             \n\
             0 objects: 0 allowed, 0 not allowed; 0 input errors\n"
        );
    }

    #[test]
    fn json_has_one_record_per_object() {
        let r = report("v1.30".parse().expect("version"));
        let v: Value = serde_json::from_str(&json(&r).expect("json")).expect("JSON");
        assert_eq!(v["resolvedVersion"], "v1.30");
        assert_eq!(v["results"][0]["allowed"], true);
        assert_eq!(
            v["results"][1],
            serde_json::json!({
                "file": "pods.yaml", "line": 7, "kind": "Deployment", "namespace": null,
                "name": "bad", "level": "baseline", "version": "v1.30", "allowed": false,
                "violations": [
                    {"check": "hostNamespaces", "reason": "host namespaces", "detail": "hostNetwork",
                     "pointers": ["/spec/template/spec/hostNetwork"], "line": 13},
                    {"check": "privileged", "reason": "privileged",
                     "detail": "container \"c\" must not set securityContext.privileged=true",
                     "pointers": ["/spec/template/spec/containers/0/securityContext/privileged"], "line": 17},
                ],
            })
        );
        assert_eq!(v["errors"][0]["path"], "broken.yaml");
    }
}
