//! Real images and a real registry: built by scripts/build-test-images.sh (umoci, skopeo) and
//! served by Debian's docker-registry (scripts/registry.sh). Run by scripts/image-tests.sh:
//! `RAMPART_TEST_IMAGES` is the images' directory, `RAMPART_TEST_REGISTRY` (anonymous) and
//! `RAMPART_TEST_REGISTRY_AUTH` (htpasswd basic auth) the registries.

use std::time::{Duration, Instant};

use rampart_image::{open, Credentials, Error, ImageFiles, Options};
use rampart_model::files::KeepAll;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run scripts/image-tests.sh"))
}

fn read(source: &str, opts: &Options) -> ImageFiles {
    open(source, opts)
        .and_then(|i| i.files(&KeepAll))
        .unwrap_or_else(|e| panic!("{source}: {e}"))
}

/// What every copy of the debianish image must show.
fn check_debianish(out: &ImageFiles) {
    let status = out.files.get("var/lib/dpkg/status").expect("dpkg status");
    assert!(status.starts_with(b"Package: "), "a real dpkg status file");
    assert!(out
        .files
        .get("etc/os-release")
        .is_some_and(|b| b.windows(9).any(|w| w == b"ID=debian")));
    assert_eq!(
        out.files.symlinks.get("etc/os-release").map(String::as_str),
        Some("../usr/lib/os-release")
    );
    assert!(!out.files.files.contains_key("tmp/to-delete"), "whiteout");
    assert_eq!(out.files.get("tmp/kept"), Some(&b"kept\n"[..]));
    assert!(
        !out.files.files.contains_key("opt/app/old1"),
        "opaque directory"
    );
    assert!(
        !out.files.files.contains_key("opt/app/old2"),
        "opaque directory"
    );
    assert_eq!(out.files.get("opt/app/new"), Some(&b"new\n"[..]));
    assert_eq!(
        out.files.get("usr/bin/tool-hardlink"),
        out.files.get("usr/bin/tool")
    );
    assert!(out.files.get("usr/bin/tool").is_some());
    assert_eq!(out.config.user.as_deref(), Some("1000"));
    assert_eq!(out.config.entrypoint, vec!["/usr/bin/tool"]);
    assert!(out.config.env.iter().any(|e| e == "PATH=/usr/bin:/bin"));
    assert_eq!(out.config.os, "linux");
    assert!(out.layers.len() >= 7, "{:?}", out.layers);
}

#[test]
#[ignore = "needs scripts/image-tests.sh"]
fn umoci_oci_layout() {
    let dir = env("RAMPART_TEST_IMAGES");
    let out = read(&format!("oci:{dir}/oci:debianish"), &Options::default());
    check_debianish(&out);
    assert!(out.image.digest.is_some());
    let alpine = read(&format!("oci:{dir}/oci:alpineish"), &Options::default());
    let apk = alpine.files.get("lib/apk/db/installed").expect("apk db");
    assert!(apk.starts_with(b"C:") && apk.windows(6).any(|w| w == b"P:musl"));
}

#[test]
#[ignore = "needs scripts/image-tests.sh"]
fn skopeo_docker_archive() {
    let dir = env("RAMPART_TEST_IMAGES");
    let out = read(&format!("{dir}/debianish.tar"), &Options::default());
    check_debianish(&out);
    assert!(
        out.image.reference.contains("rampart/debianish:1"),
        "{}",
        out.image.reference
    );
}

#[test]
#[ignore = "needs scripts/image-tests.sh"]
fn registry_anonymous_by_tag_and_digest() {
    let reg = env("RAMPART_TEST_REGISTRY");
    let out = read(&format!("{reg}/rampart/debianish:1"), &Options::default());
    check_debianish(&out);
    let digest = out.image.digest.clone().expect("manifest digest");
    let by_digest = read(
        &format!("docker://{reg}/rampart/debianish@{digest}"),
        &Options::default(),
    );
    assert_eq!(by_digest.files, out.files);
    assert_eq!(by_digest.image.digest.as_deref(), Some(digest.as_str()));
    // The same image from the OCI layout has the same manifest digest (skopeo copies it as is).
    let dir = env("RAMPART_TEST_IMAGES");
    let local = read(&format!("oci:{dir}/oci:debianish"), &Options::default());
    assert_eq!(local.image.digest, out.image.digest);
    assert_eq!(local.files, out.files);
}

