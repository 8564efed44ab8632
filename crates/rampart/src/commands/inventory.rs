//! `rampart inventory`: what a cluster, a snapshot or a set of manifests holds: Kubernetes
//! version, nodes, namespaces (with Pod Security admission labels), workloads by kind, container
//! images, service accounts, RBAC counts, network policies per namespace, CRDs and admission
//! webhooks. For a cluster or snapshot, also the coverage of the read and the anonymous probe.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use rampart_checks::cluster_info::{self, ServerVersion};
use rampart_cluster::{AnonymousProbe, Coverage};
use rampart_model::{Resource, Workload};
use serde::Serialize;
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

    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
}

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
    pub coverage: Option<Coverage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anonymous: Option<AnonymousProbe>,
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
    pub count: usize,
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

pub fn run(args: &InventoryArgs) -> anyhow::Result<ExitCode> {
    let mut errors = Vec::new();
    let mut code = ExitCode::SUCCESS;
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
        inv.coverage = Some(loaded.coverage);
        inv.anonymous = Some(loaded.anonymous);
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
    let text = match args.format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&inv)?;
            s.push('\n');
            s
        }
        Format::Table => table(&inv),
    };
    super::output::write(args.output.as_deref(), &text)?;
    for e in &errors {
        eprintln!("rampart: {e}");
    }
    if let Some(c) = &inv.coverage {
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

/// The inventory of some objects.
pub fn build(resources: &[Resource]) -> Inventory {
    let mut inv = Inventory::default();
    let mut images: BTreeMap<String, usize> = BTreeMap::new();
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
        inv.objects += 1;
        if let Some(ns) = &r.id.namespace {
            namespaces.insert(ns.clone());
        }
        if let Some(w) = Workload::of(r.kind(), raw) {
            *inv.workloads.entry(r.kind().to_owned()).or_default() += 1;
            for c in &w.containers {
                if let Some(img) = c.image() {
                    *images.entry(img.to_owned()).or_default() += 1;
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
        .map(|(image, count)| Image { image, count })
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

fn table(inv: &Inventory) -> String {
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
        let show = |p: &rampart_cluster::ProbeStatus| match (p.status, &p.error) {
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
        let _ = writeln!(o, "Coverage: {}", c.summary());
        for g in c.gaps() {
            let _ = writeln!(
                o,
                "  not read: {} ({}: {})",
                g.display_name(),
                g.reason,
                g.message
            );
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
    for i in &inv.images {
        let _ = writeln!(o, "  {:>5}  {}", i.count, i.image);
    }
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
