//! Rendering with the real tools: `helm template` and `kustomize build` (ignored: they need
//! helm and kustomize on PATH; scripts/render-tests.sh installs them and runs these), and the
//! share of findings mapped to a template line on real charts (the corpora's charts).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rampart_checks::{Engine, Selection};
use rampart_render::{render, Mapper, RenderOptions, Target};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The captured outputs that tests/mapping.rs maps are what the tools print today.
#[test]
#[ignore = "needs helm and kustomize (scripts/render-tests.sh)"]
fn captured_outputs_are_current() {
    let opts = RenderOptions::default();
    let chart = render(&Target::Chart(fixtures().join("charts/demo")), &opts).expect("helm");
    let captured = std::fs::read_to_string(fixtures().join("rendered/demo.yaml")).expect("read");
    assert_eq!(
        chart.text, captured,
        "re-capture tests/fixtures/rendered/demo.yaml"
    );
    let overlay =
        render(&Target::Overlay(fixtures().join("overlays/prod")), &opts).expect("kustomize");
    let captured = std::fs::read_to_string(fixtures().join("rendered/prod.yaml")).expect("read");
    assert_eq!(
        overlay.text, captured,
        "re-capture tests/fixtures/rendered/prod.yaml"
    );
}

/// `--values`, `--set`, `--release` and `--namespace` reach helm, and the mapping follows.
#[test]
#[ignore = "needs helm (scripts/render-tests.sh)"]
fn chart_options_reach_helm() {
    let dir = std::env::temp_dir().join(format!("rampart-render-opts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let extra = dir.join("prod.yaml");
    std::fs::write(&extra, "hostNetwork: false\nprivileged: false\n").expect("write");
    let opts = RenderOptions {
        values: vec![extra.clone()],
        set: vec!["debug.enabled=false".into()],
        release: Some("shop".into()),
        namespace: Some("tenant".into()),
        ..Default::default()
    };
    let r = render(&Target::Chart(fixtures().join("charts/demo")), &opts).expect("helm");
    assert!(r.text.contains("name: shop-web"), "{}", r.text);
    assert!(r.text.contains("hostNetwork: false"));
    assert!(!r.text.contains("name: debug"));
    let parsed = rampart_source::parse_str(Path::new("x"), &r.text);
    let web = parsed
        .resources
        .iter()
        .find(|r| r.id.name == "shop-web")
        .expect("deployment");
    let m = r.mapper.map(web, "/spec/template/spec/hostNetwork");
    let v = m.values.expect("values line");
    assert_eq!((v.path.as_path(), v.line), (extra.as_path(), 1));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "needs helm (scripts/render-tests.sh)"]
fn a_failing_chart_names_the_chart_and_helms_message() {
    let dir = std::env::temp_dir().join(format!("rampart-render-bad-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("templates")).expect("temp dir");
    std::fs::write(
        dir.join("Chart.yaml"),
        "apiVersion: v2\nname: bad\nversion: 0.1.0\n",
    )
    .expect("write");
    std::fs::write(dir.join("templates/x.yaml"), "a: {{ .Values.x.y.z }}\n").expect("write");
    let err = render(&Target::Chart(dir.clone()), &RenderOptions::default())
        .err()
        .expect("fails");
    let msg = err.to_string();
    assert!(msg.contains("helm") && msg.contains("nil pointer"), "{msg}");
    assert_eq!(err.dir(), dir.as_path());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The charts of the corpora: `charts/*` (real charts as their projects ship them), the chart in
/// `realworld/`, and kube-score's test chart.
fn corpus_charts() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for (corpus, sub) in [
        ("charts", ""),
        ("realworld", "istio/samples/ambient-argo/tag-chart"),
        ("kube-score", "score/testdata/helm/app1"),
    ] {
        let Some(dir) = rampart_testutil::require_corpora(corpus) else {
            continue;
        };
        if sub.is_empty() {
            for t in rampart_render::plan(&[dir]).targets {
                if let Target::Chart(c) = t {
                    out.push(c);
                }
            }
        } else if dir.join(sub).join("Chart.yaml").is_file() {
            out.push(dir.join(sub));
        }
    }
    out.sort();
    out
}

/// Renders and scans every corpus chart; prints the share of findings mapped to a template
/// line, what could not be mapped and why, and render vs mapping time.
#[test]
#[ignore = "needs helm (scripts/render-tests.sh)"]
fn real_charts_findings_map_to_template_lines() {
    let charts = corpus_charts();
    if charts.is_empty() {
        eprintln!("skipping: no corpus charts");
        return;
    }
    let engine = Engine::new(Selection::all());
    let opts = RenderOptions::default();
    let (mut total, mut mapped, mut exact, mut with_values) = (0usize, 0usize, 0usize, 0usize);
    let mut verified = 0usize;
    let mut render_time = Duration::ZERO;
    let mut map_time = Duration::ZERO;
    let mut unmapped: Vec<String> = Vec::new();
    for chart in &charts {
        let started = Instant::now();
        let r = render(&Target::Chart(chart.clone()), &opts).unwrap_or_else(|e| panic!("{e}"));
        render_time += started.elapsed();
        let parsed = rampart_source::parse_str(Path::new("rendered"), &r.text);
        assert!(
            parsed.errors.is_empty(),
            "{}: {:?}",
            chart.display(),
            parsed.errors
        );
        let found: Vec<_> = parsed
            .resources
            .iter()
            .flat_map(|res| engine.run(res).into_iter().map(move |f| (res, f)))
            .collect();
        // Mapping time: reading the chart's templates and values, and mapping every finding.
        let started = Instant::now();
        let mapper = Mapper::new(&r.target, &opts, &r.text);
        let maps: Vec<_> = found
            .iter()
            .map(|(res, f)| mapper.map(res, f.pointer.as_str()))
            .collect();
        map_time += started.elapsed();
        let (mut c_total, mut c_mapped) = (0, 0);
        for ((res, f), m) in found.iter().zip(&maps) {
            total += 1;
            c_total += 1;
            match &m.location {
                Some(p) => {
                    assert!(p.path.is_file(), "{}", p.path.display());
                    assert!(p.path.starts_with(chart), "{}", p.path.display());
                    mapped += 1;
                    c_mapped += 1;
                    exact += usize::from(m.exact);
                    // The line names the field (its key, or the action that writes it).
                    let text = std::fs::read_to_string(&p.path).unwrap_or_default();
                    let line = text.lines().nth(p.line as usize - 1).unwrap_or("");
                    // The deepest field of the pointer that exists.
                    let last = rampart_render::helm::existing_tokens(&res.raw, f.pointer.as_str())
                        .into_iter()
                        .filter(|(_, index)| !index)
                        .map(|(t, _)| t)
                        .next_back()
                        .unwrap_or_default();
                    let named = line.contains("{{")
                        || line.trim_start().starts_with('-')
                        || line.contains(&format!("{last}:"))
                        || f.pointer.as_str().is_empty();
                    if named {
                        verified += 1;
                    } else {
                        eprintln!(
                            "  check: {} {} -> {}:{} `{}`",
                            f.check,
                            f.pointer,
                            p.path.display(),
                            p.line,
                            line.trim()
                        );
                    }
                    if !m.exact {
                        eprintln!(
                            "  enclosing line only: {} {} {} -> {}:{} `{}`",
                            res.id.name,
                            f.check,
                            f.pointer,
                            p.path.display(),
                            p.line,
                            line.trim()
                        );
                    }
                    with_values += usize::from(m.values.is_some());
                }
                None => unmapped.push(format!(
                    "{} {}/{} {} {}: {}",
                    chart.file_name().unwrap_or_default().to_string_lossy(),
                    res.id.kind,
                    res.id.name,
                    f.check,
                    f.pointer,
                    m.note.as_deref().unwrap_or("")
                )),
            }
        }
        eprintln!(
            "{}: {} objects, {c_mapped}/{c_total} findings mapped",
            chart.display(),
            parsed.resources.len()
        );
    }
    let share = mapped as f64 / total.max(1) as f64;
    eprintln!(
        "real charts: {} charts, {total} findings, {mapped} mapped to a template line ({:.1}%), \
         {exact} to the field's own line or the action writing it, {with_values} with a values line, \
         {verified} whose line names the field or is an action or item",
        charts.len(),
        share * 100.0
    );
    eprintln!(
        "render (helm template) {:.0} ms, mapping {:.1} ms ({:.1}% of render)",
        render_time.as_secs_f64() * 1e3,
        map_time.as_secs_f64() * 1e3,
        map_time.as_secs_f64() / render_time.as_secs_f64().max(1e-9) * 100.0
    );
    unmapped.sort();
    for u in &unmapped {
        eprintln!("  unmapped: {u}");
    }
    // Measured: see BENCHMARKS.md ("Chart and overlay mapping").
    assert!(share >= 0.98, "mapped share {share:.3} under the floor");
    assert!(
        exact as f64 >= 0.95 * total as f64,
        "{exact} of {total} mapped to the field's own line: under the floor"
    );
    assert!(
        map_time.as_secs_f64() < 0.2 * render_time.as_secs_f64(),
        "mapping {map_time:?} is 20% or more of render {render_time:?}"
    );
}
