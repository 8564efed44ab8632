//! `rampart serve --dashboard ADDR --store URL`: a web dashboard over the scan history.
//!
//! Server-rendered HTML (inline CSS and SVG, no script needed, nothing fetched from the
//! network) and the JSON behind it:
//! - `/` the fleet: every target (a cluster or a set of files) with its newest scan's posture
//!   score, open findings by severity and a trend chart over its scans;
//! - `/target?t=NAME[&scan=ID]`: one target: score, severities, trend, namespaces, checks and
//!   every framework with its score;
//! - `/framework?scan=ID&fw=ID`: the framework's controls (pass, fail, manual, not applicable,
//!   not assessed), each linking to the findings behind it;
//! - `/findings?scan=ID&...`: a scan's findings, 100 a page, filtered on the server by
//!   severity, check, namespace, framework control and text, sorted by any column; the URL
//!   carries the filters;
//! - `/finding?scan=ID&seq=N`: one finding: the check's documentation, the object, the file
//!   and line;
//! - `/rbac?scan=ID`: the scan's RBAC escalation paths, an SVG graph drawn on the server
//!   with a table of the same content; `/network?scan=ID`: its NetworkPolicy reachability
//!   matrix (both kept with the scan when it was stored, linked from the target page);
//! - `/api/targets`, `/api/findings?...` (same parameters as the page), `/api/framework?...`,
//!   `/api/views?scan=ID&kind=rbac-escalation|netpol-reachability`.
//!
//! The store is read through [`rampart_store::Store`] on blocking threads; a scan never
//! changes once stored, so what is derived from its rows (framework evaluation, counts by
//! namespace and check) is computed once per scan and kept (a few scans at most).

mod agg;
mod pages;
mod svg;
mod views;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rampart_serve::{BoxFuture, Part};
use rampart_store::{Location, Store};

pub use agg::ScanAgg;

/// Findings per page.
pub const PAGE_SIZE: usize = 100;
/// Derived scan data kept in memory, at most.
const CACHE_SCANS: usize = 16;

/// Options of the dashboard part.
#[derive(Clone, Debug)]
pub struct DashboardOptions {
    pub addr: SocketAddr,
    pub store: Location,
}

/// The dashboard part of `rampart serve`.
pub struct Dashboard {
    addr: SocketAddr,
    state: Arc<AppState>,
}

pub(crate) struct AppState {
    store: Mutex<Store>,
    cache: Mutex<HashMap<i64, Arc<ScanAgg>>>,
    /// The newest scan of every target has been derived (`/readyz` waits for it).
    warm: AtomicBool,
}

impl Dashboard {
    /// Opens the store (migrating it) and builds the part.
    pub fn start(opts: DashboardOptions) -> anyhow::Result<Dashboard> {
        let store = Store::open(&opts.store)?;
        Ok(Dashboard {
            addr: opts.addr,
            state: Arc::new(AppState {
                store: Mutex::new(store),
                cache: Mutex::new(HashMap::new()),
                warm: AtomicBool::new(false),
            }),
        })
    }
}

impl Part for Dashboard {
    fn name(&self) -> &'static str {
        "dashboard"
    }

    fn addr(&self) -> SocketAddr {
        self.addr
    }

    fn router(&self) -> Router {
        router(self.state.clone())
    }

    fn ready(&self) -> bool {
        self.state.warm.load(Ordering::Relaxed)
    }

    fn drain(self: Box<Self>) -> BoxFuture {
        Box::pin(async {})
    }
}

/// The dashboard's routes over a store (tests serve them without TLS).
pub fn router_for(store: Store) -> Router {
    router(Arc::new(AppState {
        store: Mutex::new(store),
        cache: Mutex::new(HashMap::new()),
        warm: AtomicBool::new(false),
    }))
}

