//! The renderings of `rampart inventory`: what a cluster, a snapshot or a set of manifests holds,
//! as a readable summary or as JSON (the [`Inventory`] document).
//!
//! `rampart_report` does not depend on the cluster source (kube-rs, and a newer Rust than the
//! workspace floor), so the source's coverage and anonymous-probe sections come as their JSON
//! form plus the few facts the summary shows ([`CoverageSection`], [`AnonymousSection`]), as the
//! scan [`crate::Report`] takes its `coverage`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::text::pretty_json;

/// The inventory document (`--format json`).
#[derive(Serialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct Inventory {
    pub source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kubernetes_version: Option<String>,
    pub objects: usize,
    pub nodes: Vec<Node>,
    pub namespaces: Vec<Namespace>,
    /// Pod-bearing objects by kind.
    pub workloads: BTreeMap<String, usize>,
    /// Images with the number of containers (in all pod-bearing objects) that use each.
    pub images: Vec<Image>,
    /// `namespace/name`.
    pub service_accounts: Vec<String>,
    pub rbac: RbacCounts,
    /// NetworkPolicies per namespace; namespaces without any are listed with 0.
    pub network_policies: BTreeMap<String, usize>,
    pub crds: Vec<Crd>,
    pub webhooks: Vec<Webhook>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<CoverageSection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anonymous: Option<AnonymousSection>,
}

#[derive(Serialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    /// `cluster`, `snapshot` or `files`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taken_at: Option<String>,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    pub name: String,
    pub kubelet_version: String,
    pub os_image: String,
    pub roles: Vec<String>,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Namespace {
    pub name: String,
    /// `pod-security.kubernetes.io/*` labels without the prefix (`enforce`, `enforce-version`, ...).
    pub pod_security: BTreeMap<String, String>,
}

#[derive(Serialize, Debug)]
pub struct Image {
    pub image: String,
    /// The number of containers (init, regular and ephemeral) that run it.
    pub count: usize,
    /// The pod-bearing objects that run it, each with the containers that do.
    pub workloads: Vec<ImageWorkload>,
}

/// A pod-bearing object running an image.
#[derive(Serialize, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
pub struct ImageWorkload {
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    /// The containers running the image, labelled by list: `app`, `init:setup`,
    /// `ephemeral:debug`.
    pub containers: Vec<String>,
}

impl std::fmt::Display for ImageWorkload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {ns}/{}", self.kind, self.name)?,
            None => write!(f, "{} {}", self.kind, self.name)?,
        }
        write!(f, " ({})", self.containers.join(", "))
    }
}

#[derive(Serialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct RbacCounts {
    pub roles: usize,
    pub cluster_roles: usize,
    pub role_bindings: usize,
    pub cluster_role_bindings: usize,
}

#[derive(Serialize, Debug)]
pub struct Crd {
    pub name: String,
    pub group: String,
    pub kind: String,
    pub scope: String,
    pub versions: Vec<String>,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    /// `validating` or `mutating`.
    pub kind: String,
    pub configuration: String,
    pub name: String,
    /// As set, or `Fail` (the default) when unset.
    pub failure_policy: String,
    /// `url` or `service namespace/name[:port]`.
    pub target: String,
}

/// What a cluster read covered. Serialized as `document`.
#[derive(Debug)]
pub struct CoverageSection {
    /// The source's coverage document, written as is.
    pub document: Value,
    /// One line: what was read and what not.
    pub summary: String,
    /// The types not read (deliberate skips left out).
    pub gaps: Vec<Gap>,
}

/// One type (or group-version) a cluster read could not list.
#[derive(Debug)]
pub struct Gap {
    /// `resource.group/version`, with ` in NAMESPACE` when the gap is one namespace.
    pub name: String,
    pub reason: String,
    pub message: String,
}

/// What the API server answered to requests without credentials. Serialized as `document`.
#[derive(Debug)]
pub struct AnonymousSection {
    /// The source's probe document, written as is.
    pub document: Value,
    /// `GET /api`.
    pub api: Probe,
    /// `GET /version`.
    pub version: Probe,
}

/// The HTTP status of one unauthenticated request, or why there was none.
#[derive(Debug, Default)]
pub struct Probe {
    pub status: Option<u16>,
    pub error: Option<String>,
}

impl Serialize for CoverageSection {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.document.serialize(s)
    }
}

impl Serialize for AnonymousSection {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.document.serialize(s)
    }
}

/// The JSON document.
pub fn json(inv: &Inventory) -> serde_json::Result<String> {
    pretty_json(inv)
}

/// The images view (`rampart inventory --images`) as JSON: the images with their workloads.
pub fn images_json(inv: &Inventory) -> serde_json::Result<String> {
    pretty_json(&inv.images)
}

/// The images view as text: each image with the number of containers running it, then the
/// workloads that run it.
pub fn images_table(inv: &Inventory) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "Images ({}):", inv.images.len());
    images_into(&mut o, &inv.images);
    o
}

