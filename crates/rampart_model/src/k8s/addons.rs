//! Custom resources of popular add-ons (Istio, cert-manager, Argo CD, Prometheus Operator,
//! Gateway API, ingress-nginx, Cilium): their API group and kind, and the few names and values
//! the checks read. A kind is matched by group and kind, whatever the version (`v1beta1` and
//! `v1` alike), as the API server stores every served version of one resource.

/// An API group and kind, e.g. `security.istio.io` + `PeerAuthentication`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupKind {
    pub group: &'static str,
    pub kind: &'static str,
}

impl GroupKind {
    /// Whether an object of `api_version` and `kind` is of this group and kind (any version).
    pub fn matches(&self, api_version: &str, kind: &str) -> bool {
        kind == self.kind && group_of(api_version) == self.group
    }
}

/// The API group of an `apiVersion` (`""` for the core group's `v1`).
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

const fn gk(group: &'static str, kind: &'static str) -> GroupKind {
    GroupKind { group, kind }
}

/// Istio (security.istio.io, networking.istio.io).
pub mod istio {
    use super::{gk, GroupKind};

    pub const SECURITY_GROUP: &str = "security.istio.io";
    pub const NETWORKING_GROUP: &str = "networking.istio.io";
    /// Every API group whose objects say Istio is in use.
    pub const GROUPS: &[&str] = &[
        SECURITY_GROUP,
        NETWORKING_GROUP,
        "telemetry.istio.io",
        "extensions.istio.io",
        "install.istio.io",
    ];

    pub const PEER_AUTHENTICATION: GroupKind = gk(SECURITY_GROUP, "PeerAuthentication");
    pub const AUTHORIZATION_POLICY: GroupKind = gk(SECURITY_GROUP, "AuthorizationPolicy");
    pub const DESTINATION_RULE: GroupKind = gk(NETWORKING_GROUP, "DestinationRule");
    pub const GATEWAY: GroupKind = gk(NETWORKING_GROUP, "Gateway");
    pub const SIDECAR: GroupKind = gk(NETWORKING_GROUP, "Sidecar");
    pub const SERVICE_ENTRY: GroupKind = gk(NETWORKING_GROUP, "ServiceEntry");
    pub const ENVOY_FILTER: GroupKind = gk(NETWORKING_GROUP, "EnvoyFilter");

    /// The default root namespace: policies there without a selector apply to the whole mesh.
    pub const ROOT_NAMESPACE: &str = "istio-system";

    /// Whether a service host names a service inside the cluster (a short name, `*.svc`,
    /// `*.cluster.local`), where Istio's own mutual TLS applies. `name.namespace` cannot be told
    /// from a public domain and counts as outside.
    pub fn is_in_mesh_host(host: &str) -> bool {
        let h = host.trim().trim_end_matches('.');
        !h.is_empty()
            && h != "*"
            && (!h.contains('.') || h.ends_with(".svc") || h.ends_with(".cluster.local"))
    }
}

/// cert-manager (cert-manager.io, acme.cert-manager.io).
pub mod cert_manager {
    use super::{gk, GroupKind};

    pub const GROUP: &str = "cert-manager.io";
    pub const CERTIFICATE: GroupKind = gk(GROUP, "Certificate");
    pub const ISSUER: GroupKind = gk(GROUP, "Issuer");
    pub const CLUSTER_ISSUER: GroupKind = gk(GROUP, "ClusterIssuer");

    /// The smallest RSA key size worth having (NIST SP 800-57: 112-bit security).
    pub const MIN_RSA_BITS: i64 = 2048;
    /// The smallest ECDSA curve cert-manager supports and that is still safe (P-256).
    pub const MIN_ECDSA_BITS: i64 = 256;
    /// cert-manager's default key size for RSA when `privateKey.size` is unset.
    pub const DEFAULT_RSA_BITS: i64 = 2048;
    /// cert-manager's default curve size for ECDSA when `privateKey.size` is unset.
    pub const DEFAULT_ECDSA_BITS: i64 = 256;
    /// A year, the longest leaf-certificate lifetime we accept (public CAs allow 398 days).
    pub const MAX_LEAF_DURATION_HOURS: f64 = 24.0 * 398.0;

    /// Known ACME staging directories: their certificates chain to an untrusted root.
    pub const ACME_STAGING_MARKERS: &[&str] = &["acme-staging", "staging"];

    /// A Go duration (`2160h`, `8760h0m0s`, `90m`, `1.5h`) in hours; `None` when malformed.
    pub fn duration_hours(s: &str) -> Option<f64> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        let mut total = 0.0;
        let mut rest = s;
        while !rest.is_empty() {
            let num_end = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            let (num, tail) = rest.split_at(num_end);
            let n: f64 = num.parse().ok()?;
            let unit_end = tail
                .find(|c: char| c.is_ascii_digit() || c == '.')
                .unwrap_or(tail.len());
            let (unit, tail) = tail.split_at(unit_end);
            let hours = match unit {
                "h" => 1.0,
                "m" => 1.0 / 60.0,
                "s" => 1.0 / 3600.0,
                "ms" => 1.0 / 3_600_000.0,
                "us" | "µs" => 1.0 / 3_600_000_000.0,
                "ns" => 1.0 / 3_600_000_000_000.0,
                _ => return None,
            };
            total += n * hours;
            rest = tail;
        }
        Some(total)
    }
}

