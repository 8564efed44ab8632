//! `rampart inventory`: what a cluster, a snapshot or a set of manifests holds: Kubernetes
//! version, nodes, namespaces (with Pod Security admission labels), workloads by kind, container
//! images, service accounts, RBAC counts, network policies per namespace, CRDs and admission
//! webhooks. For a cluster or snapshot, also the coverage of the read and the anonymous probe.
//! The document and its renderings are `rampart_report::inventory`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::ExitCode;

use rampart_checks::cluster_info::{self, ServerVersion};
use rampart_cluster::{AnonymousProbe, Coverage, ProbeStatus};
use rampart_model::{ContainerKind, Resource, Workload};
use rampart_report::inventory::{
    self as render, AnonymousSection, CoverageSection, Crd, Gap, Image, ImageWorkload, Inventory,
    Namespace, Node, Probe, Source, Webhook,
};
use serde_json::Value;

use super::cluster::ClusterArgs;

/// Arguments of `rampart inventory`.
#[derive(clap::Args, Debug)]
pub struct InventoryArgs {
    #[command(flatten)]
    pub cluster: ClusterArgs,

    /// Manifests to inventory (files, directories, `-`), instead of a cluster or snapshot.
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Show only the images: every container, init and ephemeral container image with the
    /// workloads (and their containers) that run it.
    #[arg(long)]
    pub images: bool,

    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
}

pub fn run(args: &InventoryArgs) -> anyhow::Result<ExitCode> {
    let mut errors = Vec::new();
    let mut code = ExitCode::SUCCESS;
    let mut coverage = None;
    let inv = if args.cluster.requested() {
        if !args.paths.is_empty() {
            anyhow::bail!("give either PATH... or --cluster/--snapshot, not both");
        }
        let loaded = super::cluster::load(&args.cluster)?;
        super::cluster::warn_partial(&loaded.coverage);
        let mut inv = build(&loaded.resources);
        inv.source = Source {
            kind: if args.cluster.snapshot.is_some() {
                "snapshot".into()
            } else {
                "cluster".into()
            },
            context: Some(loaded.context),
            server: Some(loaded.server).filter(|s| !s.is_empty()),
            taken_at: Some(loaded.taken_at),
        };
        inv.kubernetes_version = Some(loaded.server_version).filter(|s| !s.is_empty());
        inv.coverage = Some(coverage_section(&loaded.coverage)?);
        inv.anonymous = Some(anonymous_section(&loaded.anonymous)?);
        coverage = Some(loaded.coverage);
        inv
    } else {
        if args.paths.is_empty() {
            anyhow::bail!("nothing to inventory: give PATH..., --cluster or --snapshot FILE");
        }
        let (resources, errs) = super::load::load_all(&args.paths);
        errors = errs;
        let mut inv = build(&resources);
        inv.source.kind = "files".into();
        inv
    };
    let text = match (args.format, args.images) {
        (Format::Json, false) => render::json(&inv)?,
        (Format::Table, false) => render::table(&inv),
        (Format::Json, true) => render::images_json(&inv)?,
        (Format::Table, true) => render::images_table(&inv),
    };
    super::output::write(args.output.as_deref(), &text)?;
    for e in &errors {
        eprintln!("rampart: {e}");
    }
    if let Some(c) = &coverage {
        code = super::cluster::exit_code(c);
    }
    Ok(if errors.is_empty() {
        code
    } else {
        ExitCode::from(2)
    })
}

fn s<'a>(v: &'a Value, p: &str) -> &'a str {
    v.pointer(p).and_then(Value::as_str).unwrap_or("")
}

fn is(r: &Resource, group: &str, kind: &str) -> bool {
    let api_group = r.id.api_version.rsplit_once('/').map_or("", |(g, _)| g);
    r.kind() == kind && api_group == group
}

/// A workload running an image: kind, namespace, name.
type ImageWorkloadKey = (String, Option<String>, String);

