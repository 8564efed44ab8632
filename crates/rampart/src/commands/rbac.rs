//! `rampart rbac`: effective RBAC permissions, exactly as the Kubernetes RBAC authorizer decides.
//!
//! - `who-can VERB RESOURCE PATH...`: every subject allowed a request, with binding -> role -> rule
//!   and the file:line of each;
//! - `can SUBJECT PATH...`: what one subject may do, cluster-wide and per namespace;
//! - `paths PATH...`: privilege-escalation paths to cluster-admin (text, JSON, Graphviz DOT);
//! - `risks PATH...`: risky grants (the risk-check API of `rampart_rbac`).
//!
//! The analysis is `rampart_rbac`; this is glue. Input errors go to stderr with file:line after the
//! results, and make the exit code 2.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use rampart_model::{InputError, Resource};
use rampart_rbac::{Justification, Node, Path, Rbac, RequestAttributes, Subject};
use serde_json::{json, Value};

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
    let ctx = Ctx {
        resources: &resources,
        rbac: &rbac,
    };
    let (text, code) = match &args.command {
        RbacCommand::WhoCan(a) => (who_can(&ctx, a, &errors)?, 0),
        RbacCommand::Can(a) => (can(&ctx, a, &errors)?, 0),
        RbacCommand::Paths(a) => paths_cmd(&ctx, a, &errors)?,
        RbacCommand::Risks(a) => risks(&ctx, a, &errors)?,
    };
    super::output::write(None, &text)?;
    for issue in &rbac.issues {
        eprintln!(
            "rampart: note: {}: {} ({})",
            ctx.at(issue.resource, issue.pointer.as_str()),
            issue.message,
            issue.object.display_name()
        );
    }
    for e in &errors {
        eprintln!("rampart: error: {e}");
    }
    Ok(ExitCode::from(if errors.is_empty() { code } else { 2 }))
}

struct Ctx<'a> {
    resources: &'a [Resource],
    rbac: &'a Rbac,
}

impl Ctx<'_> {
    /// `file:line` of a pointer inside an input object.
    fn at(&self, resource: usize, pointer: &str) -> String {
        let Some(res) = self.resources.get(resource) else {
            return "?".into();
        };
        let file = res
            .origin
            .path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "-".into());
        match res.locate(pointer) {
            Some(pos) => format!("{file}:{}", pos.line),
            None => file,
        }
    }

    fn line(&self, resource: usize, pointer: &str) -> Option<u32> {
        self.resources
            .get(resource)?
            .locate(pointer)
            .map(|p| p.line)
    }

    fn file(&self, resource: usize) -> String {
        self.resources
            .get(resource)
            .and_then(|r| r.origin.path())
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "-".into())
    }

    /// One line: `RoleBinding/ns/b -> Role/ns/r rules[0]  file:line`.
    fn chain(&self, j: &Justification) -> String {
        let via = if j.rule_role != j.role {
            format!(" (aggregated from {})", j.rule_role.display_name())
        } else {
            String::new()
        };
        format!(
            "{} -> {}{} rule {}",
            j.binding.display_name(),
            j.role.display_name(),
            via,
            j.rule_pointer.as_str().rsplit('/').next().unwrap_or("")
        )
    }

    fn justification_json(&self, j: &Justification) -> Value {
        json!({
            "binding": j.binding,
            "bindingFile": self.file(j.binding_resource),
            "subjectPointer": j.subject_pointer,
            "subjectLine": self.line(j.binding_resource, j.subject_pointer.as_str()),
            "role": j.role,
            "ruleRole": j.rule_role,
            "ruleFile": self.file(j.rule_resource),
            "rulePointer": j.rule_pointer,
            "ruleLine": self.line(j.rule_resource, j.rule_pointer.as_str()),
            "rule": j.rule,
        })
    }
}

fn json_text(v: &Value) -> anyhow::Result<String> {
    let mut s = serde_json::to_string_pretty(v)?;
    s.push('\n');
    Ok(s)
}

fn issues_json(ctx: &Ctx, errors: &[InputError]) -> (Value, Value) {
    let issues: Vec<Value> = ctx
        .rbac
        .issues
        .iter()
        .map(|i| {
            json!({
                "object": i.object,
                "file": ctx.file(i.resource),
                "line": ctx.line(i.resource, i.pointer.as_str()),
                "pointer": i.pointer,
                "message": i.message,
            })
        })
        .collect();
    (
        Value::from(issues),
        serde_json::to_value(errors).unwrap_or_default(),
    )
}

/// Renders rows as aligned columns.
fn columns(rows: &[Vec<String>]) -> String {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            if c + 1 == r.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<w$}  ", w = widths[c]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
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