#[test]
#[ignore = "needs scripts/image-tests.sh"]
fn registry_index_platforms() {
    let reg = env("RAMPART_TEST_REGISTRY");
    let src = format!("{reg}/rampart/multi:1");
    let amd = read(&src, &Options::default());
    assert_eq!(amd.files.get("etc/arch"), Some(&b"amd64\n"[..]));
    assert_eq!(amd.config.architecture, "amd64");
    let opts = Options {
        platform: "linux/arm64".parse().expect("platform"),
        ..Options::default()
    };
    let arm = read(&src, &opts);
    assert_eq!(arm.files.get("etc/arch"), Some(&b"arm64\n"[..]));
    assert_ne!(arm.image.digest, amd.image.digest);
    let opts = Options {
        platform: "linux/s390x".parse().expect("platform"),
        ..Options::default()
    };
    let err = open(&src, &opts).expect_err("no s390x");
    assert!(matches!(err, Error::Platform { .. }), "{err}");
    assert!(
        err.to_string().contains("linux/amd64, linux/arm64"),
        "{err}"
    );
}

#[test]
#[ignore = "needs scripts/image-tests.sh"]
fn registry_basic_auth() {
    let reg = env("RAMPART_TEST_REGISTRY_AUTH");
    let src = format!("{reg}/rampart/private:1");
    let err = open(&src, &Options::default()).expect_err("needs credentials");
    assert!(matches!(err, Error::Auth { .. }), "{err}");
    assert!(err.to_string().contains("requires credentials"), "{err}");
    let wrong = Options {
        credentials: Some(Credentials {
            username: env("RAMPART_TEST_REGISTRY_USER"),
            password: "wrong".into(),
        }),
        ..Options::default()
    };
    let err = open(&src, &wrong).expect_err("wrong password");
    assert!(err.to_string().contains("refused the credentials"), "{err}");
    let right = Options {
        credentials: Some(Credentials {
            username: env("RAMPART_TEST_REGISTRY_USER"),
            password: env("RAMPART_TEST_REGISTRY_PASSWORD"),
        }),
        ..Options::default()
    };
    check_debianish(&read(&src, &right));
}

#[test]
#[ignore = "needs scripts/image-tests.sh"]
fn registry_errors_are_clear_and_quick() {
    let reg = env("RAMPART_TEST_REGISTRY");
    let err = open(
        &format!("{reg}/rampart/debianish:nope"),
        &Options::default(),
    )
    .expect_err("404");
    let msg = err.to_string();
    assert!(matches!(err, Error::Status { status: 404, .. }), "{msg}");
    assert!(
        msg.contains("/v2/rampart/debianish/manifests/nope"),
        "{msg}"
    );
    // A port nobody listens on: refused at once.
    let t = Instant::now();
    let err = open("127.0.0.1:1/rampart/x:1", &Options::default()).expect_err("refused");
    assert!(matches!(err, Error::Http { .. }), "{err}");
    assert!(t.elapsed() < Duration::from_secs(5));
    // A server that accepts but never answers: the timeout.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let opts = Options {
        timeout: Duration::from_millis(500),
        ..Options::default()
    };
    let t = Instant::now();
    let err = open(&format!("{addr}/rampart/x:1"), &opts).expect_err("timeout");
    assert!(err.to_string().contains("no response within"), "{err}");
    assert!(t.elapsed() < Duration::from_secs(5));
    drop(listener);
}

/// Signed by the real cosign (scripts/image-tests.sh signs rampart/debianish:1 in the anonymous
/// registry with `--tlog-upload=false`; `RAMPART_TEST_COSIGN_PUB` is the public key's path).
#[test]
#[ignore = "needs scripts/image-tests.sh"]
fn cosign_signatures_from_the_real_cosign() {
    let Ok(pub_path) = std::env::var("RAMPART_TEST_COSIGN_PUB") else {
        println!("skipping: RAMPART_TEST_COSIGN_PUB is not set (cosign did not install)");
        return;
    };
    let pem = std::fs::read_to_string(&pub_path).expect("public key");
    let key = rampart_image::CosignKey::from_pem(&pem).expect("cosign public key");
    let reg = env("RAMPART_TEST_REGISTRY");
    let signed = open(&format!("{reg}/rampart/debianish:1"), &Options::default()).expect("open");
    let v = signed
        .verify_cosign(&key)
        .expect("cosign signature verifies");
    assert_eq!(Some(v.digest.clone()), signed.reference().digest.clone());
    assert!(v.signatures >= 1);
    let unsigned = open(&format!("{reg}/rampart/alpineish:1"), &Options::default()).expect("open");
    let err = unsigned.verify_cosign(&key).expect_err("unsigned");
    assert!(err.to_string().contains("no signature"), "{err}");
}
