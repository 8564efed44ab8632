//! `rampart scan` of a chart and an overlay, end to end (ignored: needs helm and kustomize on
//! PATH; scripts/render-tests.sh installs them and runs this): auto-detection below a scanned
//! directory, findings located at template, values, base and patch lines, and SARIF regions that
//! point at files that exist.

use std::path::{Path, PathBuf};

use rampart_model::Finding;
use rampart_scan::sink::Collect;
use rampart_scan::{ConfigSource, ScanOptions, Scanner};
use rampart_testutil::workspace;

fn fixtures() -> PathBuf {
    workspace().join("crates/rampart_render/tests/fixtures")
}

fn scan(paths: Vec<PathBuf>) -> (rampart_report::Report, rampart_scan::Outcome) {
    let scanner = Scanner::new(ScanOptions {
        paths,
        config: ConfigSource::None,
        ..ScanOptions::default()
    })
    .expect("options");
    let sources = scanner.sources().expect("sources");
    let mut sink = Collect::new();
    let outcome = scanner.run(sources, &mut sink);
    (sink.into_report().expect("report"), outcome)
}

fn find<'a>(fs: &'a [Finding], name: &str, check: &str, pointer: &str) -> &'a Finding {
    fs.iter()
        .find(|f| {
            f.object().is_some_and(|o| o.name == name)
                && f.check == check
                && f.pointer.as_str() == pointer
        })
        .unwrap_or_else(|| panic!("no {check} at {pointer} of {name}"))
}

fn at(f: &Finding) -> String {
    let l = f.location.as_ref().expect("located");
    let p = l.path.strip_prefix(fixtures()).unwrap_or(&l.path);
    format!("{}:{}", p.display(), l.line)
}

#[test]
#[ignore = "needs helm and kustomize (scripts/render-tests.sh)"]
fn charts_and_overlays_are_rendered_and_mapped() {
    // The whole fixtures directory: the chart and the overlay are found below it, the base is
    // rendered through the overlay only, and the captured outputs are plain files.
    let (report, outcome) = scan(vec![fixtures()]);
    assert_eq!(outcome.errors, 0, "{:?}", report.errors);
    let fs = &report.findings;
    let f = find(
        fs,
        "release-name-web",
        "host-network",
        "/spec/template/spec/hostNetwork",
    );
    assert_eq!(at(f), "charts/demo/templates/deployment.yaml:17");
    let values = f
        .related
        .iter()
        .find(|r| r.role == "values")
        .and_then(|r| r.location.as_ref())
        .expect("values line");
    assert_eq!(
        (values.path.as_ref(), values.line),
        (fixtures().join("charts/demo/values.yaml").as_path(), 5)
    );
    let f = find(
        fs,
        "release-name-web",
        "dangerous-capabilities",
        "/spec/template/spec/containers/3/securityContext/capabilities/add/0",
    );
    assert_eq!(at(f), "charts/demo/templates/_helpers.tpl:11");
    let f = find(
        fs,
        "prod-api",
        "privileged-container",
        "/spec/template/spec/containers/0/securityContext/privileged",
    );
    assert_eq!(at(f), "overlays/prod/privileged.yaml:11");
    let f = find(fs, "prod-api", "host-pid", "/spec/template/spec/hostPID");
    assert_eq!(at(f), "overlays/prod/hostpid.json6902.yaml:3");
    // The base alone is not reported: only through the overlay.
    assert!(!fs
        .iter()
        .any(|f| f.object().is_some_and(|o| o.name == "api")));
    // SARIF: every region of an object finding points at a file that exists.
    let mut out = Vec::new();
    rampart_report::write(&report, rampart_report::Format::Sarif, &mut out).expect("sarif");
    let sarif: serde_json::Value = serde_json::from_slice(&out).expect("json");
    let mut seen = 0;
    for r in sarif["runs"][0]["results"].as_array().expect("results") {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .expect("uri");
        let path = uri.strip_prefix("file://").unwrap_or(uri);
        let path = percent_decode(path);
        let kind = r["locations"][0]["logicalLocations"][0]["kind"].as_str();
        // Cross-object results about a namespace are placed on a rendered object.
        if kind == Some("resource")
            && !path.contains("(helm template)")
            && !path.contains("(kustomize build)")
        {
            assert!(Path::new(&path).is_file(), "{path}");
            seen += 1;
        }
    }
    assert!(seen > 50, "{seen}");
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn a_template_outside_a_chart_keeps_the_clear_error() {
    let dir = rampart_testutil::TempDir::new("render-loose-template");
    dir.write(
        "deploy.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Values.name }}\n",
    );
    let (report, outcome) = scan(vec![dir.0.clone()]);
    assert_eq!(outcome.errors, 1);
    assert!(
        report.errors[0].message.contains("Helm or Go template"),
        "{:?}",
        report.errors
    );
}