fn router(state: Arc<AppState>) -> Router {
    // Derive the newest scan of every target at start, so that the first pages answer at once.
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        let st = state.clone();
        rt.spawn(async move {
            if let Ok(scans) = st.with_store(|s| Ok(s.scan_summaries()?)).await {
                for t in agg::Fleet::new(scans).targets {
                    let _ = st.agg(t.latest().id).await;
                }
            }
            st.warm.store(true, Ordering::Relaxed);
        });
    }
    Router::new()
        .route("/", get(overview))
        .route("/target", get(target))
        .route("/framework", get(framework))
        .route("/findings", get(findings))
        .route("/finding", get(finding))
        .route("/rbac", get(rbac_page))
        .route("/network", get(network_page))
        .route("/api/views", get(api_views))
        .route("/api/targets", get(api_targets))
        .route("/api/findings", get(api_findings))
        .route("/api/framework", get(api_framework))
        .with_state(state)
}

/// The query string's pairs, in order (repeated keys kept).
pub(crate) type Params = Vec<(String, String)>;

pub(crate) fn param<'a>(p: &'a [(String, String)], key: &str) -> Option<&'a str> {
    p.iter()
        .find(|(k, v)| k == key && !v.trim().is_empty())
        .map(|(_, v)| v.trim())
}

/// What a handler failed with.
pub(crate) enum Failure {
    NotFound(String),
    BadRequest(String),
    Store(String),
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let (code, msg) = match self {
            Failure::NotFound(m) => (StatusCode::NOT_FOUND, m),
            Failure::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            Failure::Store(m) => (StatusCode::INTERNAL_SERVER_ERROR, m),
        };
        (code, Html(pages::error_page(code.as_u16(), &msg))).into_response()
    }
}

impl From<rampart_store::StoreError> for Failure {
    fn from(e: rampart_store::StoreError) -> Self {
        Failure::Store(e.to_string())
    }
}

impl AppState {
    /// Runs `f` with the store on a blocking thread.
    pub(crate) async fn with_store<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Store) -> Result<T, Failure> + Send + 'static,
    ) -> Result<T, Failure> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || {
            let store = me
                .store
                .lock()
                .map_err(|_| Failure::Store("the store's lock is poisoned".into()))?;
            f(&store)
        })
        .await
        .map_err(|e| Failure::Store(format!("the store task failed: {e}")))?
    }

    /// The derived data of a scan (computed once).
    pub(crate) async fn agg(self: &Arc<Self>, scan: i64) -> Result<Arc<ScanAgg>, Failure> {
        if let Some(a) = self.cache.lock().ok().and_then(|c| c.get(&scan).cloned()) {
            return Ok(a);
        }
        let agg = self
            .with_store(move |s| {
                let summary = s
                    .scan_summary(scan)?
                    .ok_or_else(|| Failure::NotFound(format!("no scan {scan}")))?;
                let groups = s.groups(scan)?;
                Ok(Arc::new(ScanAgg::new(summary, &groups)))
            })
            .await?;
        if let Ok(mut c) = self.cache.lock() {
            if c.len() >= CACHE_SCANS {
                if let Some(oldest) = c.keys().min().copied() {
                    c.remove(&oldest);
                }
            }
            c.insert(scan, agg.clone());
        }
        Ok(agg)
    }
}

fn scan_param(p: &[(String, String)]) -> Result<Option<i64>, Failure> {
    param(p, "scan")
        .map(|s| {
            s.parse::<i64>()
                .map_err(|_| Failure::BadRequest(format!("scan `{s}`: expected a scan id")))
        })
        .transpose()
}

async fn overview(State(st): State<Arc<AppState>>) -> Result<Html<String>, Failure> {
    let scans = st.with_store(|s| Ok(s.scan_summaries()?)).await?;
    let fleet = agg::Fleet::new(scans);
    let mut scores = Vec::new();
    for t in &fleet.targets {
        let latest = t.latest();
        scores.push(st.agg(latest.id).await?.posture);
    }
    Ok(Html(pages::overview(&fleet, &scores)))
}

