//! The dashboard in headless Chromium, driven over W3C WebDriver (Debian's chromedriver). Run by scripts/dashboard-tests.sh, which fills the store with real scans, starts
//! `rampart serve --dashboard` and chromedriver, and sets:
//! - `RAMPART_DASHBOARD_URL`: https://127.0.0.1:PORT
//! - `RAMPART_DASHBOARD_STORE`: the SQLite file it serves (the tests read the truth from it)
//! - `RAMPART_WEBDRIVER_URL`: http://127.0.0.1:PORT of chromedriver
//! - `RAMPART_SCREENSHOTS`: where the screenshots go.

use std::io::{Read, Write};
use std::path::PathBuf;

use base64::Engine as _;
use rampart_store::{Location, Row, Store};
use serde_json::{json, Value};

struct Env {
    url: String,
    store: PathBuf,
    driver: String,
    shots: PathBuf,
}

fn env() -> Env {
    let var = |k: &str| {
        std::env::var(k)
            .unwrap_or_else(|_| panic!("{k} is not set: run scripts/dashboard-tests.sh"))
    };
    Env {
        url: var("RAMPART_DASHBOARD_URL"),
        store: PathBuf::from(var("RAMPART_DASHBOARD_STORE")),
        driver: var("RAMPART_WEBDRIVER_URL"),
        shots: PathBuf::from(var("RAMPART_SCREENSHOTS")),
    }
}

/// A W3C WebDriver session with chromedriver: the dozen endpoints these tests use, as JSON
/// over plain HTTP on loopback (see the report of the dashboard work for why not a crate).
struct Browser {
    hostport: String,
    session: String,
}

/// A web element's id.
#[derive(Clone)]
struct El(String);

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

