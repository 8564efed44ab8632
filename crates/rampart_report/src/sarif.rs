//! SARIF 2.1.0: one run with the checks that ran as rules, one result per finding (suppressed ones
//! carry `suppressions`), and input errors as tool execution notifications.
//!
//! Columns count characters, so the run declares `columnKind: unicodeCodePoints`.

use std::collections::BTreeMap;
use std::path::Path;

use rampart_model::{Finding, InputError, Meta, Severity, Status};
use serde_json::{json, Value};
use serde_sarif::sarif::{
    ArtifactContent, ArtifactLocation, Invocation, Location, LogicalLocation, Message,
    MultiformatMessageString, Notification, PhysicalLocation, PropertyBag, Region,
    ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultKind, ResultLevel,
    Run, Sarif, Suppression, Tool, ToolComponent,
};

use crate::Report;

/// The `$schema` written at the top of the log.
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The key of the finding fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "rampartFingerprint/v2";

/// Where users learn about rampart (`tool.driver.informationUri`).
const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");

/// Renders the report as a SARIF 2.1.0 log (pretty-printed JSON, with a trailing newline).
pub fn render(report: &Report) -> String {
    let mut out = Vec::new();
    if let Err(e) = write(report, &mut out) {
        return format!("{{\"error\": {}}}\n", Value::from(e.to_string()));
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Writes the SARIF log to `w`. Results are built and written one at a time, so memory does not
/// grow with a second copy of every finding.
pub fn write(report: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let log = serde_json::to_value(build(report)).map_err(std::io::Error::other)?;
    let lazy = LazyLog { log, report };
    serde_json::to_writer_pretty(&mut *w, &lazy).map_err(std::io::Error::other)?;
    w.write_all(b"\n")
}

/// The log built without results, plus the report to build each result from while serializing.
struct LazyLog<'a> {
    log: Value,
    report: &'a Report,
}

struct LazyRun<'a> {
    run: &'a serde_json::Map<String, Value>,
    report: &'a Report,
}

struct LazyResults<'a>(&'a Report);

impl serde::Serialize for LazyLog<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let Value::Object(top) = &self.log else {
            return self.log.serialize(s);
        };
        let mut m = s.serialize_map(Some(top.len()))?;
        for (k, v) in top {
            match (k.as_str(), v) {
                ("runs", Value::Array(runs)) => {
                    let lazy: Vec<LazyRun> = runs
                        .iter()
                        .filter_map(Value::as_object)
                        .map(|run| LazyRun {
                            run,
                            report: self.report,
                        })
                        .collect();
                    m.serialize_entry(k, &lazy)?;
                }
                _ => m.serialize_entry(k, v)?,
            }
        }
        m.end()
    }
}

impl serde::Serialize for LazyRun<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        for (k, v) in self.run {
            if k != "results" {
                m.serialize_entry(k, v)?;
            }
        }
        m.serialize_entry("results", &LazyResults(self.report))?;
        if self.report.coverage.is_some() || self.report.source.is_some() {
            // Cluster scans: what was read and what was not, beside the results.
            let props = serde_json::json!({
                "source": self.report.source,
                "coverage": self.report.coverage,
            });
            m.serialize_entry("properties", &props)?;
        }
        m.end()
    }
}

impl serde::Serialize for LazyResults<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let report = self.0;
        s.collect_seq(report.findings.iter().map(|f| result(report, f)))
    }
}

/// The SARIF level of a severity: critical and high are errors, medium a warning, the rest notes.
pub fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

/// The `security-severity` property GitHub code scanning reads (a number, as a string).
pub fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

fn level_value(severity: Severity) -> Value {
    Value::String(level(severity).to_string())
}

fn build(report: &Report) -> Sarif {
    let rules: Vec<ReportingDescriptor> = report.rules.iter().map(rule).collect();

    let mut driver = ToolComponent::builder()
        .name(report.tool.name)
        .version(report.tool.version)
        .build();
    driver.information_uri = Some(INFORMATION_URI)
        .filter(|u| !u.is_empty())
        .map(str::to_owned);
    driver.rules = Some(rules);

    let mut invocation = Invocation::builder()
        .execution_successful(report.errors.is_empty())
        .build();
    invocation.exit_code = Some(i64::from(report.exit_code()));
    if !report.errors.is_empty() {
        invocation.tool_execution_notifications =
            Some(report.errors.iter().map(notification).collect());
    }

    let mut run = Run::builder().tool(Tool::from(driver)).build();
    run.column_kind = Some(json!("unicodeCodePoints"));
    run.invocations = Some(vec![invocation]);
    // Results are written lazily by `write`.

    let mut log = Sarif::builder().version(json!("2.1.0")).build();
    log.schema = Some(SCHEMA_URI.to_string());
    log.runs = vec![run];
    log
}

