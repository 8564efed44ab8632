//! Library-level reads against the testenv control plane. Ignored by default; run with
//! `testenv/run-with.sh cargo test -p rampart_cluster --test live -- --ignored`.

use std::path::PathBuf;

use rampart_cluster::{read_cluster, ConnectOptions, NamespaceFilter, ReadOptions};

fn admin() -> ReadOptions {
    let kc =
        std::env::var("KUBECONFIG_ADMIN").expect("KUBECONFIG_ADMIN: run under testenv/run-with.sh");
    ReadOptions {
        connect: ConnectOptions {
            kubeconfig: Some(PathBuf::from(kc)),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[test]
#[ignore = "needs testenv"]
fn small_pages_read_the_same_objects() {
    let full = read_cluster(&admin()).expect("read");
    let mut small = admin();
    small.page_size = 2;
    small.concurrency = 3;
    let paged = read_cluster(&small).expect("read paged");
    assert!(!full.coverage.partial && !paged.coverage.partial);
    let ids = |s: &rampart_cluster::Snapshot| {
        let mut v: Vec<String> = s
            .objects
            .iter()
            .filter(|o| o["kind"] != "Event" && o["kind"] != "Lease")
            .map(|o| format!("{}", o["metadata"]["uid"]))
            .collect();
        v.sort();
        v
    };
    assert!(ids(&full).len() > 100);
    assert_eq!(ids(&full), ids(&paged));
}

#[test]
#[ignore = "needs testenv"]
fn namespace_filters() {
    let mut only = admin();
    only.namespaces = NamespaceFilter {
        include: vec!["kube-system".into()],
        exclude: vec![],
    };
    let s = read_cluster(&only).expect("read");
    for o in &s.objects {
        if let Some(ns) = o["metadata"]["namespace"].as_str() {
            assert_eq!(ns, "kube-system", "{o}");
        }
        if o["kind"] == "Namespace" {
            assert_eq!(o["metadata"]["name"], "kube-system");
        }
    }
    assert!(s.objects.iter().any(|o| o["kind"] == "ClusterRole"));

    let mut except = admin();
    except.namespaces.exclude = vec!["kube-system".into()];
    let s = read_cluster(&except).expect("read");
    assert!(!s
        .objects
        .iter()
        .any(|o| o["metadata"]["namespace"] == "kube-system"
            || (o["kind"] == "Namespace" && o["metadata"]["name"] == "kube-system")));
    assert!(s.objects.iter().any(|o| o["kind"] == "ServiceAccount"));
}
