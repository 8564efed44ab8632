//! `rampart netpol`: NetworkPolicy reachability.
//!
//! `matrix` prints every allowed connection between pod groups (workloads with the same namespace,
//! labels and named ports) and external address ranges; `explain` says why one connection is
//! allowed or denied, naming every policy and rule (with file:line) that decided it. The analysis
//! is `rampart_netpol`, the renderings `rampart_report::netpol`; this is glue.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rampart_model::{InputError, Resource};
use rampart_netpol::{Analysis, Options, Protocol};
use rampart_report::netpol as render;

/// Arguments of `rampart netpol`.
#[derive(clap::Args, Debug)]
pub struct NetpolArgs {
    #[command(subcommand)]
    pub command: NetpolCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum NetpolCommand {
    /// Every allowed connection: `SRC => DST : PROTO/PORTS`.
    Matrix(MatrixArgs),
    /// Why one connection is allowed or denied.
    Explain(ExplainArgs),
}

/// Options shared by both subcommands.
#[derive(clap::Args, Debug)]
pub struct InputArgs {
    /// Files, directories (searched recursively for *.yaml, *.yml, *.json), or `-` for stdin;
    /// not needed with --cluster or --snapshot.
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub cluster: super::cluster::ClusterArgs,

    /// The namespace of objects that name none.
    #[arg(long, value_name = "NS", default_value = "default")]
    pub default_namespace: String,

    /// Write the output to this file instead of stdout.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct MatrixArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = MatrixFormat::Lines)]
    pub format: MatrixFormat,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatrixFormat {
    Lines,
    Table,
    Json,
    Dot,
}

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Source: Kind/namespace/name, namespace/name, or an IP address (or CIDR) outside the cluster.
    #[arg(long, value_name = "SRC")]
    pub from: String,

    /// Destination, in the same forms as --from.
    #[arg(long, value_name = "DST")]
    pub to: String,

    /// A port such as 443/TCP, 53/UDP or 8080 (TCP); without it: any port.
    #[arg(long, value_name = "PORT/PROTO", value_parser = parse_port)]
    pub port: Option<(Protocol, u16)>,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExplainFormat {
    Text,
    Json,
}

fn parse_port(s: &str) -> Result<(Protocol, u16), String> {
    let (num, proto) = s.split_once('/').unwrap_or((s, "TCP"));
    let n: u16 = num
        .trim()
        .parse()
        .ok()
        .filter(|&n| n >= 1)
        .ok_or_else(|| format!("`{num}` is not a port number from 1 to 65535"))?;
    Ok((proto.trim().parse()?, n))
}

pub fn run(args: &NetpolArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        NetpolCommand::Matrix(a) => matrix(a),
        NetpolCommand::Explain(a) => explain(a),
    }
}

/// Loads the inputs and analyses them; input errors include invalid policy fields.
fn analyse(input: &InputArgs) -> anyhow::Result<(Vec<Resource>, Analysis, Vec<InputError>)> {
    let (resources, mut errors) = super::load::load_inputs(&input.paths, &input.cluster)?;
    let analysis = Analysis::new(
        &resources,
        &Options {
            default_namespace: input.default_namespace.clone(),
        },
    );
    for d in analysis.diagnostics() {
        let res = &resources[d.resource];
        let path = res.origin.path().unwrap_or(Path::new("-"));
        let message = format!("{}: {}", d.object.display_name(), d.message);
        errors.push(match res.locate(d.pointer.as_str()) {
            Some(pos) => InputError::at(path, pos, message),
            None => InputError::file(path, message),
        });
    }
    Ok((resources, analysis, errors))
}

fn finish(errors: &[InputError]) -> ExitCode {
    for e in errors {
        eprintln!("rampart netpol: {e}");
    }
    ExitCode::from(if errors.is_empty() { 0 } else { 2 })
}

fn matrix(args: &MatrixArgs) -> anyhow::Result<ExitCode> {
    let (_, analysis, errors) = analyse(&args.input)?;
    let m = analysis.matrix();
    let text = match args.format {
        MatrixFormat::Lines => render::matrix_lines(&m),
        MatrixFormat::Table => render::matrix_table(&m),
        MatrixFormat::Dot => render::matrix_dot(&m),
        MatrixFormat::Json => render::matrix_json(&m, &errors)?,
    };
    super::output::write(args.input.output.as_deref(), &text)?;
    Ok(finish(&errors))
}

fn explain(args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let (resources, analysis, errors) = analyse(&args.input)?;
    let from = analysis.find(&args.from);
    let to = analysis.find(&args.to);
    let (from, to) = match (from, to) {
        (Ok(f), Ok(t)) => (f, t),
        (f, t) => {
            for e in [f.err(), t.err()].into_iter().flatten() {
                eprintln!("rampart netpol: error: {e}");
            }
            finish(&errors);
            return Ok(ExitCode::from(2));
        }
    };
    let e = analysis.explain(&from, &to, args.port);
    let text = match args.format {
        ExplainFormat::Json => render::explain_json(&e, &errors)?,
        ExplainFormat::Text => render::explain_text(&e, &resources),
    };
    super::output::write(args.input.output.as_deref(), &text)?;
    Ok(finish(&errors))
}
