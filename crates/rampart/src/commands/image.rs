//! `rampart image`: reading container images (docker archives, OCI layouts, registries) without
//! extracting them. Glue only: rampart_image does the work.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use rampart_model::files::KeepAll;

/// Arguments of `rampart image`.
#[derive(clap::Args, Debug)]
pub struct ImageArgs {
    #[command(subcommand)]
    pub command: ImageCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum ImageCommand {
    /// List the files of an image after its layers are applied (whiteouts and opaque
    /// directories honoured): path and size, symbolic links with their targets.
    ///
    /// IMAGE is a docker archive or OCI layout (tar or directory; `oci:PATH[:NAME]`,
    /// `docker-archive:PATH[:TAG]`), or a registry reference (`registry:5000/app:tag`,
    /// `docker://...`). Credentials: --username/--password, or RAMPART_REGISTRY_USERNAME and
    /// RAMPART_REGISTRY_PASSWORD, else the registry's `auth` in docker's config.json.
    Files(FilesArgs),
}

/// Arguments of `rampart image files`.
#[derive(clap::Args, Debug)]
pub struct FilesArgs {
    /// The image: a tarball, a directory or a registry reference.
    pub image: String,

    /// The platform to take from a multi-platform index: os/arch[/variant].
    #[arg(long, default_value = "linux/amd64")]
    pub platform: String,

    /// Allow plain http to a registry that is not on 127.0.0.0/8.
    #[arg(long)]
    pub insecure: bool,

    /// Registry user name (or RAMPART_REGISTRY_USERNAME).
    #[arg(long)]
    pub username: Option<String>,

    /// Registry password (or RAMPART_REGISTRY_PASSWORD).
    #[arg(long)]
    pub password: Option<String>,

    /// Timeout of each registry wait, in seconds.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = FilesFormat::Text)]
    pub format: FilesFormat,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilesFormat {
    Text,
    Json,
}

pub fn run(args: &ImageArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        ImageCommand::Files(a) => files(a),
    }
}

fn options(args: &FilesArgs) -> anyhow::Result<rampart_image::Options> {
    let platform = args.platform.parse().map_err(anyhow::Error::msg)?;
    let username = args
        .username
        .clone()
        .or_else(|| std::env::var("RAMPART_REGISTRY_USERNAME").ok());
    let password = args
        .password
        .clone()
        .or_else(|| std::env::var("RAMPART_REGISTRY_PASSWORD").ok());
    let credentials = match (username, password) {
        (Some(username), Some(password)) => Some(rampart_image::Credentials { username, password }),
        (None, None) => None,
        _ => anyhow::bail!("give both a registry user name and a password, or neither"),
    };
    Ok(rampart_image::Options {
        platform,
        insecure: args.insecure,
        credentials,
        timeout: Duration::from_secs(args.timeout.max(1)),
    })
}

fn files(args: &FilesArgs) -> anyhow::Result<ExitCode> {
    let opts = options(args)?;
    let image = rampart_image::open(&args.image, &opts)?;
    let out = image.files(&KeepAll)?;
    for note in &out.notes {
        eprintln!("rampart: note: {note}");
    }
    let mut stdout = std::io::stdout().lock();
    match args.format {
        FilesFormat::Json => {
            let files: Vec<serde_json::Value> = out
                .files
                .files
                .iter()
                .map(|(p, b)| serde_json::json!({"path": p, "size": b.len()}))
                .collect();
            let doc = serde_json::json!({
                "image": out.image,
                "configDigest": out.config_digest,
                "config": out.config,
                "layers": out.layers,
                "files": files,
                "symlinks": out.files.symlinks,
            });
            writeln!(stdout, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        FilesFormat::Text => {
            writeln!(stdout, "image:    {}", out.image.reference)?;
            if let Some(d) = &out.image.digest {
                writeln!(stdout, "digest:   {d}")?;
            }
            let c = &out.config;
            let variant = c
                .variant
                .as_deref()
                .map(|v| format!("/{v}"))
                .unwrap_or_default();
            writeln!(stdout, "platform: {}/{}{variant}", c.os, c.architecture)?;
            writeln!(stdout, "layers:   {}", out.layers.len())?;
            let mut rows: Vec<(String, String)> = out
                .files
                .files
                .iter()
                .map(|(p, b)| (p.clone(), b.len().to_string()))
                .chain(
                    out.files
                        .symlinks
                        .iter()
                        .map(|(p, t)| (format!("{p} -> {t}"), "link".to_string())),
                )
                .collect();
            rows.sort();
            for (path, size) in rows {
                writeln!(stdout, "{size:>10}  {path}")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
