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
    /// Find the known vulnerabilities of the packages in images (and, with --verify-key, the
    /// images without a valid cosign signature), offline, against the index `rampart db import`
    /// builds. Each distinct image (by digest) is read once, and layers shared by several images
    /// once. Findings: `image-vulnerability` (one per package and vulnerability) and
    /// `image-unsigned`. Exit codes as `rampart scan`'s: 2 when an image cannot be read.
    Scan(ScanArgs),
    /// Write the software bill of materials of an image: CycloneDX 1.6 or SPDX 2.3 JSON.
    Sbom(SbomArgs),
}

/// Arguments of `rampart image scan`.
#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// Images: registry references, tarballs (docker archive, OCI layout) or directories.
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<String>,

    /// The vulnerability database directory (built by `rampart db import`).
    #[arg(long, value_name = "DIR")]
    pub db: std::path::PathBuf,

    /// Verify cosign signatures against this public key (cosign.pub) and report the images
    /// without a valid one (`image-unsigned`).
    #[arg(long, value_name = "FILE")]
    pub verify_key: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub registry: RegistryArgs,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = super::scan::Format::Table)]
    pub format: super::scan::Format,

    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<std::path::PathBuf>,

    /// Exit 1 when a finding has at least this severity.
    #[arg(long, value_name = "SEVERITY", default_value_t = rampart_model::Severity::High)]
    pub fail_on: rampart_model::Severity,
}

/// Arguments of `rampart image sbom`.
#[derive(clap::Args, Debug)]
pub struct SbomArgs {
    /// The image: a tarball, a directory or a registry reference.
    pub image: String,

    #[command(flatten)]
    pub registry: RegistryArgs,

    /// Document format.
    #[arg(long, short = 'f', value_enum, default_value_t = SbomFormat::Cyclonedx)]
    pub format: SbomFormat,

    /// Write the document to this file instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<std::path::PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SbomFormat {
    /// CycloneDX 1.6 JSON.
    Cyclonedx,
    /// SPDX 2.3 JSON.
    Spdx,
}

/// Arguments of `rampart image files`.
#[derive(clap::Args, Debug)]
pub struct FilesArgs {
    /// The image: a tarball, a directory or a registry reference.
    pub image: String,

    #[command(flatten)]
    pub registry: RegistryArgs,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = FilesFormat::Text)]
    pub format: FilesFormat,
}

/// How to open images: platform, registry access.
#[derive(clap::Args, Debug, Clone)]
pub struct RegistryArgs {
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
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilesFormat {
    Text,
    Json,
}

pub fn run(args: &ImageArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        ImageCommand::Files(a) => files(a),
        ImageCommand::Scan(a) => scan(a),
        ImageCommand::Sbom(a) => sbom(a),
    }
}