async fn target(
    State(st): State<Arc<AppState>>,
    Query(p): Query<Params>,
) -> Result<Html<String>, Failure> {
    let name = param(&p, "t")
        .ok_or_else(|| Failure::BadRequest("no target given (?t=NAME)".into()))?
        .to_owned();
    let scan = scan_param(&p)?;
    let scans = st.with_store(|s| Ok(s.scan_summaries()?)).await?;
    let fleet = agg::Fleet::new(scans);
    let t = fleet
        .targets
        .iter()
        .find(|t| t.name == name)
        .ok_or_else(|| Failure::NotFound(format!("no target `{name}` in the store")))?;
    let chosen = match scan {
        Some(id) => t
            .scans
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| Failure::NotFound(format!("no scan {id} of `{name}`")))?,
        None => t.latest(),
    };
    let agg = st.agg(chosen.id).await?;
    let id = chosen.id;
    let views = st.with_store(move |s| Ok(s.view_summaries(id)?)).await?;
    Ok(Html(pages::target(t, &agg, &views)))
}

/// A scan's stored view (`?scan=ID`), read as `T`.
async fn stored_view<T: serde::de::DeserializeOwned + Send + 'static>(
    st: &Arc<AppState>,
    p: &[(String, String)],
    kind: &'static str,
) -> Result<(Arc<ScanAgg>, T), Failure> {
    let scan = scan_param(p)?.ok_or_else(|| Failure::BadRequest("no scan given".into()))?;
    let agg = st.agg(scan).await?;
    let doc = st
        .with_store(move |s| {
            let v = s.view(scan, kind)?.ok_or_else(|| {
                Failure::NotFound(format!(
                    "scan {scan} has no {kind} view (no RBAC objects or NetworkPolicies were scanned, or an older rampart kept it)"
                ))
            })?;
            if v.format != rampart_report::views::FORMAT {
                return Err(Failure::NotFound(format!(
                    "scan {scan}'s {kind} view has format {}, this rampart reads {}",
                    v.format,
                    rampart_report::views::FORMAT
                )));
            }
            serde_json::from_str::<T>(&v.body)
                .map_err(|e| Failure::Store(format!("scan {scan}'s {kind} view: {e}")))
        })
        .await?;
    Ok((agg, doc))
}

async fn rbac_page(
    State(st): State<Arc<AppState>>,
    Query(p): Query<Params>,
) -> Result<Html<String>, Failure> {
    let (agg, v) = stored_view::<rampart_report::views::EscalationView>(
        &st,
        &p,
        rampart_report::views::ESCALATION_KIND,
    )
    .await?;
    Ok(Html(views::escalation_page(&agg, &v)))
}

async fn network_page(
    State(st): State<Arc<AppState>>,
    Query(p): Query<Params>,
) -> Result<Html<String>, Failure> {
    let (agg, v) = stored_view::<rampart_report::views::ReachabilityView>(
        &st,
        &p,
        rampart_report::views::REACHABILITY_KIND,
    )
    .await?;
    Ok(Html(views::reachability_page(&agg, &v)))
}

async fn api_views(
    State(st): State<Arc<AppState>>,
    Query(p): Query<Params>,
) -> Result<Response, Failure> {
    let kind = match param(&p, "kind") {
        Some(rampart_report::views::REACHABILITY_KIND) => rampart_report::views::REACHABILITY_KIND,
        Some(rampart_report::views::ESCALATION_KIND) | None => {
            rampart_report::views::ESCALATION_KIND
        }
        Some(k) => {
            return Err(Failure::BadRequest(format!(
                "kind `{k}`: expected rbac-escalation or netpol-reachability"
            )))
        }
    };
    let (_, v) = stored_view::<serde_json::Value>(&st, &p, kind).await?;
    Ok(json(&v))
}

async fn framework(
    State(st): State<Arc<AppState>>,
    Query(p): Query<Params>,
) -> Result<Html<String>, Failure> {
    let scan = scan_param(&p)?.ok_or_else(|| Failure::BadRequest("no scan given".into()))?;
    let fw = param(&p, "fw")
        .ok_or_else(|| Failure::BadRequest("no framework given (?fw=ID)".into()))?
        .to_owned();
    let agg = st.agg(scan).await?;
    let e = agg
        .framework(&fw)
        .ok_or_else(|| Failure::NotFound(format!("no framework `{fw}`")))?;
    Ok(Html(pages::framework(&agg, e)))
}

