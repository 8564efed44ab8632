//! `rampart webhook manifest`: the objects that install rampart as a validating admission
//! webhook (see `rampart_admission::manifest` for what is generated and why).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use rampart_admission::manifest::{self, FailurePolicy, ManifestOptions};

/// Arguments of `rampart webhook`.
#[derive(clap::Args, Debug)]
pub struct WebhookArgs {
    #[command(subcommand)]
    pub command: WebhookCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum WebhookCommand {
    /// Print the ValidatingWebhookConfiguration, Service, Deployment, ServiceAccount and a
    /// least-privilege ClusterRole (it grants nothing: the webhook reads nothing from the API
    /// server; with --admission-cluster, get/list/watch on the types it caches) for rampart in
    /// the cluster; with --url and --ca-file, only the
    /// ValidatingWebhookConfiguration for a server at that URL. Pipe into `kubectl apply -f -`.
    Manifest(ManifestArgs),
}

/// Arguments of `rampart webhook manifest`.
#[derive(clap::Args, Debug)]
pub struct ManifestArgs {
    /// The webhook server's URL (https://HOST:PORT/validate), for a server outside the cluster:
    /// only the ValidatingWebhookConfiguration is printed.
    #[arg(long, requires = "ca_file")]
    pub url: Option<String>,

    /// PEM file of the CA that signed the server's certificate (its caBundle). Required with
    /// --url; in the cluster, without it the caBundle is left for a CA injector to fill.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,

    /// What the API server does when the webhook cannot answer (down, timeout): Fail refuses
    /// the request, Ignore admits it.
    #[arg(long, value_enum, default_value_t = Failure::Fail)]
    pub failure_policy: Failure,

    /// Seconds the API server waits for a verdict (1 to 30).
    #[arg(long, default_value_t = 5)]
    pub timeout_seconds: u32,

    /// Namespaces never sent to the webhook (repeatable) [default: kube-system, kube-public,
    /// kube-node-lease; rampart's own namespace is always added in the cluster].
    #[arg(long = "exclude-namespace", value_name = "NAME")]
    pub exclude_namespaces: Vec<String>,

    /// Send only namespaces with this label (KEY=VALUE, repeatable).
    #[arg(long = "namespace-label", value_name = "KEY=VALUE", value_parser = parse_label)]
    pub namespace_labels: Vec<(String, String)>,

    /// Name of the objects.
    #[arg(long, default_value = "rampart")]
    pub name: String,

    /// Namespace of the in-cluster objects.
    #[arg(long, short = 'n', default_value = "rampart-system")]
    pub namespace: String,

    /// Container image of the Deployment.
    #[arg(long, default_value = "ghcr.io/rampart/rampart:latest")]
    pub image: String,

    /// The server judges with a watch-fed cache of the cluster (`serve --admission-cluster`):
    /// the ClusterRole grants get, list and watch on the types it watches (no Secrets).
    #[arg(long)]
    pub admission_cluster: bool,

    /// The server also reads policies from the cluster (`serve --policies-from-cluster`):
    /// ConstraintTemplates, constraints, ValidatingAdmissionPolicies and bindings are added to
    /// the ClusterRole. Implies --admission-cluster.
    #[arg(long)]
    pub policies_from_cluster: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    #[value(name = "Fail")]
    Fail,
    #[value(name = "Ignore")]
    Ignore,
}

fn parse_label(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("expected KEY=VALUE, found `{s}`"))
}

pub fn run(args: &WebhookArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        WebhookCommand::Manifest(m) => manifest_cmd(m),
    }
}

fn manifest_cmd(a: &ManifestArgs) -> anyhow::Result<ExitCode> {
    let ca_pem = a
        .ca_file
        .as_ref()
        .map(|p| std::fs::read(p).with_context(|| format!("{}: cannot read", p.display())))
        .transpose()?;
    if let Some(pem) = &ca_pem {
        if !String::from_utf8_lossy(pem).contains("-----BEGIN CERTIFICATE-----") {
            anyhow::bail!(
                "{}: not a PEM certificate (no BEGIN CERTIFICATE line)",
                a.ca_file
                    .as_deref()
                    .unwrap_or(std::path::Path::new(""))
                    .display()
            );
        }
    }
    let defaults = ManifestOptions::default();
    let opts = ManifestOptions {
        name: a.name.clone(),
        namespace: a.namespace.clone(),
        image: a.image.clone(),
        failure_policy: match a.failure_policy {
            Failure::Fail => FailurePolicy::Fail,
            Failure::Ignore => FailurePolicy::Ignore,
        },
        timeout_seconds: a.timeout_seconds,
        exclude_namespaces: if a.exclude_namespaces.is_empty() {
            defaults.exclude_namespaces.clone()
        } else {
            a.exclude_namespaces.clone()
        },
        namespace_labels: a.namespace_labels.clone(),
        url: a.url.clone(),
        ca_pem,
        cluster: (a.admission_cluster || a.policies_from_cluster).then(|| {
            use rampart_cluster::watch::{POLICY_TYPES, WATCHED};
            let mut resources: Vec<(String, String)> = WATCHED
                .iter()
                .map(|t| (t.group.to_owned(), t.resource.to_owned()))
                .collect();
            if a.policies_from_cluster {
                resources.extend(
                    POLICY_TYPES
                        .iter()
                        .map(|t| (t.group.to_owned(), t.resource.to_owned())),
                );
                resources.push(("constraints.gatekeeper.sh".into(), "*".into()));
            }
            manifest::ClusterAccess {
                resources,
                policies_from_cluster: a.policies_from_cluster,
            }
        }),
        ..defaults
    };
    let objects = manifest::objects(&opts).map_err(anyhow::Error::msg)?;
    print!("{}", manifest::render(&objects));
    Ok(ExitCode::SUCCESS)
}
