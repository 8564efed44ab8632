//! `rampart node` and `rampart benchmark cis`: the CIS Kubernetes Benchmark on a live node, a
//! prepared root tree or configuration files. Reading and judging are `rampart_node`, the
//! renderings `rampart_report::benchmark`; this is glue.
//!
//! Exit codes: 0 no failure at or above --fail-on, 1 failures, 2 input errors.

use std::path::PathBuf;
use std::process::ExitCode;

use rampart_model::Severity;
use rampart_node::{read_files, read_node, NodeOptions};

/// Arguments of `rampart node`.
#[derive(clap::Args, Debug)]
pub struct NodeArgs {
    /// The root of the node's file system: processes are read from ROOT/proc and every path a
    /// component names is looked up under ROOT (a prepared tree in tests).
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub root: PathBuf,

    /// Only these processes (when several control planes run on one host).
    #[arg(long = "pid", value_name = "PID")]
    pub pids: Vec<u32>,

    #[command(flatten)]
    pub out: OutputArgs,
}

/// How results are written.
#[derive(clap::Args, Debug)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,

    /// Exit 1 when a failed item has at least this severity.
    #[arg(long, value_name = "SEVERITY", default_value_t = Severity::Low)]
    pub fail_on: Severity,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Sarif,
    Junit,
}

/// Arguments of `rampart benchmark`.
#[derive(clap::Args, Debug)]
pub struct BenchmarkArgs {
    #[command(subcommand)]
    pub command: BenchmarkCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum BenchmarkCommand {
    /// The CIS Kubernetes Benchmark (1.12), sections 1-4: control plane, etcd, audit and
    /// encryption configuration, and the kubelet.
    ///
    /// With --node, the node rampart runs on (as `rampart node`); with --root DIR, a prepared
    /// tree; with PATH..., configuration files and directories: static pod manifests,
    /// KubeletConfiguration, KubeProxyConfiguration, EncryptionConfiguration, audit Policy,
    /// AdmissionConfiguration, kubeadm ClusterConfiguration (told apart by their kind). A
    /// ClusterConfiguration stands for the control-plane components no static pod manifest given
    /// defines: kubeadm's flags with its extraArgs (v1beta3 map or v1beta4 list) over them; a
    /// manifest given alongside wins for its component. Components that are not found are N/A.
    Cis(CisArgs),
}

#[derive(clap::Args, Debug)]
pub struct CisArgs {
    /// Files or directories of configuration (searched recursively for *.yaml, *.yml, *.json).
    #[arg(conflicts_with = "node")]
    pub paths: Vec<PathBuf>,

    /// Read the node rampart runs on (processes from /proc).
    #[arg(long)]
    pub node: bool,

    /// A prepared root tree; with PATH..., the root the files named by flags are looked up under.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,

    #[command(flatten)]
    pub out: OutputArgs,
}

pub fn run_node(args: &NodeArgs) -> anyhow::Result<ExitCode> {
    let opts = NodeOptions {
        root: args.root.clone(),
        pids: args.pids.clone(),
        no_processes: false,
    };
    check_root(&args.root)?;
    let node = read_node(&opts);
    finish(&node, args.root.display().to_string(), &args.out)
}

pub fn run_benchmark(args: &BenchmarkArgs) -> anyhow::Result<ExitCode> {
    let BenchmarkCommand::Cis(a) = &args.command;
    let root = a.root.clone().unwrap_or_else(|| PathBuf::from("/"));
    check_root(&root)?;
    if a.paths.is_empty() {
        if !a.node && a.root.is_none() {
            anyhow::bail!("say what to read: --node, --root DIR or PATH... (see --help)");
        }
        let node = read_node(&NodeOptions {
            root: root.clone(),
            pids: Vec::new(),
            no_processes: false,
        });
        return finish(&node, root.display().to_string(), &a.out);
    }
    let node = read_files(&a.paths, &root);
    let target = a
        .paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    finish(&node, target, &a.out)
}

fn check_root(root: &std::path::Path) -> anyhow::Result<()> {
    match std::fs::metadata(root) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => anyhow::bail!("--root {}: not a directory", root.display()),
        Err(e) => anyhow::bail!("--root {}: {e}", root.display()),
    }
}

fn finish(node: &rampart_node::Node, target: String, out: &OutputArgs) -> anyhow::Result<ExitCode> {
    let run = rampart_node::run(node, target);
    let report = rampart_report::benchmark::report(&run, out.fail_on);
    match out.format {
        Format::Table => super::output::write(
            out.output.as_deref(),
            &rampart_report::benchmark::table(&run),
        )?,
        Format::Json => super::output::write(
            out.output.as_deref(),
            &rampart_report::benchmark::json(&run)?,
        )?,
        Format::Sarif => super::output::with_writer(out.output.as_deref(), |w| {
            rampart_report::write(&report, rampart_report::Format::Sarif, w)
        })?,
        Format::Junit => super::output::with_writer(out.output.as_deref(), |w| {
            rampart_report::write(&report, rampart_report::Format::Junit, w)
        })?,
    }
    if out.output.is_some() || out.format != Format::Table {
        for e in &run.errors {
            eprintln!("rampart: error: {e}");
        }
    }
    Ok(ExitCode::from(report.exit_code()))
}
