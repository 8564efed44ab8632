//! SBOM output: deterministic, and valid against the official CycloneDX 1.6 and SPDX 2.3 JSON
//! schemas (fetched by scripts/fetch-sbom-schemas.sh into target/sbom-schemas; the schema test
//! skips with a message when they are absent, and fails instead when RAMPART_REQUIRE_SBOM_SCHEMAS=1).

use std::path::{Path, PathBuf};

use rampart_packages::sbom::{cyclonedx, spdx, Options, Subject};
use rampart_packages::{detect, scan_dir, Detection, PackageFilter};
use serde_json::Value;

fn detection() -> Detection {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/debian");
    detect(&scan_dir(&root, &PackageFilter).expect("scan"))
}

fn opts() -> Options {
    Options {
        timestamp: "2026-12-07T02:00:00Z".into(),
        tool_version: "0.1.0".into(),
    }
}

fn image() -> Subject {
    Subject::Image {
        reference: "127.0.0.1:5000/demo:1.0".into(),
        digest: Some(
            "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".into(),
        ),
    }
}

#[test]
fn deterministic_and_content_derived() {
    let d = detection();
    let a = cyclonedx(&image(), &d.packages, d.distro.as_ref(), &opts());
    let mut reversed = d.packages.clone();
    reversed.reverse();
    let b = cyclonedx(&image(), &reversed, d.distro.as_ref(), &opts());
    assert_eq!(a, b, "package order does not change the document");
    let later = Options {
        timestamp: "2027-01-01T00:00:00Z".into(),
        ..opts()
    };
    let c = cyclonedx(&image(), &d.packages, d.distro.as_ref(), &later);
    let serial = |s: &str| {
        serde_json::from_str::<Value>(s).expect("json")["serialNumber"]
            .as_str()
            .map(str::to_string)
    };
    assert_eq!(
        serial(&a),
        serial(&c),
        "the serial number depends on content only"
    );
    let fewer = cyclonedx(&image(), &d.packages[1..], d.distro.as_ref(), &opts());
    assert_ne!(serial(&a), serial(&fewer));

    let doc: Value = serde_json::from_str(&a).expect("json");
    let comps = doc["components"].as_array().expect("components");
    // The distribution plus every package.
    assert_eq!(comps.len(), d.packages.len() + 1);
    assert!(comps.iter().any(|c| c["purl"]
        == "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc"));

    let s1 = spdx(&image(), &d.packages, d.distro.as_ref(), &opts());
    let s2 = spdx(&image(), &reversed, d.distro.as_ref(), &opts());
    assert_eq!(s1, s2);
    let sdoc: Value = serde_json::from_str(&s1).expect("json");
    assert_eq!(
        sdoc["packages"].as_array().expect("packages").len(),
        d.packages.len() + 2
    );
}

fn schema_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/sbom-schemas");
    if dir.join("bom-1.6.schema.json").is_file() && dir.join("spdx-schema-v2.3.json").is_file() {
        return Some(dir);
    }
    if std::env::var("RAMPART_REQUIRE_SBOM_SCHEMAS").as_deref() == Ok("1") {
        panic!(
            "SBOM schemas missing in {}: run scripts/fetch-sbom-schemas.sh",
            dir.display()
        );
    }
    eprintln!(
        "skipping: SBOM schemas not found in {} (run scripts/fetch-sbom-schemas.sh)",
        dir.display()
    );
    None
}

/// Serves `$ref`s to sibling schema files (`spdx.SNAPSHOT.schema.json`, `jsf-0.82...`) from disk.
struct Local(PathBuf);

impl jsonschema::Retrieve for Local {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri
            .path()
            .as_str()
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_string();
        let text = std::fs::read_to_string(self.0.join(&name))?;
        Ok(serde_json::from_str(&text)?)
    }
}

fn validate(dir: &Path, schema_file: &str, doc: &str, what: &str) {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(schema_file)).expect("read schema"))
            .expect("schema json");
    let validator = jsonschema::options()
        .with_retriever(Local(dir.to_path_buf()))
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles");
    let instance: Value = serde_json::from_str(doc).expect("document json");
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not follow {schema_file}:\n{}",
        errors.join("\n")
    );
}

#[test]
fn documents_follow_the_official_schemas() {
    let Some(dir) = schema_dir() else {
        return;
    };
    let d = detection();
    let dir_subject = Subject::Directory {
        path: "tests/fixtures/debian".into(),
    };
    for (subject, name) in [(image(), "image"), (dir_subject, "directory")] {
        validate(
            &dir,
            "bom-1.6.schema.json",
            &cyclonedx(&subject, &d.packages, d.distro.as_ref(), &opts()),
            &format!("CycloneDX for an {name}"),
        );
        validate(
            &dir,
            "spdx-schema-v2.3.json",
            &spdx(&subject, &d.packages, d.distro.as_ref(), &opts()),
            &format!("SPDX for a {name}"),
        );
        // No packages at all is still a valid document.
        validate(
            &dir,
            "bom-1.6.schema.json",
            &cyclonedx(&subject, &[], None, &opts()),
            "empty CycloneDX",
        );
        validate(
            &dir,
            "spdx-schema-v2.3.json",
            &spdx(&subject, &[], None, &opts()),
            "empty SPDX",
        );
    }
}
