//! What the cross-object analyses (RBAC, network policy) read of an object.
//!
//! A scan drops each file's objects once their own checks ran; the analyses run at the end over
//! everything kept. RBAC objects, policies and namespaces are few and kept whole, but pod-bearing
//! objects are many and large, so only [`PodFacts`] are kept of them. The analyses take any slice
//! of [`AnalysisObject`]: whole [`Resource`]s (the `rbac` and `netpol` commands) or a scan's
//! compact inventory.

use std::borrow::Cow;

use serde_json::Value;

use crate::{ContainerKind, ObjectRef, Pointer, Resource, Workload};

/// What the analyses need of a pod-bearing object.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PodFacts {
    /// Pointer to the pod spec inside the object.
    pub spec_ptr: Pointer,
    /// Pointer to the pod template's metadata (the object's own for a Pod).
    pub meta_ptr: Pointer,
    /// The pod template's `labels`, as written (any JSON type; readers report bad ones).
    pub labels: Option<Value>,
    /// `serviceAccountName` when it is a non-empty string.
    pub service_account_name: Option<String>,
    /// The deprecated `serviceAccount` when it is a non-empty string.
    pub service_account: Option<String>,
    /// `automountServiceAccountToken` of the pod spec when it is a boolean.
    pub automount: Option<bool>,
    /// A projected volume has a `serviceAccountToken` source.
    pub projected_token: bool,
    /// Ports with a `name` (what NetworkPolicy named ports resolve against) of the containers
    /// that serve them: regular containers and sidecars (init containers with
    /// `restartPolicy: Always`), in container order.
    pub named_ports: Vec<NamedPortDecl>,
    /// Names of the Secrets (in the pod's namespace) the pod reads: `secret` volumes and
    /// projected `secret` sources, CSI `nodePublishSecretRef`, `secretKeyRef` and `secretRef` of
    /// every container's environment, and `imagePullSecrets`; sorted, without duplicates.
    pub secret_refs: Vec<String>,
    /// Every container's image (init, regular and ephemeral containers, in that order) when it
    /// is a non-empty string.
    pub images: Vec<ImageUse>,
}

/// A container's image, as written.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageUse {
    /// Pointer to the container's `image` field.
    pub ptr: Pointer,
    pub image: String,
    /// The container's name (empty when it has none).
    pub container: String,
    pub kind: ContainerKind,
}

/// A container port with a `name`, as written.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedPortDecl {
    /// Pointer to the port entry (`.../ports/<i>`).
    pub ptr: Pointer,
    pub name: String,
    /// `protocol` when it is a string.
    pub protocol: Option<String>,
    /// `containerPort` when it is a non-negative integer.
    pub container_port: Option<u64>,
}