async fn api_framework(
    State(st): State<Arc<AppState>>,
    Query(p): Query<Params>,
) -> Result<Response, Failure> {
    let scan = scan_param(&p)?.ok_or_else(|| Failure::BadRequest("no scan given".into()))?;
    let agg = st.agg(scan).await?;
    let body = match param(&p, "fw") {
        Some(fw) => serde_json::to_value(
            agg.framework(fw)
                .ok_or_else(|| Failure::NotFound(format!("no framework `{fw}`")))?,
        ),
        None => serde_json::to_value(&agg.frameworks),
    }
    .map_err(|e| Failure::Store(e.to_string()))?;
    Ok(json(&body))
}

fn json(v: &serde_json::Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_string(v).unwrap_or_default(),
    )
        .into_response()
}

/// A findings request read from the query string, and its result.
async fn findings_of(
    st: &Arc<AppState>,
    p: &[(String, String)],
) -> Result<(pages::FindingsView, Arc<ScanAgg>), Failure> {
    let scan = match scan_param(p)? {
        Some(id) => id,
        None => {
            // ?t=NAME: the target's newest scan.
            let name = param(p, "t")
                .ok_or_else(|| Failure::BadRequest("no scan given (?scan=ID or ?t=NAME)".into()))?
                .to_owned();
            st.with_store(move |s| {
                s.scan_summaries()?
                    .into_iter()
                    .rev()
                    .find(|x| x.target == name)
                    .map(|x| x.id)
                    .ok_or_else(|| Failure::NotFound(format!("no target `{name}`")))
            })
            .await?
        }
    };
    let agg = st.agg(scan).await?;
    let view = pages::FindingsView::parse(p, scan, &agg)?;
    let q = view.query();
    let page = st.with_store(move |s| Ok(s.findings_page(&q)?)).await?;
    Ok((view.with_page(page), agg))
}

async fn findings(
    State(st): State<Arc<AppState>>,
    Query(p): Query<Params>,
) -> Result<Html<String>, Failure> {
    let (view, agg) = findings_of(&st, &p).await?;
    Ok(Html(pages::findings(&agg, &view)))
}

async fn api_findings(
    State(st): State<Arc<AppState>>,
    Query(p): Query<Params>,
) -> Result<Response, Failure> {
    let (view, _) = findings_of(&st, &p).await?;
    Ok(json(&view.to_json()))
}

async fn finding(
    State(st): State<Arc<AppState>>,
    Query(p): Query<Params>,
) -> Result<Html<String>, Failure> {
    let scan = scan_param(&p)?.ok_or_else(|| Failure::BadRequest("no scan given".into()))?;
    let seq: i64 = param(&p, "seq")
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Failure::BadRequest("no result given (?seq=N)".into()))?;
    let agg = st.agg(scan).await?;
    let row = st
        .with_store(move |s| {
            s.finding(scan, seq)?
                .ok_or_else(|| Failure::NotFound(format!("no result {seq} in scan {scan}")))
        })
        .await?;
    Ok(Html(pages::finding(&agg, seq, &row)))
}

async fn api_targets(State(st): State<Arc<AppState>>) -> Result<Response, Failure> {
    let scans = st.with_store(|s| Ok(s.scan_summaries()?)).await?;
    let fleet = agg::Fleet::new(scans);
    let mut out = Vec::new();
    for t in &fleet.targets {
        let a = st.agg(t.latest().id).await?;
        out.push(serde_json::json!({
            "target": t.name,
            "latest": t.latest(),
            "posture": a.posture,
            "scans": t.scans.iter().map(|s| serde_json::json!({
                "id": s.id, "startedAt": s.started_at, "open": s.open, "bySeverity": s.by_severity,
            })).collect::<Vec<_>>(),
        }));
    }
    Ok(json(&serde_json::Value::Array(out)))
}

#[cfg(test)]
mod tests {
    use rampart_store::{FindingsPage, Group, Row, ScanSummary};

    use super::*;

