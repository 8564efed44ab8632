//! `rampart webhook manifest`: the objects that install rampart as a validating admission
//! webhook.
//!
//! - In the cluster (no URL given): a ServiceAccount, a ClusterRole and its binding, a Service,
//!   a Deployment running `rampart serve --admission`, and the ValidatingWebhookConfiguration
//!   calling the Service.
//! - Out of the cluster (`--url URL --ca-file F`): only the ValidatingWebhookConfiguration,
//!   calling the server at that URL (how tests and out-of-cluster servers register it).
//!
//! Defaults, and why:
//! - `failurePolicy: Fail`: a request the webhook cannot judge (server down, timeout) is
//!   refused, so an outage never admits what policy forbids. The control plane's namespaces
//!   (kube-system, kube-public, kube-node-lease) and rampart's own namespace are excluded, so the
//!   webhook never blocks its own recovery or the cluster's. `--failure-policy Ignore` chooses
//!   availability instead.
//! - `timeoutSeconds: 5` (the API server allows 1 to 30): a judgement takes well under 5 ms.
//! - `sideEffects: None`: judging writes nothing, so dry-run requests are sent too (and get the
//!   same verdict).
//! - `admissionReviewVersions: [v1]`, `matchPolicy: Equivalent`, CREATE and UPDATE of every
//!   resource (not subresources).
//! - The ClusterRole grants nothing: the webhook judges what the API server sends and reads
//!   nothing from it, so its ServiceAccount needs no permission (and the Deployment does not
//!   mount a token). With a cluster cache ([`ManifestOptions::cluster`]: `serve
//!   --admission-cluster`, `--policies-from-cluster`), it grants get, list and watch on exactly
//!   the types the server watches, and the Deployment mounts the token.

use serde_json::{json, Value};

/// What to generate.
#[derive(Debug, Clone)]
pub struct ManifestOptions {
    /// Name of every object (and prefix of the webhook's name).
    pub name: String,
    /// Namespace of the in-cluster objects.
    pub namespace: String,
    /// Container image of the Deployment.
    pub image: String,
    /// `Fail` or `Ignore`.
    pub failure_policy: FailurePolicy,
    pub timeout_seconds: u32,
    /// Namespaces never sent to the webhook (on top of rampart's own).
    pub exclude_namespaces: Vec<String>,
    /// Only namespaces with these labels are sent (`key=value`).
    pub namespace_labels: Vec<(String, String)>,
    /// The server's URL (out of the cluster); None: the in-cluster Service.
    pub url: Option<String>,
    /// The CA that signed the server's certificate (PEM), for `caBundle`.
    pub ca_pem: Option<Vec<u8>>,
    /// Path of the webhook on the server.
    pub path: String,
    /// The container port the server listens on.
    pub port: u16,
    /// The server keeps a watch-fed cache of the cluster (and reads policies from it).
    pub cluster: Option<ClusterAccess>,
}

/// What the server reads from the cluster (`serve --admission-cluster`).
#[derive(Debug, Clone, Default)]
pub struct ClusterAccess {
    /// The types it watches: (API group, resource), `*` for every resource of a group.
    pub resources: Vec<(String, String)>,
    /// `--policies-from-cluster`.
    pub policies_from_cluster: bool,
}

impl ClusterAccess {
    /// get, list and watch on the resources, one rule per API group (in first-seen order).
    fn rules(&self) -> Value {
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for (g, r) in &self.resources {
            match groups.iter_mut().find(|(x, _)| x == g) {
                Some((_, rs)) => {
                    if !rs.contains(r) {
                        rs.push(r.clone());
                    }
                }
                None => groups.push((g.clone(), vec![r.clone()])),
            }
        }
        Value::Array(
            groups
                .into_iter()
                .map(|(g, rs)| {
                    json!({"apiGroups": [g], "resources": rs, "verbs": ["get", "list", "watch"]})
                })
                .collect(),
        )
    }
}

/// The webhook's `failurePolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailurePolicy {
    Fail,
    Ignore,
}

impl FailurePolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            FailurePolicy::Fail => "Fail",
            FailurePolicy::Ignore => "Ignore",
        }
    }
}

/// The namespaces excluded unless told otherwise.
pub const DEFAULT_EXCLUDED: [&str; 3] = ["kube-system", "kube-public", "kube-node-lease"];

/// The path `rampart serve --admission` judges requests on.
pub const DEFAULT_PATH: &str = "/validate";

impl Default for ManifestOptions {
    fn default() -> Self {
        ManifestOptions {
            name: "rampart".into(),
            namespace: "rampart-system".into(),
            image: "ghcr.io/rampart/rampart:latest".into(),
            failure_policy: FailurePolicy::Fail,
            timeout_seconds: 5,
            exclude_namespaces: DEFAULT_EXCLUDED.iter().map(|s| s.to_string()).collect(),
            namespace_labels: Vec::new(),
            url: None,
            ca_pem: None,
            path: DEFAULT_PATH.into(),
            port: 8443,
            cluster: None,
        }
    }
}