/// The inventory of some objects.
pub fn build(resources: &[Resource]) -> Inventory {
    let mut inv = Inventory::default();
    // image -> (containers running it, workload -> its containers running it)
    let mut images: BTreeMap<String, (usize, BTreeMap<ImageWorkloadKey, Vec<String>>)> =
        BTreeMap::new();
    let mut netpols: BTreeMap<String, usize> = BTreeMap::new();
    let mut namespaces: BTreeSet<String> = BTreeSet::new();
    for r in resources {
        let raw = &r.raw;
        // A `ClusterInfo` object (written by hand, or saved from a scan) describes the cluster:
        // it is not one of its objects, and gives the version when nothing else does.
        if cluster_info::is_cluster_info(r) {
            if inv.kubernetes_version.is_none() {
                inv.kubernetes_version = match cluster_info::server_version(raw) {
                    ServerVersion::Known { text, .. } | ServerVersion::Unreadable { text, .. } => {
                        Some(text)
                    }
                    ServerVersion::Absent => None,
                };
            }
            continue;
        }
        // A Helm values file read as a `HelmValues` object is configuration, not an object.
        if r.kind() == rampart_model::k8s::helm::VALUES_KIND
            && r.id.api_version == rampart_model::k8s::helm::VALUES_API_VERSION
        {
            continue;
        }
        inv.objects += 1;
        if let Some(ns) = &r.id.namespace {
            namespaces.insert(ns.clone());
        }
        if let Some(w) = Workload::of(r.kind(), raw) {
            *inv.workloads.entry(r.kind().to_owned()).or_default() += 1;
            for c in &w.containers {
                if let Some(img) = c.image() {
                    let entry = images.entry(img.to_owned()).or_default();
                    entry.0 += 1;
                    let key = (
                        r.kind().to_owned(),
                        r.id.namespace.clone(),
                        r.id.name.clone(),
                    );
                    let label = match c.kind {
                        ContainerKind::Regular => c.name().to_owned(),
                        ContainerKind::Init => format!("init:{}", c.name()),
                        ContainerKind::Ephemeral => format!("ephemeral:{}", c.name()),
                    };
                    entry.1.entry(key).or_default().push(label);
                }
            }
        }
        if is(r, "", "Node") {
            let mut roles: Vec<String> = raw
                .pointer("/metadata/labels")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter_map(|(k, _)| k.strip_prefix("node-role.kubernetes.io/"))
                .map(str::to_owned)
                .collect();
            roles.sort();
            inv.nodes.push(Node {
                name: r.id.name.clone(),
                kubelet_version: s(raw, "/status/nodeInfo/kubeletVersion").to_owned(),
                os_image: s(raw, "/status/nodeInfo/osImage").to_owned(),
                roles,
            });
        } else if is(r, "", "Namespace") {
            namespaces.insert(r.id.name.clone());
            let pod_security = raw
                .pointer("/metadata/labels")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| {
                    Some((
                        k.strip_prefix("pod-security.kubernetes.io/")?.to_owned(),
                        v.as_str().unwrap_or_default().to_owned(),
                    ))
                })
                .collect();
            inv.namespaces.push(Namespace {
                name: r.id.name.clone(),
                pod_security,
            });
        } else if is(r, "", "ServiceAccount") {
            inv.service_accounts.push(format!(
                "{}/{}",
                r.id.namespace.as_deref().unwrap_or("default"),
                r.id.name
            ));
        } else if is(r, "rbac.authorization.k8s.io", "Role") {
            inv.rbac.roles += 1;
        } else if is(r, "rbac.authorization.k8s.io", "ClusterRole") {
            inv.rbac.cluster_roles += 1;
        } else if is(r, "rbac.authorization.k8s.io", "RoleBinding") {
            inv.rbac.role_bindings += 1;
        } else if is(r, "rbac.authorization.k8s.io", "ClusterRoleBinding") {
            inv.rbac.cluster_role_bindings += 1;
        } else if is(r, "networking.k8s.io", "NetworkPolicy") {
            *netpols
                .entry(r.id.namespace.clone().unwrap_or_else(|| "default".into()))
                .or_default() += 1;
        } else if is(r, "apiextensions.k8s.io", "CustomResourceDefinition") {
            inv.crds.push(Crd {
                name: r.id.name.clone(),
                group: s(raw, "/spec/group").to_owned(),
                kind: s(raw, "/spec/names/kind").to_owned(),
                scope: s(raw, "/spec/scope").to_owned(),
                versions: raw
                    .pointer("/spec/versions")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|v| v.get("served").and_then(Value::as_bool) != Some(false))
                    .map(|v| s(v, "/name").to_owned())
                    .collect(),
            });
        } else if is(
            r,
            "admissionregistration.k8s.io",
            "ValidatingWebhookConfiguration",
        ) || is(
            r,
            "admissionregistration.k8s.io",
            "MutatingWebhookConfiguration",
        ) {
            let kind = if r.kind().starts_with("Validating") {
                "validating"
            } else {
                "mutating"
            };
            for w in raw
                .get("webhooks")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let target =
                    if let Some(url) = w.pointer("/clientConfig/url").and_then(Value::as_str) {
                        url.to_owned()
                    } else {
                        let port = w
                            .pointer("/clientConfig/service/port")
                            .and_then(Value::as_u64)
                            .map(|p| format!(":{p}"))
                            .unwrap_or_default();
                        format!(
                            "service {}/{}{port}",
                            s(w, "/clientConfig/service/namespace"),
                            s(w, "/clientConfig/service/name")
                        )
                    };
                inv.webhooks.push(Webhook {
                    kind: kind.into(),
                    configuration: r.id.name.clone(),
                    name: s(w, "/name").to_owned(),
                    failure_policy: w
                        .get("failurePolicy")
                        .and_then(Value::as_str)
                        .unwrap_or("Fail")
                        .to_owned(),
                    target,
                });
            }
        }
    }
    for ns in namespaces {
        netpols.entry(ns).or_default();
    }
    inv.network_policies = netpols;
    inv.images = images
        .into_iter()
        .map(|(image, (count, workloads))| Image {
            image,
            count,
            workloads: workloads
                .into_iter()
                .map(|((kind, namespace, name), containers)| ImageWorkload {
                    kind,
                    namespace,
                    name,
                    containers,
                })
                .collect(),
        })
        .collect();
    inv.images
        .sort_by(|a, b| b.count.cmp(&a.count).then(a.image.cmp(&b.image)));
    inv.nodes.sort_by(|a, b| a.name.cmp(&b.name));
    inv.namespaces.sort_by(|a, b| a.name.cmp(&b.name));
    inv.service_accounts.sort();
    inv.crds.sort_by(|a, b| a.name.cmp(&b.name));
    inv.webhooks.sort_by(|a, b| {
        (&a.kind, &a.configuration, &a.name).cmp(&(&b.kind, &b.configuration, &b.name))
    });
    inv
}