fn text(s: &str) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(s).build()
}

/// PascalCase of a kebab-case id (`privileged-container` -> `PrivilegedContainer`).
fn pascal_case(id: &str) -> String {
    id.split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(first) => first.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

fn rule(meta: &Meta) -> ReportingDescriptor {
    let mut help_md = String::new();
    help_md.push_str(&meta.remediation);
    if !meta.controls.is_empty() {
        help_md.push_str("\n\n**Framework controls**\n");
        for c in meta.controls {
            help_md.push_str("\n- ");
            help_md.push_str(&c.label());
        }
        help_md.push('\n');
    }
    let help = MultiformatMessageString::builder()
        .text(&*meta.remediation)
        .markdown(help_md)
        .build();

    let mut config = ReportingConfiguration::builder().build();
    config.level = Some(level_value(meta.severity));

    let mut tags = vec!["security".to_string(), meta.category.as_str().to_string()];
    tags.extend(meta.controls.iter().map(|c| c.label()));
    let mut extra = BTreeMap::new();
    extra.insert("severity".to_string(), json!(meta.severity.as_str()));
    extra.insert("category".to_string(), json!(meta.category.as_str()));
    extra.insert(
        "security-severity".to_string(),
        json!(security_severity(meta.severity)),
    );
    if !meta.controls.is_empty() {
        extra.insert("controls".to_string(), json!(meta.controls));
    }
    let properties = PropertyBag::builder()
        .tags(tags)
        .additional_properties(extra)
        .build();

    let mut d = ReportingDescriptor::builder().id(&*meta.id).build();
    d.name = Some(pascal_case(&meta.id));
    d.short_description = Some(text(&meta.title));
    d.full_description = Some(text(&meta.rationale));
    d.help = Some(help);
    d.default_configuration = Some(config);
    d.properties = Some(properties);
    d
}

/// A URI reference for a path as given: forward slashes, a leading `./` dropped, reserved and
/// non-ASCII characters percent-encoded; absolute paths become `file://` URIs.
pub fn path_uri(path: &Path) -> String {
    let raw = path.to_string_lossy().replace('\\', "/");
    let is_drive = raw.len() >= 2
        && raw.as_bytes()[0].is_ascii_alphabetic()
        && raw.as_bytes()[1] == b':'
        && (raw.len() == 2 || raw.as_bytes()[2] == b'/');
    if raw.starts_with('/') || is_drive {
        let mut out = String::from("file://");
        if is_drive {
            out.push('/');
            out.push_str(&raw[..2]);
            encode_into(&mut out, &raw[2..], true);
        } else {
            encode_into(&mut out, &raw, true);
        }
        return out;
    }
    let mut rel = raw.as_str();
    while let Some(rest) = rel.strip_prefix("./") {
        rel = rest.trim_start_matches('/');
    }
    let mut out = String::new();
    // A colon in a relative reference would read as a scheme: encode it.
    encode_into(&mut out, rel, false);
    out
}

fn encode_into(out: &mut String, s: &str, allow_colon: bool) {
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
            )
            || (allow_colon && b == b':');
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

fn physical(
    path: &Path,
    line: Option<u32>,
    column: Option<u32>,
    snippet: Option<&str>,
) -> PhysicalLocation {
    let artifact = ArtifactLocation::builder().uri(path_uri(path)).build();
    let mut p = PhysicalLocation::builder().build();
    p.artifact_location = Some(artifact);
    if let Some(line) = line.filter(|l| *l > 0) {
        let mut region = Region::builder().start_line(i64::from(line)).build();
        region.start_column = column.filter(|c| *c > 0).map(i64::from);
        region.snippet = snippet.map(|s| ArtifactContent::builder().text(s).build());
        p.region = Some(region);
    }
    p
}

fn result(report: &Report, f: &Finding) -> SarifResult {
    let mut r = SarifResult::builder()
        .message(Message::builder().text(f.message.as_str()).build())
        .build();
    r.rule_id = Some(f.check.to_string());
    r.rule_index = report
        .rules
        .iter()
        .position(|m| m.id == f.check)
        .and_then(|i| i64::try_from(i).ok());
    r.level = Some(level(f.severity));

    r.kind = Some(kind(f.status));
    let mut logical = LogicalLocation::builder().build();
    let mut subject_props = BTreeMap::new();
    match f.object() {
        Some(obj) => {
            subject_props.insert("apiVersion".to_string(), json!(obj.api_version));
            subject_props.insert("kind".to_string(), json!(obj.kind));
            if let Some(ns) = &obj.namespace {
                subject_props.insert("namespace".to_string(), json!(ns));
            }
            subject_props.insert("name".to_string(), json!(obj.name));
            subject_props.insert("pointer".to_string(), json!(f.pointer.as_str()));
            logical.name = Some(obj.name.clone());
            logical.fully_qualified_name = Some(obj.display_name());
            logical.kind = Some("resource".to_string());
        }
        None => {
            if let Ok(Value::Object(m)) = serde_json::to_value(&f.subject) {
                subject_props.extend(m);
            }
            logical.name = Some(f.subject.display_name());
            logical.fully_qualified_name = Some(f.subject.display_name());
            logical.kind = Some(f.subject.type_name().to_string());
        }
    }
    logical.properties = Some(
        PropertyBag::builder()
            .additional_properties(subject_props)
            .build(),
    );

    let mut loc = Location::builder().build();
    if let Some(l) = &f.location {
        loc.physical_location = Some(physical(
            &l.path,
            Some(l.line),
            Some(l.column),
            l.snippet.as_deref(),
        ));
    }
    loc.logical_locations = Some(vec![logical]);
    r.locations = Some(vec![loc]);

    let mut fp = BTreeMap::new();
    fp.insert(FINGERPRINT_KEY.to_string(), f.fingerprint.to_string());
    r.partial_fingerprints = Some(fp);

    let mut props = BTreeMap::new();
    props.insert("severity".to_string(), json!(f.severity.as_str()));
    if !f.evidence.is_empty() {
        props.insert("evidence".to_string(), json!(f.evidence));
    }
    if !f.related.is_empty() {
        props.insert("related".to_string(), json!(f.related));
    }
    match &f.suppression {
        rampart_model::Suppression::Open => {}
        rampart_model::Suppression::Suppressed { by, reason } => {
            let kind = if by == "annotation" {
                "inSource"
            } else {
                "external"
            };
            let mut s = Suppression::builder().kind(json!(kind)).build();
            s.justification = Some(reason.clone());
            s.properties = Some(
                PropertyBag::builder()
                    .additional_properties(BTreeMap::from([("by".to_string(), json!(by))]))
                    .build(),
            );
            r.suppressions = Some(vec![s]);
        }
        rampart_model::Suppression::WaiverExpired { expired, reason } => {
            props.insert("waiverExpired".to_string(), json!(expired));
            props.insert("waiverReason".to_string(), json!(reason));
        }
    }
    r.properties = Some(PropertyBag::builder().additional_properties(props).build());
    r
}

/// SARIF's `result.kind` for a status.
fn kind(status: Status) -> ResultKind {
    match status {
        Status::Fail => ResultKind::Fail,
        Status::Pass => ResultKind::Pass,
        Status::Manual => ResultKind::Review,
        Status::NotApplicable => ResultKind::NotApplicable,
        // Not enough information to decide.
        Status::Error => ResultKind::Open,
    }
}

fn notification(e: &InputError) -> Notification {
    let mut n = Notification::builder()
        .message(Message::builder().text(e.message.as_str()).build())
        .build();
    n.level = Some(json!("error"));
    let mut loc = Location::builder().build();
    loc.physical_location = Some(physical(&e.path, e.line, e.column, None));
    n.locations = Some(vec![loc]);
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(path_uri(Path::new("a/b.yaml")), "a/b.yaml");
        assert_eq!(path_uri(Path::new("./a/b c.yaml")), "a/b%20c.yaml");
        assert_eq!(path_uri(Path::new(r"a\b.yaml")), "a/b.yaml");
        assert_eq!(path_uri(Path::new("x:y.yaml")), "x%3Ay.yaml");
        assert_eq!(
            path_uri(Path::new("/tmp/é.yaml")),
            "file:///tmp/%C3%A9.yaml"
        );
        assert_eq!(path_uri(Path::new(r"C:\m\a.yaml")), "file:///C:/m/a.yaml");
        assert_eq!(path_uri(Path::new("-")), "-");
        assert_eq!(path_uri(Path::new("100%.yaml")), "100%25.yaml");
    }

    #[test]
    fn names_and_levels() {
        assert_eq!(pascal_case("privileged-container"), "PrivilegedContainer");
        assert_eq!(level(Severity::High), ResultLevel::Error);
        assert_eq!(level(Severity::Medium), ResultLevel::Warning);
        assert_eq!(level(Severity::Info), ResultLevel::Note);
        assert_eq!(security_severity(Severity::Critical), "9.5");
    }
}
