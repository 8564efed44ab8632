//! Policy unit tests in `gator verify`'s Suite format, so one suite runs under both tools:
//!
//! ```yaml
//! kind: Suite
//! apiVersion: test.gatekeeper.sh/v1alpha1
//! tests:
//! - name: required-labels
//!   template: template.yaml          # paths relative to the suite file
//!   constraint: samples/constraint.yaml
//!   cases:
//!   - name: allowed
//!     object: samples/allowed.yaml   # one object, or an AdmissionReview (admission.k8s.io)
//!     inventory: [samples/ns.yaml]   # objects for data.inventory and namespace selectors
//!     assertions:
//!     - violations: no               # yes | no | a count; `message` is a regex on messages
//! ```
//!
//! A ValidatingAdmissionPolicy test names `policy: FILE` (or a list of files) holding the policy,
//! its binding(s) and nothing else; its cases give params and Namespaces as `inventory`.
//!
//! As gator: a case needs an object and at least one assertion; an assertion without
//! `violations` expects at least one matching violation; `skip: true` skips a suite, test or
//! case. An error evaluating the policy fails the case (rampart never passes a policy it could
//! not evaluate).

use std::path::{Path, PathBuf};

use rampart_model::Resource;
use rampart_source::Input;
use serde_json::Value;

use crate::review::{ClusterData, Review};
use crate::{load_objects, VerdictKind};

/// The outcome of one case (or of a test or suite that could not run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail(String),
    Skip,
}

/// One result line: suite file, test, case (empty when the whole test failed to set up).
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub suite: PathBuf,
    pub test: String,
    pub case: String,
    pub outcome: Outcome,
    /// The messages of the violations found (empty when the case could not run).
    pub messages: Vec<String>,
}

/// Every case result of the suites run.
#[derive(Debug, Default)]
pub struct Report {
    pub results: Vec<CaseResult>,
    /// Suite files found.
    pub suites: usize,
}

impl Report {
    pub fn passed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Pass))
    }

    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Fail(_)))
    }

    pub fn skipped(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Skip))
    }

    /// Adds the results of another run.
    pub fn extend(&mut self, other: Report) {
        self.suites += other.suites;
        self.results.extend(other.results);
    }

    /// The report as JSON: every case with its outcome, and the counts.
    pub fn to_json(&self) -> Value {
        let cases: Vec<Value> = self
            .results
            .iter()
            .map(|r| {
                let (outcome, message) = match &r.outcome {
                    Outcome::Pass => ("pass", None),
                    Outcome::Skip => ("skip", None),
                    Outcome::Fail(m) => ("fail", Some(m.as_str())),
                };
                serde_json::json!({
                    "suite": r.suite.display().to_string(),
                    "test": r.test,
                    "case": r.case,
                    "outcome": outcome,
                    "message": message,
                })
            })
            .collect();
        serde_json::json!({
            "suites": self.suites,
            "passed": self.passed(),
            "failed": self.failed(),
            "skipped": self.skipped(),
            "cases": cases,
        })
    }

    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.results.iter().filter(|r| f(&r.outcome)).count()
    }

    /// The report as text: failures (every case with `verbose`), then the closing counts.
    pub fn render(&self, verbose: bool) -> String {
        let mut s = String::new();
        for r in &self.results {
            let name = if r.case.is_empty() {
                r.test.clone()
            } else {
                format!("{}/{}", r.test, r.case)
            };
            match &r.outcome {
                Outcome::Pass if verbose => {
                    s.push_str(&format!("ok    {} {name}\n", r.suite.display()))
                }
                Outcome::Skip if verbose => {
                    s.push_str(&format!("skip  {} {name}\n", r.suite.display()))
                }
                Outcome::Fail(msg) => {
                    s.push_str(&format!("FAIL  {} {name}: {msg}\n", r.suite.display()))
                }
                _ => {}
            }
        }
        s.push_str(&format!(
            "{} suites, {} cases\n{} passed, {} failed, {} skipped\n",
            self.suites,
            self.results.len(),
            self.passed(),
            self.failed(),
            self.skipped()
        ));
        s
    }
}

/// Suite files under `path`: YAML files whose first document is `kind: Suite`.
pub fn find_suites(path: &Path) -> Vec<PathBuf> {
    let (inputs, _) = rampart_source::discover(&[path.to_path_buf()]);
    inputs
        .into_iter()
        .filter_map(|i| match i {
            Input::File(p) => Some(p),
            Input::Stdin => None,
        })
        .filter(|p| {
            std::fs::read_to_string(p).is_ok_and(|t| {
                t.lines()
                    .any(|l| l.trim_end() == "kind: Suite" || l.trim_end() == "kind: \"Suite\"")
            })
        })
        .collect()
}

