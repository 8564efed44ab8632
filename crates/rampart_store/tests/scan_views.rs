//! The views a scan keeps (RBAC escalation paths, NetworkPolicy reachability: migration 4),
//! against SQLite (always) and PostgreSQL (`#[ignore]`d; `scripts/store-tests.sh` starts a
//! server and sets RAMPART_TEST_POSTGRES): a real scan through the recorder, as `rampart scan
//! --store` runs it, stored, read back whole, listed without their documents, replaced, and
//! removed with their scan.

use rampart_report::views::{EscalationView, ReachabilityView, ESCALATION_KIND, REACHABILITY_KIND};
use rampart_scan::sink::JsonStream;
use rampart_scan::{ConfigSource, ScanOptions, Scanner};
use rampart_store::{Location, Prune, Recorder, ScanMeta, Store, StoredView};

const INPUT: &str = "\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-creator, namespace: prod}
rules: [{apiGroups: [\"\"], resources: [pods], verbs: [create]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ci-deploys, namespace: prod}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-creator}
subjects: [{kind: ServiceAccount, name: deployer, namespace: ci}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ops-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: admin-sa, namespace: prod}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: c, image: api, ports: [{containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: fe, namespace: web}
spec:
  selector: {matchLabels: {app: fe}}
  template:
    metadata: {labels: {app: fe}}
    spec: {containers: [{name: c, image: fe}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-allow, namespace: web}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress: [{from: [{podSelector: {matchLabels: {app: fe}}}], ports: [{port: 8080}]}]
";

struct Fresh {
    _dir: Option<tempfile::TempDir>,
    location: Location,
}

fn sqlite() -> Fresh {
    let dir = tempfile::tempdir().expect("temp dir");
    let location = Location::Sqlite(dir.path().join("history.db"));
    Fresh {
        _dir: Some(dir),
        location,
    }
}

/// A new, empty database on the PostgreSQL server named by RAMPART_TEST_POSTGRES.
fn postgres(name: &str) -> Fresh {
    let url = std::env::var("RAMPART_TEST_POSTGRES").expect(
        "RAMPART_TEST_POSTGRES must name a PostgreSQL URL (scripts/store-tests.sh sets it)",
    );
    let db = format!("rampart_test_{name}");
    sqlx::any::install_default_drivers();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        use sqlx::Executor;
        let pool = sqlx::AnyPool::connect(&url).await.expect("connect");
        pool.execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {db} WITH (FORCE)"
        )))
        .await
        .expect("drop database");
        pool.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
            .await
            .expect("create database");
        pool.close().await;
    });
    let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
    Fresh {
        _dir: None,
        location: Location::Postgres(format!("{base}/{db}")),
    }
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name(super::sqlite());
            }
            #[test]
            #[ignore = "needs PostgreSQL: scripts/store-tests.sh"]
            fn postgres() {
                super::$name(super::postgres(stringify!($name)));
            }
        }
    )*};
}

on_both!(views_round_trip);

/// Scans the manifests as `rampart scan --store --format json` does: the recorder in front of
/// the JSON stream. Returns the recorder.
fn scan(dir: &std::path::Path) -> Recorder {
    let scanner = Scanner::new(ScanOptions {
        paths: vec![dir.to_path_buf()],
        config: ConfigSource::None,
        ..ScanOptions::default()
    })
    .expect("scanner");
    let sources = scanner.sources().expect("sources");
    let mut recorder = Recorder::new(ScanMeta {
        target: Some("views".into()),
        options: serde_json::json!({}),
        started_at: jiff::Timestamp::now(),
    });
    let mut out = Vec::new();
    {
        let mut json = JsonStream::begin(&mut out).expect("json");
        let mut tee = recorder.tee(&mut json);
        let outcome = scanner.run(sources, &mut tee);
        assert!(outcome.write_error.is_none());
    }
    recorder
}

fn views_round_trip(fresh: Fresh) {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("in.yaml"), INPUT).expect("write");
    let recorder = scan(dir.path());
    let views = recorder.stored_views();
    let kinds: Vec<&str> = views.iter().map(|v| v.kind.as_str()).collect();
    assert_eq!(kinds, [ESCALATION_KIND, REACHABILITY_KIND]);
    let store = Store::open(&fresh.location).expect("open");
    let new = recorder.into_scan().expect("finished");
    let id = store.save(&new).expect("save");
    store.save_views(id, &views).expect("save views");

    // Listed without their documents (by kind), with how much was kept.
    let listed = store.view_summaries(id).expect("list");
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].kind, REACHABILITY_KIND);
    assert_eq!(
        (listed[0].shown, listed[0].total),
        (3, 3),
        "two pod groups and the addresses outside the cluster"
    );
    assert_eq!(listed[1].kind, ESCALATION_KIND);
    assert!(listed[1].total >= 1 && listed[1].shown == listed[1].total);

    // Read back whole: the same documents, readable as the report's types.
    let esc = store
        .view(id, ESCALATION_KIND)
        .expect("read")
        .expect("kept");
    assert_eq!(&esc, &views[0]);
    let e: EscalationView = serde_json::from_str(&esc.body).expect("escalation");
    let p = e
        .paths
        .iter()
        .find(|p| p.from.name == "sa:ci/deployer")
        .expect("the deployer's path");
    assert_eq!(p.steps[0].grants[0].binding, "RoleBinding/prod/ci-deploys");
    assert!(
        p.steps[0].grants[0]
            .rule_at
            .as_deref()
            .is_some_and(|a| a.ends_with("in.yaml:4")),
        "{:?}",
        p.steps[0].grants[0].rule_at
    );
    let reach = store
        .view(id, REACHABILITY_KIND)
        .expect("read")
        .expect("kept");
    let r: ReachabilityView = serde_json::from_str(&reach.body).expect("reachability");
    assert_eq!(r.policies[0].name, "NetworkPolicy/web/api-allow");
    let denied: Vec<(usize, usize)> = r
        .cells
        .iter()
        .enumerate()
        .flat_map(|(i, row)| {
            row.iter()
                .enumerate()
                .filter(|(_, c)| c.allowed == Some(false))
                .map(move |(j, _)| (i, j))
        })
        .collect();
    let api = r
        .endpoints
        .iter()
        .position(|e| e.label == "Deployment/web/api")
        .expect("api");
    // Only fe may reach api: api itself and the outside may not; everything else is open.
    assert_eq!(denied.len(), 2, "{denied:?}");
    assert!(denied.iter().all(|&(_, dst)| dst == api), "{denied:?}");
    assert!(store.view(id, "other").expect("read").is_none());

    // Saving again replaces a view of the same kind.
    let replaced = StoredView {
        shown: 0,
        total: 0,
        body: "{\"total\":0,\"paths\":[]}".into(),
        ..views[0].clone()
    };
    store
        .save_views(id, std::slice::from_ref(&replaced))
        .expect("replace");
    assert_eq!(
        store.view(id, ESCALATION_KIND).expect("read"),
        Some(replaced)
    );

    // A newer scan; pruning the older one removes its views.
    let id2 = store.save(&new).expect("save");
    store.save_views(id2, &views).expect("save views");
    let removed = store
        .prune(Prune {
            keep: Some(1),
            older_than: None,
        })
        .expect("prune");
    assert_eq!(removed, vec![id]);
    assert!(store.view_summaries(id).expect("list").is_empty());
    assert_eq!(store.view_summaries(id2).expect("list").len(), 2);
    store.close();
}
