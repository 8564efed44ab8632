//! `rampart pss`: Pod Security Standards evaluation, exactly as pod-security-admission.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `rampart pss`.
#[derive(clap::Args, Debug)]
pub struct PssArgs {
    /// Files, directories, or `-` for stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

pub fn run(_args: &PssArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("rampart pss is not implemented yet")
}
