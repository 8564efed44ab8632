//! The HTML pages: one layout (landmarks, a skip link, inline CSS), tables with headers and
//! captions, forms with labels, links that carry every filter in the URL.

use std::fmt::Write as _;

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use rampart_store::{FindingQuery, FindingsPage, Row, SortKey};

use crate::agg::{Control, Fleet, FrameworkEval, ScanAgg, TargetScans, SEVERITIES};
use crate::{param, svg, Failure, PAGE_SIZE};

/// A check's prose (rationale, remediation) as HTML: escaped, with its `code` spans shown as
/// code (an unmatched backtick stays as it is).
pub fn prose(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len() % 2 == 0 {
        return esc(s).into_owned();
    }
    let mut out = String::with_capacity(s.len() + 32);
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 1 {
            out.push_str("<code>");
            out.push_str(&esc(part));
            out.push_str("</code>");
        } else {
            out.push_str(&esc(part));
        }
    }
    out
}

/// HTML-escapes text for element content and quoted attributes.
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

/// Percent-encodes a query value.
fn enc(s: &str) -> String {
    utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()
}

const CSS: &str = r#"
:root{--fg:#1b1b1b;--muted:#4d4d4d;--line:#c8c8c8;--bg:#fff;--link:#0b4f9c;--focus:#ffbf47}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 "Liberation Sans",Arial,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--link)}
a:focus,button:focus,input:focus,select:focus,summary:focus{outline:3px solid var(--focus);outline-offset:1px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px 8px;z-index:9}
header{background:#12263f;color:#fff;padding:10px 20px}
header a{color:#fff}
header nav ul{list-style:none;margin:0;padding:0;display:flex;gap:18px;flex-wrap:wrap}
header .brand{font-weight:bold;margin-right:12px}
main{padding:14px 20px;max-width:1280px}
h1{font-size:1.5em;margin:.3em 0}h2{font-size:1.2em;margin:1.1em 0 .4em}
.crumbs{font-size:.9em;color:var(--muted);margin:0}
table{border-collapse:collapse;margin:.4em 0 1em;min-width:40%}
caption{text-align:left;font-weight:bold;padding:4px 0}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f5}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.sev{display:inline-block;min-width:5.5em;padding:0 6px;border-radius:3px;color:#fff;font-weight:bold;font-size:.85em;text-align:center}
.sev-critical{background:#a4001d}.sev-high{background:#b34200}.sev-medium{background:#7a5c00}.sev-low{background:#1d5fa0}.sev-info{background:#4a4a4a}
.st{font-weight:bold}.st-fail{color:#a4001d}.st-pass{color:#1a6b2a}.st-manual{color:#7a5c00}.st-not-applicable,.st-not-assessed{color:#4d4d4d}
.score{font-size:2em;font-weight:bold}
.cards{display:flex;gap:16px;flex-wrap:wrap}
.card{border:1px solid var(--line);border-radius:4px;padding:8px 14px}
.legend{list-style:none;padding:0;display:flex;gap:14px;font-size:.9em}
.legend li::before{content:"";display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle;background:var(--c)}
form.filters{display:flex;flex-wrap:wrap;gap:10px;align-items:flex-end;margin:.5em 0}
form.filters label{display:flex;flex-direction:column;font-size:.9em}
input,select,button{font:inherit;padding:3px 6px}
button{background:#0b4f9c;color:#fff;border:1px solid #0b4f9c;border-radius:3px;cursor:pointer}
.pager{display:flex;gap:14px;align-items:center}
pre{background:#f4f4f4;padding:8px;overflow:auto}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px}dl.kv dt{font-weight:bold}dl.kv dd{margin:0}
.muted{color:var(--muted)}
"#;

pub(crate) fn layout(title: &str, crumbs: &[(String, String)], body: &str) -> String {
    let mut s = String::with_capacity(body.len() + 4096);
    let _ = write!(
        s,
        r##"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>{} · rampart dashboard</title><style>{CSS}{}</style></head><body><a class="skip" href="#main">Skip to content</a><header><nav aria-label="Main"><ul><li class="brand"><a href="/">rampart</a></li><li><a href="/">Fleet</a></li></ul></nav></header><main id="main" tabindex="-1">"##,
        esc(title),
        rampart_report::views::STYLE
    );
    if !crumbs.is_empty() {
        s.push_str(r#"<nav aria-label="Breadcrumb"><p class="crumbs">"#);
        for (i, (href, label)) in crumbs.iter().enumerate() {
            if i > 0 {
                s.push_str(" › ");
            }
            let _ = write!(s, r#"<a href="{}">{}</a>"#, esc(href), esc(label));
        }
        s.push_str("</p></nav>");
    }
    let _ = write!(s, "<h1>{}</h1>", esc(title));
    s.push_str(body);
    s.push_str(
        r#"</main><footer><p class="muted" style="padding:0 20px">Framework mappings are evidence for an assessor, not a certification.</p></footer></body></html>"#,
    );
    s
}

pub fn error_page(code: u16, msg: &str) -> String {
    layout(
        &format!("Error {code}"),
        &[("/".into(), "Fleet".into())],
        &format!(r#"<p role="alert">{}</p>"#, esc(msg)),
    )
}

fn score(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.1}%"))
}

fn sev_badge(s: &str) -> String {
    format!(r#"<span class="sev sev-{0}">{0}</span>"#, esc(s))
}

fn legend() -> String {
    let mut s = String::from(r#"<ul class="legend" aria-label="Chart legend">"#);
    for (i, sev) in SEVERITIES.iter().enumerate() {
        let _ = write!(s, r#"<li style="--c:{}">{sev}</li>"#, svg::COLORS[i]);
    }
    s.push_str("</ul>");
    s
}

fn severity_headers() -> String {
    SEVERITIES
        .iter()
        .map(|s| format!(r#"<th scope="col" class="num">{s}</th>"#))
        .collect()
}

pub(crate) fn target_href(t: &str) -> String {
    format!("/target?t={}", enc(t))
}

pub(crate) fn findings_href(scan: i64, extra: &[(&str, &str)]) -> String {
    let mut s = format!("/findings?scan={scan}");
    for (k, v) in extra {
        let _ = write!(s, "&{k}={}", enc(v));
    }
    s
}

/// The scans' numbers, as a table next to a chart.
fn trend_table(scans: &[rampart_store::ScanSummary], caption: &str) -> String {
    let mut s = format!(
        r#"<details><summary>{} as a table</summary><table><caption>{}</caption><thead><tr><th scope="col">scan</th><th scope="col">started</th><th scope="col" class="num">open</th>{}</tr></thead><tbody>"#,
        esc(caption),
        esc(caption),
        severity_headers()
    );
    for sc in scans {
        let _ = write!(
            s,
            r#"<tr><td>{}</td><td>{}</td><td class="num">{}</td>"#,
            sc.id,
            esc(&sc.started_at),
            sc.open
        );
        for n in sc.by_severity {
            let _ = write!(s, r#"<td class="num">{n}</td>"#);
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table></details>");
    s
}

pub fn overview(fleet: &Fleet, scores: &[Option<f64>]) -> String {
    let mut b = String::new();
    if fleet.targets.is_empty() {
        b.push_str(
            "<p>The store holds no scans yet: run <code>rampart scan --store ...</code>.</p>",
        );
        return layout("Fleet", &[], &b);
    }
    let total: i64 = fleet.targets.iter().map(|t| t.latest().open).sum();
    let _ = write!(
        b,
        r#"<p>{} targets; {total} open findings in their newest scans.</p>{}"#,
        fleet.targets.len(),
        legend()
    );
    b.push_str(r#"<table id="targets"><caption>Targets and their newest scan</caption><thead><tr><th scope="col">target</th><th scope="col">newest scan</th><th scope="col" class="num">posture score</th><th scope="col" class="num">open</th>"#);
    b.push_str(&severity_headers());
    b.push_str(r#"<th scope="col">trend (open findings per scan)</th></tr></thead><tbody>"#);
    for (i, t) in fleet.targets.iter().enumerate() {
        let l = t.latest();
        let _ = write!(
            b,
            r#"<tr><th scope="row"><a href="{}">{}</a></th><td>#{} · {}<br><span class="muted">{} scans, {}</span></td><td class="num">{}</td><td class="num">{}</td>"#,
            esc(&target_href(&t.name)),
            esc(&t.name),
            l.id,
            esc(&l.started_at),
            t.scans.len(),
            esc(&l.source_type),
            score(scores.get(i).copied().flatten()),
            l.open
        );
        for n in l.by_severity {
            let _ = write!(b, r#"<td class="num">{n}</td>"#);
        }
        let tail = &t.scans[t.scans.len().saturating_sub(30)..];
        let _ = write!(
            b,
            "<td>{}</td></tr>",
            svg::trend(
                tail,
                220,
                60,
                &format!(
                    "Open findings per severity over the last {} scans of {}",
                    tail.len(),
                    t.name
                ),
                &format!("trend-{i}")
            )
        );
    }
    b.push_str("</tbody></table>");
    layout("Fleet", &[], &b)
}

pub fn target(t: &TargetScans, a: &ScanAgg, views: &[rampart_store::ViewSummary]) -> String {
    let s = &a.summary;
    let scan = s.id;
    let mut b = String::new();
    let _ = write!(
        b,
        r#"<p>Scan #{scan} of {} ({}), {} objects, {} checks, {} results, {} suppressed.{}</p>"#,
        esc(&s.started_at),
        esc(&s.source_type),
        s.objects,
        s.checks,
        s.results,
        s.suppressed,
        if s.partial {
            " Coverage partial: the cluster read missed resource types."
        } else {
            ""
        }
    );
    b.push_str(r#"<section aria-labelledby="h-posture"><h2 id="h-posture">Posture</h2><div class="cards">"#);
    let _ = write!(
        b,
        r#"<div class="card"><div>posture score</div><div class="score" id="posture">{}</div></div><div class="card"><div>open findings</div><div class="score"><a href="{}">{}</a></div></div>"#,
        score(a.posture),
        esc(&findings_href(scan, &[])),
        a.open
    );
    for (i, sev) in SEVERITIES.iter().enumerate() {
        let _ = write!(
            b,
            r#"<div class="card">{}<div class="score"><a href="{}" aria-label="{} {sev} findings">{}</a></div></div>"#,
            sev_badge(sev),
            esc(&findings_href(scan, &[("severity", sev)])),
            a.by_severity[i],
            a.by_severity[i]
        );
    }
    b.push_str("</div></section>");
    b.push_str(&crate::views::section(scan, views));
    // Trend.
    let tail = &t.scans[t.scans.len().saturating_sub(60)..];
    let _ = write!(
        b,
        r#"<section aria-labelledby="h-trend"><h2 id="h-trend">Trend</h2>{}{}{}</section>"#,
        legend(),
        svg::trend(
            tail,
            640,
            200,
            &format!(
                "Open findings per severity over the last {} scans",
                tail.len()
            ),
            "trend"
        ),
        trend_table(tail, "Open findings per scan")
    );
    // Scans.
    b.push_str(r#"<section aria-labelledby="h-scans"><h2 id="h-scans">Scans</h2><table><caption>Scans of this target, newest first</caption><thead><tr><th scope="col">scan</th><th scope="col">started</th><th scope="col" class="num">open</th><th scope="col" class="num">change</th></tr></thead><tbody>"#);
    let mut prev: Option<i64> = None;
    let mut rows = Vec::new();
    for sc in &t.scans {
        let change = prev.map_or_else(String::new, |p| format!("{:+}", sc.open - p));
        prev = Some(sc.open);
        rows.push(format!(
            r#"<tr><td><a href="{}">#{}</a>{}</td><td>{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
            esc(&format!("{}&scan={}", target_href(&t.name), sc.id)),
            sc.id,
            if sc.id == scan { " (shown)" } else { "" },
            esc(&sc.started_at),
            sc.open,
            change
        ));
    }
    for r in rows.iter().rev().take(20) {
        b.push_str(r);
    }
    b.push_str("</tbody></table></section>");
    // Frameworks.
    b.push_str(r#"<section aria-labelledby="h-fw"><h2 id="h-fw">Frameworks</h2><table id="frameworks"><caption>Frameworks judged over this scan</caption><thead><tr><th scope="col">framework</th><th scope="col" class="num">score</th><th scope="col" class="num">pass</th><th scope="col" class="num">fail</th><th scope="col" class="num">manual</th><th scope="col" class="num">n/a</th><th scope="col" class="num">not assessed</th></tr></thead><tbody>"#);
    for f in &a.frameworks {
        let _ = write!(
            b,
            r#"<tr><th scope="row"><a href="/framework?scan={scan}&amp;fw={}">{}</a></th><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
            enc(&f.id),
            esc(&f.title),
            score(f.score),
            f.pass,
            f.fail,
            f.manual,
            f.not_applicable,
            f.not_assessed
        );
    }
    b.push_str("</tbody></table></section>");
    // Namespaces and checks.
    for (id, title, list, key) in [
        ("h-ns", "Namespaces", &a.namespaces, "ns"),
        ("h-checks", "Checks", &a.checks, "check"),
    ] {
        let _ = write!(
            b,
            r#"<section aria-labelledby="{id}"><h2 id="{id}">{title}</h2><table><caption>Open findings by {}, most severe first (top 50)</caption><thead><tr><th scope="col">{}</th><th scope="col" class="num">open</th>{}</tr></thead><tbody>"#,
            if key == "ns" { "namespace" } else { "check" },
            if key == "ns" { "namespace" } else { "check" },
            severity_headers()
        );
        for c in list.iter().take(50) {
            let label = if c.key.is_empty() {
                "(cluster-scoped)"
            } else {
                c.key.as_str()
            };
            let _ = write!(
                b,
                r#"<tr><th scope="row"><a href="{}">{}</a></th><td class="num">{}</td>"#,
                esc(&findings_href(
                    scan,
                    &[(key, if c.key.is_empty() { "-" } else { &c.key })]
                )),
                esc(label),
                c.total
            );
            for n in c.by_severity {
                let _ = write!(b, r#"<td class="num">{n}</td>"#);
            }
            b.push_str("</tr>");
        }
        b.push_str("</tbody></table></section>");
    }
    layout(
        &format!("Target {}", t.name),
        &[("/".into(), "Fleet".into())],
        &b,
    )
}

pub fn framework(a: &ScanAgg, f: &FrameworkEval) -> String {
    let scan = a.summary.id;
    let mut b = String::new();
    let _ = write!(
        b,
        r#"<p>Scan #{scan} of {} ({}). {}</p><div class="cards"><div class="card"><div>score</div><div class="score" id="fw-score">{}</div></div><div class="card">pass {}<br>fail {}<br>manual {}<br>not applicable {}<br>not assessed {}</div></div>"#,
        esc(&a.summary.target),
        esc(&a.summary.started_at),
        esc(&f.disclaimer),
        score(f.score),
        f.pass,
        f.fail,
        f.manual,
        f.not_applicable,
        f.not_assessed
    );
    b.push_str(r#"<h2>Controls</h2><table id="controls"><caption>Controls and their status</caption><thead><tr><th scope="col">control</th><th scope="col">title</th><th scope="col">status</th><th scope="col" class="num">open findings</th><th scope="col">checks</th></tr></thead><tbody>"#);
    for c in &f.controls {
        let _ = write!(
            b,
            r#"<tr data-status="{st}"><th scope="row">{}</th><td>{}</td><td><span class="st st-{st}">{st}</span>{}</td><td class="num">{}</td><td>{}</td></tr>"#,
            esc(&c.id),
            esc(&c.title),
            control_reason(c),
            if c.open > 0 {
                format!(
                    r#"<a href="{}" aria-label="{} open findings of control {}">{}</a>"#,
                    esc(&findings_href(scan, &[("control", &c.key())])),
                    c.open,
                    esc(&c.id),
                    c.open
                )
            } else {
                "0".to_owned()
            },
            esc(&c.checks.join(", ")),
            st = c.status.as_str(),
        );
    }
    b.push_str("</tbody></table>");
    if !f.namespaces.is_empty() {
        b.push_str(r#"<h2>Namespaces</h2><table><caption>Namespace scores (worst first)</caption><thead><tr><th scope="col">namespace</th><th scope="col" class="num">failing controls</th><th scope="col" class="num">score</th></tr></thead><tbody>"#);
        for (n, failing, sc) in f.namespaces.iter().take(100) {
            let _ = write!(
                b,
                r#"<tr><th scope="row">{}</th><td class="num">{failing}</td><td class="num">{}</td></tr>"#,
                esc(n),
                score(*sc)
            );
        }
        b.push_str("</tbody></table>");
    }
    layout(
        &format!("{} {}", f.title, f.version),
        &[
            ("/".into(), "Fleet".into()),
            (target_href(&a.summary.target), a.summary.target.clone()),
        ],
        &b,
    )
}

fn control_reason(c: &Control) -> String {
    c.reason
        .as_deref()
        .map(|r| format!(r#"<br><span class="muted">{}</span>"#, esc(r)))
        .unwrap_or_default()
}

/// A findings request: the filters from the URL, then the page.
pub struct FindingsView {
    pub scan: i64,
    pub severity: Option<String>,
    pub check: Option<String>,
    /// `-` in the URL: cluster-scoped subjects.
    pub ns: Option<String>,
    pub control: Option<String>,
    control_checks: Vec<String>,
    pub text: Option<String>,
    pub all: bool,
    pub sort: SortKey,
    pub desc: bool,
    pub page: usize,
    pub result: Option<FindingsPage>,
}

impl FindingsView {
    pub fn parse(
        p: &[(String, String)],
        scan: i64,
        agg: &ScanAgg,
    ) -> Result<FindingsView, Failure> {
        let severity = param(p, "severity").map(str::to_owned);
        if let Some(s) = &severity {
            if !SEVERITIES.contains(&s.as_str()) {
                return Err(Failure::BadRequest(format!(
                    "severity `{s}`: expected one of {}",
                    SEVERITIES.join(", ")
                )));
            }
        }
        let control = param(p, "control").map(str::to_owned);
        let control_checks = match &control {
            Some(k) => {
                let (_, c) = agg.control_checks(k).ok_or_else(|| {
                    Failure::NotFound(format!("no control `{k}` (expected FRAMEWORK:CONTROL)"))
                })?;
                if c.checks.is_empty() {
                    // No check judges it: nothing can match.
                    vec![String::new()]
                } else {
                    c.checks.clone()
                }
            }
            None => Vec::new(),
        };
        let sort = match param(p, "sort") {
            Some(s) => SortKey::parse(s)
                .ok_or_else(|| Failure::BadRequest(format!("sort `{s}`: unknown column")))?,
            None => SortKey::Severity,
        };
        let page = param(p, "page")
            .and_then(|s| s.parse::<usize>().ok())
            .unwrap_or(1)
            .max(1);
        Ok(FindingsView {
            scan,
            severity,
            check: param(p, "check").map(str::to_owned),
            ns: param(p, "ns").map(str::to_owned),
            control,
            control_checks,
            text: param(p, "q").map(str::to_owned),
            all: param(p, "status") == Some("all"),
            sort,
            desc: param(p, "dir") == Some("desc"),
            page,
            result: None,
        })
    }

    pub fn query(&self) -> FindingQuery {
        let mut checks = self.control_checks.clone();
        if let Some(c) = &self.check {
            if checks.is_empty() {
                checks.push(c.clone());
            } else {
                checks.retain(|x| x == c);
                if checks.is_empty() {
                    checks.push(String::new());
                }
            }
        }
        FindingQuery {
            scan: self.scan,
            open_only: !self.all,
            severities: self.severity.iter().cloned().collect(),
            checks,
            namespace: self
                .ns
                .as_ref()
                .map(|n| if n == "-" { String::new() } else { n.clone() }),
            text: self.text.clone(),
            sort: self.sort,
            descending: self.desc,
            offset: (self.page - 1) * PAGE_SIZE,
            limit: PAGE_SIZE,
        }
    }

    pub fn with_page(mut self, page: FindingsPage) -> FindingsView {
        self.result = Some(page);
        self
    }

    /// The URL of this view with some parameters changed (`None` removes one).
    fn href(&self, changes: &[(&str, Option<&str>)]) -> String {
        let page = self.page.to_string();
        let sort = self.sort.as_str();
        let mut pairs: Vec<(&str, Option<&str>)> = vec![
            ("severity", self.severity.as_deref()),
            ("check", self.check.as_deref()),
            ("ns", self.ns.as_deref()),
            ("control", self.control.as_deref()),
            ("q", self.text.as_deref()),
            ("status", self.all.then_some("all")),
            ("sort", (self.sort != SortKey::Severity).then_some(sort)),
            ("dir", self.desc.then_some("desc")),
            ("page", (self.page > 1).then_some(page.as_str())),
        ];
        for (k, v) in changes {
            if let Some(p) = pairs.iter_mut().find(|(pk, _)| pk == k) {
                p.1 = *v;
            }
        }
        let set: Vec<(&str, &str)> = pairs
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
        findings_href(self.scan, &set)
    }

    pub fn to_json(&self) -> serde_json::Value {
        let (total, rows) = match &self.result {
            Some(p) => (p.total, p.rows.as_slice()),
            None => (0, &[][..]),
        };
        serde_json::json!({
            "scan": self.scan,
            "page": self.page,
            "pageSize": PAGE_SIZE,
            "total": total,
            "findings": rows.iter().map(|(seq, r)| {
                let mut v = serde_json::to_value(r).unwrap_or_default();
                if let Some(o) = v.as_object_mut() {
                    o.insert("seq".into(), (*seq).into());
                }
                v
            }).collect::<Vec<_>>(),
        })
    }
}

pub fn findings(a: &ScanAgg, v: &FindingsView) -> String {
    let scan = v.scan;
    let (total, rows) = match &v.result {
        Some(p) => (p.total, p.rows.as_slice()),
        None => (0, &[][..]),
    };
    let mut b = String::new();
    let _ = write!(
        b,
        r#"<p>Scan #{scan} of <a href="{}">{}</a> ({}).</p>"#,
        esc(&target_href(&a.summary.target)),
        esc(&a.summary.target),
        esc(&a.summary.started_at)
    );
    // The filter form: a plain GET form, so the URL carries the filters.
    let _ = write!(
        b,
        r#"<form class="filters" method="get" action="/findings" role="search" aria-label="Filter findings"><input type="hidden" name="scan" value="{scan}">"#
    );
    let opt = |cur: Option<&str>, val: &str, label: &str| {
        format!(
            r#"<option value="{}"{}>{}</option>"#,
            esc(val),
            if cur == Some(val) || (cur.is_none() && val.is_empty()) {
                " selected"
            } else {
                ""
            },
            esc(label)
        )
    };
    b.push_str(r#"<label for="f-severity">Severity<select id="f-severity" name="severity">"#);
    b.push_str(&opt(v.severity.as_deref(), "", "any"));
    for s in SEVERITIES {
        b.push_str(&opt(v.severity.as_deref(), s, s));
    }
    b.push_str("</select></label>");
    b.push_str(r#"<label for="f-check">Check<select id="f-check" name="check">"#);
    b.push_str(&opt(v.check.as_deref(), "", "any"));
    let mut checks: Vec<&str> = a.checks.iter().map(|c| c.key.as_str()).collect();
    checks.sort_unstable();
    if let Some(c) = v.check.as_deref() {
        if !checks.contains(&c) {
            checks.push(c);
        }
    }
    for c in checks {
        b.push_str(&opt(v.check.as_deref(), c, c));
    }
    b.push_str("</select></label>");
    b.push_str(r#"<label for="f-ns">Namespace<select id="f-ns" name="ns">"#);
    b.push_str(&opt(v.ns.as_deref(), "", "any"));
    let mut nss: Vec<&str> = a
        .namespaces
        .iter()
        .map(|c| {
            if c.key.is_empty() {
                "-"
            } else {
                c.key.as_str()
            }
        })
        .collect();
    nss.sort_unstable();
    if let Some(n) = v.ns.as_deref() {
        if !nss.contains(&n) {
            nss.push(n);
        }
    }
    for n in nss {
        b.push_str(&opt(
            v.ns.as_deref(),
            n,
            if n == "-" { "(cluster-scoped)" } else { n },
        ));
    }
    b.push_str("</select></label>");
    let _ = write!(
        b,
        r#"<label for="f-control">Framework control<input id="f-control" name="control" size="22" placeholder="cis-1.12:5.2.2" value="{}"></label><label for="f-q">Text<input id="f-q" name="q" type="search" value="{}"></label><label for="f-status">Results<select id="f-status" name="status">{}{}</select></label>"#,
        esc(v.control.as_deref().unwrap_or("")),
        esc(v.text.as_deref().unwrap_or("")),
        opt(v.all.then_some("all"), "", "open only"),
        opt(v.all.then_some("all"), "all", "all results"),
    );
    if v.sort != SortKey::Severity {
        let _ = write!(
            b,
            r#"<input type="hidden" name="sort" value="{}">"#,
            v.sort.as_str()
        );
    }
    if v.desc {
        b.push_str(r#"<input type="hidden" name="dir" value="desc">"#);
    }
    let _ = write!(
        b,
        r#"<button type="submit">Apply</button> <a href="{}">Clear filters</a></form>"#,
        esc(&findings_href(scan, &[]))
    );
    if let Some(c) = &v.control {
        if let Some((f, ctl)) = a.control_checks(c) {
            let _ = write!(
                b,
                r#"<p>Control <strong>{}</strong> of <a href="/framework?scan={scan}&amp;fw={}">{}</a>: {} (checks: {}).</p>"#,
                esc(&ctl.id),
                enc(&f.id),
                esc(&f.title),
                esc(&ctl.title),
                esc(&ctl.checks.join(", "))
            );
        }
    }
    let pages = usize::try_from(total)
        .unwrap_or(0)
        .div_ceil(PAGE_SIZE)
        .max(1);
    let first = (v.page - 1) * PAGE_SIZE;
    let _ = write!(
        b,
        r#"<p id="count" role="status" data-total="{total}">{total} findings{}</p>"#,
        if total > 0 {
            format!(
                "; showing {}–{} (page {} of {pages})",
                first + 1,
                first + rows.len(),
                v.page
            )
        } else {
            String::new()
        }
    );
    b.push_str(r#"<table id="findings"><caption>Findings</caption><thead><tr>"#);
    for (key, label) in [
        (Some(SortKey::Severity), "severity"),
        (Some(SortKey::Check), "check"),
        (Some(SortKey::Namespace), "namespace"),
        (Some(SortKey::Subject), "object"),
        (Some(SortKey::Place), "file:line"),
        (None, "message"),
    ] {
        match key {
            Some(k) => {
                let on = v.sort == k;
                let next_desc = on && !v.desc;
                let aria = if on {
                    if v.desc {
                        "descending"
                    } else {
                        "ascending"
                    }
                } else {
                    "none"
                };
                let _ = write!(
                    b,
                    r#"<th scope="col" aria-sort="{aria}"><a href="{}">{label}{}</a></th>"#,
                    esc(&v.href(&[
                        ("sort", (k != SortKey::Severity).then_some(k.as_str())),
                        ("dir", next_desc.then_some("desc")),
                        ("page", None),
                    ])),
                    if on {
                        if v.desc {
                            " ▼"
                        } else {
                            " ▲"
                        }
                    } else {
                        ""
                    }
                );
            }
            None => {
                let _ = write!(b, r#"<th scope="col">{label}</th>"#);
            }
        }
    }
    b.push_str("</tr></thead><tbody>");
    for (seq, r) in rows {
        let _ = write!(
            b,
            r#"<tr data-severity="{}" data-check="{}"><td>{}</td><td>{}</td><td>{}</td><td><a href="/finding?scan={scan}&amp;seq={seq}">{}</a></td><td>{}</td><td>{}</td></tr>"#,
            esc(&r.severity),
            esc(&r.check),
            sev_badge(&r.severity),
            esc(&r.check),
            esc(r.namespace.as_deref().unwrap_or("")),
            esc(&r.subject),
            esc(&r.place()),
            esc(&r.message)
        );
    }
    b.push_str("</tbody></table>");
    b.push_str(r#"<nav class="pager" aria-label="Pages">"#);
    if v.page > 1 {
        let prev = (v.page - 1).to_string();
        let _ = write!(
            b,
            r#"<a rel="prev" href="{}">← previous</a>"#,
            esc(&v.href(&[("page", (v.page > 2).then_some(prev.as_str()))]))
        );
    }
    let _ = write!(b, "<span>page {} of {pages}</span>", v.page);
    if v.page < pages {
        let next = (v.page + 1).to_string();
        let _ = write!(
            b,
            r#"<a rel="next" href="{}">next →</a>"#,
            esc(&v.href(&[("page", Some(next.as_str()))]))
        );
    }
    b.push_str("</nav>");
    let _ = write!(
        b,
        r#"<p class="muted">The same as JSON: <a href="{}">/api/findings</a>.</p>"#,
        esc(&v.href(&[]).replacen("/findings", "/api/findings", 1))
    );
    layout(
        "Findings",
        &[
            ("/".into(), "Fleet".into()),
            (target_href(&a.summary.target), a.summary.target.clone()),
        ],
        &b,
    )
}

pub fn finding(a: &ScanAgg, seq: i64, r: &Row) -> String {
    let scan = a.summary.id;
    let meta = rampart_checks::by_id(&r.check).map(|c| &c.meta);
    let mut b = String::new();
    let _ = write!(
        b,
        r#"<p>{} <strong>{}</strong> · status {} · {}</p>"#,
        sev_badge(&r.severity),
        esc(&r.check),
        esc(&r.status),
        esc(&r.suppression)
    );
    b.push_str(r#"<section aria-labelledby="h-what"><h2 id="h-what">Where</h2><dl class="kv">"#);
    let place = match (&r.path, r.line) {
        (Some(p), Some(l)) => format!(
            "{p}:{l}{}",
            r.column.map(|c| format!(":{c}")).unwrap_or_default()
        ),
        (Some(p), None) => p.clone(),
        _ => "(no file: read from a cluster)".to_owned(),
    };
    for (k, v) in [
        ("message", r.message.clone()),
        ("object", r.subject.clone()),
        ("kind of subject", r.subject_type.clone()),
        (
            "namespace",
            r.namespace.clone().unwrap_or_else(|| "-".into()),
        ),
        ("field", r.pointer.clone()),
        ("file:line", place),
        ("fingerprint", r.fingerprint.clone()),
    ] {
        let _ = write!(
            b,
            r#"<dt>{k}</dt><dd{}>{}</dd>"#,
            if k == "file:line" {
                r#" id="place""#
            } else {
                ""
            },
            esc(&v)
        );
    }
    if let Some(by) = &r.suppressed_by {
        let _ = write!(
            b,
            "<dt>waived by</dt><dd>{} {}</dd>",
            esc(by),
            esc(r.suppression_reason.as_deref().unwrap_or(""))
        );
    }
    b.push_str("</dl><p class=\"muted\">The store keeps the file and line of each finding, not the YAML text: open the file at that line.</p></section>");
    if let Some(m) = meta {
        let _ = write!(
            b,
            r#"<section aria-labelledby="h-check"><h2 id="h-check">The check: {}</h2><h3>Why</h3><p>{}</p><h3>Remediation</h3><p>{}</p>"#,
            esc(&m.title),
            prose(&m.rationale),
            prose(&m.remediation)
        );
        let controls: Vec<(String, String)> = a
            .frameworks
            .iter()
            .flat_map(|f| {
                f.controls
                    .iter()
                    .filter(|c| c.checks.contains(&r.check))
                    .map(|c| (c.key(), format!("{} {}", f.title, c.id)))
            })
            .collect();
        if !controls.is_empty() {
            b.push_str("<h3>Framework controls</h3><ul>");
            for (key, label) in controls.iter().take(40) {
                let _ = write!(
                    b,
                    r#"<li><a href="{}">{}</a></li>"#,
                    esc(&findings_href(scan, &[("control", key)])),
                    esc(label)
                );
            }
            b.push_str("</ul>");
        }
        b.push_str("</section>");
    }
    layout(
        &format!("Finding {seq} of scan #{scan}"),
        &[
            ("/".into(), "Fleet".into()),
            (target_href(&a.summary.target), a.summary.target.clone()),
            (findings_href(scan, &[]), "Findings".into()),
        ],
        &b,
    )
}

#[cfg(test)]
mod prose_tests {
    use super::prose;

    #[test]
    fn code_spans_become_code_and_the_rest_is_escaped() {
        assert_eq!(
            prose("Set `runAsNonRoot: true` <now>"),
            "Set <code>runAsNonRoot: true</code> &lt;now&gt;"
        );
        assert_eq!(prose("a ` alone"), "a ` alone");
        assert_eq!(prose("`<b>`"), "<code>&lt;b&gt;</code>");
    }
}
