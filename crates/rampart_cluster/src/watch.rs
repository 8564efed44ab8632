//! Watching a live cluster (`rampart serve --watch`): one kube-runtime watcher per resource type
//! the checks read ([`WATCHED`]), merged into one stream of [`WatchEvent`]s.
//!
//! Each watcher lists its type, then watches from the list's resource version; when the watch
//! breaks (the server went away, a 410 Gone, a timeout) it re-lists, and the consumer gets
//! [`Change::Relisted`] with the complete set, so objects deleted while the watch was down
//! disappear. Errors are yielded as [`Change::Error`] (to be counted) and the watcher backs off
//! (kube-runtime's default: exponential from 800 ms up to 30 s, with jitter) before retrying; the
//! stream never ends on its own and never panics.
//!
//! Secrets are not watched: listing them would give the watcher every secret's value (RBAC
//! cannot grant a metadata-only list), and the checks about Secrets are not worth that right.

use std::time::Duration;

use futures::stream::{BoxStream, StreamExt};
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind};
use kube::runtime::watcher::{self, Event};
use kube::runtime::WatchStreamExt;
use serde_json::Value;

use crate::client::{Conn, ConnectOptions};
use crate::coverage::AnonymousProbe;
use crate::snapshot::clean_object;
use crate::ClusterError;

/// One watched resource type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WatchedType {
    pub group: &'static str,
    pub version: &'static str,
    pub resource: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
}

impl WatchedType {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_owned()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

const fn t(
    group: &'static str,
    version: &'static str,
    resource: &'static str,
    kind: &'static str,
) -> WatchedType {
    // Every watched type is namespaced but these.
    let namespaced = !matches!(
        kind.as_bytes(),
        b"Namespace"
            | b"Node"
            | b"ClusterRole"
            | b"ClusterRoleBinding"
            | b"ValidatingWebhookConfiguration"
            | b"MutatingWebhookConfiguration"
            | b"ConstraintTemplate"
            | b"ValidatingAdmissionPolicy"
            | b"ValidatingAdmissionPolicyBinding"
    );
    WatchedType {
        group,
        version,
        resource,
        kind,
        namespaced,
    }
}

/// The types `rampart serve --watch` watches: the built-in kinds the checks read, Secrets
/// excepted (see the module documentation). The Helm chart's ClusterRole grants get, list and
/// watch on exactly these (a test compares them).
pub const WATCHED: &[WatchedType] = &[
    t("", "v1", "namespaces", "Namespace"),
    t("", "v1", "nodes", "Node"),
    t("", "v1", "pods", "Pod"),
    t("", "v1", "podtemplates", "PodTemplate"),
    t("", "v1", "replicationcontrollers", "ReplicationController"),
    t("", "v1", "services", "Service"),
    t("", "v1", "serviceaccounts", "ServiceAccount"),
    t("", "v1", "configmaps", "ConfigMap"),
    t("", "v1", "resourcequotas", "ResourceQuota"),
    t("", "v1", "limitranges", "LimitRange"),
    t("apps", "v1", "deployments", "Deployment"),
    t("apps", "v1", "statefulsets", "StatefulSet"),
    t("apps", "v1", "daemonsets", "DaemonSet"),
    t("apps", "v1", "replicasets", "ReplicaSet"),
    t("batch", "v1", "jobs", "Job"),
    t("batch", "v1", "cronjobs", "CronJob"),
    t("rbac.authorization.k8s.io", "v1", "roles", "Role"),
    t(
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "RoleBinding",
    ),
    t(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "ClusterRole",
    ),
    t(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
    ),
    t(
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "NetworkPolicy",
    ),
    t("networking.k8s.io", "v1", "ingresses", "Ingress"),
    t(
        "policy",
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
    ),
    t(
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
    ),
    t(
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
    ),
    t(
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
    ),
];

/// The types user policies are read from (`rampart serve --admission --policies-from-cluster`):
/// Gatekeeper's ConstraintTemplates, and ValidatingAdmissionPolicies with their bindings. The
/// constraints' own types are named by the templates ([`constraint_type`]).
pub const POLICY_TYPES: &[WatchedType] = &[
    t(
        "templates.gatekeeper.sh",
        "v1",
        "constrainttemplates",
        "ConstraintTemplate",
    ),
    t(
        "admissionregistration.k8s.io",
        "v1",
        "validatingadmissionpolicies",
        "ValidatingAdmissionPolicy",
    ),
    t(
        "admissionregistration.k8s.io",
        "v1",
        "validatingadmissionpolicybindings",
        "ValidatingAdmissionPolicyBinding",
    ),
];

/// The type of the constraints of a ConstraintTemplate's kind, as Gatekeeper serves them
/// (`constraints.gatekeeper.sh/v1beta1`, cluster-scoped, the plural is the kind in lower case).
pub fn constraint_type(kind: &str) -> DynType {
    DynType {
        group: "constraints.gatekeeper.sh".into(),
        version: "v1beta1".into(),
        resource: kind.to_ascii_lowercase(),
        kind: kind.into(),
        namespaced: false,
    }
}

/// What happened to one watched type.
#[derive(Debug)]
pub enum Change {
    /// An object was created or changed (cleaned as a snapshot cleans it).
    Applied(Value),
    /// An object was deleted (its last state).
    Deleted(Value),
    /// The type was (re-)listed: these are all its objects now; any other object of the type
    /// known before is gone.
    Relisted(Vec<Value>),
    /// The watch failed; it is retried after a backoff.
    Error(String),
}

/// One event of the merged stream: the index of its type in [`WATCHED`] and the change.
#[derive(Debug)]
pub struct WatchEvent {
    pub type_index: usize,
    pub change: Change,
}

/// The facts about the cluster a watch starts with.
#[derive(Clone, Debug)]
pub struct ClusterFacts {
    pub context: String,
    pub server: String,
    pub server_version: String,
    pub server_major: String,
    pub server_minor: String,
    pub anonymous: AnonymousProbe,
}

/// A resource type to watch, named at run time (a Gatekeeper constraint kind appears with its
/// ConstraintTemplate); [`WatchedType`] is the same for the types known in advance.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DynType {
    pub group: String,
    pub version: String,
    pub resource: String,
    pub kind: String,
    pub namespaced: bool,
}

