//! Network exposure checks: Services and Ingresses.

pub mod ingress_without_tls;
pub mod service_external_ips;
pub mod service_loadbalancer;
pub mod service_nodeport;
