//! `unsafe-sysctls` and the Pod Security Standards evaluator (baseline, latest version) agree on
//! every sysctl: both read the one list of `rampart_model::k8s::sysctls`.

use rampart_checks::{Engine, Selection};
use rampart_model::k8s::sysctls;
use rampart_model::{Origin, Resource, Workload};
use rampart_pss::{Level, Version};
use serde_json::json;

#[test]
fn unsafe_sysctls_agrees_with_pss_on_every_sysctl() {
    let checks = Selection::matching(&["unsafe-sysctls".to_string()]).expect("check exists");
    let engine = Engine::new(Selection {
        checks,
        severity: Default::default(),
    });
    let safe: Vec<&str> = sysctls::safe_at(u32::MAX).collect();
    assert!(safe.contains(&"net.ipv4.tcp_slow_start_after_idle"));
    let unsafe_ones = [
        "kernel.msgmax",
        "net.core.somaxconn",
        "vm.swappiness",
        "NET.IPV4.TCP_SYNCOOKIES",
        "net.ipv4.tcp_syncookies ",
        "",
    ];
    for name in safe.iter().chain(&unsafe_ones) {
        let raw = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"securityContext": {"sysctls": [{"name": name, "value": "1"}]},
                     "containers": [{"name": "a", "image": "a:1"}]}});
        let w = Workload::of("Pod", &raw).expect("pod");
        let pss_allows = rampart_pss::allowed(Level::Baseline, Version::Latest, &w);
        let res = Resource::new(
            raw.clone(),
            Origin::Cluster {
                context: "test".into(),
            },
        );
        let flagged = !engine.run(&res).is_empty();
        assert_eq!(
            flagged, !pss_allows,
            "sysctl {name:?}: unsafe-sysctls flags it: {flagged}, PSS allows it: {pss_allows}"
        );
        assert_eq!(pss_allows, safe.contains(name), "{name:?}");
    }
}
