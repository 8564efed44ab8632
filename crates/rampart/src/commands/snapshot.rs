//! `rampart snapshot`: read a cluster once and save everything a scan needs, to scan it offline
//! later (`rampart scan --snapshot FILE`, `rampart inventory --snapshot FILE`).

use std::path::PathBuf;
use std::process::ExitCode;

use super::cluster::{ClusterArgs, ConnectArgs};

/// Arguments of `rampart snapshot`.
#[derive(clap::Args, Debug)]
pub struct SnapshotArgs {
    /// Where to write the snapshot (JSON; zstd-compressed when the name ends in `.zst`).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,

    #[command(flatten)]
    pub connect: ConnectArgs,
}

pub fn run(args: &SnapshotArgs) -> anyhow::Result<ExitCode> {
    let cluster = ClusterArgs {
        cluster: true,
        connect: args.connect.clone(),
        snapshot: None,
    };
    let snapshot = super::cluster::read_snapshot_or_cluster(&cluster)?;
    rampart_cluster::write_snapshot(&args.output, &snapshot)?;
    super::cluster::warn_partial(&snapshot.coverage);
    eprintln!(
        "rampart: wrote {} ({} objects from {} {}, context {:?}; {})",
        args.output.display(),
        snapshot.objects.len(),
        snapshot.server,
        snapshot.server_version,
        snapshot.context,
        snapshot.coverage.summary()
    );
    Ok(super::cluster::exit_code(&snapshot.coverage))
}
