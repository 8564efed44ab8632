//! `rampart policy`: user policies' unit tests (`policy test`, gator's Suite format).

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `rampart policy`.
#[derive(clap::Args, Debug)]
pub struct PolicyArgs {
    #[command(subcommand)]
    pub command: PolicyCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum PolicyCommand {
    /// Run policy unit tests: every `kind: Suite` file under the paths (the format of
    /// Gatekeeper's `gator verify`: template, constraint, and cases with an object, optional
    /// inventory, and assertions on the number of violations and their messages).
    ///
    /// Exit codes: 0 every case passed, 1 a case failed, 2 no suite found or bad usage.
    Test(TestArgs),
}

/// Arguments of `rampart policy test`.
#[derive(clap::Args, Debug)]
pub struct TestArgs {
    /// Suite files or directories searched recursively for them.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,

    /// Print every case, not only the failures.
    #[arg(long, short = 'v')]
    pub verbose: bool,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = TestFormat::Text)]
    pub format: TestFormat,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestFormat {
    Text,
    Json,
}

pub fn run(args: &PolicyArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        PolicyCommand::Test(t) => test(t),
    }
}

fn test(args: &TestArgs) -> anyhow::Result<ExitCode> {
    let mut report = rampart_policy::suite::Report::default();
    for p in &args.paths {
        if !p.exists() {
            anyhow::bail!("{}: no such file or directory", p.display());
        }
        report.extend(rampart_policy::suite::run(p));
    }
    if report.suites == 0 {
        anyhow::bail!(
            "no test suite (a YAML file with `kind: Suite`) under {}",
            args.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    match args.format {
        TestFormat::Text => print!("{}", report.render(args.verbose)),
        TestFormat::Json => {
            let mut s = serde_json::to_string_pretty(&report.to_json())?;
            s.push('\n');
            print!("{s}");
        }
    }
    Ok(ExitCode::from(if report.failed() > 0 { 1 } else { 0 }))
}
