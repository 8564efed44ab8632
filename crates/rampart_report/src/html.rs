//! HTML: one self-contained file (inline CSS and a few lines of script, no network) with the
//! posture score, findings by severity, namespace and framework, and a drill-down from each
//! framework control to its findings and their `file:line`; when the scan computed them
//! ([`crate::Report::views`]), the RBAC escalation paths (an SVG graph and a table) and the
//! NetworkPolicy reachability matrix, linked to their findings (see [`crate::views`]).
//!
//! Built for large reports: findings are grouped by check in collapsed `<details>` elements,
//! and a check with more than [`PAGE`] findings is split into collapsed pages of that size, so
//! a browser lays out only what is opened. A control lists at most [`CONTROL_LIMIT`] of its
//! findings and links to its checks for the rest. Links are in-page anchors only; the script
//! opens the collapsed sections an anchor points into (browsers without script still show every
//! section, collapsed).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use rampart_frameworks::{eval, ControlStatus, Evaluation};
use rampart_model::{Finding, Meta, Severity, Status};

use crate::Report;

/// Findings per collapsed page of a check's findings.
pub const PAGE: usize = 500;
/// Findings listed under one control.
pub const CONTROL_LIMIT: usize = 25;
/// Namespaces listed in the namespace table (worst first); the rest are counted.
pub const NAMESPACE_LIMIT: usize = 200;

/// What to include.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Framework ids to evaluate; empty means every built-in framework.
    pub frameworks: Vec<String>,
}

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// An id usable in an `id` attribute and a fragment (letters, digits, `-`, `_`, `.`).
fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.1}%"))
}