fn describe_request(r: &RequestAttributes) -> String {
    if let Some(p) = &r.path {
        return format!("{} {p}", r.verb);
    }
    let mut s = format!("{} {}", r.verb, r.combined_resource());
    if !r.api_group.is_empty() {
        let _ = write!(s, " (apiGroup {})", r.api_group);
    }
    if !r.name.is_empty() {
        let _ = write!(s, " named {}", r.name);
    }
    if r.namespace.is_empty() {
        s.push_str(" cluster-wide");
    } else {
        let _ = write!(s, " in namespace {}", r.namespace);
    }
    s
}

fn who_can(ctx: &Ctx, a: &WhoCanArgs, errors: &[InputError]) -> anyhow::Result<String> {
    let req = request_of(a);
    let grants = ctx.rbac.who_can_request(&req);
    if a.format == Format::Json {
        let (issues, errs) = issues_json(ctx, errors);
        let v = json!({
            "schemaVersion": 1,
            "request": req,
            "grants": grants.iter().map(|g| json!({
                "subject": g.subject,
                "namespace": g.namespace,
                "why": ctx.justification_json(&g.why),
            })).collect::<Vec<_>>(),
            "issues": issues,
            "errors": errs,
        });
        return json_text(&v);
    }
    let mut out = format!("Who can {}:\n\n", describe_request(&req));
    if grants.is_empty() {
        out.push_str("Nobody (except members of system:masters).\n");
        return Ok(out);
    }
    let mut rows = vec![vec![
        "SUBJECT".to_owned(),
        "SCOPE".to_owned(),
        "BINDING -> ROLE RULE".to_owned(),
        "WHERE".to_owned(),
    ]];
    for g in &grants {
        rows.push(vec![
            g.subject.to_string(),
            g.namespace.clone().unwrap_or_else(|| "*".into()),
            ctx.chain(&g.why),
            format!(
                "binding {}, rule {}",
                ctx.at(g.why.binding_resource, g.why.subject_pointer.as_str()),
                ctx.at(g.why.rule_resource, g.why.rule_pointer.as_str())
            ),
        ]);
    }
    out.push_str(&columns(&rows));
    let _ = writeln!(
        out,
        "\n{} grant{} (members of system:masters are allowed everything).",
        grants.len(),
        if grants.len() == 1 { "" } else { "s" }
    );
    Ok(out)
}

fn can(ctx: &Ctx, a: &CanArgs, errors: &[InputError]) -> anyhow::Result<String> {
    let mut perms = ctx.rbac.can(&a.subject);
    if let Some(ns) = &a.namespace {
        perms.namespaces.retain(|k, _| k == ns);
    }
    if a.format == Format::Json {
        let rules = |v: &[rampart_rbac::EffectiveRule]| -> Vec<Value> {
            v.iter()
                .map(|r| json!({"via": r.via, "rule": r.rule, "why": ctx.justification_json(&r.why)}))
                .collect()
        };
        let (issues, errs) = issues_json(ctx, errors);
        let v = json!({
            "schemaVersion": 1,
            "subject": perms.subject,
            "identity": perms.identity,
            "superuser": perms.superuser,
            "cluster": rules(&perms.cluster),
            "namespaces": perms.namespaces.iter().map(|(k, v)| (k.clone(), Value::from(rules(v)))).collect::<serde_json::Map<_, _>>(),
            "issues": issues,
            "errors": errs,
        });
        return json_text(&v);
    }
    let mut out = format!(
        "{} (user {:?}, groups {})\n",
        perms.subject,
        perms.identity.user,
        perms.identity.groups.join(", ")
    );
    if perms.superuser {
        out.push_str("  member of system:masters: allowed everything\n");
    }
    let section = |out: &mut String, title: &str, rules: &[rampart_rbac::EffectiveRule]| {
        let _ = writeln!(out, "\n{title}:");
        if rules.is_empty() {
            out.push_str("  (nothing)\n");
            return;
        }
        let mut rows = Vec::new();
        for r in rules {
            rows.push(vec![
                format!("  {}", r.rule.summary()),
                format!("via {}", r.via),
                ctx.chain(&r.why),
                ctx.at(r.why.rule_resource, r.why.rule_pointer.as_str()),
            ]);
        }
        out.push_str(&columns(&rows));
    };
    section(
        &mut out,
        "Cluster-wide (ClusterRoleBindings)",
        &perms.cluster,
    );
    for (ns, rules) in &perms.namespaces {
        section(&mut out, &format!("Namespace {ns} (RoleBindings)"), rules);
    }
    Ok(out)
}

