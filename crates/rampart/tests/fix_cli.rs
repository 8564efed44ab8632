//! End-to-end tests of `rampart fix`, running the built binary: --dry-run and --diff, in-place
//! rewriting that keeps comments, exit codes, --unsafe-fixes, the digest lock map, the config's
//! resource defaults, and idempotence.

use std::process::Output;

use rampart_testutil::TempDir;

fn rampart(args: &[&str]) -> Output {
    let out = rampart_testutil::run_binary(env!("CARGO_BIN_EXE_rampart"), args, None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "rampart panicked:\n{stderr}");
    out
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

const POD: &str = "# a pod\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web # keep me\nspec:\n  containers:\n  - name: web\n    image: \"nginx:1.27\"   # pinned below\n    resources:\n      limits: {memory: 256Mi}\n";

#[test]
fn dry_run_shows_a_diff_and_writes_nothing() {
    let dir = TempDir::new("fix_dry");
    let file = dir.write("pod.yaml", POD);
    let p = file.to_string_lossy();
    let out = rampart(&[
        "fix",
        "--no-config",
        "--dry-run",
        "--diff",
        "--select=allow-privilege-escalation",
        &p,
    ]);
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stderr));
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(
        diff.contains("+    securityContext:\n+      allowPrivilegeEscalation: false\n"),
        "{diff}"
    );
    assert!(diff.starts_with("--- a/"), "{diff}");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), POD);
}

#[test]
fn fixes_in_place_keep_comments_and_a_second_run_changes_nothing() {
    let dir = TempDir::new("fix_inplace");
    let file = dir.write("pod.yaml", POD);
    let p = file.to_string_lossy();
    let sel = "--select=allow-privilege-escalation,seccomp-profile-missing,run-as-non-root,memory-request-missing";
    let out = rampart(&["fix", "--no-config", sel, &p]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unsafe fix(es) skipped (use --unsafe-fixes)"),
        "{stderr}"
    );
    let fixed = std::fs::read_to_string(&file).expect("read");
    assert_eq!(
        fixed,
        "# a pod\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web # keep me\nspec:\n  containers:\n  - name: web\n    image: \"nginx:1.27\"   # pinned below\n    resources:\n      limits: {memory: 256Mi}\n    securityContext:\n      allowPrivilegeEscalation: false\n      seccompProfile:\n        type: RuntimeDefault\n"
    );
    // The memory request is covered by the limit: nothing to do there; run-as-non-root is unsafe.
    let again = rampart(&["fix", "--no-config", sel, "--dry-run", &p]);
    assert_eq!(
        code(&again),
        0,
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    // With --unsafe-fixes, runAsNonRoot joins the same securityContext.
    let out = rampart(&["fix", "--no-config", sel, "--unsafe-fixes", &p]);
    assert_eq!(code(&out), 0);
    let fixed = std::fs::read_to_string(&file).expect("read");
    assert!(
        fixed.ends_with("        type: RuntimeDefault\n      runAsNonRoot: true\n"),
        "{fixed}"
    );
}

#[test]
fn digest_lock_map_and_resource_defaults_come_from_the_config() {
    let dir = TempDir::new("fix_config");
    let digest = format!("sha256:{}", "ab".repeat(32));
    dir.write("images.lock.yaml", format!("nginx:1.27: {digest}\n"));
    dir.write(
        ".rampart.yaml",
        "fix:\n  resources:\n    requests: {cpu: 250m}\n  image-digests: images.lock.yaml\n",
    );
    let file = dir.write("pod.yaml", POD);
    let p = file.to_string_lossy();
    let out = rampart(&[
        "fix",
        "--select=image-not-pinned-by-digest,cpu-request-missing",
        &p,
    ]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let fixed = std::fs::read_to_string(&file).expect("read");
    assert!(
        fixed.contains(&format!(
            "image: \"nginx:1.27@{digest}\"   # pinned below\n"
        )),
        "{fixed}"
    );
    assert!(
        fixed.contains("      limits: {memory: 256Mi, requests: {cpu: 250m}}\n")
            || fixed.contains("requests:\n        cpu: 250m\n"),
        "{fixed}"
    );
}

#[test]
fn a_file_that_does_not_load_is_an_error_and_untouched() {
    let dir = TempDir::new("fix_bad");
    let file = dir.write("bad.yaml", "a: [1\n");
    let out = rampart(&["fix", "--no-config", &file.to_string_lossy()]);
    assert_eq!(code(&out), 2);
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "a: [1\n");
}