const STYLE: &str = r#"
:root{--fg:#1a1a1a;--muted:#4a4a4a;--bg:#fff;--line:#d0d0d0;--alt:#f4f5f7;--link:#0b4f9c}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0}
a{color:var(--link)}
a:focus,summary:focus{outline:3px solid #f0b400;outline-offset:2px}
.skip{position:absolute;left:-9999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px}
header,main,nav{max-width:1200px;margin:0 auto;padding:0 16px}
header{padding-top:16px}
nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:16px}
h1{font-size:1.6em;margin:.2em 0}h2{border-bottom:2px solid var(--line);padding-bottom:4px;margin-top:1.6em}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--alt)}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.score{font-size:2.4em;font-weight:700;margin:0}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 12px;min-width:150px}
.bar{display:inline-block;height:10px;background:#5a6270;vertical-align:middle}
.b{display:inline-block;min-width:6.5em;text-align:center;border-radius:4px;padding:0 6px;font-size:.85em;font-weight:700;color:#fff}
.s-critical{background:#7a0b0b}.s-high{background:#b3261e}.s-medium{background:#8a5300}.s-low{background:#2f5f8a}.s-info{background:#4a4a4a}
.c-fail{background:#b3261e}.c-pass{background:#1e6b34}.c-manual{background:#6b4f00}.c-not-applicable{background:#4a4a4a}.c-not-assessed{background:#5c5c70}
details{border:1px solid var(--line);border-radius:4px;margin:4px 0;padding:2px 8px}
details[open]{background:#fcfcfd}
summary{cursor:pointer;padding:2px 0}
.muted{color:var(--muted)}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;word-break:break-all}
tr:target,li:target{background:#fff3c4}
.disclaimer{border-left:4px solid #8a5300;padding:4px 8px;background:#fff8e6}
"#;

const SCRIPT: &str = r#"
(function(){
  function reveal(){
    var id=decodeURIComponent(location.hash.slice(1));
    if(!id)return;
    var el=document.getElementById(id);
    for(var p=el;p;p=p.parentElement){if(p.tagName==='DETAILS')p.open=true;}
    if(el)el.scrollIntoView();
  }
  window.addEventListener('hashchange',reveal);
  document.addEventListener('DOMContentLoaded',reveal);
})();
"#;

/// Writes the report as one HTML document.
pub fn write(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    write_with(report, &Options::default(), w)
}

/// Writes the report, evaluating the frameworks `opts` names.
pub fn write_with(report: &Report, opts: &Options, w: &mut dyn Write) -> io::Result<()> {
    let catalog = rampart_frameworks::catalog();
    let metas: Vec<&Meta> = report.rules.iter().collect();
    let ids: Vec<&str> = opts.frameworks.iter().map(String::as_str).collect();
    let evals = crate::framework::evaluate(catalog, report, &ids);
    let mut w = io::BufWriter::with_capacity(1 << 16, w);
    head(&mut w, report)?;
    summary(&mut w, report, &metas, &evals)?;
    namespaces(&mut w, &report.findings)?;
    frameworks(&mut w, report, &evals)?;
    views(&mut w, report)?;
    findings(&mut w, report)?;
    errors(&mut w, report)?;
    write!(w, "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n")?;
    w.flush()
}

fn head(w: &mut dyn Write, report: &Report) -> io::Result<()> {
    write!(
        w,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>rampart report</title>\n<style>{STYLE}{}</style>\n</head>\n<body>\n\
         <a class=\"skip\" href=\"#main\">Skip to the report</a>\n<header>\n<h1>rampart report</h1>\n\
         <p class=\"muted\">{} {} · {} files, {} objects, {} checks</p>\n</header>\n\
         <nav aria-label=\"Sections\"><ul>\
         <li><a href=\"#posture\">Posture</a></li><li><a href=\"#namespaces\">Namespaces</a></li>\
         <li><a href=\"#frameworks\">Frameworks</a></li>{}<li><a href=\"#findings\">Findings</a></li>\
         <li><a href=\"#errors\">Input errors</a></li></ul></nav>\n<main id=\"main\">\n",
        crate::views::STYLE,
        views_nav(report),
        report.tool.name,
        esc(report.tool.version),
        report.scanned.files,
        report.scanned.objects,
        report.scanned.checks,
    )
}

fn summary(
    w: &mut dyn Write,
    report: &Report,
    metas: &[&Meta],
    evals: &[Evaluation],
) -> io::Result<()> {
    let s = &report.summary;
    let posture = eval::posture_score(&report.findings, metas);
    write!(
        w,
        "<section id=\"posture\" aria-labelledby=\"posture-h\">\n<h2 id=\"posture-h\">Posture</h2>\n\
         <div class=\"cards\"><div class=\"card\"><p class=\"muted\">Posture score</p>\
         <p class=\"score\">{}</p></div>\
         <div class=\"card\"><p class=\"muted\">Open findings</p><p class=\"score\">{}</p></div>\
         <div class=\"card\"><p class=\"muted\">Waived</p><p class=\"score\">{}</p></div>\
         <div class=\"card\"><p class=\"muted\">Input errors</p><p class=\"score\">{}</p></div></div>\n\
         <p class=\"muted\">The posture score is the share of the checks that ran without an open \
         finding, weighted by severity (critical 10, high 6, medium 3, low 1, info 0).</p>\n",
        pct(posture),
        s.open,
        s.suppressed,
        report.errors.len()
    )?;
    let max = s.by_severity.values().copied().max().unwrap_or(0).max(1);
    w.write_all(
        b"<h3>Open findings by severity</h3>\n<table>\n<caption class=\"muted\">Open findings (not waived) by severity</caption>\n\
          <thead><tr><th scope=\"col\">Severity</th><th scope=\"col\" class=\"n\">Findings</th><th scope=\"col\">Share</th></tr></thead><tbody>\n",
    )?;
    for sev in Severity::ALL.iter().rev() {
        let n = s.by_severity.get(sev).copied().unwrap_or(0);
        writeln!(
            w,
            "<tr><th scope=\"row\"><span class=\"b s-{sev}\">{sev}</span></th><td class=\"n\">{n}</td>\
             <td><span class=\"bar\" style=\"width:{}px\" aria-hidden=\"true\"></span></td></tr>",
            n * 300 / max
        )?;
    }
    w.write_all(b"</tbody></table>\n")?;
    w.write_all(
        b"<h3>Frameworks</h3>\n<table>\n<thead><tr><th scope=\"col\">Framework</th><th scope=\"col\" class=\"n\">Score</th>\
          <th scope=\"col\" class=\"n\">Pass</th><th scope=\"col\" class=\"n\">Fail</th><th scope=\"col\" class=\"n\">Manual</th>\
          <th scope=\"col\" class=\"n\">Not applicable</th><th scope=\"col\" class=\"n\">Not assessed</th></tr></thead><tbody>\n",
    )?;
    for e in evals {
        let c = &e.counts;
        writeln!(
            w,
            "<tr><th scope=\"row\"><a href=\"#fw-{}\">{} {}</a></th><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            slug(&e.framework),
            esc(&e.title),
            esc(&e.version),
            pct(e.score),
            c.pass,
            c.fail,
            c.manual,
            c.not_applicable,
            c.not_assessed
        )?;
    }
    w.write_all(b"</tbody></table>\n<p class=\"muted\">A framework's score is pass / (pass + fail) over its controls. A mapping is evidence, not certification.</p>\n</section>\n")
}

fn namespaces(w: &mut dyn Write, findings: &[Finding]) -> io::Result<()> {
    let mut by_ns: BTreeMap<&str, [usize; 5]> = BTreeMap::new();
    for f in findings.iter().filter(|f| f.is_open()) {
        let ns = match f.object() {
            Some(o) => o.namespace.as_deref().unwrap_or("(cluster-scoped)"),
            None => "(not an object)",
        };
        let i = Severity::ALL
            .iter()
            .position(|s| *s == f.severity)
            .unwrap_or(0);
        by_ns.entry(ns).or_default()[i] += 1;
    }
    let mut rows: Vec<(&str, [usize; 5])> = by_ns.into_iter().collect();
    // Worst first: by critical, high, ... counts.
    rows.sort_by(|a, b| {
        let key = |r: &[usize; 5]| [r[4], r[3], r[2], r[1], r[0]];
        key(&b.1).cmp(&key(&a.1)).then_with(|| a.0.cmp(b.0))
    });
    w.write_all(
        b"<section id=\"namespaces\" aria-labelledby=\"ns-h\">\n<h2 id=\"ns-h\">Namespaces</h2>\n",
    )?;
    if rows.is_empty() {
        return w.write_all(b"<p>No open findings.</p>\n</section>\n");
    }
    w.write_all(b"<table>\n<caption class=\"muted\">Open findings by namespace, worst first</caption>\n<thead><tr><th scope=\"col\">Namespace</th>")?;
    for s in Severity::ALL.iter().rev() {
        write!(w, "<th scope=\"col\" class=\"n\">{s}</th>")?;
    }
    w.write_all(b"<th scope=\"col\" class=\"n\">Total</th></tr></thead><tbody>\n")?;
    for (ns, counts) in rows.iter().take(NAMESPACE_LIMIT) {
        write!(w, "<tr><th scope=\"row\">{}</th>", esc(ns))?;
        for n in counts.iter().rev() {
            write!(w, "<td class=\"n\">{n}</td>")?;
        }
        writeln!(
            w,
            "<td class=\"n\">{}</td></tr>",
            counts.iter().sum::<usize>()
        )?;
    }
    w.write_all(b"</tbody></table>\n")?;
    if rows.len() > NAMESPACE_LIMIT {
        writeln!(
            w,
            "<p class=\"muted\">{} more namespaces with fewer findings are not listed.</p>",
            rows.len() - NAMESPACE_LIMIT
        )?;
    }
    w.write_all(b"</section>\n")
}

fn finding_line(report: &Report, i: usize) -> String {
    let Some(f) = report.findings.get(i) else {
        return String::new();
    };
    let place = match &f.location {
        Some(l) => format!(
            " <code>{}:{}</code>",
            esc(&l.path.display().to_string()),
            l.line
        ),
        None => String::new(),
    };
    format!(
        "<a href=\"#f-{i}\">{}</a> {}{place}: {}",
        esc(&f.check),
        esc(&f.subject.display_name()),
        esc(&f.message)
    )
}

fn frameworks(w: &mut dyn Write, report: &Report, evals: &[Evaluation]) -> io::Result<()> {
    w.write_all(
        b"<section id=\"frameworks\" aria-labelledby=\"fw-h\">\n<h2 id=\"fw-h\">Frameworks</h2>\n",
    )?;
    let catalog = rampart_frameworks::catalog();
    // Checks with findings have a section to link to.
    let with_findings: std::collections::HashSet<&str> =
        report.findings.iter().map(|f| f.check.as_ref()).collect();
    for e in evals {
        let fw = catalog.get(&e.framework);
        let c = &e.counts;
        write!(
            w,
            "<section id=\"fw-{id}\" aria-labelledby=\"fw-{id}-h\">\n<h3 id=\"fw-{id}-h\">{} {}</h3>\n\
             <p>Score <strong>{}</strong> · {} pass, {} fail, {} manual, {} not applicable, {} not assessed \
             · source <code>{}</code></p>\n<p class=\"disclaimer\">{}</p>\n",
            esc(&e.title),
            esc(&e.version),
            pct(e.score),
            c.pass,
            c.fail,
            c.manual,
            c.not_applicable,
            c.not_assessed,
            esc(&e.source),
            esc(&e.disclaimer),
            id = slug(&e.framework),
        )?;
        let worst: Vec<_> = e
            .namespaces
            .iter()
            .filter(|n| n.failing > 0)
            .take(10)
            .collect();
        if !worst.is_empty() {
            w.write_all(b"<details><summary>Namespaces with the most failing controls</summary><table><thead><tr><th scope=\"col\">Namespace</th><th scope=\"col\" class=\"n\">Failing controls</th><th scope=\"col\" class=\"n\">Score</th></tr></thead><tbody>\n")?;
            for n in worst {
                writeln!(
                    w,
                    "<tr><th scope=\"row\">{}</th><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                    esc(&n.namespace),
                    n.failing,
                    pct(n.score)
                )?;
            }
            w.write_all(b"</tbody></table></details>\n")?;
        }
        let mut section = None;
        for r in &e.controls {
            if section != Some(&r.section) {
                let title = catalog
                    .get(&r.framework)
                    .or(fw)
                    .and_then(|f| f.section_title(&r.section))
                    .unwrap_or("");
                writeln!(w, "<h4>{} {}</h4>", esc(&r.section), esc(title))?;
                section = Some(&r.section);
            }
            write!(
                w,
                "<details id=\"ctl-{}-{}\"><summary><span class=\"b c-{st}\">{st}</span> <strong>{}</strong> {}",
                slug(&e.framework),
                slug(&r.id),
                esc(&r.id),
                esc(&r.title),
                st = r.status.as_str(),
            )?;
            if !r.findings.is_empty() && r.status == ControlStatus::Fail {
                write!(
                    w,
                    " <span class=\"muted\">({} findings)</span>",
                    r.findings.len()
                )?;
            }
            w.write_all(b"</summary>\n")?;
            if let Some(reason) = &r.reason {
                writeln!(w, "<p>{}</p>", esc(reason))?;
            }
            if !r.checks.is_empty() {
                let links: Vec<String> = r
                    .checks
                    .iter()
                    .map(|c| {
                        if with_findings.contains(c.as_str()) {
                            format!("<a href=\"#check-{}\">{}</a>", slug(c), esc(c))
                        } else {
                            format!("{} <span class=\"muted\">(no findings)</span>", esc(c))
                        }
                    })
                    .collect();
                writeln!(w, "<p>Checks: {}</p>", links.join(", "))?;
            } else if r.status == ControlStatus::NotAssessed {
                w.write_all(
                    b"<p>None of the checks mapped to this control ran in this scan.</p>\n",
                )?;
            }
            if r.waived > 0 {
                writeln!(w, "<p class=\"muted\">{} findings waived.</p>", r.waived)?;
            }
            if !r.findings.is_empty() {
                w.write_all(b"<ul>\n")?;
                for &i in r.findings.iter().take(CONTROL_LIMIT) {
                    writeln!(w, "<li>{}</li>", finding_line(report, i))?;
                }
                w.write_all(b"</ul>\n")?;
                if r.findings.len() > CONTROL_LIMIT {
                    writeln!(
                        w,
                        "<p class=\"muted\">and {} more: see the checks above.</p>",
                        r.findings.len() - CONTROL_LIMIT
                    )?;
                }
            }
            w.write_all(b"</details>\n")?;
        }
        w.write_all(b"</section>\n")?;
    }
    w.write_all(b"</section>\n")
}

/// Links to the views' sections, when the scan has them.
fn views_nav(report: &Report) -> String {
    let mut s = String::new();
    if let Some(v) = &report.views {
        if v.escalation.is_some() {
            s.push_str("<li><a href=\"#rbac-paths\">RBAC escalation paths</a></li>");
        }
        if v.reachability.is_some() {
            s.push_str("<li><a href=\"#reachability\">Network reachability</a></li>");
        }
    }
    s
}

/// In-page links from the views to the first finding about an object (RBAC and NetworkPolicy
/// checks only).
struct ReportLinks {
    subject: std::collections::HashMap<String, usize>,
    check_subject: std::collections::HashMap<(String, String), usize>,
    namespace: std::collections::HashMap<String, usize>,
}

impl ReportLinks {
    fn new(report: &Report) -> Self {
        let mut l = ReportLinks {
            subject: Default::default(),
            check_subject: Default::default(),
            namespace: Default::default(),
        };
        for (i, f) in report.findings.iter().enumerate() {
            let netpol = f.check.starts_with("netpol-");
            if !(netpol || f.check.starts_with("rbac-")) || !f.is_open() {
                continue;
            }
            let name = f.subject.display_name();
            l.check_subject
                .entry((f.check.to_string(), name.clone()))
                .or_insert(i);
            if netpol {
                if let Some(ns) = f.object().and_then(|o| o.namespace.clone()) {
                    l.namespace.entry(ns).or_insert(i);
                }
            }
            l.subject.entry(name).or_insert(i);
        }
        l
    }
}

impl crate::views::Links for ReportLinks {
    fn subject(&self, name: &str) -> Option<String> {
        self.subject.get(name).map(|i| format!("#f-{i}"))
    }

    fn check_subject(&self, check: &str, name: &str) -> Option<String> {
        self.check_subject
            .get(&(check.to_owned(), name.to_owned()))
            .map(|i| format!("#f-{i}"))
    }

    fn netpol_namespace(&self, ns: &str) -> Option<String> {
        self.namespace.get(ns).map(|i| format!("#f-{i}"))
    }
}

/// The RBAC escalation paths (graph and table) and the reachability matrix, when computed.
fn views(w: &mut dyn Write, report: &Report) -> io::Result<()> {
    let Some(v) = &report.views else {
        return Ok(());
    };
    if v.escalation.is_none() && v.reachability.is_none() {
        return Ok(());
    }
    let links = ReportLinks::new(report);
    if let Some(e) = &v.escalation {
        write!(
            w,
            "<section id=\"rbac-paths\" aria-labelledby=\"rbac-paths-h\">\n<h2 id=\"rbac-paths-h\">RBAC escalation paths</h2>\n{}\n</section>\n",
            crate::views::escalation_html(e, &links, "esc")
        )?;
    }
    if let Some(r) = &v.reachability {
        write!(
            w,
            "<section id=\"reachability\" aria-labelledby=\"reach-h\">\n<h2 id=\"reach-h\">Network reachability</h2>\n{}\n</section>\n",
            crate::views::reachability_html(r, &links, "reach")
        )?;
    }
    Ok(())
}

fn findings(w: &mut dyn Write, report: &Report) -> io::Result<()> {
    w.write_all(b"<section id=\"findings\" aria-labelledby=\"findings-h\">\n<h2 id=\"findings-h\">Findings</h2>\n")?;
    // Check -> indices, checks with the most severe open findings first.
    let mut by_check: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, f) in report.findings.iter().enumerate() {
        by_check.entry(f.check.as_ref()).or_default().push(i);
    }
    let mut checks: Vec<(&str, Vec<usize>)> = by_check.into_iter().collect();
    let rank = |v: &Vec<usize>| {
        let open = v.iter().filter(|&&i| report.findings[i].is_open()).count();
        let sev = v
            .first()
            .map_or(Severity::Info, |&i| report.findings[i].severity);
        (open > 0, sev, open)
    };
    checks.sort_by(|a, b| rank(&b.1).cmp(&rank(&a.1)).then_with(|| a.0.cmp(b.0)));
    if checks.is_empty() {
        w.write_all(b"<p>No findings.</p>\n")?;
    }
    let mut buf = String::with_capacity(1 << 16);
    for (check, idx) in &checks {
        let title = report.rule(check).map_or("", |m| m.title.as_ref());
        let sev = report.findings[idx[0]].severity;
        let open = idx
            .iter()
            .filter(|&&i| report.findings[i].is_open())
            .count();
        writeln!(
            w,
            "<details id=\"check-{}\"><summary><span class=\"b s-{sev}\">{sev}</span> <strong>{}</strong> {} \
             <span class=\"muted\">({} findings, {open} open)</span></summary>",
            slug(check),
            esc(check),
            esc(title),
            idx.len(),
        )?;
        let pages = idx.len().div_ceil(PAGE);
        for (p, page) in idx.chunks(PAGE).enumerate() {
            if pages > 1 {
                writeln!(
                    w,
                    "<details><summary>Findings {}-{} of {}</summary>",
                    p * PAGE + 1,
                    p * PAGE + page.len(),
                    idx.len()
                )?;
            }
            w.write_all(b"<table><thead><tr><th scope=\"col\">Status</th><th scope=\"col\">Subject</th><th scope=\"col\">Where</th><th scope=\"col\">Message</th></tr></thead><tbody>\n")?;
            for &i in page {
                buf.clear();
                row(&mut buf, i, &report.findings[i]);
                w.write_all(buf.as_bytes())?;
            }
            w.write_all(b"</tbody></table>\n")?;
            if pages > 1 {
                w.write_all(b"</details>\n")?;
            }
        }
        w.write_all(b"</details>\n")?;
    }
    w.write_all(b"</section>\n")
}

fn row(out: &mut String, i: usize, f: &Finding) {
    let status = if f.is_suppressed() {
        "waived"
    } else {
        f.status.as_str()
    };
    let _ = write!(
        out,
        "<tr id=\"f-{i}\"><td>{status}</td><td>{}</td><td>",
        esc(&f.subject.display_name())
    );
    match &f.location {
        Some(l) => {
            let _ = write!(
                out,
                "<code>{}:{}</code>",
                esc(&l.path.display().to_string()),
                l.line
            );
        }
        None if !f.pointer.as_str().is_empty() => {
            let _ = write!(out, "<code>{}</code>", esc(f.pointer.as_str()));
        }
        None => {}
    }
    let _ = write!(out, "</td><td>{}", esc(&f.message));
    if let Some(l) = f.location.as_ref().and_then(|l| l.snippet.as_ref()) {
        let _ = write!(out, "<br><code>{}</code>", esc(l.trim()));
    }
    if f.status != Status::Fail && f.status != Status::Pass {
        for e in &f.evidence {
            let _ = write!(
                out,
                "<br><span class=\"muted\">{}</span>",
                esc(&crate::evidence_line(e))
            );
        }
    }
    out.push_str("</td></tr>\n");
}

fn errors(w: &mut dyn Write, report: &Report) -> io::Result<()> {
    w.write_all(b"<section id=\"errors\" aria-labelledby=\"errors-h\">\n<h2 id=\"errors-h\">Input errors</h2>\n")?;
    if report.errors.is_empty() {
        return w.write_all(b"<p>None.</p>\n</section>\n");
    }
    w.write_all(b"<ul>\n")?;
    for e in &report.errors {
        let place = crate::text::file_line(&e.path, e.line);
        writeln!(
            w,
            "<li><code>{}</code>: {}</li>",
            esc(&place),
            esc(&e.message)
        )?;
    }
    w.write_all(b"</ul>\n</section>\n")
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::path::Path;
    use std::sync::Arc;

    use rampart_model::{Location, ObjectRef, Pointer};

    use super::*;
    use crate::{Report, Scanned};

    fn finding(check: &'static str, ns: &str, name: &str, line: u32) -> Finding {
        let mut f = Finding::new(
            Cow::Borrowed(check),
            Severity::High,
            ObjectRef {
                api_version: "v1".into(),
                kind: "Pod".into(),
                namespace: Some(ns.into()),
                name: name.into(),
                uid: None,
            }
            .into(),
            Pointer::from_raw("/spec/hostNetwork"),
            format!("<script>alert('{name}')</script> uses the host network"),
        );
        f.location = Some(Location {
            path: Arc::from(Path::new("deploy/app.yaml")),
            line,
            column: 3,
            snippet: None,
        });
        f
    }

    fn render(findings: Vec<Finding>) -> String {
        let report = Report::new(
            findings,
            Vec::new(),
            Scanned::default(),
            Vec::new(),
            Severity::High,
            0,
        );
        let mut out = Vec::new();
        write(&report, &mut out).expect("html");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn text_is_escaped() {
        let html = render(vec![finding("host-network", "a\"b", "x<y>", 4)]);
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&lt;script&gt;alert(&#39;x&lt;y&gt;&#39;)"));
        assert!(html.contains("a&quot;b"));
        assert!(html.contains("<code>deploy/app.yaml:4</code>"));
    }

    #[test]
    fn large_checks_are_paged_and_size_stays_bounded() {
        let n = 100_000;
        let findings: Vec<Finding> = (0..n)
            .map(|i| {
                finding(
                    "host-network",
                    &format!("ns-{}", i % 50),
                    &format!("p{i}"),
                    i as u32 + 1,
                )
            })
            .collect();
        let start = std::time::Instant::now();
        let html = render(findings);
        let took = start.elapsed();
        println!(
            "100k findings: {} bytes of HTML in {:?} (this build's profile)",
            html.len(),
            took
        );
        assert_eq!(html.matches("<tr id=\"f-").count(), n);
        // One collapsed page per PAGE findings, inside the check's section.
        assert_eq!(html.matches("<summary>Findings ").count(), n.div_ceil(PAGE));
        assert!(html.contains(&format!("Findings 1-{PAGE} of {n}")));
        // About 400 bytes a finding at most (the messages here are long).
        assert!(html.len() < n * 400, "{}", html.len());
        // Namespaces are listed worst first, capped.
        assert!(html.contains("ns-0"));
    }
}
