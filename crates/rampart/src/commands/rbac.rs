//! `rampart rbac` (in progress).

use std::process::ExitCode;

/// Arguments of `rampart rbac`.
#[derive(clap::Args, Debug)]
pub struct RbacArgs {}

pub fn run(_args: &RbacArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("rampart rbac is not implemented yet")
}
