//! `rampart rbac`: effective RBAC permissions, exactly as the Kubernetes RBAC authorizer decides.
//!
//! - `who-can VERB RESOURCE PATH...`: every subject allowed a request, with binding -> role -> rule
//!   and the file:line of each;
//! - `can SUBJECT PATH...`: what one subject may do, cluster-wide and per namespace;
//! - `paths PATH...`: privilege-escalation paths to cluster-admin (text, JSON, Graphviz DOT);
//! - `risks PATH...`: risky grants (the risk-check API of `rampart_rbac`).
//!
//! The analysis is `rampart_rbac`, the renderings `rampart_report::rbac`; this is glue. Input errors go to stderr with file:line after the
//! results, and make the exit code 2.

use std::path::PathBuf;
use std::process::ExitCode;

use rampart_rbac::{Node, Path, Rbac, RequestAttributes, Subject};
use rampart_report::rbac::View;

/// Arguments of `rampart rbac`.
#[derive(clap::Args, Debug)]
pub struct RbacArgs {
    #[command(subcommand)]
    pub command: RbacCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum RbacCommand {
    /// Who can make a request: every subject allowed, with the binding, role and rule.
    ///
    /// RESOURCE may carry a subresource (`pods/exec`) and a group (`deployments.apps`); a RESOURCE
    /// starting with `/` is a non-resource URL (`get /metrics`). Without -n the request is
    /// cluster-scoped (or across all namespaces), which only ClusterRoleBindings can allow.
    WhoCan(WhoCanArgs),
    /// What a subject can do: rules cluster-wide and per namespace, with where they come from.
    Can(CanArgs),
    /// Privilege-escalation paths to cluster-admin.
    Paths(PathsArgs),
    /// Risky grants: cluster-admin, wildcards, secrets, pod creation, exec, bind/escalate, ...
    Risks(RisksArgs),
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathsFormat {
    Text,
    Json,
    Dot,
}

#[derive(clap::Args, Debug)]
pub struct WhoCanArgs {
    /// The verb: get, list, watch, create, update, patch, delete, impersonate, bind, ... or *.
    pub verb: String,
    /// The resource (`pods`, `pods/exec`, `deployments.apps`) or a non-resource URL (`/healthz`).
    pub resource: String,
    /// Files, directories (searched recursively for *.yaml, *.yml, *.json), or `-` for stdin;
    /// not needed with --cluster or --snapshot.
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub cluster: super::cluster::SourceArgs,
    /// The request's namespace (default: a cluster-scoped or all-namespaces request).
    #[arg(long, short = 'n', value_name = "NS")]
    pub namespace: Option<String>,
    #[arg(long, value_name = "S")]
    pub subresource: Option<String>,
    /// The object's name (rules with resourceNames match only named requests).
    #[arg(long, value_name = "N")]
    pub name: Option<String>,
    /// The API group (`""` is the core group; default: from RESOURCE, else core).
    #[arg(long, value_name = "G")]
    pub api_group: Option<String>,
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(clap::Args, Debug)]
pub struct CanArgs {
    /// `user:NAME`, `group:NAME` or `sa:NAMESPACE/NAME`.
    pub subject: Subject,
    /// Manifests to read (not needed with --cluster or --snapshot).
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub cluster: super::cluster::SourceArgs,
    /// Only this namespace (and cluster-wide rules).
    #[arg(long, short = 'n', value_name = "NS")]
    pub namespace: Option<String>,
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(clap::Args, Debug)]
pub struct PathsArgs {
    /// Manifests to read (not needed with --cluster or --snapshot).
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub cluster: super::cluster::SourceArgs,
    /// Only the path from this subject (`user:NAME`, `group:NAME`, `sa:NS/NAME`).
    #[arg(long, value_name = "SUBJECT", conflicts_with = "from_workload")]
    pub from: Option<Subject>,
    /// Only the path from this workload: `KIND/NAMESPACE/NAME` (e.g. `Deployment/web/api`).
    #[arg(long, value_name = "KIND/NS/NAME")]
    pub from_workload: Option<String>,
    #[arg(long, short = 'f', value_enum, default_value_t = PathsFormat::Text)]
    pub format: PathsFormat,
}

#[derive(clap::Args, Debug)]
pub struct RisksArgs {
    /// Manifests to read (not needed with --cluster or --snapshot).
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub cluster: super::cluster::SourceArgs,
    /// Also report built-in grants (bindings named system:* to system subjects).
    #[arg(long)]
    pub include_system: bool,
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub fn run(args: &RbacArgs) -> anyhow::Result<ExitCode> {
    let (paths, cluster) = match &args.command {
        RbacCommand::WhoCan(a) => (&a.paths, &a.cluster),
        RbacCommand::Can(a) => (&a.paths, &a.cluster),
        RbacCommand::Paths(a) => (&a.paths, &a.cluster),
        RbacCommand::Risks(a) => (&a.paths, &a.cluster),
    };
    let (resources, errors) = super::load::load_inputs(paths, &cluster.to_cluster_args())?;
    let rbac = Rbac::build(&resources);
    let view = View {
        resources: &resources,
        rbac: &rbac,
        errors: &errors,
    };
    let text = match &args.command {
        RbacCommand::WhoCan(a) => who_can(&view, a)?,
        RbacCommand::Can(a) => can(&view, a)?,
        RbacCommand::Paths(a) => paths_cmd(&view, a)?,
        RbacCommand::Risks(a) => risks(&view, a)?,
    };
    super::output::write(None, &text)?;
    for note in view.notes() {
        eprintln!("rampart: note: {note}");
    }
    for e in &errors {
        eprintln!("rampart: error: {e}");
    }
    Ok(ExitCode::from(if errors.is_empty() { 0 } else { 2 }))
}

/// Parses RESOURCE: `/url`, `resource`, `resource/sub`, `resource.group`, `resource.group/sub`.
fn request_of(a: &WhoCanArgs) -> RequestAttributes {
    if a.resource.starts_with('/') {
        return RequestAttributes::non_resource(&a.verb, &a.resource);
    }
    let (res, sub) = match a.resource.split_once('/') {
        Some((r, s)) => (r, s.to_owned()),
        None => (a.resource.as_str(), String::new()),
    };
    let (res, group) = match res.split_once('.') {
        Some((r, g)) => (r, g.to_owned()),
        None => (res, String::new()),
    };
    RequestAttributes {
        verb: a.verb.clone(),
        api_group: a.api_group.clone().unwrap_or(group),
        resource: res.to_owned(),
        subresource: a.subresource.clone().unwrap_or(sub),
        namespace: a.namespace.clone().unwrap_or_default(),
        name: a.name.clone().unwrap_or_default(),
        path: None,
    }
}

fn who_can(view: &View, a: &WhoCanArgs) -> anyhow::Result<String> {
    let req = request_of(a);
    let grants = view.rbac.who_can_request(&req);
    Ok(match a.format {
        Format::Json => view.who_can_json(&req, &grants)?,
        Format::Table => view.who_can_table(&req, &grants),
    })
}

fn can(view: &View, a: &CanArgs) -> anyhow::Result<String> {
    let mut perms = view.rbac.can(&a.subject);
    if let Some(ns) = &a.namespace {
        perms.namespaces.retain(|k, _| k == ns);
    }
    Ok(match a.format {
        Format::Json => view.can_json(&perms)?,
        Format::Table => view.can_table(&perms),
    })
}

fn paths_cmd(view: &View, a: &PathsArgs) -> anyhow::Result<String> {
    let esc = view.rbac.escalation();
    let from: Option<Node> = match (&a.from, &a.from_workload) {
        (Some(s), _) => Some(Node::Subject(s.clone())),
        (None, Some(w)) => {
            let parts: Vec<&str> = w.splitn(3, '/').collect();
            let [kind, ns, name] = parts[..] else {
                anyhow::bail!("--from-workload expects KIND/NAMESPACE/NAME, got {w:?}");
            };
            let found = view
                .rbac
                .workloads
                .iter()
                .find(|x| {
                    x.id.kind.eq_ignore_ascii_case(kind) && x.namespace == ns && x.id.name == name
                })
                .ok_or_else(|| anyhow::anyhow!("no workload {w} in the input"))?;
            Some(Node::Workload(std::sync::Arc::clone(&found.id)))
        }
        _ => None,
    };
    let paths: Vec<Path> = match &from {
        Some(n) => esc.path_from(n).into_iter().collect(),
        None => esc.paths(),
    };
    Ok(match a.format {
        PathsFormat::Dot => rampart_report::rbac::paths_dot(&paths),
        PathsFormat::Json => view.paths_json(&paths)?,
        PathsFormat::Text => view.paths_text(&esc, from.as_ref(), &paths),
    })
}

fn risks(view: &View, a: &RisksArgs) -> anyhow::Result<String> {
    let risks = view.rbac.risks_with(a.include_system);
    Ok(match a.format {
        Format::Json => view.risks_json(&risks)?,
        Format::Table => view.risks_table(&risks),
    })
}
