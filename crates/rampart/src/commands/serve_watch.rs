//! The `--watch` flags of `rampart serve` (continuous mode), turned into
//! `rampart_serve::watch::WatchOptions`.

use std::path::PathBuf;
use std::time::Duration;

use rampart_cluster::ConnectOptions;
use rampart_model::Severity;
use rampart_scan::{ConfigSource, ScanOptions};
use rampart_serve::sink::SinkOptions;
use rampart_serve::watch::{AlertFormat, AlertOptions, WatchOptions};

/// Alert body format.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertFormatArg {
    /// Slack-compatible JSON (`text` and `blocks`).
    Slack,
    /// A generic JSON object per finding.
    Json,
}

/// Continuous mode: `--watch` and its options.
#[derive(clap::Args, Debug)]
pub struct WatchArgs {
    /// Keep a live cluster's posture current: watch the resource types the checks read,
    /// re-judge what changes (checks across objects debounced), publish the current findings
    /// and framework scores on /metrics (rampart_watch_*; add --metrics ADDR for plain HTTP),
    /// alert new findings (--alert-webhook) and store snapshots (--store).
    #[arg(long)]
    pub watch: bool,

    /// Watch and --admission-cluster: the kubeconfig file (default: $KUBECONFIG,
    /// ~/.kube/config, else in-cluster).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// Watch and --admission-cluster: the kubeconfig context (default: the current one).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// Watch: namespaced resources of this namespace only (a tenant); cluster-scoped ones
    /// (nodes, cluster roles, ...) are still read whole.
    #[arg(long, value_name = "NAME", requires = "watch")]
    pub namespace: Option<String>,

    /// Watch: the cluster's name in the store and in alerts (the fleet view groups scans by it)
    /// [default: `cluster CONTEXT`].
    #[arg(long, value_name = "NAME", requires = "watch")]
    pub cluster_name: Option<String>,

    /// The history store (a *.db file, sqlite:PATH or postgres://...). --dashboard reads it
    /// [default: $RAMPART_STORE, else the default SQLite file, as `scan --store`]; --watch keeps
    /// snapshot scans in it: one when the first list is judged, then after changes at most once
    /// per --snapshot-interval.
    #[arg(long, value_name = "URL", value_parser = super::history::parse_store_arg)]
    pub store: Option<String>,

    /// Watch: least time between two stored snapshots, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300.0)]
    pub snapshot_interval: f64,

    /// Watch: how long after a change the checks across objects (RBAC, NetworkPolicy, ...)
    /// run again, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 2.0)]
    pub debounce: f64,

    /// Watch: alert new findings at or above this severity (to --alert-webhook).
    #[arg(long, value_name = "SEVERITY", default_value = "high")]
    pub alert_severity: Severity,

    /// Watch: the alert body.
    #[arg(long, value_enum, default_value = "slack")]
    pub alert_format: AlertFormatArg,

    /// Watch: alerts per minute at most, sustained (more are dropped and counted).
    #[arg(long, value_name = "N", default_value_t = 30.0)]
    pub alert_rate: f64,

    /// Watch: alerts sent at once at most (the rate limit's burst).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub alert_burst: u32,

    /// Watch: also alert the findings present when the watch starts.
    #[arg(long)]
    pub alert_existing: bool,

    /// Watch: the config file (selection, severities, waivers) [default: none].
    #[arg(long, value_name = "FILE", requires = "watch")]
    pub watch_config: Option<PathBuf>,
}

fn seconds(flag: &str, s: f64) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(s).map_err(|_| anyhow::anyhow!("{flag} {s}: not a duration"))
}

impl WatchArgs {
    /// The watch's options; `alerts` is the alert webhook of `rampart serve`, when given.
    pub fn options(
        &self,
        alerts: Option<SinkOptions>,
        drain_timeout: Duration,
    ) -> anyhow::Result<Option<WatchOptions>> {
        if !self.watch {
            return Ok(None);
        }
        let connect = ConnectOptions {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            ..ConnectOptions::default()
        };
        let mut w = WatchOptions::new(connect);
        w.scan = ScanOptions {
            config: match &self.watch_config {
                Some(p) => ConfigSource::File(p.clone()),
                None => ConfigSource::None,
            },
            ..ScanOptions::default()
        };
        w.cluster_name = self.cluster_name.clone();
        w.namespace = self.namespace.clone();
        w.store = self.store.clone();
        w.snapshot_interval = seconds("--snapshot-interval", self.snapshot_interval)?;
        w.debounce = seconds("--debounce", self.debounce)?;
        w.drain_timeout = drain_timeout;
        w.alerts = alerts.map(|sink| AlertOptions {
            sink,
            min_severity: self.alert_severity,
            format: match self.alert_format {
                AlertFormatArg::Slack => AlertFormat::Slack,
                AlertFormatArg::Json => AlertFormat::Json,
            },
            per_minute: self.alert_rate,
            burst: self.alert_burst,
            existing: self.alert_existing,
        });
        Ok(Some(w))
    }
}
