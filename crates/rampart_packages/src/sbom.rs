//! SBOM writers: CycloneDX 1.6 JSON and SPDX 2.3 JSON for a subject (an image or a directory) and
//! its packages. Output is deterministic: packages sorted, identifiers derived from content (the
//! same subject and packages give the same serial number and namespace), and the creation time
//! passed in by the caller.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::{Distro, Package};

/// What an SBOM describes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A container image: its reference as given and, when resolved, its manifest digest
    /// (`sha256:...`).
    Image {
        reference: String,
        digest: Option<String>,
    },
    /// A directory tree.
    Directory { path: String },
}

impl Subject {
    fn name(&self) -> &str {
        match self {
            Subject::Image { reference, .. } => reference,
            Subject::Directory { path } => path,
        }
    }

    fn key(&self) -> String {
        match self {
            Subject::Image { reference, digest } => {
                format!("image\n{reference}\n{}", digest.as_deref().unwrap_or(""))
            }
            Subject::Directory { path } => format!("dir\n{path}"),
        }
    }
}

/// The document's creation facts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// RFC 3339 UTC time, seconds precision (`2026-12-07T02:00:00Z`).
    pub timestamp: String,
    /// The version of rampart writing the document.
    pub tool_version: String,
}

impl Options {
    /// Now, with this crate's version as the tool version.
    pub fn now() -> Options {
        let ts = jiff::Timestamp::now();
        Options {
            timestamp: ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

fn sha256_hex(data: &str) -> String {
    let d = Sha256::digest(data.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// A name-based UUID (version 5 layout) from the SHA-256 of `data`.
fn uuid(data: &str) -> String {
    let d = Sha256::digest(data.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Packages sorted and without exact duplicates, with a content key each.
fn prepared(packages: &[Package]) -> Vec<(&Package, String)> {
    let mut v: Vec<&Package> = packages.iter().collect();
    v.sort();
    v.dedup();
    v.into_iter()
        .map(|p| {
            let key = sha256_hex(&format!(
                "{}\n{}\n{}\n{}\n{}",
                p.ecosystem, p.name, p.version, p.path, p.purl
            ));
            (p, key)
        })
        .collect()
}

fn content_id(
    subject: &Subject,
    packages: &[(&Package, String)],
    distro: Option<&Distro>,
) -> String {
    let mut s = subject.key();
    if let Some(d) = distro {
        s.push_str(&format!(
            "\n{}:{}",
            d.id,
            d.version_id.as_deref().unwrap_or("")
        ));
    }
    for (_, k) in packages {
        s.push('\n');
        s.push_str(k);
    }
    uuid(&s)
}

/// CycloneDX 1.6 JSON.
pub fn cyclonedx(
    subject: &Subject,
    packages: &[Package],
    distro: Option<&Distro>,
    opts: &Options,
) -> String {
    let pkgs = prepared(packages);
    let serial = content_id(subject, &pkgs, distro);
    let mut subject_component = json!({
        "type": match subject { Subject::Image { .. } => "container", Subject::Directory { .. } => "file" },
        "bom-ref": "subject",
        "name": subject.name(),
    });
    if let Subject::Image {
        digest: Some(digest),
        ..
    } = subject
    {
        subject_component["version"] = json!(digest);
        if let Some(hex) = digest.strip_prefix("sha256:") {
            subject_component["hashes"] = json!([{ "alg": "SHA-256", "content": hex }]);
        }
    }
    let mut components = Vec::new();
    if let Some(d) = distro {
        let mut c = json!({
            "type": "operating-system",
            "bom-ref": "distro",
            "name": d.id,
        });
        if let Some(v) = &d.version_id {
            c["version"] = json!(v);
        }
        if let Some(p) = &d.pretty_name {
            c["description"] = json!(p);
        }
        components.push(c);
    }
    for (p, key) in &pkgs {
        let (group, name) = match p.name.split_once(':') {
            Some((g, n)) if p.ecosystem == "Maven" => (Some(g), n),
            _ => (None, p.name.as_str()),
        };
        let mut c = json!({
            "type": "library",
            "bom-ref": format!("pkg-{}", &key[..24]),
        });
        if let Some(g) = group {
            c["group"] = json!(g);
        }
        c["name"] = json!(name);
        c["version"] = json!(p.version);
        if !p.licenses.is_empty() {
            c["licenses"] = Value::Array(
                p.licenses
                    .iter()
                    .map(|l| json!({ "license": { "name": l } }))
                    .collect(),
            );
        }
        c["purl"] = json!(p.purl);
        let mut props = vec![
            json!({ "name": "rampart:package:ecosystem", "value": p.ecosystem }),
            json!({ "name": "rampart:package:kind", "value": p.kind.as_str() }),
            json!({ "name": "rampart:package:path", "value": p.path }),
        ];
        if let Some(s) = &p.source_name {
            props.push(json!({ "name": "rampart:package:source-name", "value": s }));
        }
        if let Some(s) = &p.source_version {
            props.push(json!({ "name": "rampart:package:source-version", "value": s }));
        }
        c["properties"] = Value::Array(props);
        components.push(c);
    }
    let doc = json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": format!("urn:uuid:{serial}"),
        "version": 1,
        "metadata": {
            "timestamp": opts.timestamp,
            "tools": {
                "components": [{ "type": "application", "name": "rampart", "version": opts.tool_version }]
            },
            "component": subject_component,
        },
        "components": components,
    });
    pretty(&doc)
}

/// SPDX 2.3 JSON. Recorded licenses are not always valid SPDX expressions, so they go into
/// `licenseComments` and the license fields say `NOASSERTION`.
pub fn spdx(
    subject: &Subject,
    packages: &[Package],
    distro: Option<&Distro>,
    opts: &Options,
) -> String {
    let pkgs = prepared(packages);
    let id = content_id(subject, &pkgs, distro);
    let slug: String = subject
        .name()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut subject_pkg = json!({
        "name": subject.name(),
        "SPDXID": "SPDXRef-Subject",
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": match subject { Subject::Image { .. } => "CONTAINER", Subject::Directory { .. } => "SOURCE" },
    });
    if let Subject::Image {
        digest: Some(digest),
        ..
    } = subject
    {
        subject_pkg["versionInfo"] = json!(digest);
        if let Some(hex) = digest.strip_prefix("sha256:") {
            subject_pkg["checksums"] = json!([{ "algorithm": "SHA256", "checksumValue": hex }]);
        }
    }
    let mut spdx_packages = vec![subject_pkg];
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": "SPDXRef-Subject",
    })];
    if let Some(d) = distro {
        let mut os = json!({
            "name": d.id,
            "SPDXID": "SPDXRef-OperatingSystem",
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "NOASSERTION",
            "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": "OPERATING_SYSTEM",
        });
        if let Some(v) = &d.version_id {
            os["versionInfo"] = json!(v);
        }
        spdx_packages.push(os);
        relationships.push(json!({
            "spdxElementId": "SPDXRef-Subject",
            "relationshipType": "CONTAINS",
            "relatedSpdxElement": "SPDXRef-OperatingSystem",
        }));
    }
    for (p, key) in &pkgs {
        let spdx_id = format!("SPDXRef-Package-{}", &key[..24]);
        let mut sp = json!({
            "name": p.name,
            "SPDXID": spdx_id,
            "versionInfo": p.version,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "sourceInfo": format!("{} found in {}", p.kind.as_str(), p.path),
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "NOASSERTION",
            "copyrightText": "NOASSERTION",
            "externalRefs": [{
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": p.purl,
            }],
            "primaryPackagePurpose": "LIBRARY",
        });
        if !p.licenses.is_empty() {
            sp["licenseComments"] = json!(format!("as recorded: {}", p.licenses.join("; ")));
        }
        spdx_packages.push(sp);
        relationships.push(json!({
            "spdxElementId": "SPDXRef-Subject",
            "relationshipType": "CONTAINS",
            "relatedSpdxElement": spdx_id,
        }));
    }
    let doc = json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": subject.name(),
        "documentNamespace": format!("https://rampart.invalid/spdx/{slug}-{id}"),
        "creationInfo": {
            "created": opts.timestamp,
            "creators": [format!("Tool: rampart-{}", opts.tool_version)],
        },
        "packages": spdx_packages,
        "relationships": relationships,
    });
    pretty(&doc)
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}