/// Base64 (standard alphabet, padded), for `caBundle`.
fn base64(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// The objects, in the order they should be applied.
pub fn objects(o: &ManifestOptions) -> Result<Vec<Value>, String> {
    if !(1..=30).contains(&o.timeout_seconds) {
        return Err(format!(
            "timeoutSeconds must be between 1 and 30, found {}",
            o.timeout_seconds
        ));
    }
    if let Some(url) = &o.url {
        if !url.starts_with("https://") {
            return Err(format!(
                "the webhook URL must be https://..., found `{url}`"
            ));
        }
    }
    let labels =
        json!({"app.kubernetes.io/name": o.name, "app.kubernetes.io/component": "admission"});
    let mut excluded: Vec<String> = o.exclude_namespaces.clone();
    if o.url.is_none() && !excluded.contains(&o.namespace) {
        excluded.push(o.namespace.clone());
    }
    let mut selector = serde_json::Map::new();
    if !excluded.is_empty() {
        selector.insert(
            "matchExpressions".into(),
            json!([{"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": excluded}]),
        );
    }
    if !o.namespace_labels.is_empty() {
        selector.insert(
            "matchLabels".into(),
            Value::Object(
                o.namespace_labels
                    .iter()
                    .map(|(k, v)| (k.clone(), json!(v)))
                    .collect(),
            ),
        );
    }
    let mut client = serde_json::Map::new();
    match &o.url {
        Some(url) => {
            client.insert("url".into(), json!(url));
        }
        None => {
            client.insert(
                "service".into(),
                json!({"name": o.name, "namespace": o.namespace, "path": o.path, "port": 443}),
            );
        }
    }
    if let Some(ca) = &o.ca_pem {
        client.insert("caBundle".into(), json!(base64(ca)));
    }
    let webhook = json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": o.name, "labels": labels},
        "webhooks": [{
            "name": format!("validate.{}.rampart.dev", o.name),
            "admissionReviewVersions": ["v1"],
            "sideEffects": "None",
            "failurePolicy": o.failure_policy.as_str(),
            "timeoutSeconds": o.timeout_seconds,
            "matchPolicy": "Equivalent",
            "namespaceSelector": selector,
            "rules": [{
                "apiGroups": ["*"], "apiVersions": ["*"], "resources": ["*"],
                "operations": ["CREATE", "UPDATE"], "scope": "*"
            }],
            "clientConfig": client,
        }],
    });
    if o.url.is_some() {
        return Ok(vec![webhook]);
    }
    let ns = &o.namespace;
    let name = &o.name;
    let port = o.port;
    let https = json!({"path": "/readyz", "port": "https", "scheme": "HTTPS"});
    let mut args = vec![
        json!("serve"),
        json!("--admission"),
        json!(format!("0.0.0.0:{port}")),
        json!("--tls-cert"),
        json!("/tls/tls.crt"),
        json!("--tls-key"),
        json!("/tls/tls.key"),
        json!("--config"),
        json!("/config/rampart.yaml"),
        json!("--policy"),
        json!("/policies"),
    ];
    let role = match &o.cluster {
        None => json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": format!("{name}-admission"), "labels": labels,
                "annotations": {"rampart.dev/why-empty": "the admission webhook judges what the API server sends it and reads nothing from the API server"}},
            "rules": []}),
        Some(c) => {
            args.push(json!("--admission-cluster"));
            if c.policies_from_cluster {
                args.push(json!("--policies-from-cluster"));
            }
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": format!("{name}-admission"), "labels": labels,
                    "annotations": {"rampart.dev/why": "the admission webhook keeps a watch-fed cache of these types (Secrets are not read)"}},
                "rules": c.rules()})
        }
    };
    // The cache holds the cluster's objects: more memory, and a token to read them with.
    let (memory, token) = if o.cluster.is_some() {
        ("1Gi", true)
    } else {
        ("256Mi", false)
    };
    let live = json!({"path": "/healthz", "port": "https", "scheme": "HTTPS"});
    Ok(vec![
        json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"pod-security.kubernetes.io/enforce": "restricted"}}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "automountServiceAccountToken": false}),
        role,
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": format!("{name}-admission"), "labels": labels},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": format!("{name}-admission")},
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": ns}]}),
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"selector": labels, "ports": [{"name": "https", "port": 443, "targetPort": "https", "protocol": "TCP"}]}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "serviceAccountName": name,
                    "automountServiceAccountToken": token,
                    "securityContext": {"runAsNonRoot": true, "runAsUser": 65532, "runAsGroup": 65532,
                        "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [{
                        "name": "rampart",
                        "image": o.image,
                        "imagePullPolicy": "Always",
                        "args": args,
                        "ports": [{"name": "https", "containerPort": port, "protocol": "TCP"}],
                        "readinessProbe": {"httpGet": https, "periodSeconds": 5},
                        "livenessProbe": {"httpGet": live, "periodSeconds": 10},
                        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"},
                            "limits": {"cpu": "1", "memory": memory}},
                        "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                            "runAsNonRoot": true, "capabilities": {"drop": ["ALL"]}},
                        "volumeMounts": [
                            {"name": "tls", "mountPath": "/tls", "readOnly": true},
                            {"name": "config", "mountPath": "/config", "readOnly": true},
                            {"name": "policies", "mountPath": "/policies", "readOnly": true}
                        ]
                    }],
                    "volumes": [
                        {"name": "tls", "secret": {"secretName": format!("{name}-tls")}},
                        {"name": "config", "configMap": {"name": format!("{name}-config"), "optional": true}},
                        {"name": "policies", "configMap": {"name": format!("{name}-policies"), "optional": true}}
                    ]
                }
            }
        }}),
        webhook,
    ])
}

