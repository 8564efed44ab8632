//! Test helpers shared by rampart's crates.
//!
//! The labeled upstream corpora (`shared/corpora/...`) live outside the repository. Tests find them
//! through one setting, the environment variable [`CORPORA_ENV`]; without it, the first
//! `shared/corpora` directory found beside `CARGO_MANIFEST_DIR` or one of its ancestors is used.

use std::path::{Path, PathBuf};

/// The environment variable naming the corpora directory.
pub const CORPORA_ENV: &str = "RAMPART_CORPORA";

/// When set (CI sets it), a missing corpus fails the test instead of skipping it.
pub const REQUIRE_ENV: &str = "RAMPART_REQUIRE_CORPORA";

/// The corpora directory: `$RAMPART_CORPORA` when set (and non-empty), else a `shared/corpora`
/// directory next to the crate's manifest directory or one of its ancestors. `None` when the
/// directory does not exist.
pub fn corpora_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(CORPORA_ENV).filter(|v| !v.is_empty()) {
        let dir = PathBuf::from(dir);
        return dir.is_dir().then_some(dir);
    }
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())?;
    find_upwards(&start)
}

fn find_upwards(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join("shared").join("corpora"))
        .find(|candidate| candidate.is_dir())
}

/// The corpus `name` (a directory under [`corpora_dir`]), or `None` after printing a skip message
/// (the calling test should then return without failing).
pub fn require_corpora(name: &str) -> Option<PathBuf> {
    let found = corpora_dir()
        .map(|dir| dir.join(name))
        .filter(|dir| dir.is_dir());
    if found.is_none() {
        assert!(
            std::env::var_os(REQUIRE_ENV).is_none_or(|v| v.is_empty() || v == "0"),
            "corpus {name:?} not found and {REQUIRE_ENV} is set (set {CORPORA_ENV})"
        );
        println!("skipping: corpora not found (set {CORPORA_ENV}); wanted corpus {name:?}");
    }
    found
}

/// The shared directory (`shared/`, holding `corpora/` and `schemas/`): the parent of
/// [`corpora_dir`]. `None` when the corpora directory is not found.
pub fn shared_dir() -> Option<PathBuf> {
    corpora_dir()?.parent().map(Path::to_path_buf)
}

/// Runs `bin` with `args`, feeding `stdin` when given (else an empty stdin), and returns its
/// output. For tests that drive the built `rampart` binary.
pub fn run_binary(bin: &str, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(bin)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the binary");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write stdin");
    }
    child.wait_with_output().expect("wait for the binary")
}

/// The workspace root (this crate lives in `crates/rampart_testutil`).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The kubectl that testenv builds: `$TESTENV_KUBECTL` (set by `testenv/run-with.sh`), else
/// `testenv/.bin/kubectl` of the workspace.
pub fn testenv_kubectl() -> PathBuf {
    std::env::var("TESTENV_KUBECTL")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace().join("testenv/.bin/kubectl"))
}

/// Runs the testenv kubectl with `kubeconfig` and `args`, `input` on stdin when given; returns
/// whether it succeeded and its stdout followed by its stderr.
pub fn kubectl(kubeconfig: &str, args: &[&str], input: Option<&str>) -> (bool, String) {
    let bin = testenv_kubectl();
    let mut all = vec!["--kubeconfig", kubeconfig];
    all.extend_from_slice(args);
    let out = run_binary(&bin.to_string_lossy(), &all, input);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// A fresh temporary directory for one test, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A new empty directory whose name contains `tag`, the process id and the time.
    pub fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "rampart_test_{tag}_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    /// Writes `bytes` to `name` inside the directory (creating parent directories).
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.0.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create dirs");
        }
        std::fs::write(&p, bytes).expect("write temp file");
        p
    }

    /// The directory itself.
    pub fn dir(&self) -> &Path {
        &self.0
    }

    /// `name` inside the directory, as a string argument.
    pub fn join(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_shared_corpora_walking_up() {
        let tmp = std::env::temp_dir().join(format!("rampart_testutil_{}", std::process::id()));
        let deep = tmp.join("repo").join("crates").join("x");
        std::fs::create_dir_all(&deep).expect("create dirs");
        std::fs::create_dir_all(tmp.join("shared").join("corpora")).expect("create corpora");
        assert_eq!(
            find_upwards(&deep),
            Some(tmp.join("shared").join("corpora"))
        );
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
