//! Library-level reads against the testenv control plane. Ignored by default; run with
//! `testenv/run-with.sh cargo test -p rampart_cluster --test live -- --ignored`.

use std::path::PathBuf;

use rampart_cluster::{
    read_cluster, read_cluster_pages, ConnectOptions, NamespaceFilter, ReadOptions,
};

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

/// The page-by-page read hands over the objects a whole read keeps, each once, and counts them
/// the same in its coverage.
#[test]
#[ignore = "needs testenv"]
fn pages_hand_over_what_a_whole_read_keeps() {
    let mut small = admin();
    small.page_size = 7;
    let whole = read_cluster(&small).expect("read");
    let mut handed = Vec::new();
    let mut pages = 0;
    let paged = read_cluster_pages(&small, |context, page| {
        assert_eq!(context, whole.context);
        assert!(
            !page.is_empty() && page.len() <= 7,
            "{} objects",
            page.len()
        );
        pages += 1;
        handed.extend(page);
    })
    .expect("read by pages");
    assert!(paged.objects.is_empty(), "the objects went to the callback");
    let ids = |objects: &[serde_json::Value]| {
        let mut v: Vec<String> = objects
            .iter()
            .filter(|o| o["kind"] != "Event" && o["kind"] != "Lease")
            .map(|o| {
                let m = &o["metadata"];
                format!(
                    "{} {} {} {}",
                    o["apiVersion"], o["kind"], m["namespace"], m["name"]
                )
            })
            .collect();
        v.sort();
        v
    };
    let (a, b) = (ids(&whole.objects), ids(&handed));
    assert!(a.len() > 100 && pages > a.len() / 7);
    let unique: std::collections::BTreeSet<&String> = b.iter().collect();
    assert_eq!(unique.len(), b.len(), "each object once");
    assert_eq!(a, b);
    // Secrets are cleaned on the way, as in a whole read.
    assert!(handed
        .iter()
        .filter(|o| o["kind"] == "Secret")
        .all(|o| o.get("data").is_none()));
    let counts = |s: &rampart_cluster::Snapshot| {
        s.coverage
            .read
            .iter()
            .filter(|t| t.kind != "Event" && t.kind != "Lease")
            .map(|t| (t.kind.clone(), t.count))
            .collect::<Vec<_>>()
    };
    let mut x = counts(&whole);
    let mut y = counts(&paged);
    x.sort();
    y.sort();
    assert_eq!(x, y);
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

/// Issue 11, gap 8: a kubeconfig whose client certificate is X.509 version 1 works with kubectl,
/// so it must work with rampart (rustls alone refuses to load such a certificate).
#[test]
#[ignore = "needs testenv"]
fn version_1_client_certificate_reads_like_kubectl() {
    let kc = std::env::var("KUBECONFIG_LEGACY_V1")
        .expect("KUBECONFIG_LEGACY_V1: run under testenv/run-with.sh");
    let dir = std::env::var("TESTENV_DIR").expect("TESTENV_DIR");
    // The certificate really is version 1 (as OpenSSL 3.0 makes it without extensions).
    let text = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in"])
        .arg(format!("{dir}/pki/legacy-v1.crt"))
        .output()
        .expect("run openssl");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("Version: 1 (0x0)"),
        "testenv's legacy certificate is not X.509 version 1 (a newer OpenSSL adds extensions?):\n{text}"
    );
    // kubectl accepts it.
    let kubectl = std::env::var("TESTENV_KUBECTL").expect("TESTENV_KUBECTL");
    let out = std::process::Command::new(kubectl)
        .args(["--kubeconfig", &kc, "get", "namespaces", "-o", "name"])
        .output()
        .expect("run kubectl");
    assert!(
        out.status.success(),
        "kubectl refused the v1 certificate: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // So does rampart, with the full rights of its group.
    let opts = ReadOptions {
        connect: ConnectOptions {
            kubeconfig: Some(PathBuf::from(kc)),
            ..Default::default()
        },
        ..Default::default()
    };
    let s = read_cluster(&opts).expect("read with a version-1 client certificate");
    assert!(!s.coverage.partial, "{:?}", s.coverage);
    assert!(s
        .objects
        .iter()
        .any(|o| o["kind"] == "Namespace" && o["metadata"]["name"] == "kube-system"));
}