/// Runs every suite under `path` (a suite file or a directory).
pub fn run(path: &Path) -> Report {
    let mut report = Report::default();
    for suite in find_suites(path) {
        report.suites += 1;
        run_suite(&suite, &mut report);
    }
    report
}

fn read_objects(path: &Path) -> Result<Vec<Resource>, String> {
    let parsed = rampart_source::read_and_parse(&Input::File(path.to_path_buf()));
    if let Some(e) = parsed.errors.first() {
        return Err(e.to_string());
    }
    if parsed.resources.is_empty() {
        return Err(format!("{} defines no object", path.display()));
    }
    Ok(parsed.resources)
}

fn flag(v: &Value, k: &str) -> bool {
    v.get(k).and_then(Value::as_bool).unwrap_or(false)
}

fn s<'v>(v: &'v Value, k: &str) -> &'v str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

/// Runs one suite file into `report`.
pub fn run_suite(path: &Path, report: &mut Report) {
    let fail = |report: &mut Report, test: &str, case: &str, msg: String| {
        report.results.push(CaseResult {
            suite: path.to_path_buf(),
            test: test.to_string(),
            case: case.to_string(),
            outcome: Outcome::Fail(msg),
            messages: Vec::new(),
        })
    };
    let suite = match read_objects(path) {
        Ok(mut objs) => objs.swap_remove(0).raw,
        Err(e) => return fail(report, "", "", e),
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let tests = suite
        .get("tests")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for t in &tests {
        let tname = s(t, "name");
        let cases = t
            .get("cases")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if flag(&suite, "skip") || flag(t, "skip") {
            for c in &cases {
                report.results.push(CaseResult {
                    suite: path.to_path_buf(),
                    test: tname.to_string(),
                    case: s(c, "name").to_string(),
                    outcome: Outcome::Skip,
                    messages: Vec::new(),
                });
            }
            continue;
        }
        let mut objs = Vec::new();
        // A ValidatingAdmissionPolicy test names `policy` (files holding the policy, its
        // binding and any params); a Gatekeeper test names `template` and `constraint`.
        let policy_files: Vec<&str> = match t.get("policy") {
            Some(Value::String(p)) => vec![p.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let keys: Vec<(&str, &str)> = if t.get("policy").is_some() {
            policy_files.iter().map(|f| ("policy", *f)).collect()
        } else {
            ["template", "constraint"]
                .into_iter()
                .map(|k| (k, s(t, k)))
                .collect()
        };
        let wanted = keys.len().max(1);
        let mut read = 0;
        for (key, rel) in keys {
            if rel.is_empty() {
                fail(report, tname, "", format!("the test names no {key}"));
                break;
            }
            match read_objects(&dir.join(rel)) {
                Ok(o) => {
                    read += 1;
                    objs.extend(o)
                }
                Err(e) => fail(report, tname, "", e),
            }
        }
        if read < wanted {
            continue;
        }
        let loaded = load_objects(&objs);
        if let Some(e) = loaded.errors.first() {
            let msg = e.to_string();
            if flag(t, "invalid") {
                report.results.push(CaseResult {
                    suite: path.to_path_buf(),
                    test: tname.to_string(),
                    case: String::new(),
                    outcome: Outcome::Pass,
                    messages: Vec::new(),
                });
            } else {
                fail(report, tname, "", msg);
            }
            continue;
        }
        if flag(t, "invalid") {
            fail(
                report,
                tname,
                "",
                "the constraint is valid, but the test expects it to be invalid".into(),
            );
            continue;
        }
        if loaded.policies.is_empty() {
            fail(
                report,
                tname,
                "",
                "no constraint or policy binding loaded".into(),
            );
            continue;
        }
        let policy = &loaded.policies;
        for c in &cases {
            let cname = s(c, "name");
            let (outcome, messages) = if flag(c, "skip") {
                (Outcome::Skip, Vec::new())
            } else {
                let mut messages = Vec::new();
                match run_case(dir, policy, c, &mut messages) {
                    Ok(()) => (Outcome::Pass, messages),
                    Err(e) => (Outcome::Fail(e), messages),
                }
            };
            report.results.push(CaseResult {
                suite: path.to_path_buf(),
                test: tname.to_string(),
                case: cname.to_string(),
                outcome,
                messages,
            });
        }
    }
}

/// Runs one case: reviews its object and checks every assertion.
fn run_case(
    dir: &Path,
    policy: &crate::PolicySet,
    case: &Value,
    found: &mut Vec<String>,
) -> Result<(), String> {
    let object = s(case, "object");
    if object.is_empty() {
        return Err("the case names no object".into());
    }
    let assertions = case
        .get("assertions")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or("the case has no assertions (gator requires at least one)")?;
    let objs = read_objects(&dir.join(object))?;
    if objs.len() != 1 {
        return Err(format!("{object} defines {} objects, not one", objs.len()));
    }
    let reviewed = &objs[0].raw;
    let mut inventory = Vec::new();
    for p in case
        .get("inventory")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        inventory.extend(read_objects(&dir.join(p))?.into_iter().map(|r| r.raw));
    }
    let data = ClusterData::from_objects(inventory.iter());
    let is_review = reviewed.get("kind").and_then(Value::as_str) == Some("AdmissionReview")
        && s(reviewed, "apiVersion").starts_with("admission.k8s.io/");
    let mut request;
    let review = if is_review {
        request = reviewed
            .get("request")
            .cloned()
            .ok_or("the AdmissionReview has no request")?;
        // As the API server: a DELETE's object is its old object.
        if s(&request, "operation") == "DELETE" && request.get("object").is_none_or(Value::is_null)
        {
            if let Some(old) = request.get("oldObject").cloned() {
                request["object"] = old;
            }
        }
        Review::of_request(&request)
    } else {
        Review::of(reviewed)
    };
    let verdicts = policy.evaluate(&review, Some(&data));
    // `error: REGEX` asserts an error verdict (a ValidatingAdmissionPolicy whose expression
    // fails under failurePolicy Fail); any other error fails the case.
    let errors: Vec<&str> = verdicts
        .iter()
        .filter(|v| v.kind == VerdictKind::Error)
        .map(|v| v.message.as_str())
        .collect();
    let mut error_asserted = false;
    for a in assertions {
        if let Some(re) = a.get("error").and_then(Value::as_str) {
            error_asserted = true;
            let re = regex::Regex::new(re)
                .map_err(|e| format!("assertion error `{re}` is not a regex: {e}"))?;
            if !errors.iter().any(|m| re.is_match(m)) {
                return Err(format!("no error matching {re:?}; errors: {errors:?}"));
            }
        }
    }
    if !error_asserted {
        if let Some(e) = errors.first() {
            return Err(format!("policy error: {e}"));
        }
    }
    let verdicts: Vec<&crate::Verdict> = verdicts
        .iter()
        .filter(|v| v.kind != VerdictKind::Error)
        .collect();
    found.extend(verdicts.iter().map(|v| v.message.clone()));
    let messages: Vec<&str> = verdicts.iter().map(|v| v.message.as_str()).collect();
    for a in assertions.iter().filter(|a| a.get("error").is_none()) {
        let matching = match a.get("message").and_then(Value::as_str) {
            Some(re) => {
                let re = regex::Regex::new(re)
                    .map_err(|e| format!("assertion message `{re}` is not a regex: {e}"))?;
                messages.iter().filter(|m| re.is_match(m)).count()
            }
            None => messages.len(),
        };
        let want = a.get("violations").cloned().unwrap_or(Value::from("yes"));
        let about = a
            .get("message")
            .and_then(Value::as_str)
            .map(|m| format!(" matching {m:?}"))
            .unwrap_or_default();
        // Unquoted yes/no are booleans under Kubernetes' YAML 1.1 rules.
        let (ok, wanted) = match &want {
            Value::Bool(true) => (matching > 0, "at least one".to_string()),
            Value::String(w) if w == "yes" => (matching > 0, "at least one".to_string()),
            Value::Bool(false) => (matching == 0, "none".to_string()),
            Value::String(w) if w == "no" => (matching == 0, "none".to_string()),
            Value::Number(n) if n.as_u64().is_some() => {
                (Some(matching as u64) == n.as_u64(), format!("exactly {n}"))
            }
            other => {
                return Err(format!(
                    "assertion violations must be yes, no or a count, not {other}"
                ))
            }
        };
        if !ok {
            return Err(format!(
                "got {matching} violations{about}, want {wanted}; messages: {messages:?}"
            ));
        }
    }
    Ok(())
}