fn path_text(ctx: &Ctx, p: &Path, out: &mut String) {
    let _ = writeln!(
        out,
        "{}  ({} step{})",
        p.from,
        p.steps.len(),
        if p.steps.len() == 1 { "" } else { "s" }
    );
    for s in &p.steps {
        let _ = writeln!(out, "  -> {}  [{:?}] {}", s.to, s.kind, s.detail);
        for j in &s.why {
            let _ = writeln!(
                out,
                "       {}  {}",
                ctx.chain(j),
                ctx.at(j.rule_resource, j.rule_pointer.as_str())
            );
        }
    }
}

fn paths_cmd(ctx: &Ctx, a: &PathsArgs, errors: &[InputError]) -> anyhow::Result<(String, u8)> {
    let esc = ctx.rbac.escalation();
    let from: Option<Node> = match (&a.from, &a.from_workload) {
        (Some(s), _) => Some(Node::Subject(s.clone())),
        (None, Some(w)) => {
            let parts: Vec<&str> = w.splitn(3, '/').collect();
            let [kind, ns, name] = parts[..] else {
                anyhow::bail!("--from-workload expects KIND/NAMESPACE/NAME, got {w:?}");
            };
            let found = ctx
                .rbac
                .workloads
                .iter()
                .find(|x| {
                    x.id.kind.eq_ignore_ascii_case(kind) && x.namespace == ns && x.id.name == name
                })
                .ok_or_else(|| anyhow::anyhow!("no workload {w} in the input"))?;
            Some(Node::Workload(found.id.clone()))
        }
        _ => None,
    };
    let paths: Vec<Path> = match &from {
        Some(n) => esc.path_from(n).into_iter().collect(),
        None => esc.paths(),
    };
    let text = match a.format {
        PathsFormat::Dot => rampart_rbac::Escalation::to_dot(&paths),
        PathsFormat::Json => {
            let (issues, errs) = issues_json(ctx, errors);
            let v = json!({
                "schemaVersion": 1,
                "paths": paths.iter().map(|p| json!({
                    "from": p.from,
                    "length": p.steps.len(),
                    "steps": p.steps.iter().map(|s| json!({
                        "from": s.from,
                        "to": s.to,
                        "kind": s.kind,
                        "detail": s.detail,
                        "why": s.why.iter().map(|j| ctx.justification_json(j)).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "issues": issues,
                "errors": errs,
            });
            json_text(&v)?
        }
        PathsFormat::Text => {
            let mut out = String::new();
            match &from {
                Some(n) if paths.is_empty() => {
                    if esc.distance(n) == Some(0)
                        || esc.distance(n) == Some(1) && esc.path_from(n).is_none()
                    {
                        let _ = writeln!(out, "{n} is cluster-admin.");
                    } else {
                        let _ = writeln!(out, "No path from {n} to cluster-admin.");
                    }
                }
                None if paths.is_empty() => out.push_str("No escalation path to cluster-admin.\n"),
                _ => {
                    for p in &paths {
                        path_text(ctx, p, &mut out);
                        out.push('\n');
                    }
                    let _ = writeln!(
                        out,
                        "{} path{} to cluster-admin.",
                        paths.len(),
                        if paths.len() == 1 { "" } else { "s" }
                    );
                }
            }
            out
        }
    };
    Ok((text, 0))
}

fn risks(ctx: &Ctx, a: &RisksArgs, errors: &[InputError]) -> anyhow::Result<(String, u8)> {
    let risks = ctx.rbac.risks_with(a.include_system);
    if a.format == Format::Json {
        let (issues, errs) = issues_json(ctx, errors);
        let v = json!({
            "schemaVersion": 1,
            "risks": risks.iter().map(|r| json!({
                "check": r.kind.id(),
                "subject": r.subject,
                "namespace": r.namespace,
                "object": r.object,
                "file": ctx.file(r.resource),
                "line": ctx.line(r.resource, r.pointer.as_str()),
                "pointer": r.pointer,
                "message": r.message,
                "why": r.why.as_ref().map(|j| ctx.justification_json(j)),
            })).collect::<Vec<_>>(),
            "issues": issues,
            "errors": errs,
        });
        return Ok((json_text(&v)?, 0));
    }
    let mut rows = Vec::new();
    for r in &risks {
        rows.push(vec![
            r.kind.id().to_owned(),
            r.message.clone(),
            ctx.at(r.resource, r.pointer.as_str()),
        ]);
    }
    let mut out = columns(&rows);
    let _ = writeln!(
        out,
        "\n{} risk{}.",
        risks.len(),
        if risks.len() == 1 { "" } else { "s" }
    );
    Ok((out, 0))
}