impl DynType {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `resource.group` (`resource` for the core group), as metrics name types.
    pub fn resource_name(&self) -> String {
        if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        }
    }
}

impl From<&WatchedType> for DynType {
    fn from(t: &WatchedType) -> DynType {
        DynType {
            group: t.group.to_owned(),
            version: t.version.to_owned(),
            resource: t.resource.to_owned(),
            kind: t.kind.to_owned(),
            namespaced: t.namespaced,
        }
    }
}

/// A connection to watch from: more types can be watched on it later ([`Watcher::stream`]).
#[derive(Clone)]
pub struct Watcher {
    client: kube::Client,
    namespace: Option<String>,
}

impl Watcher {
    /// Connects (fails when the server cannot be used at all) and reads the cluster's facts.
    /// With `namespace`, namespaced types are watched in that namespace only (cluster-scoped
    /// ones still whole).
    pub async fn connect(
        connect: &ConnectOptions,
        namespace: Option<&str>,
    ) -> Result<(ClusterFacts, Watcher), ClusterError> {
        // A watch request stays open for minutes: the per-request read timeout must outlast the
        // server-side watch timeout (290 s by default in kube-runtime).
        let mut opts = connect.clone();
        opts.request_timeout = opts.request_timeout.max(Duration::from_secs(330));
        let conn = Conn::connect(&opts).await?;
        let version = conn
            .get("/version", None)
            .await
            .map_err(|f| f.fatal(&conn, "/version"))?;
        let field = |name: &str| {
            version
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let (api, ver) = futures::join!(
            conn.probe_anonymous("/api"),
            conn.probe_anonymous("/version")
        );
        let facts = ClusterFacts {
            context: conn.context.clone(),
            server: conn.url.clone(),
            server_version: field("gitVersion"),
            server_major: field("major"),
            server_minor: field("minor"),
            anonymous: AnonymousProbe { api, version: ver },
        };
        Ok((
            facts,
            Watcher {
                client: conn.client,
                namespace: namespace.map(str::to_owned),
            },
        ))
    }

    /// The events of one type (list, then watch; re-listed when the watch breaks), tagged with
    /// `type_index`. The stream never ends on its own: drop it to stop watching.
    pub fn stream(&self, type_index: usize, t: &DynType) -> BoxStream<'static, WatchEvent> {
        one_type(
            self.client.clone(),
            type_index,
            t.clone(),
            self.namespace.as_deref(),
        )
    }
}

