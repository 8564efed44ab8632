//! The dashboard in headless Chromium, driven over WebDriver (Debian's chromedriver) with
//! fantoccini. Run by scripts/dashboard-tests.sh, which fills the store with real scans, starts
//! `rampart serve --dashboard` and chromedriver, and sets:
//! - `RAMPART_DASHBOARD_URL`: https://127.0.0.1:PORT
//! - `RAMPART_DASHBOARD_STORE`: the SQLite file it serves (the tests read the truth from it)
//! - `RAMPART_WEBDRIVER_URL`: http://127.0.0.1:PORT of chromedriver
//! - `RAMPART_SCREENSHOTS`: where the screenshots go.

use std::io::{Read, Write};
use std::path::PathBuf;

use fantoccini::{Client, ClientBuilder, Locator};
use rampart_store::{Location, Row, Store};

struct Env {
    url: String,
    store: PathBuf,
    driver: String,
    shots: PathBuf,
}

fn env() -> Env {
    let var = |k: &str| {
        std::env::var(k).unwrap_or_else(|_| panic!("{k} is not set: run scripts/dashboard-tests.sh"))
    };
    Env {
        url: var("RAMPART_DASHBOARD_URL"),
        store: PathBuf::from(var("RAMPART_DASHBOARD_STORE")),
        driver: var("RAMPART_WEBDRIVER_URL"),
        shots: PathBuf::from(var("RAMPART_SCREENSHOTS")),
    }
}

async fn browser(e: &Env) -> Client {
    let caps = serde_json::json!({
        "acceptInsecureCerts": true,
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--ignore-certificate-errors", "--window-size=1280,1000"],
        },
        "goog:loggingPrefs": {"browser": "ALL"},
    });
    let serde_json::Value::Object(caps) = caps else {
        unreachable!()
    };
    // chromedriver speaks plain HTTP on loopback: no TLS client needed.
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&e.driver)
        .await
        .expect("connect to chromedriver")
}