fn http(hostport: &str, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut s = std::net::TcpStream::connect(hostport).expect("connect to chromedriver");
    // chromedriver keeps the connection open despite `Connection: close`: read the head, then
    // exactly Content-Length bytes, and never wait more than a minute for either.
    s.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .expect("a read timeout");
    s.write_all(req.as_bytes()).expect("write to chromedriver");
    let mut resp = Vec::new();
    let mut buf = [0u8; 16384];
    let head_end = loop {
        if let Some(i) = resp.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = s
            .read(&mut buf)
            .unwrap_or_else(|e| panic!("{method} {path}: reading chromedriver's answer: {e}"));
        assert!(
            n > 0,
            "{method} {path}: chromedriver closed the connection early"
        );
        resp.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&resp[..head_end]).into_owned();
    let code: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status code");
    let len: Option<usize> = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse().ok())?
    });
    let mut body = resp[head_end..].to_vec();
    match len {
        Some(len) => {
            while body.len() < len {
                let n = s.read(&mut buf).unwrap_or_else(|e| {
                    panic!("{method} {path}: reading chromedriver's body: {e}")
                });
                assert!(
                    n > 0,
                    "{method} {path}: chromedriver closed the connection early"
                );
                body.extend_from_slice(&buf[..n]);
            }
            body.truncate(len);
        }
        None => {
            s.read_to_end(&mut body)
                .unwrap_or_else(|e| panic!("{method} {path}: reading chromedriver's body: {e}"));
        }
    }
    (code, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

impl Browser {
    fn start(e: &Env) -> Browser {
        let hostport = e
            .driver
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "acceptInsecureCerts": true,
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--ignore-certificate-errors", "--window-size=1280,1000"],
            },
            "goog:loggingPrefs": {"browser": "ALL"},
        }}});
        let (code, v) = http(&hostport, "POST", "/session", Some(&caps));
        assert_eq!(code, 200, "new session: {v}");
        let session = v["value"]["sessionId"]
            .as_str()
            .expect("a session id")
            .to_owned();
        Browser { hostport, session }
    }

    fn try_call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, Value> {
        let full = format!("/session/{}{path}", self.session);
        let body = body.or_else(|| (method == "POST").then(|| json!({})));
        let (code, v) = http(&self.hostport, method, &full, body.as_ref());
        if code == 200 {
            Ok(v["value"].clone())
        } else {
            Err(v)
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.try_call(method, path, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    fn url(&self) -> String {
        self.call("GET", "/url", None)
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    fn title(&self) -> String {
        self.call("GET", "/title", None)
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    fn el(v: &Value) -> El {
        El(v[ELEMENT_KEY].as_str().expect("an element").to_owned())
    }

    fn find_by(&self, using: &str, value: &str) -> El {
        let v = self.call(
            "POST",
            "/element",
            Some(json!({"using": using, "value": value})),
        );
        Browser::el(&v)
    }

    fn find(&self, css: &str) -> El {
        self.find_by("css selector", css)
    }

    fn exists(&self, css: &str) -> bool {
        self.try_call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        )
        .is_ok()
    }

    fn link(&self, text: &str) -> El {
        self.find_by("link text", text)
    }

    fn find_all(&self, css: &str) -> Vec<El> {
        let v = self.call(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        );
        v.as_array()
            .map(|a| a.iter().map(Browser::el).collect())
            .unwrap_or_default()
    }

    fn text(&self, e: &El) -> String {
        self.call("GET", &format!("/element/{}/text", e.0), None)
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    fn attr(&self, e: &El, name: &str) -> Option<String> {
        self.call("GET", &format!("/element/{}/attribute/{name}", e.0), None)
            .as_str()
            .map(str::to_owned)
    }

    fn click(&self, e: &El) {
        self.call("POST", &format!("/element/{}/click", e.0), None);
    }

    /// Clicks a link or submit button and waits until the next document has loaded. A click does
    /// not wait for the navigation it starts: reading the page straight after it can meet the old
    /// document's elements, which go stale under the reader. The old document carries a mark the
    /// new one lacks.
    fn follow(&self, e: &El) {
        self.execute("window.__rampartOld = true;");
        self.click(e);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let done = self.try_call(
                "POST",
                "/execute/sync",
                Some(json!({
                    "script": "return !window.__rampartOld && document.readyState === 'complete';",
                    "args": []
                })),
            );
            if done.as_ref().is_ok_and(|v| v.as_bool() == Some(true)) {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the click did not load a new page within 30 s (at {})",
                self.url()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    fn type_text(&self, e: &El, text: &str) {
        self.call(
            "POST",
            &format!("/element/{}/value", e.0),
            Some(json!({ "text": text })),
        );
    }

    fn active(&self) -> El {
        Browser::el(&self.call("GET", "/element/active", None))
    }

    fn execute(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    fn screenshot(&self) -> Vec<u8> {
        let b64 = self.call("GET", "/screenshot", None);
        base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap_or(""))
            .expect("a base64 PNG")
    }

    /// The browser's console messages since the last call (chromedriver's log endpoint).
    fn console(&self) -> Vec<Value> {
        self.call("POST", "/se/log", Some(json!({"type": "browser"})))
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    fn close(&self) {
        let _ = self.try_call("DELETE", "", None);
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.close();
    }
}

fn no_console_errors(c: &Browser, page: &str) {
    let errors: Vec<_> = c
        .console()
        .into_iter()
        .filter(|m| m["level"] == "SEVERE" || m["level"] == "WARNING")
        .collect();
    assert!(errors.is_empty(), "{page}: console errors: {errors:?}");
}

fn shot(e: &Env, c: &Browser, name: &str) {
    let png = c.screenshot();
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    std::fs::create_dir_all(&e.shots).expect("screenshot dir");
    std::fs::write(e.shots.join(format!("{name}.png")), png).expect("write screenshot");
}

fn texts(c: &Browser, css: &str) -> Vec<String> {
    c.find_all(css).iter().map(|e| c.text(e)).collect()
}

fn attrs(c: &Browser, css: &str, attr: &str) -> Vec<String> {
    c.find_all(css)
        .iter()
        .map(|e| c.attr(e, attr).unwrap_or_default())
        .collect()
}

/// The store's truth: the newest scan of a target and its rows.
fn newest(e: &Env, target: &str) -> (i64, Vec<Row>) {
    let store = Store::open(&Location::Sqlite(e.store.clone())).expect("open the store");
    let scan = store
        .scan_summaries()
        .expect("scans")
        .into_iter()
        .rev()
        .find(|s| s.target == target)
        .expect("a scan of the target");
    let rows = store.findings(scan.id).expect("rows");
    (scan.id, rows)
}

fn total(c: &Browser) -> i64 {
    c.attr(&c.find("#count"), "data-total")
        .and_then(|t| t.parse().ok())
        .expect("data-total")
}

fn submit(c: &Browser) {
    c.follow(&c.find("form.filters button[type=submit]"));
}

#[test]
#[ignore = "needs chromium, chromedriver and a served dashboard: scripts/dashboard-tests.sh"]
fn fleet_target_and_keyboard() {
    let e = env();
    let c = Browser::start(&e);
    c.goto(&format!("{}/", e.url));
    assert!(c.title().starts_with("Fleet"), "{}", c.title());
    no_console_errors(&c, "/");
    let targets = texts(&c, "#targets tbody th a");
    assert_eq!(targets, ["platform", "web"], "the two scanned targets");
    // Every target has its trend chart, labelled for screen readers.
    assert_eq!(c.find_all("#targets svg[role=img] > title").len(), 2);
    // Nothing is fetched from anywhere (no CDN, no script, no style sheet).
    let fetched = c.execute(
        "return performance.getEntriesByType('resource').length + document.scripts.length",
    );
    assert_eq!(fetched, json!(0));
    shot(&e, &c, "01-fleet");
    // The first Tab reaches the skip link.
    c.type_text(&c.find("body"), "\u{e004}");
    assert_eq!(c.text(&c.active()), "Skip to content");
    // Click through to a target.
    c.follow(&c.link("web"));
    assert!(c.url().contains("/target?t=web"), "{}", c.url());
    no_console_errors(&c, "/target");
    let posture = c.text(&c.find("#posture"));
    assert!(posture.ends_with('%'), "a posture score: {posture}");
    let fws = texts(&c, "#frameworks tbody th");
    assert!(fws.len() >= 9, "every framework: {fws:?}");
    // Two scans of `web`: the scans table lists both.
    assert_eq!(
        c.find_all("section[aria-labelledby=h-scans] tbody tr")
            .len(),
        2
    );
    shot(&e, &c, "02-target-web");
    // A framework from the target page.
    c.follow(&c.find("#frameworks tbody th a"));
    assert!(c.url().contains("/framework?scan="), "{}", c.url());
    assert!(c.exists("#controls tbody tr"));
}

#[test]
#[ignore = "needs chromium, chromedriver and a served dashboard: scripts/dashboard-tests.sh"]
fn findings_filters_sorting_and_paging() {
    let e = env();
    let (scan, rows) = newest(&e, "web");
    let c = Browser::start(&e);
    c.goto(&format!("{}/findings?scan={scan}", e.url));
    no_console_errors(&c, "/findings");
    let open: Vec<&Row> = rows.iter().filter(|r| r.is_open()).collect();
    assert!(!open.is_empty());
    assert_eq!(total(&c), i64::try_from(open.len()).unwrap_or(0));
    // Most severe first.
    let rank = |s: &str| {
        ["critical", "high", "medium", "low", "info"]
            .iter()
            .position(|x| *x == s)
    };
    let sevs = attrs(&c, "#findings tbody tr", "data-severity");
    assert_eq!(sevs.len(), open.len().min(100));
    assert!(
        sevs.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])),
        "{sevs:?}"
    );
    shot(&e, &c, "03-findings");
    // Filter by severity through the form.
    let want = |sev: &str| open.iter().filter(|r| r.severity == sev).count();
    let sev = if want("critical") > 0 {
        "critical"
    } else {
        "high"
    };
    c.click(&c.find(&format!("#f-severity option[value={sev}]")));
    submit(&c);
    let url = c.url();
    assert!(
        url.contains(&format!("severity={sev}")),
        "the URL carries the filter: {url}"
    );
    assert_eq!(total(&c), i64::try_from(want(sev)).unwrap_or(0));
    let sevs = attrs(&c, "#findings tbody tr", "data-severity");
    assert_eq!(sevs.len(), want(sev).min(100));
    assert!(sevs.iter().all(|s| s == sev), "{sevs:?}");
    shot(&e, &c, "04-findings-severity");
    // The link works by itself: a fresh load of the URL gives the same rows.
    let before = attrs(&c, "#findings tbody tr td a", "href");
    c.goto(&url);
    assert_eq!(attrs(&c, "#findings tbody tr td a", "href"), before);
    // Sort by check: click the header, then again for descending.
    c.goto(&format!("{}/findings?scan={scan}", e.url));
    c.follow(&c.link("check"));
    let checks = attrs(&c, "#findings tbody tr", "data-check");
    let mut sorted = checks.clone();
    sorted.sort();
    assert_eq!(checks, sorted, "ascending by check");
    c.follow(&c.find("th[aria-sort=ascending] a"));
    assert!(c.url().contains("dir=desc"), "{}", c.url());
    let checks = attrs(&c, "#findings tbody tr", "data-check");
    let mut sorted = checks.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(checks, sorted, "descending by check");
    // A check from the URL, then a text typed into the form.
    let check = open[0].check.clone();
    c.goto(&format!("{}/findings?scan={scan}&check={check}", e.url));
    assert_eq!(
        total(&c),
        i64::try_from(open.iter().filter(|r| r.check == check).count()).unwrap_or(0)
    );
    let word = open[0]
        .subject
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_lowercase();
    c.type_text(&c.find("#f-q"), &word);
    submit(&c);
    let n = open
        .iter()
        .filter(|r| r.check == check)
        .filter(|r| {
            [
                r.message.as_str(),
                r.subject.as_str(),
                r.check.as_str(),
                r.path.as_deref().unwrap_or(""),
            ]
            .iter()
            .any(|f| f.to_lowercase().contains(&word))
        })
        .count();
    assert!(n > 0);
    assert_eq!(
        total(&c),
        i64::try_from(n).unwrap_or(0),
        "check {check} and text {word}"
    );
}

#[test]
#[ignore = "needs chromium, chromedriver and a served dashboard: scripts/dashboard-tests.sh"]
fn control_to_finding_to_file_and_line() {
    let e = env();
    let (scan, rows) = newest(&e, "web");
    let c = Browser::start(&e);
    c.goto(&format!("{}/framework?scan={scan}&fw=nsa-cisa", e.url));
    no_console_errors(&c, "/framework");
    let statuses = attrs(&c, "#controls tbody tr", "data-status");
    assert!(
        statuses.iter().any(|s| s == "fail"),
        "a failing control: {statuses:?}"
    );
    let known = ["pass", "fail", "manual", "not-applicable", "not-assessed"];
    assert!(
        statuses.iter().all(|s| known.contains(&s.as_str())),
        "{statuses:?}"
    );
    shot(&e, &c, "05-framework");
    // The first failing control's findings.
    let link = c.find("#controls tbody tr[data-status=fail] td a");
    let n: i64 = c.text(&link).parse().expect("a count");
    c.follow(&link);
    assert!(c.url().contains("control="), "{}", c.url());
    assert_eq!(total(&c), n, "the control's count matches its findings");
    shot(&e, &c, "06-control-findings");
    // The first finding: its file and line are the store's.
    let first = c.find("#findings tbody tr td a");
    let href = c.attr(&first, "href").expect("href");
    let seq: usize = href
        .rsplit("seq=")
        .next()
        .and_then(|s| s.parse().ok())
        .expect("seq");
    c.follow(&first);
    no_console_errors(&c, "/finding");
    let place = c.text(&c.find("#place"));
    let row = &rows[seq];
    let path = row.path.clone().expect("a file");
    let line = row.line.expect("a line");
    assert!(
        place.starts_with(&format!("{path}:{line}")),
        "{place} vs {path}:{line}"
    );
    let h2 = texts(&c, "h2");
    assert!(h2.iter().any(|t| t.starts_with("The check:")), "{h2:?}");
    shot(&e, &c, "07-finding");
}

/// The `platform` target's newest scan (the one with RBAC objects and NetworkPolicies).
fn platform_scan(e: &Env) -> i64 {
    newest(e, "platform").0
}

#[test]
#[ignore = "needs chromium, chromedriver and a served dashboard: scripts/dashboard-tests.sh"]
fn rbac_escalation_graph_to_its_finding() {
    let e = env();
    let scan = platform_scan(&e);
    let store = Store::open(&Location::Sqlite(e.store.clone())).expect("open the store");
    let view = store
        .view(scan, "rbac-escalation")
        .expect("read")
        .expect("the scan kept its escalation paths");
    let doc: Value = serde_json::from_str(&view.body).expect("json");
    let paths = doc["paths"].as_array().cloned().unwrap_or_default();
    assert!(!paths.is_empty(), "the RBAC fixtures have escalation paths");
    let c = Browser::start(&e);
    // From the target page.
    c.goto(&format!("{}/target?t=platform", e.url));
    c.follow(&c.link("RBAC escalation paths"));
    assert!(
        c.url().contains(&format!("/rbac?scan={scan}")),
        "{}",
        c.url()
    );
    assert!(
        c.title().starts_with("RBAC escalation paths"),
        "{}",
        c.title()
    );
    no_console_errors(&c, "/rbac");
    // The graph: one labelled SVG, drawn on the server, with a node per path start.
    assert_eq!(c.find_all("svg.graph[role=img] > title").len(), 1);
    let drawn = c.execute(
        "return document.querySelector('svg.graph').getBBox().width > 200 \
         && document.querySelectorAll('svg.graph g.node').length",
    );
    assert!(drawn.as_i64().unwrap_or(0) >= 3, "nodes drawn: {drawn}");
    // The table: every kept path, in the store's order.
    let rows = c.find_all("#esc-table tbody tr");
    assert_eq!(rows.len(), paths.len());
    let from = texts(&c, "#esc-table tbody tr th");
    for (i, p) in paths.iter().enumerate() {
        let name = p["from"]["name"].as_str().unwrap_or("");
        assert!(from[i].starts_with(name), "{} vs {name}", from[i]);
    }
    // Nothing fetched, no script.
    let fetched = c.execute(
        "return performance.getEntriesByType('resource').length + document.scripts.length",
    );
    assert_eq!(fetched, json!(0));
    shot(&e, &c, "08-rbac-paths");
    // An SVG node links to the findings about it.
    let node_links = attrs(&c, "svg.graph a", "href");
    assert!(
        node_links.iter().all(|h| h.starts_with("/findings?scan=")),
        "{node_links:?}"
    );
    // A path's finding: the rbac-escalation-path finding of its first binding.
    let link = c.find("#esc-table a.finding-link");
    c.follow(&link);
    assert!(c.url().contains("/findings?scan="), "{}", c.url());
    no_console_errors(&c, "/findings from /rbac");
    assert!(total(&c) >= 1, "the path's finding is listed");
    let listed = attrs(&c, "#findings tbody tr", "data-check");
    assert!(
        !listed.is_empty() && listed.iter().all(|t| t == "rbac-escalation-path"),
        "{listed:?}"
    );
    shot(&e, &c, "09-rbac-path-finding");
}

#[test]
#[ignore = "needs chromium, chromedriver and a served dashboard: scripts/dashboard-tests.sh"]
fn network_matrix_to_a_policy_finding() {
    let e = env();
    let scan = platform_scan(&e);
    let c = Browser::start(&e);
    c.goto(&format!("{}/target?t=platform", e.url));
    c.follow(&c.link("Network reachability"));
    assert!(
        c.url().contains(&format!("/network?scan={scan}")),
        "{}",
        c.url()
    );
    no_console_errors(&c, "/network");
    let cols = c.find_all("table.matrix thead th[scope=col]").len();
    let rows = c.find_all("table.matrix tbody th[scope=row]").len();
    assert!(cols >= 4 && cols == rows, "{rows} x {cols}");
    assert_eq!(
        c.find_all("table.matrix tbody td").len(),
        rows * cols,
        "a cell per pair"
    );
    assert!(c.exists("table.matrix td.allow") && c.exists("table.matrix td.deny"));
    // Every cell says why in its title.
    let titles = attrs(&c, "table.matrix td abbr", "title");
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("denied") && t.contains("isolated by NetworkPolicy/shop/")),
        "{titles:?}"
    );
    shot(&e, &c, "10-network-matrix");
    // The cell allowed by the allow-all policy leads to that policy's finding.
    // (Query values are percent-encoded, `-` too.)
    let link = c.find("table.matrix td.allow a[href*='allow%2Dall%2Dmetrics']");
    c.follow(&link);
    assert!(c.url().contains("/findings?scan="), "{}", c.url());
    no_console_errors(&c, "/findings from /network");
    assert!(total(&c) >= 1);
    let listed = attrs(&c, "#findings tbody tr", "data-check");
    assert!(listed.iter().any(|t| t == "netpol-allow-all"), "{listed:?}");
    shot(&e, &c, "11-network-policy-finding");
}