    fn summary() -> ScanSummary {
        ScanSummary {
            id: 3,
            started_ms: 0,
            started_at: "1970-01-01T00:00:00Z".into(),
            target: "web & co".into(),
            source_type: "files".into(),
            objects: 2,
            checks: 100,
            errors: 0,
            results: 3,
            open: 3,
            suppressed: 0,
            by_severity: [0, 2, 1, 0, 0],
            partial: false,
        }
    }

    fn group(check: &str, ns: Option<&str>, sev: &str, count: i64) -> Group {
        Group {
            check: check.into(),
            status: "fail".into(),
            suppression: "open".into(),
            namespace: ns.map(str::to_owned),
            severity: sev.into(),
            count,
        }
    }

    #[test]
    fn a_scan_is_judged_and_its_pages_render() {
        let groups = [
            group("host-network", Some("a"), "high", 2),
            group("image-tag-latest", None, "medium", 1),
        ];
        let a = ScanAgg::new(summary(), &groups);
        assert_eq!(a.by_severity, [0, 2, 1, 0, 0]);
        assert_eq!(a.open, 3);
        assert!(a.posture.is_some_and(|p| p < 100.0 && p > 0.0));
        assert_eq!(a.namespaces[0].key, "a");
        let pss = a.framework("pss-baseline").expect("PSS baseline");
        let failing: Vec<&agg::Control> = pss
            .controls
            .iter()
            .filter(|c| c.status == rampart_frameworks::ControlStatus::Fail)
            .collect();
        assert!(
            failing
                .iter()
                .any(|c| c.checks.iter().any(|k| k == "host-network")),
            "host-network breaks a PSS baseline control"
        );
        let key = failing[0].key();
        assert!(a.control_checks(&key).is_some());
        // Pages: escaped, with their landmarks and tables.
        let fleet = agg::Fleet::new(vec![summary()]);
        let html = pages::overview(&fleet, &[a.posture]);
        assert!(html.contains("web &amp; co") && !html.contains("web & co"));
        assert!(html.contains(r#"<main id="main""#) && html.contains("<svg"));
        let html = pages::target(&fleet.targets[0], &a, &[]);
        assert!(html.contains(r#"id="frameworks""#));
        let html = pages::framework(&a, pss);
        assert!(html.contains(r#"data-status="fail""#));
        let p: Params = vec![
            ("severity".into(), "high".into()),
            ("control".into(), key.clone()),
            ("sort".into(), "place".into()),
            ("page".into(), "2".into()),
        ];
        let v = pages::FindingsView::parse(&p, 3, &a).unwrap_or_else(|_| panic!("parse"));
        let q = v.query();
        assert_eq!(q.severities, ["high"]);
        assert!(q.checks.iter().any(|c| c == "host-network"));
        assert_eq!(q.offset, PAGE_SIZE);
        let row = Row {
            check: "host-network".into(),
            status: "fail".into(),
            severity: "high".into(),
            subject_type: "object".into(),
            subject: "Pod/a/<x>".into(),
            namespace: Some("a".into()),
            pointer: "/spec/hostNetwork".into(),
            path: Some("pods.yaml".into()),
            line: Some(7),
            column: Some(3),
            message: "uses the host network".into(),
            fingerprint: "0123456789abcdef".into(),
            suppression: "open".into(),
            suppressed_by: None,
            suppression_reason: None,
        };
        let v = v.with_page(FindingsPage {
            total: 102,
            rows: vec![(5, row.clone())],
        });
        let html = pages::findings(&a, &v);
        assert!(html.contains(r#"data-total="102""#));
        assert!(html.contains("Pod/a/&lt;x&gt;"));
        assert!(html.contains(r#"rel="prev""#) && !html.contains(r#"rel="next""#));
        assert!(html.contains("/finding?scan=3&amp;seq=5"));
        let html = pages::finding(&a, 5, &row);
        assert!(html.contains("pods.yaml:7:3"));
        assert!(pages::FindingsView::parse(&[("severity".into(), "bad".into())], 3, &a).is_err());
    }
}
