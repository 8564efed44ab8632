//! The pages of a scan's cross-object views: "RBAC escalation paths" (an SVG graph drawn on
//! the server, with a table of the same content as its text alternative) and "Network
//! reachability" (a matrix table). Both are kept with the scan (`rampart_store`'s
//! `scan_views`) and rendered by `rampart_report::views`; links lead to the findings behind
//! each node, path, policy and namespace (the findings page filtered on the server).

use std::fmt::Write as _;

use rampart_report::views::{self as rv, EscalationView, Links, ReachabilityView};
use rampart_store::ViewSummary;

use crate::agg::ScanAgg;
use crate::pages::{esc, findings_href, layout, target_href};

/// Links into the dashboard's findings page of one scan.
pub struct DashLinks {
    pub scan: i64,
}

impl Links for DashLinks {
    fn subject(&self, name: &str) -> Option<String> {
        Some(findings_href(self.scan, &[("q", name)]))
    }

    fn check_subject(&self, check: &str, name: &str) -> Option<String> {
        Some(findings_href(self.scan, &[("check", check), ("q", name)]))
    }

    fn netpol_namespace(&self, ns: &str) -> Option<String> {
        Some(findings_href(self.scan, &[("ns", ns), ("q", "netpol")]))
    }
}

/// The URL of a view's page.
pub fn href(scan: i64, kind: &str) -> Option<String> {
    match kind {
        rv::ESCALATION_KIND => Some(format!("/rbac?scan={scan}")),
        rv::REACHABILITY_KIND => Some(format!("/network?scan={scan}")),
        _ => None,
    }
}

/// The target page's section linking to the views (their sizes from the store, no document
/// read).
pub fn section(scan: i64, views: &[ViewSummary]) -> String {
    let mut b = String::from(
        r#"<section aria-labelledby="h-views"><h2 id="h-views">RBAC and network</h2>"#,
    );
    if views.is_empty() {
        b.push_str("<p>This scan has no RBAC escalation paths or reachability matrix kept (no RBAC objects or NetworkPolicies were scanned, or the scan was kept by an older rampart).</p></section>");
        return b;
    }
    b.push_str("<ul>");
    for v in views {
        let Some(h) = href(scan, &v.kind) else {
            continue;
        };
        let (title, what) = match v.kind.as_str() {
            rv::ESCALATION_KIND => ("RBAC escalation paths", "paths to cluster-admin"),
            _ => (
                "Network reachability",
                "endpoints (pod groups and address ranges)",
            ),
        };
        let capped = if v.shown < v.total {
            format!(", {} kept", v.shown)
        } else {
            String::new()
        };
        let _ = write!(
            b,
            r#"<li><a href="{}">{title}</a> <span class="muted">({} {what}{capped})</span></li>"#,
            esc(&h),
            v.total
        );
    }
    b.push_str("</ul></section>");
    b
}

fn crumbs(a: &ScanAgg) -> Vec<(String, String)> {
    vec![
        ("/".into(), "Fleet".into()),
        (
            format!("{}&scan={}", target_href(&a.summary.target), a.summary.id),
            a.summary.target.clone(),
        ),
    ]
}

fn intro(a: &ScanAgg) -> String {
    format!(
        r#"<p>Scan #{} of <a href="{}">{}</a> ({}).</p>"#,
        a.summary.id,
        esc(&format!(
            "{}&scan={}",
            target_href(&a.summary.target),
            a.summary.id
        )),
        esc(&a.summary.target),
        esc(&a.summary.started_at)
    )
}

/// `/rbac?scan=ID`.
pub fn escalation_page(a: &ScanAgg, v: &EscalationView) -> String {
    let links = DashLinks { scan: a.summary.id };
    let mut b = intro(a);
    b.push_str(r#"<p class="muted">Shortest paths from a foothold (a subject, or a workload whose pods mount a service account token) to cluster-admin, as <code>rampart rbac paths</code> finds them. Each grant names the binding, the role and the rule; follow a node's link for the findings about it.</p>"#);
    b.push_str(&rv::escalation_html(v, &links, "esc"));
    layout("RBAC escalation paths", &crumbs(a), &b)
}

/// `/network?scan=ID`.
pub fn reachability_page(a: &ScanAgg, v: &ReachabilityView) -> String {
    let links = DashLinks { scan: a.summary.id };
    let mut b = intro(a);
    b.push_str(r#"<p class="muted">Which pod groups (workloads with the same namespace, labels and named ports) and address ranges may connect to which, under the scanned NetworkPolicies, as <code>rampart netpol matrix</code> and <code>rampart netpol explain</code> decide it.</p>"#);
    b.push_str(&rv::reachability_html(v, &links, "reach"));
    layout("Network reachability", &crumbs(a), &b)
}
