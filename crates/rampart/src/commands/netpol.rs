//! `rampart netpol`: NetworkPolicy reachability.
//!
//! `matrix` prints every allowed connection between pod groups (workloads with the same namespace,
//! labels and named ports) and external address ranges; `explain` says why one connection is
//! allowed or denied, naming every policy and rule (with file:line) that decided it. The analysis
//! is `rampart_netpol`; this is glue.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rampart_model::{InputError, Resource};
use rampart_netpol::{Analysis, Endpoint, Explanation, Matrix, Options, Protocol, Side, Subject};
use serde::Serialize;

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
        MatrixFormat::Lines => lines(&m),
        MatrixFormat::Table => table(&m),
        MatrixFormat::Dot => dot(&m),
        MatrixFormat::Json => {
            let mut s = serde_json::to_string_pretty(&MatrixJson::new(&m, &errors))?;
            s.push('\n');
            s
        }
    };
    super::output::write(args.input.output.as_deref(), &text)?;
    Ok(finish(&errors))
}

fn lines(m: &Matrix) -> String {
    let names: Vec<String> = m.endpoints().iter().map(Endpoint::label).collect();
    let mut out = String::new();
    for e in m.edges() {
        let _ = writeln!(out, "{} => {} : {}", names[e.src], names[e.dst], e.ports);
    }
    out
}

fn table(m: &Matrix) -> String {
    let names: Vec<String> = m.endpoints().iter().map(Endpoint::label).collect();
    let mut out = String::new();
    let mut current = None;
    let mut count = 0usize;
    for e in m.edges() {
        if current != Some(e.src) {
            current = Some(e.src);
            let _ = writeln!(out, "{}", names[e.src]);
        }
        let _ = writeln!(out, "    -> {:<60}  {}", names[e.dst], e.ports);
        count += 1;
    }
    let _ = writeln!(
        out,
        "\n{} pod groups, {} external ranges, {count} allowed connections",
        m.pod_groups(),
        m.endpoints().len() - m.pod_groups()
    );
    out
}

fn dot(m: &Matrix) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"?\"".into());
    let mut out = String::from("digraph netpol {\n  rankdir=LR;\n  node [shape=box];\n");
    for (i, ep) in m.endpoints().iter().enumerate() {
        let shape = match ep {
            Endpoint::Pods(_) => "box",
            Endpoint::External(_) => "ellipse",
        };
        let _ = writeln!(out, "  n{i} [label={}, shape={shape}];", q(&ep.label()));
    }
    for e in m.edges() {
        let _ = writeln!(
            out,
            "  n{} -> n{} [label={}];",
            e.src,
            e.dst,
            q(&e.ports.to_string())
        );
    }
    out.push_str("}\n");
    out
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MatrixJson<'a> {
    schema_version: u32,
    endpoints: &'a [Endpoint],
    connections: Vec<ConnectionJson<'a>>,
    errors: &'a [InputError],
}

#[derive(Serialize)]
struct ConnectionJson<'a> {
    from: usize,
    to: usize,
    ports: &'a rampart_netpol::PortSet,
}

impl<'a> MatrixJson<'a> {
    fn new(m: &'a Matrix, errors: &'a [InputError]) -> Self {
        MatrixJson {
            schema_version: 1,
            endpoints: m.endpoints(),
            connections: m
                .edges()
                .map(|e| ConnectionJson {
                    from: e.src,
                    to: e.dst,
                    ports: e.ports,
                })
                .collect(),
            errors,
        }
    }
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
        ExplainFormat::Json => {
            #[derive(Serialize)]
            #[serde(rename_all = "camelCase")]
            struct Doc<'a> {
                schema_version: u32,
                #[serde(flatten)]
                explanation: &'a Explanation,
                errors: &'a [InputError],
            }
            let mut s = serde_json::to_string_pretty(&Doc {
                schema_version: 1,
                explanation: &e,
                errors: &errors,
            })?;
            s.push('\n');
            s
        }
        ExplainFormat::Text => explain_text(&e, &resources),
    };
    super::output::write(args.input.output.as_deref(), &text)?;
    Ok(finish(&errors))
}

/// `file:line` of a subject's field.
fn place(resources: &[Resource], s: &Subject, pointer: &str) -> String {
    let res = &resources[s.resource];
    let path = res
        .origin
        .path()
        .map_or_else(|| "-".to_string(), |p| p.display().to_string());
    match res.locate(pointer) {
        Some(pos) => format!("{path}:{}", pos.line),
        None => path,
    }
}

fn explain_text(e: &Explanation, resources: &[Resource]) -> String {
    let mut out = String::new();
    let port = e.port.as_deref().unwrap_or("any port");
    let verdict = if e.allowed { "ALLOWED" } else { "DENIED" };
    let _ = writeln!(out, "{verdict}  {} -> {}  ({port})", e.from, e.to);
    let _ = writeln!(out, "allowed ports: {}", e.allowed_ports);
    for side in [&e.egress, &e.ingress] {
        let _ = writeln!(out);
        side_text(&mut out, side, resources);
    }
    out
}

fn side_text(out: &mut String, side: &Side, resources: &[Resource]) {
    let dir = side.direction;
    if !side.governed {
        let _ = writeln!(
            out,
            "{dir} of {}: an external address, no NetworkPolicy applies: allowed",
            side.endpoint
        );
        return;
    }
    let verdict = if side.allowed { "allowed" } else { "denied" };
    if !side.isolated {
        let _ = writeln!(
            out,
            "{dir} of {}: not isolated (no policy selecting it has {dir} in policyTypes): {verdict}",
            side.endpoint
        );
    } else {
        let _ = writeln!(
            out,
            "{dir} of {}: isolated; allowed ports {}: {verdict}",
            side.endpoint, side.allowed_ports
        );
    }
    for pv in &side.policies {
        let p = &pv.policy;
        let how = match (pv.isolates, pv.types_given) {
            (true, true) => format!("isolates {dir}"),
            (true, false) => format!("isolates {dir} (policyTypes defaulted)"),
            (false, true) => format!("does not isolate {dir} (policyTypes)"),
            (false, false) => format!("does not isolate {dir} (policyTypes defaulted)"),
        };
        let _ = writeln!(
            out,
            "  NetworkPolicy {}/{}  {how}  [{}]",
            p.object.namespace.as_deref().unwrap_or("-"),
            p.object.name,
            place(resources, p, p.pointer.as_str())
        );
        if pv.isolates && pv.rules.is_empty() {
            let _ = writeln!(out, "    no {dir} rules: allows nothing");
        }
        for r in &pv.rules {
            let what = match (&r.peer, r.matched) {
                (None, _) => "peer does not match".to_string(),
                (Some(peer), true) => format!("{peer} matches, port matches: ALLOWS"),
                (Some(peer), false) => format!("{peer} matches, port does not"),
            };
            let at = r
                .port_pointer
                .as_ref()
                .filter(|_| r.matched)
                .or(r.peer_pointer.as_ref())
                .unwrap_or(&r.pointer);
            let _ = writeln!(
                out,
                "    {dir}[{}] ports {}: {what}  [{}]",
                r.index,
                r.ports,
                place(resources, p, at.as_str())
            );
        }
    }
}
