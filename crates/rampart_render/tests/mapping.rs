//! Mapping findings of rendered charts and overlays back to the lines that wrote them, over
//! captured `helm template` / `kustomize build` output (tests/fixtures/rendered/, made from the
//! fixtures by tests/render.rs, which checks they are still what the tools print).

use std::path::{Path, PathBuf};

use rampart_checks::{Engine, Selection};
use rampart_model::{Finding, Resource};
use rampart_render::helm::ChartMap;
use rampart_render::kustomize::OverlayMap;
use rampart_render::{Mapper, Mapping};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn rendered(name: &str) -> String {
    std::fs::read_to_string(fixtures().join("rendered").join(name)).expect("captured output")
}

/// Every finding of every object, with the object.
fn scan(text: &str) -> Vec<(Resource, Finding)> {
    let parsed = rampart_source::parse_str(Path::new("rendered.yaml"), text);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let engine = Engine::new(Selection::all());
    let mut out = Vec::new();
    for r in parsed.resources {
        for f in engine.run(&r) {
            out.push((r.clone(), f));
        }
    }
    out
}

fn object<'a>(all: &'a [(Resource, Finding)], kind: &str, name: &str) -> &'a Resource {
    &all.iter()
        .find(|(r, _)| r.id.kind == kind && r.id.name == name)
        .unwrap_or_else(|| panic!("no {kind}/{name}"))
        .0
}

/// `file:line` of a mapping, the file relative to `root`.
fn at(m: &Mapping, root: &Path) -> String {
    match &m.location {
        Some(p) => format!(
            "{}:{}",
            p.path.strip_prefix(root).unwrap_or(&p.path).display(),
            p.line
        ),
        None => format!("unmapped ({})", m.note.as_deref().unwrap_or("")),
    }
}

fn values_at(m: &Mapping, root: &Path) -> Option<String> {
    m.values.as_ref().map(|p| {
        format!(
            "{}:{}",
            p.path.strip_prefix(root).unwrap_or(&p.path).display(),
            p.line
        )
    })
}

/// (kind, name, check, pointer, template line, values line)
type Expected = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
);

const CHART_EXPECTED: &[Expected] = &[
    // Values indirection: `hostNetwork: {{ .Values.hostNetwork }}`.
    (
        "Deployment",
        "release-name-web",
        "host-network",
        "/spec/template/spec/hostNetwork",
        "templates/deployment.yaml:17",
        Some("values.yaml:5"),
    ),
    // `toYaml .` inside `with .Values.podSecurityContext`.
    (
        "Deployment",
        "release-name-web",
        "run-as-uid-zero",
        "/spec/template/spec/securityContext/runAsUser",
        "templates/deployment.yaml:20",
        Some("values.yaml:7"),
    ),
    (
        "Deployment",
        "release-name-web",
        "privileged-container",
        "/spec/template/spec/containers/0/securityContext/privileged",
        "templates/deployment.yaml:26",
        Some("values.yaml:4"),
    ),
    (
        "Deployment",
        "release-name-web",
        "image-not-pinned-by-digest",
        "/spec/template/spec/containers/0/image",
        "templates/deployment.yaml:24",
        Some("values.yaml:2"),
    ),
    // Containers written by a `range` loop: the loop's item.
    (
        "Deployment",
        "release-name-web",
        "cpu-limit-missing",
        "/spec/template/spec/containers/2",
        "templates/deployment.yaml:29",
        None,
    ),
    (
        "Deployment",
        "release-name-web",
        "duplicate-container-port",
        "/spec/template/spec/containers/2/ports/0/containerPort",
        "templates/deployment.yaml:32",
        None,
    ),
    // A container written by an `include`d helper inside an `if` block.
    (
        "Deployment",
        "release-name-web",
        "dangerous-capabilities",
        "/spec/template/spec/containers/3/securityContext/capabilities/add/0",
        "templates/_helpers.tpl:11",
        None,
    ),
    (
        "Deployment",
        "release-name-web",
        "image-not-pinned-by-digest",
        "/spec/template/spec/containers/3/image",
        "templates/_helpers.tpl:8",
        None,
    ),
    // Two documents from one template (a `range` of documents).
    (
        "DaemonSet",
        "worker-beta",
        "host-pid",
        "/spec/template/spec/hostPID",
        "templates/daemonset.yaml:16",
        None,
    ),
];

