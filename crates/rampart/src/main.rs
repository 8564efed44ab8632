//! rampart: finds and explains Kubernetes security misconfigurations.

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

// mimalloc: allocation dominates YAML loading; it is markedly faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its place in `mi_option_t`, mimalloc 3; the Rust binding
/// names no constant for it): how long freed memory stays committed before it goes back to the
/// OS. Its default, 1000 ms, is longer than most scans, so memory freed between phases (each
/// file's parse, the findings already written) was still counted at the peak.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
/// mimalloc 3's default for that option, to recognise it.
const MI_PURGE_DELAY_DEFAULT_MS: std::ffi::c_long = 1000;
/// What rampart uses instead: measured on the 100k-object benchmark, 10 ms returns memory about
/// as well as 0 (peak RSS 470 MB against 540 MB with the default) without its system-call cost.
const PURGE_DELAY_MS: std::ffi::c_long = 10;

/// Lowers mimalloc's purge delay, unless the user set `MIMALLOC_PURGE_DELAY` (or the option is
/// not the one expected, as after an upgrade of mimalloc that renumbered it).
fn return_freed_memory_promptly() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: `mi_option_get` and `mi_option_set` read and write one entry of mimalloc's option
    // table, which is initialised at process start and safe to use from any thread; the index
    // is within the table (mimalloc 3 has more than 30 options).
    #[allow(unsafe_code)]
    unsafe {
        if libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) == MI_PURGE_DELAY_DEFAULT_MS {
            libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS);
        }
    }
}

/// Kubernetes security posture: scan manifests for misconfigurations, evaluate Pod Security
/// Standards, and explain every finding.
///
/// Exit codes: 0 no findings at or above --fail-on, 1 findings, 2 error (bad input or usage).
#[derive(Parser, Debug)]
#[command(name = "rampart", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Scan manifests (files, directories, `-` for stdin) for misconfigurations.
    Scan(Box<commands::scan::ScanArgs>),
    /// Evaluate Pod Security Standards exactly as the pod-security-admission controller does.
    Pss(commands::pss::PssArgs),
    /// List the built-in checks.
    Checks(commands::checks::ChecksArgs),
    /// Explain one check: why it matters, how to fix it, framework mappings.
    Explain(commands::checks::ExplainArgs),
    /// RBAC: effective permissions, who can do what, privilege-escalation paths.
    Rbac(commands::rbac::RbacArgs),
    /// Network policies: reachability matrix and explanations.
    Netpol(commands::netpol::NetpolArgs),
    /// Inventory of a cluster, a snapshot or manifests: versions, nodes, workloads, images, RBAC.
    Inventory(commands::inventory::InventoryArgs),
    /// Save everything a cluster scan reads to a file, to scan it later offline.
    Snapshot(commands::snapshot::SnapshotArgs),
    /// The CIS Kubernetes Benchmark on this node: running components from /proc, their static
    /// pod manifests, kubelet configuration, files and permissions.
    Node(commands::node::NodeArgs),
    /// Benchmarks: `benchmark cis [--node | --root DIR | PATH...]`.
    Benchmark(commands::node::BenchmarkArgs),
    /// Threat detection over API-server audit events.
    Audit(commands::audit::AuditArgs),
    /// User policies: run their unit tests (`policy test`).
    Policy(commands::policy::PolicyArgs),
    /// Run the server: the API server's audit webhook (`--audit-webhook ADDR`) and the
    /// admission webhook (`--admission ADDR`), over HTTPS
    /// with /healthz, /readyz and /metrics.
    Serve(Box<commands::serve::ServeArgs>),
    /// Admission webhook: `webhook manifest` prints what installs it.
    Webhook(commands::webhook::WebhookArgs),
    /// Compliance frameworks (CIS, NSA/CISA, NIST 800-190, PSS, MITRE ATT&CK, SOC 2, PCI DSS,
    /// HIPAA) judged over a scan: `report --framework ID [REPORT.json | PATH...]`.
    Report(commands::report::ReportArgs),
    /// Rewrite manifests to fix findings, keeping comments and formatting (see docs/fix.md).
    Fix(commands::fix::FixArgs),
    /// The local vulnerability database: import OSV records (directories, all.zip exports), query it.
    Db(commands::db::DbArgs),
    /// Container images: `image files IMAGE` lists an image's files without extracting it.
    Image(commands::image::ImageArgs),
    /// Scan history kept by `scan --store`: `history list|trend|prune`.
    History(commands::history::HistoryArgs),
    /// New, fixed and changed findings between two kept scans (by fingerprint).
    Diff(commands::history::DiffArgs),
}

fn main() -> ExitCode {
    // Transparent huge pages make every fresh heap page cost a 2 MiB zeroing; for a scanner that
    // allocates and frees per file, that was a fifth of the run time and a fifth of peak memory.
    #[cfg(target_os = "linux")]
    let _ = nix::sys::prctl::set_thp_disable(true);
    let cli = Cli::parse();
    // A one-shot command wants a low peak; the long-running server wants steady latency: there,
    // purging freed pages after 10 ms made about one admission request in twenty wait for the
    // pages to be faulted back in (3-6 ms instead of 0.4 ms), so it keeps mimalloc's default.
    if !matches!(cli.command, Command::Serve(_)) {
        return_freed_memory_promptly();
    }
    let result = match &cli.command {
        Command::Scan(a) => commands::scan::run(a),
        Command::Pss(a) => commands::pss::run(a),
        Command::Checks(a) => commands::checks::list(a),
        Command::Explain(a) => commands::checks::explain(a),
        Command::Rbac(a) => commands::rbac::run(a),
        Command::Netpol(a) => commands::netpol::run(a),
        Command::Inventory(a) => commands::inventory::run(a),
        Command::Snapshot(a) => commands::snapshot::run(a),
        Command::Node(a) => commands::node::run_node(a),
        Command::Benchmark(a) => commands::node::run_benchmark(a),
        Command::Audit(a) => commands::audit::run(a),
        Command::Policy(a) => commands::policy::run(a),
        Command::Serve(a) => commands::serve::run(a),
        Command::Webhook(a) => commands::webhook::run(a),
        Command::Report(a) => commands::report::run(a),
        Command::Fix(a) => commands::fix::run(a),
        Command::Db(a) => commands::db::run(a),
        Command::Image(a) => commands::image::run(a),
        Command::History(a) => commands::history::run(a),
        Command::Diff(a) => commands::history::diff(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("rampart: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The option index is mimalloc's purge delay: it holds that option's default until rampart
    /// lowers it (an upgrade that renumbers the options fails here, not silently).
    #[test]
    fn purge_delay_option_is_the_one_lowered() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            println!("skipping: MIMALLOC_PURGE_DELAY is set in the environment");
            return;
        }
        #[allow(unsafe_code)]
        // SAFETY: reads one entry of mimalloc's option table (see return_freed_memory_promptly).
        let before = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(before, MI_PURGE_DELAY_DEFAULT_MS);
        return_freed_memory_promptly();
        #[allow(unsafe_code)]
        // SAFETY: as above.
        let after = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(after, PURGE_DELAY_MS);
    }
}
