//! JUnit XML: one test suite per check that ran, one test case per finding (a failure typed by its
//! severity; skipped when suppressed), one passing case for a check without findings, and a suite
//! `rampart.input` with one error per input error.

use std::fmt::Write;

use quick_junit::{
    NonSuccessKind, Property, Report as JReport, TestCase, TestCaseStatus, TestSuite,
};
use rampart_model::{Finding, InputError, Status, Suppression};

use crate::Report;

/// The name of the suite holding input errors.
pub const INPUT_SUITE: &str = "rampart.input";

/// The name of the passing test case of a check that found nothing.
pub const PASS_CASE: &str = "no findings";

pub fn render(report: &Report) -> String {
    let mut out = JReport::new(report.tool.name);

    // Checks that ran, in report order, then any check that reported without being listed.
    let mut ids: Vec<&str> = report.rules.iter().map(|m| &*m.id).collect();
    for f in &report.findings {
        if !ids.contains(&f.check.as_ref()) {
            ids.push(f.check.as_ref());
        }
    }

    for id in ids {
        let mut suite = TestSuite::new(id);
        if let Some(meta) = report.rule(id) {
            suite.add_property(Property::new("title", &*meta.title));
            suite.add_property(Property::new("severity", meta.severity.as_str()));
            suite.add_property(Property::new("category", meta.category.as_str()));
        }
        let mut any = false;
        for f in report.findings.iter().filter(|f| f.check == id) {
            suite.add_test_case(case(f));
            any = true;
        }
        if !any {
            let mut tc = TestCase::new(PASS_CASE, TestCaseStatus::success());
            tc.set_classname(id);
            suite.add_test_case(tc);
        }
        out.add_test_suite(suite);
    }

    if let Some(cov) = &report.coverage {
        // Cluster scans: one case per resource type; types not read are skipped with the reason,
        // so a report over partial data shows it.
        let mut suite = TestSuite::new("rampart.coverage");
        let kind_of = |t: &serde_json::Value| {
            let group = t["group"].as_str().unwrap_or("");
            let resource = t["resource"].as_str().unwrap_or("");
            let ns = t["namespace"]
                .as_str()
                .map(|n| format!(" in {n}"))
                .unwrap_or_default();
            if group.is_empty() {
                format!("{resource}{ns}")
            } else {
                format!("{group}/{resource}{ns}")
            }
        };
        for t in cov["read"].as_array().into_iter().flatten() {
            let mut tc = TestCase::new(kind_of(t), TestCaseStatus::success());
            tc.set_classname("rampart.coverage");
            suite.add_test_case(tc);
        }
        for g in cov["notRead"].as_array().into_iter().flatten() {
            let mut st = TestCaseStatus::skipped();
            st.set_message(format!(
                "not read: {} {}",
                g["reason"].as_str().unwrap_or(""),
                g["message"].as_str().unwrap_or("")
            ));
            let mut tc = TestCase::new(kind_of(g), st);
            tc.set_classname("rampart.coverage");
            suite.add_test_case(tc);
        }
        out.add_test_suite(suite);
    }

    if !report.errors.is_empty() {
        let mut suite = TestSuite::new(INPUT_SUITE);
        for e in &report.errors {
            suite.add_test_case(input_case(e));
        }
        out.add_test_suite(suite);
    }

    match out.to_string() {
        Ok(mut s) => {
            if !s.ends_with('\n') {
                s.push('\n');
            }
            s
        }
        Err(e) => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- rampart: cannot write JUnit XML: {} -->\n<testsuites/>\n",
            e.to_string().replace("--", "- -")
        ),
    }
}

fn case(f: &Finding) -> TestCase {
    let pointer = if f.pointer.as_str().is_empty() {
        "(whole object)"
    } else {
        f.pointer.as_str()
    };
    let mut text = String::new();
    if let Some(l) = &f.location {
        let _ = writeln!(text, "{}:{}:{}", l.path.display(), l.line, l.column);
    }
    let _ = writeln!(
        text,
        "{}: {}",
        f.subject.type_name(),
        f.subject.display_name()
    );
    for e in &f.evidence {
        let _ = writeln!(text, "evidence: {}", crate::evidence_line(e));
    }
    let _ = writeln!(text, "pointer: {pointer}");
    if let Some(snippet) = f.location.as_ref().and_then(|l| l.snippet.as_deref()) {
        let _ = writeln!(text, "| {}", snippet.trim_end());
    }

    let status = match &f.suppression {
        _ if f.status == Status::Pass => TestCaseStatus::success(),
        _ if matches!(f.status, Status::Manual | Status::NotApplicable) => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(f.message.as_str());
            s.set_type(f.status.as_str());
            s.set_description(text);
            s
        }
        Suppression::Suppressed { by, reason } => {
            let _ = writeln!(text, "suppressed by {by}: {reason}");
            let mut s = TestCaseStatus::skipped();
            s.set_message(reason.as_str());
            s.set_type(format!("suppressed-by-{by}"));
            s.set_description(text);
            s
        }
        Suppression::WaiverExpired { expired, reason } => {
            let _ = writeln!(text, "waiver expired on {expired} (was: {reason})");
            failure(f, text)
        }
        Suppression::Open => failure(f, text),
    };
    let mut tc = TestCase::new(
        format!("{} {}", f.subject.display_name(), f.pointer),
        status,
    );
    tc.set_classname(f.check.as_ref());
    tc
}

fn failure(f: &Finding, text: String) -> TestCaseStatus {
    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
    s.set_message(f.message.as_str());
    s.set_type(f.severity.as_str());
    s.set_description(text);
    s
}

fn input_case(e: &InputError) -> TestCase {
    let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
    s.set_message(e.message.as_str());
    s.set_type("input-error");
    s.set_description(format!("{e}\n"));
    let mut name = e.path.display().to_string();
    if let Some(l) = e.line {
        let _ = write!(name, ":{l}");
        if let Some(c) = e.column {
            let _ = write!(name, ":{c}");
        }
    }
    let mut tc = TestCase::new(name, s);
    tc.set_classname(INPUT_SUITE);
    tc
}