pub fn options(args: &RegistryArgs) -> anyhow::Result<rampart_image::Options> {
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
    let opts = options(&args.registry)?;
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

/// Reads the cosign public key file.
pub fn verify_key(path: &std::path::Path) -> anyhow::Result<rampart_image::CosignKey> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    rampart_image::CosignKey::from_pem(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Opens the vulnerability database.
pub fn open_db(dir: &std::path::Path) -> anyhow::Result<rampart_vuln::Db> {
    rampart_vuln::Db::open(dir).map_err(|e| anyhow::anyhow!("--db {}: {e}", dir.display()))
}

/// One line per image on stderr: what was read and found.
pub fn summarise(outcome: &rampart_imagescan::Outcome) {
    for img in &outcome.images {
        let distro = img
            .distro
            .as_ref()
            .and_then(|d| d.ecosystem())
            .map(|e| format!(", {e}"))
            .unwrap_or_default();
        let signature = match &img.signature {
            Some(rampart_imagescan::Signature::Verified(v)) => {
                format!(", signed ({} signature(s) verified)", v.signatures)
            }
            Some(rampart_imagescan::Signature::Invalid(_)) => ", unsigned".to_string(),
            None => String::new(),
        };
        eprintln!(
            "rampart: image {}{}: {} packages{distro}, {} vulnerabilities{signature}",
            img.image.reference,
            img.image
                .digest
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default(),
            img.packages.len(),
            img.vulnerabilities,
        );
        for e in &img.detect_errors {
            eprintln!("rampart: warning: {}: {e}", img.image.reference);
        }
    }
    if outcome.images.len() > 1 {
        eprintln!(
            "rampart: {} images, {} layers ({} read, {} shared with another image)",
            outcome.images.len(),
            outcome.layers_total,
            outcome.layers_read,
            outcome.layers_total.saturating_sub(outcome.layers_read),
        );
    }
    for e in &outcome.errors {
        eprintln!("rampart: error: {e}");
    }
}

/// The report format of a scan format.
pub fn report_format(f: super::scan::Format) -> rampart_report::Format {
    match f {
        super::scan::Format::Table => rampart_report::Format::Table,
        super::scan::Format::Json => rampart_report::Format::Json,
        super::scan::Format::Sarif => rampart_report::Format::Sarif,
        super::scan::Format::Junit => rampart_report::Format::Junit,
        super::scan::Format::Html => rampart_report::Format::Html,
    }
}

fn scan(args: &ScanArgs) -> anyhow::Result<ExitCode> {
    let db = open_db(&args.db)?;
    let opts = rampart_imagescan::Options {
        image: options(&args.registry)?,
        verify_key: args.verify_key.as_deref().map(verify_key).transpose()?,
    };
    let scanner = rampart_imagescan::Scanner::new(opts, Some(&db));
    let targets = args
        .images
        .iter()
        .map(rampart_imagescan::Target::new)
        .collect();
    let outcome = scanner.scan(targets);
    summarise(&outcome);
    let mut rules: Vec<rampart_model::Meta> = vec![rampart_imagescan::IMAGE_VULNERABILITY.clone()];
    if args.verify_key.is_some() {
        rules.push(rampart_imagescan::IMAGE_UNSIGNED.clone());
    }
    let errors: Vec<_> = outcome.errors.iter().map(|e| e.to_input_error()).collect();
    let n_errors = errors.len();
    let scanned = rampart_report::Scanned {
        files: outcome.images.len(),
        objects: outcome.images.iter().map(|i| i.packages.len()).sum(),
        checks: rules.len(),
    };
    let report =
        rampart_report::Report::new(outcome.findings, errors, scanned, rules, args.fail_on, 0);
    let format = report_format(args.format);
    super::output::with_writer(args.output.as_deref(), |w| {
        rampart_report::write(&report, format, w)
    })?;
    Ok(ExitCode::from(if n_errors > 0 {
        2
    } else if report.summary.failed {
        1
    } else {
        0
    }))
}

fn sbom(args: &SbomArgs) -> anyhow::Result<ExitCode> {
    let opts = rampart_imagescan::Options {
        image: options(&args.registry)?,
        verify_key: None,
    };
    let scanner = rampart_imagescan::Scanner::new(opts, None);
    let outcome = scanner.scan(vec![rampart_imagescan::Target::new(&args.image)]);
    if let Some(e) = outcome.errors.first() {
        anyhow::bail!("{e}");
    }
    let Some(img) = outcome.images.first() else {
        anyhow::bail!("image {}: nothing read", args.image);
    };
    for e in &img.detect_errors {
        eprintln!("rampart: warning: {e}");
    }
    let subject = rampart_packages::sbom::Subject::Image {
        reference: img.image.reference.clone(),
        digest: img.image.digest.clone(),
    };
    let sopts = rampart_packages::sbom::Options::now();
    let text = match args.format {
        SbomFormat::Cyclonedx => {
            rampart_packages::sbom::cyclonedx(&subject, &img.packages, img.distro.as_ref(), &sopts)
        }
        SbomFormat::Spdx => {
            rampart_packages::sbom::spdx(&subject, &img.packages, img.distro.as_ref(), &sopts)
        }
    };
    super::output::write(args.output.as_deref(), &text)?;
    Ok(ExitCode::SUCCESS)
}

/// `rampart scan --images`: scan the images of the workloads found.
#[derive(clap::Args, Debug)]
pub struct WorkloadImagesArgs {
    /// Also scan the images the workloads run (each distinct image once) for known
    /// vulnerabilities; needs --db. Registry credentials: RAMPART_REGISTRY_USERNAME and
    /// RAMPART_REGISTRY_PASSWORD, else docker's config.json.
    #[arg(long, requires = "db")]
    pub images: bool,

    /// The vulnerability database directory (built by `rampart db import`), for --images.
    #[arg(long, value_name = "DIR")]
    pub db: Option<std::path::PathBuf>,

    /// With --images: verify cosign signatures against this public key and report the
    /// workloads whose image has no valid one (`image-unsigned`).
    #[arg(long, value_name = "FILE", requires = "images")]
    pub verify_key: Option<std::path::PathBuf>,

    /// With --images: the platform to take from multi-platform images.
    #[arg(
        long = "image-platform",
        value_name = "OS/ARCH",
        default_value = "linux/amd64"
    )]
    pub platform: String,
}

