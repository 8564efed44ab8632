//! Running `helm template` and `kustomize build` with a timeout.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{RenderOptions, DEFAULT_TIMEOUT};

/// Why a chart or overlay could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(
        "{dir}: this is a {what}, and rendering it needs `{tool}`, which was not found \
         ({hint})"
    )]
    Missing {
        dir: PathBuf,
        what: &'static str,
        tool: String,
        hint: &'static str,
    },
    #[error("{dir}: `{command}` failed: {stderr}")]
    Failed {
        dir: PathBuf,
        command: String,
        stderr: String,
    },
    #[error("{dir}: `{command}` did not finish within {secs} s; stopped")]
    Timeout {
        dir: PathBuf,
        command: String,
        secs: u64,
    },
    #[error("{dir}: `{command}`: {message}")]
    Io {
        dir: PathBuf,
        command: String,
        message: String,
    },
}

impl RenderError {
    /// The chart or overlay directory.
    pub fn dir(&self) -> &Path {
        match self {
            RenderError::Missing { dir, .. }
            | RenderError::Failed { dir, .. }
            | RenderError::Timeout { dir, .. }
            | RenderError::Io { dir, .. } => dir,
        }
    }
}

/// True when `name` is an executable file on PATH.
fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(name).is_file()))
}

pub(crate) fn helm_template(dir: &Path, o: &RenderOptions) -> Result<String, RenderError> {
    let helm = match &o.helm {
        Some(p) if p.is_file() => p.clone(),
        Some(p) => {
            return Err(RenderError::Missing {
                dir: dir.to_path_buf(),
                what: "Helm chart",
                tool: p.display().to_string(),
                hint: "--helm names no file",
            })
        }
        None if on_path("helm") => PathBuf::from("helm"),
        None => {
            return Err(RenderError::Missing {
                dir: dir.to_path_buf(),
                what: "Helm chart",
                tool: "helm".into(),
                hint: "install helm or give its path with --helm; or render it yourself: \
                       `helm template CHART | rampart scan -`",
            })
        }
    };
    let mut cmd = Command::new(&helm);
    cmd.arg("template");
    if let Some(r) = &o.release {
        cmd.arg(r);
    }
    cmd.arg(dir);
    let minor = o
        .kube_version
        .unwrap_or(rampart_model::k8s::api_versions::NEWEST_MINOR);
    cmd.arg("--kube-version").arg(format!("1.{minor}.0"));
    if let Some(ns) = &o.namespace {
        cmd.arg("--namespace").arg(ns);
    }
    for v in &o.values {
        cmd.arg("--values").arg(v);
    }
    for s in &o.set {
        cmd.arg("--set").arg(s);
    }
    run(dir, cmd, o)
}

pub(crate) fn kustomize_build(dir: &Path, o: &RenderOptions) -> Result<String, RenderError> {
    let cmd = match &o.kustomize {
        Some(p) if p.is_file() => {
            let mut c = Command::new(p);
            c.arg("build").arg(dir);
            c
        }
        Some(p) => {
            return Err(RenderError::Missing {
                dir: dir.to_path_buf(),
                what: "Kustomize overlay",
                tool: p.display().to_string(),
                hint: "--kustomize names no file",
            })
        }
        None if on_path("kustomize") => {
            let mut c = Command::new("kustomize");
            c.arg("build").arg(dir);
            c
        }
        None if on_path("kubectl") => {
            let mut c = Command::new("kubectl");
            c.arg("kustomize").arg(dir);
            c
        }
        None => {
            return Err(RenderError::Missing {
                dir: dir.to_path_buf(),
                what: "Kustomize overlay",
                tool: "kustomize".into(),
                hint: "install kustomize or kubectl, or give its path with --kustomize",
            })
        }
    };
    run(dir, cmd, o)
}

/// Runs a renderer, returning its standard output; stops it after the timeout.
fn run(dir: &Path, mut cmd: Command, o: &RenderOptions) -> Result<String, RenderError> {
    run_with(dir, &mut cmd, o.timeout.unwrap_or(DEFAULT_TIMEOUT))
}

pub(crate) fn run_with(
    dir: &Path,
    cmd: &mut Command,
    timeout: Duration,
) -> Result<String, RenderError> {
    let command = format!(
        "{} {}",
        cmd.get_program().to_string_lossy(),
        cmd.get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let io = |e: std::io::Error| RenderError::Io {
        dir: dir.to_path_buf(),
        command: command.clone(),
        message: e.to_string(),
    };
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(io)?;
    // Read both pipes on the side so a large output cannot block the child.
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(o) = out.as_mut() {
            let _ = o.read_to_string(&mut s);
        }
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(e) = err.as_mut() {
            let _ = e.read_to_string(&mut s);
        }
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().map_err(io)? {
            break s;
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(RenderError::Timeout {
                dir: dir.to_path_buf(),
                command,
                secs: timeout.as_secs(),
            });
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    if !status.success() {
        return Err(RenderError::Failed {
            dir: dir.to_path_buf(),
            command,
            stderr: stderr.trim().to_string(),
        });
    }
    Ok(stdout)
}