/// Argo CD (argoproj.io) and its ConfigMaps.
pub mod argocd {
    use super::{gk, GroupKind};

    pub const GROUP: &str = "argoproj.io";
    pub const APP_PROJECT: GroupKind = gk(GROUP, "AppProject");
    pub const APPLICATION: GroupKind = gk(GROUP, "Application");

    /// The ConfigMap holding Argo CD's settings (accounts, exec).
    pub const CM: &str = "argocd-cm";
    /// The ConfigMap holding Argo CD's RBAC policy.
    pub const RBAC_CM: &str = "argocd-rbac-cm";
    /// The service account of the application controller.
    pub const CONTROLLER_SERVICE_ACCOUNT: &str = "argocd-application-controller";
    /// How an Application names the cluster Argo CD runs in.
    pub const IN_CLUSTER_SERVER: &str = "https://kubernetes.default.svc";
    pub const IN_CLUSTER_NAME: &str = "in-cluster";
    /// The built-in role with every permission.
    pub const ADMIN_ROLE: &str = "role:admin";
}

/// Prometheus Operator (monitoring.coreos.com).
pub mod prometheus_operator {
    use super::{gk, GroupKind};

    pub const GROUP: &str = "monitoring.coreos.com";
    pub const SERVICE_MONITOR: GroupKind = gk(GROUP, "ServiceMonitor");
    pub const POD_MONITOR: GroupKind = gk(GROUP, "PodMonitor");
    pub const PROBE: GroupKind = gk(GROUP, "Probe");
    pub const PROMETHEUS: GroupKind = gk(GROUP, "Prometheus");
    pub const PROMETHEUS_AGENT: GroupKind = gk(GROUP, "PrometheusAgent");
    pub const ALERTMANAGER: GroupKind = gk(GROUP, "Alertmanager");
    pub const THANOS_RULER: GroupKind = gk(GROUP, "ThanosRuler");

    /// The kinds that run pods the operator builds from the resource's own fields.
    pub const SERVER_KINDS: &[GroupKind] =
        &[PROMETHEUS, PROMETHEUS_AGENT, ALERTMANAGER, THANOS_RULER];

    /// Where each monitor kind keeps its scrape endpoints.
    pub const ENDPOINT_LISTS: &[(GroupKind, &str)] = &[
        (SERVICE_MONITOR, "endpoints"),
        (POD_MONITOR, "podMetricsEndpoints"),
    ];

    /// Endpoint fields that send credentials with every scrape.
    pub const CREDENTIAL_FIELDS: &[&str] = &[
        "bearerTokenFile",
        "bearerTokenSecret",
        "basicAuth",
        "authorization",
        "oauth2",
    ];
}

/// Gateway API (gateway.networking.k8s.io).
pub mod gateway_api {
    use super::{gk, GroupKind};

    pub const GROUP: &str = "gateway.networking.k8s.io";
    pub const GATEWAY: GroupKind = gk(GROUP, "Gateway");
    pub const REFERENCE_GRANT: GroupKind = gk(GROUP, "ReferenceGrant");

    /// Listener protocols that carry no TLS.
    pub const PLAIN_PROTOCOLS: &[&str] = &["HTTP", "TCP", "UDP"];
    /// Listener protocols that carry TLS.
    pub const TLS_PROTOCOLS: &[&str] = &["HTTPS", "TLS"];
}

/// ingress-nginx annotations and controller settings.
pub mod ingress_nginx {
    /// The prefix of ingress-nginx's annotations.
    pub const ANNOTATION_PREFIX: &str = "nginx.ingress.kubernetes.io/";
    /// Annotations whose value is copied into nginx.conf (CVE-2021-25742): every `*-snippet`.
    pub const SNIPPET_SUFFIX: &str = "-snippet";
    /// The controller ConfigMap key that lets Ingresses carry snippet annotations.
    pub const ALLOW_SNIPPETS_KEY: &str = "allow-snippet-annotations";
    /// Client-certificate verification of `auth-tls-secret`.
    pub const AUTH_TLS_VERIFY_CLIENT: &str = "nginx.ingress.kubernetes.io/auth-tls-verify-client";
    pub const AUTH_TLS_SECRET: &str = "nginx.ingress.kubernetes.io/auth-tls-secret";
    /// `auth-tls-verify-client` values that let a client in without a verified certificate.
    pub const UNVERIFIED_CLIENT_MODES: &[&str] = &["off", "optional_no_ca"];
    /// The controller ConfigMap key whose `Critical` value admits snippet annotations (1.12+).
    pub const RISK_LEVEL_KEY: &str = "annotations-risk-level";
    /// What ends an nginx directive or block, or quotes or escapes inside one: in an annotation
    /// value it injects configuration (the controller's `annotation-value-word-blocklist`
    /// default blocks the same characters).
    pub const INJECTION_CHARS: &[char] = &['{', '}', ';', '\'', '"', '\\', '\n', '\r'];
    /// Words of the controller's default `annotation-value-word-blocklist` that load code.
    pub const INJECTION_WORDS: &[&str] = &["_by_lua", "load_module", "lua_package"];

