//! The pipeline end to end on OCI layouts written here, matched against rampart_vuln's OSV test
//! records: findings equal the index's answers, images and layers are read once, an unreadable
//! image does not stop the others, workloads link to the images they run.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rampart_imagescan::{targets_from_resources, Options, Scanner, Target};
use rampart_model::{Origin, Resource, Subject};
use rampart_vuln::Db;

fn db(dir: &Path) -> Db {
    rampart_vuln::import(&common::osv_dirs(), dir).expect("import");
    Db::open(dir).expect("open")
}

fn images(dir: &Path) -> (PathBuf, PathBuf) {
    let a = dir.join("a");
    let b = dir.join("b");
    common::oci_dir(&a, &[common::base_layer(), common::app_layer("4.17.20")]);
    common::oci_dir(&b, &[common::base_layer(), common::app_layer("4.17.21")]);
    (a, b)
}

#[test]
fn findings_are_the_index_answers_for_every_package() {
    let tmp = tempfile::tempdir().expect("tmp");
    let db = db(&tmp.path().join("db"));
    let (a, _) = images(tmp.path());
    let scanner = Scanner::new(Options::default(), Some(&db));
    let out = scanner.scan(vec![Target::new(a.display().to_string())]);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.images.len(), 1);
    let img = &out.images[0];
    let names: Vec<&str> = img.packages.iter().map(|p| p.name.as_str()).collect();
    assert!(
        names.contains(&"libssl3") && names.contains(&"lodash"),
        "{names:?}"
    );
    // Every (package, record) the index answers is one finding, and nothing else.
    let mut want = Vec::new();
    for p in &img.packages {
        for v in db.query(&rampart_imagescan::query_of(p)) {
            want.push((p.name.clone(), v.id.clone()));
        }
    }
    let mut have: Vec<(String, String)> = out
        .findings
        .iter()
        .map(|f| {
            let Subject::Package(p) = &f.subject else {
                panic!("not a package subject: {:?}", f.subject)
            };
            assert_eq!(f.check, "image-vulnerability");
            assert_eq!(p.path.as_deref().map(|s| !s.is_empty()), Some(true));
            let id = f.pointer.tokens().last().unwrap_or_default();
            (p.name.clone(), id)
        })
        .collect();
    want.sort();
    have.sort();
    assert_eq!(have, want);
    // The Debian advisory matched through the source package, with its fix and aliases.
    let dsa = out
        .findings
        .iter()
        .find(|f| f.message.starts_with("DSA-9001-1"))
        .expect("DSA-9001-1 on libssl3");
    let ev = |s: &str| {
        dsa.evidence
            .iter()
            .find(|e| e.source == s)
            .and_then(|e| e.found.clone())
            .unwrap_or_default()
    };
    assert_eq!(ev("aliases"), "CVE-2099-1001, CVE-2099-1002");
    assert_eq!(ev("source package"), "openssl 3.0.11-1~deb12u1");
    assert!(
        dsa.message.contains("fixed in 3.0.11-1~deb12u2"),
        "{}",
        dsa.message
    );
    // lodash 4.17.20 is affected (fixed in 4.17.21), with a CVSS-derived severity.
    let lodash = out
        .findings
        .iter()
        .find(|f| f.message.starts_with("GHSA-9xxq-aaaa-0001"))
        .expect("lodash finding");
    assert!(lodash
        .evidence
        .iter()
        .any(|e| e.source == "severity" && e.found.as_deref().is_some_and(|s| s.contains("CVSS"))));
    // Fingerprints are distinct per (package, record).
    let mut fps: Vec<_> = out.findings.iter().map(|f| f.fingerprint).collect();
    fps.sort();
    fps.dedup();
    assert_eq!(fps.len(), out.findings.len());
}

