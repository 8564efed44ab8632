//! `rampart snapshot` (in progress).

use std::process::ExitCode;

/// Arguments of `rampart snapshot`.
#[derive(clap::Args, Debug)]
pub struct SnapshotArgs {}

pub fn run(_args: &SnapshotArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("rampart snapshot is not implemented yet")
}
