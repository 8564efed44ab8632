//! `rampart image files` end to end on the images scripts/build-test-images.sh builds and the
//! registries scripts/registry.sh starts. Run by scripts/image-tests.sh.

use std::process::Command;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run scripts/image-tests.sh"))
}

fn rampart(args: &[&str], envs: &[(&str, String)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("run rampart");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
#[ignore = "needs scripts/image-tests.sh"]
fn image_files_lists_what_the_layers_leave() {
    let dir = env("RAMPART_TEST_IMAGES");
    let (code, out, err) = rampart(&["image", "files", &format!("{dir}/debianish.tar")], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("var/lib/dpkg/status"), "{out}");
    assert!(
        out.contains("etc/os-release -> ../usr/lib/os-release"),
        "{out}"
    );
    assert!(
        out.contains("opt/app/new") && !out.contains("opt/app/old1"),
        "{out}"
    );
    assert!(!out.contains("tmp/to-delete"), "{out}");

    let reg = env("RAMPART_TEST_REGISTRY");
    let multi = format!("{reg}/rampart/multi:1");
    let (code, out, err) = rampart(
        &[
            "image",
            "files",
            &multi,
            "--platform",
            "linux/arm64",
            "-f",
            "json",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(doc["config"]["architecture"], "arm64");
    assert_eq!(doc["files"][0]["path"], "etc/arch");
    let (code, _, err) = rampart(&["image", "files", &multi, "--platform", "linux"], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("expected os/arch"), "{err}");

    let private = format!("{}/rampart/private:1", env("RAMPART_TEST_REGISTRY_AUTH"));
    let (code, _, err) = rampart(&["image", "files", &private], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("requires credentials"), "{err}");
    let creds = [
        (
            "RAMPART_REGISTRY_USERNAME",
            env("RAMPART_TEST_REGISTRY_USER"),
        ),
        (
            "RAMPART_REGISTRY_PASSWORD",
            env("RAMPART_TEST_REGISTRY_PASSWORD"),
        ),
    ];
    let (code, out, err) = rampart(&["image", "files", &private], &creds);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("var/lib/dpkg/status"), "{out}");
}