#[test]
fn shared_layers_and_repeated_images_are_read_once_and_bad_images_do_not_stop_the_rest() {
    let tmp = tempfile::tempdir().expect("tmp");
    let db = db(&tmp.path().join("db"));
    let (a, b) = images(tmp.path());
    let (a, b) = (a.display().to_string(), b.display().to_string());
    let scanner = Scanner::new(Options::default(), Some(&db));
    let out = scanner.scan(vec![
        Target::new(&a),
        Target::new(&b),
        Target::new(&a),
        Target::new(format!("oci:{a}:v1")),
        Target::new(tmp.path().join("missing.tar").display().to_string()),
    ]);
    // a, a and oci:a:v1 are one image; b another; the missing tarball an error.
    assert_eq!(out.images.len(), 2, "{:?}", out.images);
    assert_eq!(out.errors.len(), 1);
    assert!(out.errors[0].source.ends_with("missing.tar"));
    assert!(
        out.errors[0].message.contains("no such file"),
        "{}",
        out.errors[0]
    );
    let first = out
        .images
        .iter()
        .find(|i| i.image.reference == a)
        .expect("a");
    assert_eq!(first.sources, vec![a.clone(), format!("oci:{a}:v1")]);
    // Three distinct layers (one base shared by both images) among four.
    assert_eq!(out.layers_total, 4);
    assert_eq!(out.layers_read, 3);
    // lodash 4.17.21 (image b) is fixed.
    let b_img = out
        .images
        .iter()
        .find(|i| i.image.reference == b)
        .expect("b");
    assert!(b_img.vulnerabilities < first.vulnerabilities);
}

#[test]
fn workloads_link_to_the_images_they_run_and_unsigned_is_reported_per_workload() {
    let tmp = tempfile::tempdir().expect("tmp");
    let db = db(&tmp.path().join("db"));
    let (a, _) = images(tmp.path());
    let a = a.display().to_string();
    let deploy = |name: &str, image: &str| {
        Resource::new(
            serde_json::json!({
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": name, "namespace": "prod"},
                "spec": {"template": {"spec": {
                    "initContainers": [{"name": "init", "image": image}],
                    "containers": [{"name": "app", "image": image}]
                }}}
            }),
            Origin::File {
                path: PathBuf::from("deploy.yaml"),
                doc: 0,
                item: None,
            },
        )
    };
    let resources = vec![
        deploy("web", &a),
        deploy("api", &a),
        deploy("broken", "/nonexistent/image.tar"),
    ];
    let targets = targets_from_resources(&resources);
    assert_eq!(targets.len(), 2);
    assert_eq!(targets[0].workloads.len(), 4);
    assert_eq!(
        targets[0].workloads[0].pointer.as_str(),
        "/spec/template/spec/initContainers/0/image"
    );
    // A key: local images carry no signatures, so every workload running one is reported.
    let key = rampart_image::CosignKey::from_pem(
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE0Wgg8cWEjUwNEpKLf8ygo7qe0ISG\nj3MnWTZ/L9knQujCrblG2MjNlcHj0XHytphk8nR4B8axYnZwTCNUXoMB8g==\n-----END PUBLIC KEY-----\n",
    );
    let opts = Options {
        verify_key: Some(key.expect("a P-256 key")),
        ..Options::default()
    };
    let out = Scanner::new(opts, Some(&db)).scan(targets);
    assert_eq!(out.errors.len(), 1);
    let names: Vec<String> = out.errors[0]
        .workloads
        .iter()
        .map(|w| w.name.clone())
        .collect();
    assert_eq!(names, vec!["broken", "broken"]);
    let vuln = out
        .findings
        .iter()
        .find(|f| f.check == "image-vulnerability")
        .expect("a vulnerability");
    let related: Vec<&str> = vuln
        .related
        .iter()
        .map(|r| r.object.name.as_str())
        .collect();
    assert_eq!(related, vec!["web", "web", "api", "api"]);
    {
        let unsigned: Vec<_> = out
            .findings
            .iter()
            .filter(|f| f.check == "image-unsigned")
            .collect();
        assert_eq!(unsigned.len(), 4, "{unsigned:#?}");
        assert!(unsigned
            .iter()
            .all(|f| matches!(&f.subject, Subject::Object(o) if Arc::strong_count(o) > 0)));
        assert!(
            unsigned[0].message.contains("local"),
            "{}",
            unsigned[0].message
        );
    }
}

#[test]
fn docs_are_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for (rel, want) in rampart_imagescan::checks::doc_files() {
        let have = std::fs::read_to_string(root.join(&rel)).unwrap_or_default();
        assert!(
            have == want,
            "{rel} is out of date; run `cargo run -p xtask -- docs`"
        );
    }
}