#[test]
fn chart_findings_map_to_template_and_values_lines() {
    let root = fixtures().join("charts/demo");
    let text = rendered("demo.yaml");
    let map = ChartMap::new(&root, &[], &text);
    let all = scan(&text);
    for (kind, name, check, pointer, line, values) in CHART_EXPECTED {
        let (res, _) = all
            .iter()
            .find(|(r, f)| {
                r.id.kind == *kind
                    && r.id.name == *name
                    && f.check == *check
                    && f.pointer.as_str() == *pointer
            })
            .unwrap_or_else(|| panic!("no {check} at {pointer} of {kind}/{name}"));
        let m = map.map(res, pointer);
        assert_eq!(at(&m, &root), *line, "{check} {pointer}");
        assert_eq!(
            values_at(&m, &root).as_deref(),
            *values,
            "{check} {pointer}"
        );
    }
    // Every finding of the fixture chart is mapped to a file of the chart.
    for (res, f) in &all {
        let m = map.map(res, f.pointer.as_str());
        let place = m
            .location
            .unwrap_or_else(|| panic!("{} {} unmapped: {:?}", f.check, f.pointer, m.note));
        assert!(place.path.is_file(), "{}", place.path.display());
        assert!(place.path.starts_with(&root));
    }
}

#[test]
fn chart_fields_without_findings_map_too() {
    let root = fixtures().join("charts/demo");
    let text = rendered("demo.yaml");
    let map = ChartMap::new(&root, &[], &text);
    let all = scan(&text);
    let web = object(&all, "Deployment", "release-name-web");
    // `toYaml .Values.securityContext | nindent 12` writes allowPrivilegeEscalation.
    let m = map.map(
        web,
        "/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation",
    );
    assert_eq!(at(&m, &root), "templates/deployment.yaml:27");
    assert_eq!(values_at(&m, &root).as_deref(), Some("values.yaml:9"));
    assert_eq!(
        m.values_path,
        ["securityContext", "allowPrivilegeEscalation"]
    );
    // Labels from an `include`d helper.
    let m = map.map(web, "/metadata/labels/app.kubernetes.io~1name");
    assert_eq!(at(&m, &root), "templates/_helpers.tpl:2");
    // The first DaemonSet of the `range` of documents.
    let alpha = object(&all, "DaemonSet", "worker-alpha");
    let m = map.map(alpha, "/spec/template/spec/containers/0/image");
    assert_eq!(at(&m, &root), "templates/daemonset.yaml:19");
}