/// The browser's console messages since the last call (chromedriver's legacy log endpoint,
/// over plain HTTP on loopback).
async fn console(e: &Env, c: &Client) -> Vec<serde_json::Value> {
    let id = c.session_id().await.expect("session id").expect("a session");
    let hostport = e.driver.trim_start_matches("http://").trim_end_matches('/');
    let body = r#"{"type":"browser"}"#;
    let req = format!(
        "POST /session/{id}/se/log HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut s = std::net::TcpStream::connect(hostport).expect("chromedriver");
    s.write_all(req.as_bytes()).expect("write");
    let mut resp = String::new();
    s.read_to_string(&mut resp).expect("read");
    let json = resp.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    v["value"].as_array().cloned().unwrap_or_default()
}

async fn no_console_errors(e: &Env, c: &Client, page: &str) {
    let errors: Vec<_> = console(e, c)
        .await
        .into_iter()
        .filter(|m| m["level"] == "SEVERE" || m["level"] == "WARNING")
        .collect();
    assert!(errors.is_empty(), "{page}: console errors: {errors:?}");
}

async fn shot(e: &Env, c: &Client, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    std::fs::create_dir_all(&e.shots).expect("screenshot dir");
    std::fs::write(e.shots.join(format!("{name}.png")), png).expect("write screenshot");
}

async fn texts(c: &Client, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for el in c.find_all(Locator::Css(css)).await.expect("find_all") {
        out.push(el.text().await.expect("text"));
    }
    out
}

async fn attrs(c: &Client, css: &str, attr: &str) -> Vec<String> {
    let mut out = Vec::new();
    for el in c.find_all(Locator::Css(css)).await.expect("find_all") {
        out.push(el.attr(attr).await.expect("attr").unwrap_or_default());
    }
    out
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

async fn total(c: &Client) -> i64 {
    let el = c.find(Locator::Id("count")).await.expect("#count");
    el.attr("data-total")
        .await
        .expect("attr")
        .and_then(|t| t.parse().ok())
        .expect("data-total")
}

#[tokio::test]
#[ignore = "needs chromium, chromedriver and a served dashboard: scripts/dashboard-tests.sh"]
async fn fleet_target_and_keyboard() {
    let e = env();
    let c = browser(&e).await;
    c.goto(&format!("{}/", e.url)).await.expect("goto /");
    assert!(c.title().await.expect("title").starts_with("Fleet"));
    no_console_errors(&e, &c, "/").await;
    let targets = texts(&c, "#targets tbody th a").await;
    assert_eq!(targets, ["platform", "web"], "the two scanned targets");
    // Every page has its trend chart, labelled.
    let charts = c.find_all(Locator::Css("#targets svg[role=img] title")).await.expect("charts");
    assert_eq!(charts.len(), 2);
    // Nothing is fetched from anywhere (no CDN, no script).
    let resources = c
        .execute("return performance.getEntriesByType('resource').length + document.scripts.length", vec![])
        .await
        .expect("execute");
    assert_eq!(resources, serde_json::json!(0));
    shot(&e, &c, "01-fleet").await;
    // The first Tab reaches the skip link.
    let body = c.find(Locator::Css("body")).await.expect("body");
    body.send_keys("\u{e004}").await.expect("tab");
    let active = c.active_element().await.expect("active element");
    assert_eq!(active.text().await.expect("text"), "Skip to content");
    // Click through to a target.
    c.find(Locator::LinkText("web")).await.expect("link web").click().await.expect("click");
    assert!(c.current_url().await.expect("url").as_str().contains("/target?t=web"));
    no_console_errors(&e, &c, "/target").await;
    let posture = c.find(Locator::Id("posture")).await.expect("#posture").text().await.expect("text");
    assert!(posture.ends_with('%'), "a posture score: {posture}");
    let fws = texts(&c, "#frameworks tbody th").await;
    assert!(fws.len() >= 9, "every framework: {fws:?}");
    // Two scans of `web`: the scans table lists both.
    let scans = c.find_all(Locator::Css("section[aria-labelledby=h-scans] tbody tr")).await.expect("rows");
    assert_eq!(scans.len(), 2);
    shot(&e, &c, "02-target-web").await;
    c.close().await.expect("close");
}

#[tokio::test]
#[ignore = "needs chromium, chromedriver and a served dashboard: scripts/dashboard-tests.sh"]
async fn findings_filters_sorting_and_paging() {
    let e = env();
    let (scan, rows) = newest(&e, "web");
    let c = browser(&e).await;
    c.goto(&format!("{}/findings?scan={scan}", e.url)).await.expect("goto");
    no_console_errors(&e, &c, "/findings").await;
    let open: Vec<&Row> = rows.iter().filter(|r| r.is_open()).collect();
    assert_eq!(total(&c).await, i64::try_from(open.len()).unwrap_or(0));
    // Most severe first.
    let rank = |s: &str| ["critical", "high", "medium", "low", "info"].iter().position(|x| *x == s);
    let sevs = attrs(&c, "#findings tbody tr", "data-severity").await;
    assert!(!sevs.is_empty());
    assert!(sevs.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])), "{sevs:?}");
    shot(&e, &c, "03-findings").await;
    // Filter: severity high, through the form.
    let want = |sev: &str| open.iter().filter(|r| r.severity == sev).count();
    let sev = if want("critical") > 0 { "critical" } else { "high" };
    c.find(Locator::Id("f-severity")).await.expect("select")
        .select_by_value(sev).await.expect("choose");
    c.find(Locator::Css("form.filters button[type=submit]")).await.expect("button")
        .click().await.expect("submit");
    let url = c.current_url().await.expect("url");
    assert!(url.as_str().contains(&format!("severity={sev}")), "the URL carries the filter: {url}");
    assert_eq!(total(&c).await, i64::try_from(want(sev)).unwrap_or(0));
    let sevs = attrs(&c, "#findings tbody tr", "data-severity").await;
    assert_eq!(sevs.len(), want(sev).min(100));
    assert!(sevs.iter().all(|s| s == sev), "{sevs:?}");
    shot(&e, &c, "04-findings-severity").await;
    // The link works by itself (a fresh load of the same URL gives the same rows).
    let before = attrs(&c, "#findings tbody tr td a", "href").await;
    c.goto(url.as_str()).await.expect("reload");
    assert_eq!(attrs(&c, "#findings tbody tr td a", "href").await, before);
    // Sort by check: click the header, then again for descending.
    c.goto(&format!("{}/findings?scan={scan}", e.url)).await.expect("goto");
    c.find(Locator::LinkText("check")).await.expect("check header").click().await.expect("sort");
    let checks = attrs(&c, "#findings tbody tr", "data-check").await;
    let mut sorted = checks.clone();
    sorted.sort();
    assert_eq!(checks, sorted, "ascending by check");
    c.find(Locator::Css("th[aria-sort=ascending] a")).await.expect("sorted header").click().await.expect("sort desc");
    let checks = attrs(&c, "#findings tbody tr", "data-check").await;
    let mut sorted = checks.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(checks, sorted, "descending by check");
    // Filter by a check and a text, typed into the form.
    let check = open[0].check.clone();
    c.goto(&format!("{}/findings?scan={scan}&check={check}", e.url)).await.expect("goto");
    assert_eq!(
        total(&c).await,
        i64::try_from(open.iter().filter(|r| r.check == check).count()).unwrap_or(0)
    );
    let word = open[0].subject.rsplit('/').next().unwrap_or("").to_owned();
    c.find(Locator::Id("f-q")).await.expect("text box").send_keys(&word).await.expect("type");
    c.find(Locator::Css("form.filters button[type=submit]")).await.expect("button").click().await.expect("submit");
    let n = open
        .iter()
        .filter(|r| r.check == check)
        .filter(|r| {
            let w = word.to_lowercase();
            [&r.message, &r.subject, &r.check]
                .iter()
                .any(|f| f.to_lowercase().contains(&w))
                || r.path.as_deref().unwrap_or("").to_lowercase().contains(&w)
        })
        .count();
    assert_eq!(total(&c).await, i64::try_from(n).unwrap_or(0));
    c.close().await.expect("close");
}

