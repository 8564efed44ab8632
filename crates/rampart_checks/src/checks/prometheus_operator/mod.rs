//! Prometheus Operator checks: scrape endpoints (ServiceMonitor, PodMonitor) and the Prometheus servers it runs. Kinds are matched by API group and kind (`rampart_model::k8s::addons::prometheus_operator`).

// The checks: one folder per check, `prometheus_operator/<id>/mod.rs` (see build.rs).
include!(concat!(env!("OUT_DIR"), "/checks/prometheus_operator.rs"));