#[test]
fn values_files_given_later_win() {
    let root = fixtures().join("charts/demo");
    let dir = std::env::temp_dir().join(format!("rampart-render-values-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let extra = dir.join("prod.yaml");
    std::fs::write(&extra, "# prod\nhostNetwork: true\n").expect("write");
    let text = rendered("demo.yaml");
    let map = ChartMap::new(&root, std::slice::from_ref(&extra), &text);
    let all = scan(&text);
    let web = object(&all, "Deployment", "release-name-web");
    let m = map.map(web, "/spec/template/spec/hostNetwork");
    let v = m.values.expect("values line");
    assert_eq!((v.path.as_path(), v.line), (extra.as_path(), 2));
    // Not set there: the chart's values.yaml.
    let m = map.map(
        web,
        "/spec/template/spec/containers/0/securityContext/privileged",
    );
    assert_eq!(values_at(&m, &root).as_deref(), Some("values.yaml:4"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// (check, pointer, file:line)
const OVERLAY_EXPECTED: &[(&str, &str, &str)] = &[
    // Set by the base only.
    (
        "host-ipc",
        "/spec/template/spec/hostIPC",
        "base/deployment.yaml:14",
    ),
    // A container written by the base (found by name: the patch reorders them).
    (
        "cpu-limit-missing",
        "/spec/template/spec/containers/0",
        "base/deployment.yaml:20",
    ),
    (
        "image-not-pinned-by-digest",
        "/spec/template/spec/containers/1/image",
        "base/deployment.yaml:17",
    ),
    // A strategic merge patch file.
    (
        "privileged-container",
        "/spec/template/spec/containers/0/securityContext/privileged",
        "prod/privileged.yaml:11",
    ),
    (
        "seccomp-profile-missing",
        "/spec/template/spec/containers/0/securityContext",
        "prod/privileged.yaml:10",
    ),
    // A JSON 6902 patch file.
    (
        "host-pid",
        "/spec/template/spec/hostPID",
        "prod/hostpid.json6902.yaml:3",
    ),
    // An inline JSON 6902 patch in the kustomization.
    (
        "host-network",
        "/spec/template/spec/hostNetwork",
        "prod/kustomization.yaml:20",
    ),
    // The pod spec itself: the base wrote it (patches only pass through).
    (
        "automount-service-account-token",
        "/spec/template/spec",
        "base/deployment.yaml:13",
    ),
];

#[test]
fn overlay_findings_map_to_bases_and_patches() {
    let root = fixtures().join("overlays");
    let map = Mapper::Overlay(OverlayMap::new(&root.join("prod")));
    let all = scan(&rendered("prod.yaml"));
    for (check, pointer, line) in OVERLAY_EXPECTED {
        let (res, _) = all
            .iter()
            .find(|(_, f)| f.check == *check && f.pointer.as_str() == *pointer)
            .unwrap_or_else(|| panic!("no {check} at {pointer}"));
        assert_eq!(res.id.name, "prod-api");
        let m = map.map(res, pointer);
        assert_eq!(at(&m, &root), *line, "{check} {pointer}");
    }
    for (res, f) in &all {
        let m = map.map(res, f.pointer.as_str());
        assert!(
            m.location.is_some(),
            "{} {}: {:?}",
            f.check,
            f.pointer,
            m.note
        );
    }
}

#[test]
fn charts_and_overlays_are_detected_below_scanned_dirs() {
    let plan = rampart_render::plan(&[fixtures()]);
    let dirs: Vec<String> = plan
        .targets
        .iter()
        .map(|t| {
            let kind = match t {
                rampart_render::Target::Chart(_) => "chart",
                rampart_render::Target::Overlay(_) => "overlay",
            };
            format!(
                "{kind} {}",
                t.dir()
                    .strip_prefix(fixtures())
                    .unwrap_or(t.dir())
                    .display()
            )
        })
        .collect();
    // The base is used by the overlay: rendered through it, not on its own.
    assert_eq!(dirs, ["chart charts/demo", "overlay overlays/prod"]);
    assert!(plan.skips(&fixtures().join("overlays/base/deployment.yaml")));
    assert!(plan.skips(&fixtures().join("charts/demo/templates/deployment.yaml")));
    assert!(!plan.skips(&fixtures().join("rendered/demo.yaml")));
}

#[test]
fn a_missing_renderer_is_a_clear_error() {
    let opts = rampart_render::RenderOptions {
        helm: Some(PathBuf::from("/nonexistent/helm")),
        ..Default::default()
    };
    let target = rampart_render::Target::Chart(fixtures().join("charts/demo"));
    let err = rampart_render::render(&target, &opts)
        .err()
        .expect("no helm there");
    let msg = err.to_string();
    assert!(
        msg.contains("Helm chart") && msg.contains("/nonexistent/helm"),
        "{msg}"
    );
}