/// The objects as one YAML stream (each document in JSON form, which YAML reads as is).
pub fn render(objects: &[Value]) -> String {
    let mut out = String::new();
    for o in objects {
        out.push_str("---\n");
        out.push_str(&serde_json::to_string_pretty(o).unwrap_or_default());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn in_cluster_has_every_part_and_excludes_the_control_plane() {
        let objs = objects(&ManifestOptions::default()).expect("ok");
        let kinds: Vec<&str> = objs
            .iter()
            .map(|o| o["kind"].as_str().expect("ok"))
            .collect();
        assert_eq!(
            kinds,
            [
                "Namespace",
                "ServiceAccount",
                "ClusterRole",
                "ClusterRoleBinding",
                "Service",
                "Deployment",
                "ValidatingWebhookConfiguration"
            ]
        );
        let wh = &objs[6]["webhooks"][0];
        assert_eq!(wh["failurePolicy"], "Fail");
        assert_eq!(wh["sideEffects"], "None");
        assert_eq!(wh["admissionReviewVersions"], json!(["v1"]));
        assert_eq!(wh["timeoutSeconds"], 5);
        assert_eq!(
            wh["namespaceSelector"]["matchExpressions"][0]["values"],
            json!([
                "kube-system",
                "kube-public",
                "kube-node-lease",
                "rampart-system"
            ])
        );
        assert_eq!(wh["clientConfig"]["service"]["path"], "/validate");
        assert_eq!(objs[2]["rules"], json!([]));
        let dep = &objs[5]["spec"]["template"]["spec"];
        assert_eq!(dep["automountServiceAccountToken"], false);
    }

    #[test]
    fn with_a_cluster_cache_the_role_reads_the_watched_types() {
        let objs = objects(&ManifestOptions {
            cluster: Some(ClusterAccess {
                resources: vec![
                    ("".into(), "pods".into()),
                    ("apps".into(), "deployments".into()),
                    ("".into(), "namespaces".into()),
                    ("constraints.gatekeeper.sh".into(), "*".into()),
                ],
                policies_from_cluster: true,
            }),
            ..ManifestOptions::default()
        })
        .expect("ok");
        assert_eq!(
            objs[2]["rules"],
            json!([
                {"apiGroups": [""], "resources": ["pods", "namespaces"], "verbs": ["get", "list", "watch"]},
                {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "watch"]},
                {"apiGroups": ["constraints.gatekeeper.sh"], "resources": ["*"], "verbs": ["get", "list", "watch"]}
            ])
        );
        let dep = &objs[5]["spec"]["template"]["spec"];
        assert_eq!(dep["automountServiceAccountToken"], true);
        let args: Vec<&str> = dep["containers"][0]["args"]
            .as_array()
            .expect("args")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(args.ends_with(&["--admission-cluster", "--policies-from-cluster"]));
    }

    #[test]
    fn url_mode_prints_only_the_webhook_with_the_ca() {
        let objs = objects(&ManifestOptions {
            url: Some("https://127.0.0.1:9443/validate".into()),
            ca_pem: Some(b"foo".to_vec()),
            failure_policy: FailurePolicy::Ignore,
            namespace_labels: vec![("rampart-test".into(), "yes".into())],
            timeout_seconds: 2,
            ..ManifestOptions::default()
        })
        .expect("ok");
        assert_eq!(objs.len(), 1);
        let wh = &objs[0]["webhooks"][0];
        assert_eq!(wh["clientConfig"]["url"], "https://127.0.0.1:9443/validate");
        assert_eq!(wh["clientConfig"]["caBundle"], "Zm9v");
        assert_eq!(wh["failurePolicy"], "Ignore");
        assert_eq!(wh["timeoutSeconds"], 2);
        assert_eq!(
            wh["namespaceSelector"]["matchLabels"],
            json!({"rampart-test": "yes"})
        );
        assert!(objects(&ManifestOptions {
            timeout_seconds: 31,
            ..ManifestOptions::default()
        })
        .is_err());
        assert!(objects(&ManifestOptions {
            url: Some("http://x".into()),
            ..ManifestOptions::default()
        })
        .is_err());
    }
}
