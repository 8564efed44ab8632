//! `benchmark cis PATH...` with a kubeadm ClusterConfiguration: its `extraArgs` (v1beta3 map and
//! v1beta4 list) over kubeadm's own flags are the components' flags; a static pod manifest given
//! alongside wins for its component; the AdmissionConfiguration the API server names is read for
//! EventRateLimit (1.2.9).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rampart_model::Status;
use rampart_node::{read_files, run, BenchmarkRun, ComponentKind};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn bench(files: &[PathBuf]) -> BenchmarkRun {
    let node = read_files(files, &fixture("kubeadm-config/root"));
    assert!(node.errors.is_empty(), "{:?}", node.errors);
    run(&node, String::new())
}

fn statuses(r: &BenchmarkRun) -> BTreeMap<(String, String), Status> {
    r.results
        .iter()
        .map(|x| {
            (
                (x.item.id.to_owned(), x.finding.subject.display_name()),
                x.finding.status,
            )
        })
        .collect()
}

fn status(r: &BenchmarkRun, id: &str) -> Status {
    r.results
        .iter()
        .find(|x| x.item.id == id)
        .map(|x| x.finding.status)
        .unwrap_or_else(|| panic!("no result for {id}"))
}

fn message<'a>(r: &'a BenchmarkRun, id: &str) -> &'a str {
    r.results
        .iter()
        .find(|x| x.item.id == id)
        .map(|x| x.finding.message.as_str())
        .unwrap_or_default()
}

#[test]
fn both_forms_of_extra_args_are_the_components_flags() {
    let v3 = bench(&[fixture("kubeadm-config/cluster-v1beta3.yaml")]);
    let v4 = bench(&[fixture("kubeadm-config/cluster-v1beta4.yaml")]);
    for r in [&v3, &v4] {
        let kinds: Vec<ComponentKind> = r.components.iter().map(|(k, _)| *k).collect();
        for k in [
            ComponentKind::KubeApiserver,
            ComponentKind::KubeControllerManager,
            ComponentKind::KubeScheduler,
            ComponentKind::Etcd,
        ] {
            assert!(kinds.contains(&k), "{k} not from the ClusterConfiguration");
        }
        // extraArgs.
        assert_eq!(status(r, "1.2.1"), Status::Pass);
        assert_eq!(status(r, "1.2.15"), Status::Pass);
        assert_eq!(status(r, "1.2.16"), Status::Pass);
        assert_eq!(status(r, "1.2.17"), Status::Pass);
        assert_eq!(status(r, "1.3.1"), Status::Pass);
        assert_eq!(status(r, "1.3.2"), Status::Pass);
        assert_eq!(status(r, "1.4.1"), Status::Pass);
        // An extraArg replaces kubeadm's own `--bind-address=127.0.0.1`.
        assert_eq!(status(r, "1.4.2"), Status::Fail);
        assert_eq!(status(r, "2.3"), Status::Fail);
        // kubeadm's own flags, which the ClusterConfiguration does not repeat.
        assert_eq!(status(r, "1.2.7"), Status::Pass);
        assert_eq!(status(r, "1.2.14"), Status::Pass);
        assert_eq!(status(r, "1.2.24"), Status::Pass);
        assert_eq!(status(r, "1.3.3"), Status::Pass);
        assert_eq!(status(r, "2.1"), Status::Pass);
        assert_eq!(status(r, "2.2"), Status::Pass);
        // The AdmissionConfiguration named by an extraArg, with EventRateLimit's limits inline.
        assert_eq!(status(r, "1.2.9"), Status::Pass, "{}", message(r, "1.2.9"));
        assert!(message(r, "1.2.9").contains("2 limit(s) (Server, Namespace)"));
        // No manifest to examine.
        assert_eq!(status(r, "1.1.1"), Status::NotApplicable);
        // etcd.local.dataDir is the data directory (absent under the root: N/A).
        let dd = r
            .results
            .iter()
            .find(|x| x.item.id == "1.1.11")
            .expect("1.1.11");
        assert!(
            dd.finding.message.contains("/data/etcd"),
            "{}",
            dd.finding.message
        );
    }
    // v1beta4's repeated `enable-admission-plugins` accumulates as on a command line.
    assert_eq!(statuses(&v3), statuses(&v4));
}

#[test]
fn evidence_points_at_the_cluster_configuration_line() {
    let path = fixture("kubeadm-config/cluster-v1beta4.yaml");
    let r = bench(std::slice::from_ref(&path));
    let f = &r
        .results
        .iter()
        .find(|x| x.item.id == "1.4.2")
        .expect("1.4.2")
        .finding;
    let loc = f.location.as_ref().expect("a location");
    assert!(loc.path.ends_with("cluster-v1beta4.yaml"), "{loc:?}");
    let text = std::fs::read_to_string(&path).expect("fixture");
    let line = text.lines().nth(loc.line as usize - 1).unwrap_or_default();
    assert!(line.contains("0.0.0.0"), "line {}: {line:?}", loc.line);
}

/// A static pod manifest given with the ClusterConfiguration is what runs: it defines its
/// component, and the ClusterConfiguration only the others.
#[test]
fn a_manifest_given_alongside_wins() {
    let r = bench(&[
        fixture("kubeadm-config/cluster-v1beta3.yaml"),
        fixture("kubeadm-default/etc/kubernetes/manifests/kube-apiserver.yaml"),
    ]);
    let api: Vec<_> = r
        .components
        .iter()
        .filter(|(k, _)| *k == ComponentKind::KubeApiserver)
        .collect();
    assert_eq!(api.len(), 1);
    assert!(matches!(
        api[0].1,
        rampart_node::input::Source::Manifest { .. }
    ));
    // The manifest has no --profiling=false (the ClusterConfiguration's extraArg is not applied).
    assert_eq!(status(&r, "1.2.15"), Status::Fail);
    // The controller manager still comes from the ClusterConfiguration.
    assert_eq!(status(&r, "1.3.2"), Status::Pass);
}

#[test]
fn malformed_extra_args_are_reported_with_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("cc.yaml");
    std::fs::write(
        &p,
        "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\napiServer:\n  extraArgs:\n  - value: \"false\"\ncontrollerManager:\n  extraArgs: oops\n",
    )
    .expect("write");
    let node = read_files(std::slice::from_ref(&p), Path::new("/nonexistent"));
    let errs: Vec<String> = node.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(
        errs[0].contains("cc.yaml") && errs[0].contains(":5"),
        "{errs:?}"
    );
    assert!(
        errs[1].contains(":7") && errs[1].contains("v1beta4"),
        "{errs:?}"
    );
}

/// 1.2.9 (Manual): EventRateLimit enabled without its configuration is reported for a person,
/// with what is missing.
#[test]
fn event_rate_limit_without_configuration() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("cc.yaml");
    std::fs::write(
        &p,
        "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\napiServer:\n  extraArgs:\n    enable-admission-plugins: NodeRestriction,EventRateLimit\n",
    )
    .expect("write");
    let r = bench(std::slice::from_ref(&p));
    assert_eq!(status(&r, "1.2.9"), Status::Manual);
    assert!(
        message(&r, "1.2.9").contains("--admission-control-config-file is not set"),
        "{}",
        message(&r, "1.2.9")
    );
}