    /// Whether an annotation key is an ingress-nginx snippet (`...-snippet`).
    pub fn is_snippet(key: &str) -> bool {
        key.strip_prefix(ANNOTATION_PREFIX)
            .is_some_and(|k| k.ends_with(SNIPPET_SUFFIX))
    }

    /// What in an annotation value would inject nginx configuration, if anything.
    pub fn injection(value: &str) -> Option<String> {
        if let Some(c) = value.chars().find(|c| INJECTION_CHARS.contains(c)) {
            return Some(format!("{c:?}"));
        }
        let lower = value.to_ascii_lowercase();
        INJECTION_WORDS
            .iter()
            .find(|w| lower.contains(*w))
            .map(|w| format!("`{w}`"))
    }
}

/// Cilium (cilium.io) network policies.
pub mod cilium {
    use super::{gk, GroupKind};

    pub const GROUP: &str = "cilium.io";
    pub const NETWORK_POLICY: GroupKind = gk(GROUP, "CiliumNetworkPolicy");
    pub const CLUSTERWIDE_NETWORK_POLICY: GroupKind = gk(GROUP, "CiliumClusterwideNetworkPolicy");

    /// The endpoint label holding a pod's namespace name.
    pub const NAMESPACE_LABEL: &str = "io.kubernetes.pod.namespace";
    /// The prefix of endpoint labels copied from the pod's namespace labels.
    pub const NAMESPACE_LABELS_PREFIX: &str = "io.cilium.k8s.namespace.labels.";
    /// Label sources Kubernetes labels may carry in a selector key (`k8s:app`, `any:app`).
    pub const POD_LABEL_SOURCES: &[&str] = &["k8s", "any"];

    /// Entities (`fromEntities`, `toEntities`) meaning every address outside the cluster.
    pub const WORLD_ENTITIES: &[&str] = &["world", "world-ipv4", "world-ipv6"];
    /// The entity meaning every endpoint of the cluster.
    pub const CLUSTER_ENTITY: &str = "cluster";
    /// The entity meaning everything: the cluster and the world.
    pub const ALL_ENTITY: &str = "all";

    /// A selector key without its label source (`k8s:app` -> `app`); keys of other sources
    /// (`reserved:host`) are kept whole, as no pod label carries them.
    pub fn strip_source(key: &str) -> &str {
        match key.split_once(':') {
            Some((src, rest)) if POD_LABEL_SOURCES.contains(&src) => rest,
            _ => key,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_kind_matches_any_version() {
        assert!(
            istio::PEER_AUTHENTICATION.matches("security.istio.io/v1beta1", "PeerAuthentication")
        );
        assert!(istio::PEER_AUTHENTICATION.matches("security.istio.io/v1", "PeerAuthentication"));
        assert!(!istio::PEER_AUTHENTICATION.matches("security.example.io/v1", "PeerAuthentication"));
        assert!(!istio::GATEWAY.matches("gateway.networking.k8s.io/v1", "Gateway"));
        assert_eq!(group_of("v1"), "");
    }

    #[test]
    fn go_durations() {
        use cert_manager::duration_hours;
        assert_eq!(duration_hours("2160h"), Some(2160.0));
        assert_eq!(duration_hours("8760h0m0s"), Some(8760.0));
        assert_eq!(duration_hours("90m"), Some(1.5));
        assert_eq!(duration_hours("1.5h"), Some(1.5));
        assert_eq!(duration_hours("1y"), None);
        assert_eq!(duration_hours(""), None);
    }

    #[test]
    fn nginx_injection() {
        use ingress_nginx::{injection, is_snippet};
        assert!(is_snippet(
            "nginx.ingress.kubernetes.io/configuration-snippet"
        ));
        assert!(is_snippet("nginx.ingress.kubernetes.io/server-snippet"));
        assert!(!is_snippet("nginx.ingress.kubernetes.io/rewrite-target"));
        assert!(!is_snippet("example.com/configuration-snippet"));
        assert_eq!(injection("/$2"), None);
        assert_eq!(
            injection("https://$host/oauth2/start?rd=$escaped_request_uri"),
            None
        );
        assert_eq!(injection("http://a;}\nlocation /x {"), Some("';'".into()));
        assert_eq!(injection("content_by_lua_block"), Some("`_by_lua`".into()));
    }

    #[test]
    fn in_mesh_hosts() {
        use istio::is_in_mesh_host;
        for h in [
            "reviews",
            "reviews.prod.svc",
            "reviews.prod.svc.cluster.local",
            "*.prod.svc.cluster.local",
        ] {
            assert!(is_in_mesh_host(h), "{h}");
        }
        for h in ["api.example.com", "*.example.com", "*", "example.com"] {
            assert!(!is_in_mesh_host(h), "{h}");
        }
    }
}