/// The coverage of a cluster read as the inventory document holds it.
fn coverage_section(c: &Coverage) -> serde_json::Result<CoverageSection> {
    Ok(CoverageSection {
        document: serde_json::to_value(c)?,
        summary: c.summary(),
        gaps: c
            .gaps()
            .map(|g| Gap {
                name: g.display_name(),
                reason: g.reason.to_string(),
                message: g.message.clone(),
            })
            .collect(),
    })
}

/// The anonymous probe of a cluster read as the inventory document holds it.
fn anonymous_section(a: &AnonymousProbe) -> serde_json::Result<AnonymousSection> {
    let probe = |p: &ProbeStatus| Probe {
        status: p.status,
        error: p.error.clone(),
    };
    Ok(AnonymousSection {
        document: serde_json::to_value(a)?,
        api: probe(&a.api),
        version: probe(&a.version),
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn images_list_every_container_kind_with_their_workloads() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  template:\n    spec:\n      initContainers:\n      - name: setup\n        image: busybox:1.36\n      containers:\n      - name: web\n        image: nginx:1.27.3\n      - name: sidecar\n        image: busybox:1.36\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\n  namespace: prod\nspec:\n  containers:\n  - name: app\n    image: nginx:1.27.3\n  ephemeralContainers:\n  - name: shell\n    image: nicolaka/netshoot\n";
        let parsed = rampart_source::parse_str(Path::new("x.yaml"), text);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let inv = super::build(&parsed.resources);
        let table = super::render::images_table(&inv);
        assert_eq!(
            table,
            "Images (3):\n\
             \x20     2  busybox:1.36\n\
             \x20        Deployment prod/web (init:setup, sidecar)\n\
             \x20     2  nginx:1.27.3\n\
             \x20        Deployment prod/web (web)\n\
             \x20        Pod prod/debug (app)\n\
             \x20     1  nicolaka/netshoot\n\
             \x20        Pod prod/debug (ephemeral:shell)\n"
        );
        let json: serde_json::Value =
            serde_json::from_str(&super::render::images_json(&inv).expect("json")).expect("valid");
        assert_eq!(json[0]["image"], "busybox:1.36");
        assert_eq!(json[0]["count"], 2);
        assert_eq!(
            json[0]["workloads"][0],
            serde_json::json!({"kind": "Deployment", "namespace": "prod", "name": "web",
                "containers": ["init:setup", "sidecar"]})
        );
    }
}
