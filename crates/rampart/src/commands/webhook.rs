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
    /// server) for rampart in the cluster; with --url and --ca-file, only the
    /// ValidatingWebhookConfiguration for a server at that URL. Pipe into `kubectl apply -f -`.
    Manifest(ManifestArgs),
    /// Serve the admission webhook over HTTPS: POST /validate (AdmissionReview v1), /healthz,
    /// /readyz, /metrics. Judged by the built-in object checks and the user policies with the
    /// config's selection, severities, waivers and `admission:` section (see docs/admission.md).
    /// A stand-in for `rampart serve --admission` until `rampart serve` is merged.
    Serve(ServeArgs),
}

/// Arguments of `rampart webhook serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (HOST:PORT).
    #[arg(long, value_name = "ADDR")]
    pub admission: String,

    /// PEM certificate chain of the server.
    #[arg(long, value_name = "FILE")]
    pub tls_cert: PathBuf,

    /// PEM private key of the server.
    #[arg(long, value_name = "FILE")]
    pub tls_key: PathBuf,

    /// Config file (.rampart.yaml: selection, severities, waivers, fail-on, admission).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// User policies (repeatable; files or directories).
    #[arg(long = "policy", value_name = "PATH")]
    pub policies: Vec<PathBuf>,

    /// Run only these checks (ids, categories, `framework:NAME`; comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "TERMS")]
    pub select: Vec<String>,

    /// Skip these checks (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "TERMS")]
    pub ignore: Vec<String>,

    /// Largest AdmissionReview body accepted, in bytes (larger: 400).
    #[arg(long, default_value_t = rampart_admission::DEFAULT_MAX_BODY)]
    pub max_body: usize,
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
        WebhookCommand::Serve(s) => serve_cmd(s),
    }
}

fn serve_cmd(a: &ServeArgs) -> anyhow::Result<ExitCode> {
    let admission = rampart_admission::Admission::new(rampart_admission::AdmissionOptions {
        config: a.config.clone(),
        policies: a.policies.clone(),
        select: a.select.clone(),
        ignore: a.ignore.clone(),
        kubernetes_version: None,
        max_body: Some(a.max_body),
    })?;
    super::admission_server::serve(&a.admission, &a.tls_cert, &a.tls_key, admission)?;
    Ok(ExitCode::SUCCESS)
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
        ..defaults
    };
    let objects = manifest::objects(&opts).map_err(anyhow::Error::msg)?;
    print!("{}", manifest::render(&objects));
    Ok(ExitCode::SUCCESS)
}