#[tokio::test]
#[ignore = "needs chromium, chromedriver and a served dashboard: scripts/dashboard-tests.sh"]
async fn control_to_finding_to_file_and_line() {
    let e = env();
    let (scan, rows) = newest(&e, "web");
    let c = browser(&e).await;
    c.goto(&format!("{}/framework?scan={scan}&fw=nsa-cisa", e.url)).await.expect("goto");
    no_console_errors(&e, &c, "/framework").await;
    let statuses = attrs(&c, "#controls tbody tr", "data-status").await;
    assert!(statuses.iter().any(|s| s == "fail"), "a failing control: {statuses:?}");
    assert!(statuses.iter().all(|s| ["pass", "fail", "manual", "not-applicable", "not-assessed"].contains(&s.as_str())));
    shot(&e, &c, "05-framework").await;
    // The first failing control's findings.
    let link = c.find(Locator::Css("#controls tbody tr[data-status=fail] td a")).await.expect("a control's findings link");
    let n: i64 = link.text().await.expect("text").parse().expect("a count");
    link.click().await.expect("click");
    let url = c.current_url().await.expect("url");
    assert!(url.as_str().contains("control="), "{url}");
    assert_eq!(total(&c).await, n, "the control's count matches its findings");
    let checks_text = c.find(Locator::Css("main p strong + a")).await.is_ok();
    assert!(checks_text, "the control is named above the table");
    shot(&e, &c, "06-control-findings").await;
    // The first finding: its file and line are the store's.
    let first = c.find(Locator::Css("#findings tbody tr td a")).await.expect("a finding");
    let href = first.attr("href").await.expect("attr").expect("href");
    let seq: usize = href.rsplit("seq=").next().and_then(|s| s.parse().ok()).expect("seq");
    first.click().await.expect("click");
    no_console_errors(&e, &c, "/finding").await;
    let place = c.find(Locator::Id("place")).await.expect("#place").text().await.expect("text");
    let row = &rows[seq];
    let path = row.path.clone().expect("a file");
    let line = row.line.expect("a line");
    assert!(place.starts_with(&format!("{path}:{line}")), "{place} vs {path}:{line}");
    let h2 = texts(&c, "h2").await;
    assert!(h2.iter().any(|t| t.starts_with("The check:")), "{h2:?}");
    shot(&e, &c, "07-finding").await;
    c.close().await.expect("close");
}
