//! `rampart netpol` (in progress).

use std::process::ExitCode;

/// Arguments of `rampart netpol`.
#[derive(clap::Args, Debug)]
pub struct NetpolArgs {}

pub fn run(_args: &NetpolArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("rampart netpol is not implemented yet")
}
