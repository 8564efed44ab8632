//! Lists the packages found in a directory tree, as an image would be read.
//!
//! `cargo run -p rampart_packages --example list -- DIR [--json | --cyclonedx | --spdx]`

use std::path::PathBuf;
use std::process::ExitCode;

use rampart_packages::sbom::{self, Subject};
use rampart_packages::{detect, scan_dir, PackageFilter};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: list DIR [--json | --cyclonedx | --spdx]");
        return ExitCode::from(2);
    };
    let root = PathBuf::from(dir);
    let set = match scan_dir(&root, &PackageFilter) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{dir}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let d = detect(&set);
    for e in &d.errors {
        eprintln!("warning: {e}");
    }
    let subject = Subject::Directory { path: dir.clone() };
    let opts = sbom::Options::now();
    if args.iter().any(|a| a == "--json") {
        match serde_json::to_string_pretty(&d) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    } else if args.iter().any(|a| a == "--cyclonedx") {
        print!(
            "{}",
            sbom::cyclonedx(&subject, &d.packages, d.distro.as_ref(), &opts)
        );
    } else if args.iter().any(|a| a == "--spdx") {
        print!(
            "{}",
            sbom::spdx(&subject, &d.packages, d.distro.as_ref(), &opts)
        );
    } else {
        if let Some(distro) = &d.distro {
            println!(
                "distro: {} {} ({})",
                distro.id,
                distro.version_id.as_deref().unwrap_or("-"),
                distro
                    .ecosystem()
                    .unwrap_or_else(|| "no OSV ecosystem".into())
            );
        }
        let w = |f: &dyn Fn(&rampart_packages::Package) -> usize| {
            d.packages.iter().map(f).max().unwrap_or(0)
        };
        let (we, wn, wv) = (
            w(&|p| p.ecosystem.len()).max(9),
            w(&|p| p.name.len()).max(4),
            w(&|p| p.version.len()).max(7),
        );
        println!(
            "{:we$}  {:wn$}  {:wv$}  PATH",
            "ECOSYSTEM", "NAME", "VERSION"
        );
        for p in &d.packages {
            println!(
                "{:we$}  {:wn$}  {:wv$}  {}",
                p.ecosystem, p.name, p.version, p.path
            );
        }
        println!("{} packages, {} errors", d.packages.len(), d.errors.len());
    }
    ExitCode::SUCCESS
}