/// The image checks, added to `rampart scan`'s checks so that `--select`, `--ignore`, the
/// config's `checks:`, severity overrides, waivers and framework terms name them like any other
/// check. Their logic is not in the pipeline: each is an object check that finds nothing; their
/// findings come from [`scan_workload_images`] through [`rampart_scan::Scanner::run_with`].
/// Without --images (image-unsigned: without --verify-key) they are in [`unused_image_checks`].
pub fn workload_image_checks() -> Vec<rampart_checks::Check> {
    fn nothing(_: &rampart_checks::Ctx, _: &mut rampart_checks::Emitter) {}
    rampart_imagescan::metas()
        .iter()
        .map(|m| rampart_checks::Check {
            meta: (*m).clone(),
            run: rampart_checks::Run::Object(nothing),
        })
        .collect()
}

/// The ids of the image checks that this scan does not run (ignored on top of the user's
/// terms, so that they are not reported as checks run).
pub fn unused_image_checks(args: &WorkloadImagesArgs) -> Vec<String> {
    let mut out = Vec::new();
    if !args.images {
        out.push(rampart_imagescan::IMAGE_VULNERABILITY.id.to_string());
    }
    if !args.images || args.verify_key.is_none() {
        out.push(rampart_imagescan::IMAGE_UNSIGNED.id.to_string());
    }
    out
}

/// Scans the images of the workloads in `paths` (and the cluster, when asked), when --images is
/// given and an image check is among the scan's `rules` (the selected checks): the findings,
/// errors and images read, for [`rampart_scan::Scanner::run_with`].
pub fn scan_workload_images(
    args: &WorkloadImagesArgs,
    paths: &[std::path::PathBuf],
    cluster: &super::cluster::ClusterArgs,
    rules: &[rampart_model::Meta],
) -> anyhow::Result<rampart_scan::Extra> {
    if !args.images {
        return Ok(rampart_scan::Extra::default());
    }
    let Some(dir) = &args.db else {
        anyhow::bail!("--images needs --db DIR (built by `rampart db import`)");
    };
    let selected = |m: &rampart_model::Meta| rules.iter().any(|r| r.id == m.id);
    let match_vulns = selected(&rampart_imagescan::IMAGE_VULNERABILITY);
    let verify = args.verify_key.is_some() && selected(&rampart_imagescan::IMAGE_UNSIGNED);
    if !match_vulns && !verify {
        eprintln!("rampart: note: --images: no image check is selected; the images are not read");
        return Ok(rampart_scan::Extra::default());
    }
    let db = if match_vulns {
        Some(open_db(dir)?)
    } else {
        None
    };
    let registry = RegistryArgs {
        platform: args.platform.clone(),
        insecure: false,
        username: None,
        password: None,
        timeout: 30,
    };
    let opts = rampart_imagescan::Options {
        image: options(&registry)?,
        verify_key: if verify {
            args.verify_key.as_deref().map(verify_key).transpose()?
        } else {
            None
        },
    };
    // Input errors are reported by the scan itself.
    let (resources, _) = super::load::load_inputs(paths, cluster)?;
    let targets = rampart_imagescan::targets_from_resources(&resources);
    drop(resources);
    let scanner = rampart_imagescan::Scanner::new(opts, db.as_ref());
    let outcome = scanner.scan(targets);
    summarise(&outcome);
    Ok(rampart_scan::Extra {
        files: outcome.images.len(),
        errors: outcome.errors.iter().map(|e| e.to_input_error()).collect(),
        findings: outcome.findings,
    })
}