/// Connects (fails when the server cannot be used at all) and returns the cluster's facts and
/// the merged event stream of every type in `types`. With `namespace`, namespaced types are
/// watched in that namespace only (cluster-scoped ones still whole).
pub async fn watch(
    connect: &ConnectOptions,
    types: &[WatchedType],
    namespace: Option<&str>,
) -> Result<(ClusterFacts, BoxStream<'static, WatchEvent>), ClusterError> {
    let (facts, watcher) = Watcher::connect(connect, namespace).await?;
    let streams: Vec<BoxStream<'static, WatchEvent>> = types
        .iter()
        .enumerate()
        .map(|(i, t)| watcher.stream(i, &DynType::from(t)))
        .collect();
    Ok((facts, futures::stream::select_all(streams).boxed()))
}

fn one_type(
    client: kube::Client,
    type_index: usize,
    t: DynType,
    namespace: Option<&str>,
) -> BoxStream<'static, WatchEvent> {
    let gvk = GroupVersionKind::gvk(&t.group, &t.version, &t.kind);
    let ar = ApiResource::from_gvk_with_plural(&gvk, &t.resource);
    let api: Api<DynamicObject> = match namespace {
        Some(ns) if t.namespaced => Api::namespaced_with(client, ns, &ar),
        _ => Api::all_with(client, &ar),
    };
    let api_version = t.api_version();
    let mut cfg = watcher::Config::default().page_size(500);
    if let (Some(ns), "Namespace") = (namespace, t.kind.as_str()) {
        // A tenant sees its own Namespace object only.
        cfg = cfg.fields(&format!("metadata.name={ns}"));
    }
    let kind = t.kind;
    let mut buffer: Vec<Value> = Vec::new();
    watcher::watcher(api, cfg)
        .default_backoff()
        .filter_map(move |r| {
            let out = match r {
                Ok(Event::Apply(o)) => Some(Change::Applied(clean(o, &api_version, &kind))),
                Ok(Event::Delete(o)) => Some(Change::Deleted(clean(o, &api_version, &kind))),
                Ok(Event::Init) => {
                    buffer.clear();
                    None
                }
                Ok(Event::InitApply(o)) => {
                    buffer.push(clean(o, &api_version, &kind));
                    None
                }
                Ok(Event::InitDone) => Some(Change::Relisted(std::mem::take(&mut buffer))),
                Err(e) => Some(Change::Error(watch_error(&e))),
            };
            futures::future::ready(out.map(|change| WatchEvent { type_index, change }))
        })
        .boxed()
}

fn clean(o: DynamicObject, api_version: &str, kind: &str) -> Value {
    clean_object(
        serde_json::to_value(o).unwrap_or(Value::Null),
        api_version,
        kind,
    )
}

fn watch_error(e: &watcher::Error) -> String {
    e.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watched_types_are_unique_and_not_secrets() {
        let mut seen = std::collections::HashSet::new();
        for t in WATCHED {
            assert!(seen.insert((t.group, t.resource)), "{t:?} twice");
            assert_ne!(t.resource, "secrets");
        }
        assert_eq!(WATCHED[0].api_version(), "v1");
        assert_eq!(WATCHED[10].api_version(), "apps/v1");
        assert!(!WATCHED[0].namespaced && WATCHED[2].namespaced);
        assert!(POLICY_TYPES.iter().all(|t| !t.namespaced));
        let c = constraint_type("K8sRequiredLabels");
        assert_eq!(c.resource, "k8srequiredlabels");
        assert_eq!(c.api_version(), "constraints.gatekeeper.sh/v1beta1");
        assert_eq!(
            c.resource_name(),
            "k8srequiredlabels.constraints.gatekeeper.sh"
        );
        assert_eq!(DynType::from(&WATCHED[0]).resource_name(), "namespaces");
    }
}
