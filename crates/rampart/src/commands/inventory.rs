//! `rampart inventory` (in progress).

use std::process::ExitCode;

/// Arguments of `rampart inventory`.
#[derive(clap::Args, Debug)]
pub struct InventoryArgs {}

pub fn run(_args: &InventoryArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("rampart inventory is not implemented yet")
}