fn images_into(o: &mut String, images: &[Image]) {
    for i in images {
        let _ = writeln!(o, "  {:>5}  {}", i.count, i.image);
        for w in &i.workloads {
            let _ = writeln!(o, "         {w}");
        }
    }
}

/// The readable summary: the source, then one section per kind of thing.
pub fn table(inv: &Inventory) -> String {
    let mut o = String::new();
    let src = &inv.source;
    let _ = write!(o, "Source: {}", src.kind);
    if let Some(c) = &src.context {
        let _ = write!(o, " (context {c:?}");
        if let Some(s) = &src.server {
            let _ = write!(o, ", {s}");
        }
        if let Some(t) = &src.taken_at {
            let _ = write!(o, ", read {t}");
        }
        o.push(')');
    }
    o.push('\n');
    if let Some(v) = &inv.kubernetes_version {
        let _ = writeln!(o, "Kubernetes version: {v}");
    }
    let _ = writeln!(o, "Objects: {}", inv.objects);
    if let Some(a) = &inv.anonymous {
        let show = |p: &Probe| match (p.status, &p.error) {
            (Some(s), _) => s.to_string(),
            (None, Some(e)) => format!("no answer ({e})"),
            (None, None) => "-".into(),
        };
        let _ = writeln!(
            o,
            "Anonymous access: GET /api -> {}, GET /version -> {}",
            show(&a.api),
            show(&a.version)
        );
    }
    if let Some(c) = &inv.coverage {
        let _ = writeln!(o, "Coverage: {}", c.summary);
        for g in &c.gaps {
            let _ = writeln!(o, "  not read: {} ({}: {})", g.name, g.reason, g.message);
        }
    }

    let _ = writeln!(o, "\nNodes ({}):", inv.nodes.len());
    for n in &inv.nodes {
        let roles = if n.roles.is_empty() {
            "<none>".to_string()
        } else {
            n.roles.join(",")
        };
        let _ = writeln!(
            o,
            "  {}  kubelet {}  {}  roles {}",
            n.name,
            or_dash(&n.kubelet_version),
            or_dash(&n.os_image),
            roles
        );
    }
    let _ = writeln!(o, "\nNamespaces ({}):", inv.namespaces.len());
    for n in &inv.namespaces {
        let psa: Vec<String> = n
            .pod_security
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let psa = if psa.is_empty() {
            "no pod-security labels".to_string()
        } else {
            psa.join(" ")
        };
        let _ = writeln!(o, "  {:<30} {}", n.name, psa);
    }
    let _ = writeln!(
        o,
        "\nWorkloads ({}):",
        inv.workloads.values().sum::<usize>()
    );
    for (k, n) in &inv.workloads {
        let _ = writeln!(o, "  {k:<30} {n}");
    }
    let _ = writeln!(o, "\nImages ({}):", inv.images.len());
    images_into(&mut o, &inv.images);
    let _ = writeln!(o, "\nService accounts ({}):", inv.service_accounts.len());
    for sa in &inv.service_accounts {
        let _ = writeln!(o, "  {sa}");
    }
    let r = &inv.rbac;
    let _ = writeln!(
        o,
        "\nRBAC: {} Roles, {} ClusterRoles, {} RoleBindings, {} ClusterRoleBindings",
        r.roles, r.cluster_roles, r.role_bindings, r.cluster_role_bindings
    );
    let _ = writeln!(o, "\nNetwork policies per namespace:");
    for (ns, n) in &inv.network_policies {
        let note = if *n == 0 {
            "  (none: all traffic allowed)"
        } else {
            ""
        };
        let _ = writeln!(o, "  {ns:<30} {n}{note}");
    }
    let _ = writeln!(o, "\nCustom resource definitions ({}):", inv.crds.len());
    for c in &inv.crds {
        let _ = writeln!(
            o,
            "  {}  kind {}  {}  versions {}",
            c.name,
            c.kind,
            c.scope,
            c.versions.join(",")
        );
    }
    let _ = writeln!(o, "\nAdmission webhooks ({}):", inv.webhooks.len());
    for w in &inv.webhooks {
        let _ = writeln!(
            o,
            "  {:<10} {}/{}  failurePolicy {}  -> {}",
            w.kind, w.configuration, w.name, w.failure_policy, w.target
        );
    }
    o
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() {
        "-"
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn files() -> Inventory {
        Inventory {
            source: Source {
                kind: "files".into(),
                ..Source::default()
            },
            objects: 4,
            nodes: vec![Node {
                name: "n1".into(),
                kubelet_version: String::new(),
                os_image: "Ubuntu".into(),
                roles: vec!["worker".into()],
            }],
            namespaces: vec![Namespace {
                name: "prod".into(),
                pod_security: [("enforce".to_string(), "restricted".to_string())].into(),
            }],
            workloads: [("Deployment".to_string(), 2)].into(),
            images: vec![Image {
                image: "nginx".into(),
                count: 3,
                workloads: vec![ImageWorkload {
                    kind: "Deployment".into(),
                    namespace: Some("prod".into()),
                    name: "web".into(),
                    containers: vec!["init:setup".into(), "web".into()],
                }],
            }],
            service_accounts: vec!["prod/app".into()],
            rbac: RbacCounts {
                roles: 1,
                ..RbacCounts::default()
            },
            network_policies: [("prod".to_string(), 0), ("shop".to_string(), 2)].into(),
            crds: vec![Crd {
                name: "widgets.example.com".into(),
                group: "example.com".into(),
                kind: "Widget".into(),
                scope: "Namespaced".into(),
                versions: vec!["v1".into(), "v2".into()],
            }],
            webhooks: vec![Webhook {
                kind: "mutating".into(),
                configuration: "inject".into(),
                name: "m.example.com".into(),
                failure_policy: "Fail".into(),
                target: "service hooks/injector".into(),
            }],
            ..Inventory::default()
        }
    }

    #[test]
    fn table_of_files() {
        assert_eq!(
            table(&files()),
            "Source: files\n\
             Objects: 4\n\
             \n\
             Nodes (1):\n\
             \x20 n1  kubelet -  Ubuntu  roles worker\n\
             \n\
             Namespaces (1):\n\
             \x20 prod                           enforce=restricted\n\
             \n\
             Workloads (2):\n\
             \x20 Deployment                     2\n\
             \n\
             Images (1):\n\
             \x20     3  nginx\n\
             \x20        Deployment prod/web (init:setup, web)\n\
             \n\
             Service accounts (1):\n\
             \x20 prod/app\n\
             \n\
             RBAC: 1 Roles, 0 ClusterRoles, 0 RoleBindings, 0 ClusterRoleBindings\n\
             \n\
             Network policies per namespace:\n\
             \x20 prod                           0  (none: all traffic allowed)\n\
             \x20 shop                           2\n\
             \n\
             Custom resource definitions (1):\n\
             \x20 widgets.example.com  kind Widget  Namespaced  versions v1,v2\n\
             \n\
             Admission webhooks (1):\n\
             \x20 mutating   inject/m.example.com  failurePolicy Fail  -> service hooks/injector\n"
        );
    }

    #[test]
    fn table_and_json_of_a_cluster_read() {
        let mut inv = files();
        inv.source = Source {
            kind: "snapshot".into(),
            context: Some("kind".into()),
            server: Some("https://127.0.0.1:6443".into()),
            taken_at: Some("2026-11-27T07:00:00Z".into()),
        };
        inv.kubernetes_version = Some("v1.30.2".into());
        inv.coverage = Some(CoverageSection {
            document: json!({"read": [], "notRead": [{"resource": "roles"}], "partial": true}),
            summary: "read 0 types (0 objects); 1 not read (forbidden: 1); PARTIAL".into(),
            gaps: vec![Gap {
                name: "roles.rbac.authorization.k8s.io/v1".into(),
                reason: "forbidden".into(),
                message: "no".into(),
            }],
        });
        inv.anonymous = Some(AnonymousSection {
            document: json!({"api": {"status": 401}, "version": {"error": "reset"}}),
            api: Probe {
                status: Some(401),
                error: None,
            },
            version: Probe {
                status: None,
                error: Some("reset".into()),
            },
        });
        let text = table(&inv);
        assert_eq!(
            text.lines().take(7).collect::<Vec<_>>(),
            [
                "Source: snapshot (context \"kind\", https://127.0.0.1:6443, read 2026-11-27T07:00:00Z)",
                "Kubernetes version: v1.30.2",
                "Objects: 4",
                "Anonymous access: GET /api -> 401, GET /version -> no answer (reset)",
                "Coverage: read 0 types (0 objects); 1 not read (forbidden: 1); PARTIAL",
                "  not read: roles.rbac.authorization.k8s.io/v1 (forbidden: no)",
                "",
            ]
        );
        let v: serde_json::Value = serde_json::from_str(&json(&inv).expect("json")).expect("JSON");
        assert_eq!(
            v["coverage"],
            inv.coverage
                .as_ref()
                .map(|c| c.document.clone())
                .unwrap_or_default()
        );
        assert_eq!(v["anonymous"]["version"]["error"], "reset");
        assert_eq!(v["source"]["takenAt"], "2026-11-27T07:00:00Z");
    }

    #[test]
    fn json_of_files_leaves_out_cluster_sections() {
        let text = json(&files()).expect("json");
        let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let keys: Vec<&str> = v
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "source",
                "objects",
                "nodes",
                "namespaces",
                "workloads",
                "images",
                "serviceAccounts",
                "rbac",
                "networkPolicies",
                "crds",
                "webhooks"
            ]
        );
        assert_eq!(v["source"], json!({"kind": "files"}));
        assert_eq!(v["networkPolicies"], json!({"prod": 0, "shop": 2}));
        assert_eq!(v["nodes"][0]["kubeletVersion"], "");
        assert!(text.ends_with("}\n"));
    }
}