impl PodFacts {
    pub fn of(w: &Workload<'_>) -> PodFacts {
        let non_empty = |field: &str| {
            w.get(field)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let projected_token = w.volumes().any(|(_, v)| {
            v.pointer("/projected/sources")
                .and_then(Value::as_array)
                .is_some_and(|s| s.iter().any(|s| s.get("serviceAccountToken").is_some()))
        });
        let mut named_ports = Vec::new();
        for c in &w.containers {
            let serves = match c.kind {
                ContainerKind::Regular => true,
                ContainerKind::Init => {
                    c.value.get("restartPolicy").and_then(Value::as_str) == Some("Always")
                }
                ContainerKind::Ephemeral => false,
            };
            let Some(ports) = c.value.get("ports").and_then(Value::as_array) else {
                continue;
            };
            if !serves {
                continue;
            }
            for (i, p) in ports.iter().enumerate() {
                let Some(name) = p.get("name").and_then(Value::as_str) else {
                    continue;
                };
                named_ports.push(NamedPortDecl {
                    ptr: c.ptr.join("ports").join(i),
                    name: name.to_owned(),
                    protocol: p.get("protocol").and_then(Value::as_str).map(str::to_owned),
                    container_port: p.get("containerPort").and_then(Value::as_u64),
                });
            }
        }
        let images = w
            .containers
            .iter()
            .filter_map(|c| {
                let image = c.image().filter(|i| !i.trim().is_empty())?;
                Some(ImageUse {
                    ptr: c.ptr.join("image"),
                    image: image.to_owned(),
                    container: c.name().to_owned(),
                    kind: c.kind,
                })
            })
            .collect();
        PodFacts {
            images,
            secret_refs: secret_refs(w),
            spec_ptr: w.spec_ptr.clone(),
            meta_ptr: w.meta_ptr.clone(),
            labels: w.meta.get("labels").map(crate::exact_clone),
            service_account_name: non_empty("serviceAccountName"),
            service_account: non_empty("serviceAccount"),
            automount: w
                .get("automountServiceAccountToken")
                .and_then(Value::as_bool),
            projected_token,
            named_ports,
        }
    }

    /// Pointer to a field of the pod spec.
    pub fn ptr(&self, field: &str) -> Pointer {
        self.spec_ptr.join(field)
    }
}

/// The Secrets a pod spec names (see [`PodFacts::secret_refs`]).
fn secret_refs(w: &Workload<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |v: Option<&Value>| {
        if let Some(name) = v.and_then(Value::as_str).filter(|s| !s.is_empty()) {
            out.push(name.to_owned());
        }
    };
    for (_, v) in w.volumes() {
        add(v.pointer("/secret/secretName"));
        add(v.pointer("/csi/nodePublishSecretRef/name"));
        for src in v
            .pointer("/projected/sources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            add(src.pointer("/secret/name"));
        }
    }
    for c in &w.containers {
        for e in c
            .value
            .get("env")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            add(e.pointer("/valueFrom/secretKeyRef/name"));
        }
        for e in c
            .value
            .get("envFrom")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            add(e.pointer("/secretRef/name"));
        }
    }
    for s in w
        .get("imagePullSecrets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        add(s.get("name"));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// An object as the cross-object analyses see it: whole, or (for pod-bearing objects) reduced to
/// its [`PodFacts`].
pub trait AnalysisObject {
    fn id(&self) -> &ObjectRef;

    fn kind(&self) -> &str {
        &self.id().kind
    }

    /// The whole object, when it is kept whole (every kind but pod-bearing ones in a scan's
    /// inventory; always for a [`Resource`]).
    fn whole(&self) -> Option<&Resource>;

    /// The pod facts of a pod-bearing object; `None` for other kinds.
    fn pod_facts(&self) -> Option<Cow<'_, PodFacts>>;

    /// Where the object was read from, for messages (`None` for live objects).
    fn path(&self) -> Option<&std::path::Path>;
}

impl AnalysisObject for Resource {
    fn id(&self) -> &ObjectRef {
        &self.id
    }

    fn whole(&self) -> Option<&Resource> {
        Some(self)
    }

    fn pod_facts(&self) -> Option<Cow<'_, PodFacts>> {
        Workload::of(self.kind(), &self.raw).map(|w| Cow::Owned(PodFacts::of(&w)))
    }

    fn path(&self) -> Option<&std::path::Path> {
        self.origin.path()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Origin;
    use serde_json::json;

    #[test]
    fn facts_of_a_deployment() {
        let raw = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {
            "serviceAccountName": "web", "serviceAccount": "",
            "automountServiceAccountToken": false,
            "initContainers": [{"name": "side", "restartPolicy": "Always",
                "ports": [{"name": "m", "containerPort": 9090}]}],
            "imagePullSecrets": [{"name": "pull"}],
            "containers": [{"name": "app", "image": "x",
                "env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "db", "key": "k"}}}],
                "envFrom": [{"secretRef": {"name": "api"}}, {"configMapRef": {"name": "cm"}}]},
                {"name": "b", "ports": [{"name": "http", "containerPort": 80}]}],
            "volumes": [{"name": "t", "projected": {"sources": [{"serviceAccountToken": {"path": "t"}},
                {"secret": {"name": "proj"}}]}},
                {"name": "s", "secret": {"secretName": "db"}}]
        }}}});
        let res = Resource::new(
            raw,
            Origin::Cluster {
                context: "c".into(),
            },
        );
        let f = res.pod_facts().expect("pod-bearing").into_owned();
        assert_eq!(f.spec_ptr.as_str(), "/spec/template/spec");
        assert_eq!(f.meta_ptr.as_str(), "/spec/template/metadata");
        assert_eq!(f.labels, Some(json!({"app": "web"})));
        assert_eq!(f.service_account_name.as_deref(), Some("web"));
        assert_eq!(f.service_account, None);
        assert_eq!(f.automount, Some(false));
        assert!(f.projected_token);
        assert_eq!(f.secret_refs, ["api", "db", "proj", "pull"]);
        let ports: Vec<(&str, &str, Option<u64>)> = f
            .named_ports
            .iter()
            .map(|p| (p.ptr.as_str(), p.name.as_str(), p.container_port))
            .collect();
        assert_eq!(
            ports,
            vec![
                (
                    "/spec/template/spec/initContainers/0/ports/0",
                    "m",
                    Some(9090)
                ),
                ("/spec/template/spec/containers/1/ports/0", "http", Some(80)),
            ]
        );
        let cm = Resource::new(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}),
            Origin::Cluster {
                context: "c".into(),
            },
        );
        assert!(cm.pod_facts().is_none());
    }
}
