//! Small OCI layouts written by the tests (uncompressed layers), and the OSV test records of
//! rampart_vuln imported into a database. Shared with crates/rampart/tests/image_scan_cli.rs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::json;
use sha2::Digest as _;

pub fn sha256(data: &[u8]) -> String {
    let d = sha2::Sha256::digest(data);
    let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// A tar of these regular files.
pub fn layer(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_mtime(0);
        h.set_mode(0o644);
        h.set_size(data.len() as u64);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        b.append_data(&mut h, path, *data).expect("append");
    }
    b.into_inner().expect("tar")
}

fn put_blob(dir: &Path, data: &[u8]) -> String {
    let d = sha256(data);
    std::fs::create_dir_all(dir.join("blobs/sha256")).expect("mkdir");
    std::fs::write(
        dir.join("blobs/sha256")
            .join(d.trim_start_matches("sha256:")),
        data,
    )
    .expect("write blob");
    d
}

/// An OCI layout directory holding one image of these layers.
pub fn oci_dir(dir: &Path, layers: &[Vec<u8>]) {
    let mut descs = Vec::new();
    let mut diff_ids = Vec::new();
    for l in layers {
        let d = put_blob(dir, l);
        descs.push(json!({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d, "size": l.len()}));
        diff_ids.push(d);
    }
    let cfg = serde_json::to_vec(&json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids}
    }))
    .expect("json");
    let cd = put_blob(dir, &cfg);
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cfg.len()},
        "layers": descs
    }))
    .expect("json");
    let md = put_blob(dir, &manifest);
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).expect("layout");
    let index = json!({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": manifest.len(),
        "annotations": {"org.opencontainers.image.ref.name": "v1"}
    }]});
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&index).expect("json"),
    )
    .expect("index");
}

pub const DPKG_STATUS: &str = "Package: libssl3\nStatus: install ok installed\nVersion: 3.0.11-1~deb12u1\nSource: openssl\nArchitecture: amd64\n\nPackage: zlib1g\nStatus: install ok installed\nVersion: 1:1.2.13.dfsg-1\nSource: zlib\nArchitecture: amd64\n\n";
pub const OS_RELEASE: &str = "NAME=\"Debian GNU/Linux\"\nID=debian\nVERSION_ID=\"12\"\n";

/// The base layer: a Debian 12 system with two packages.
pub fn base_layer() -> Vec<u8> {
    layer(&[
        ("var/lib/dpkg/status", DPKG_STATUS.as_bytes()),
        ("etc/os-release", OS_RELEASE.as_bytes()),
    ])
}

/// An application layer: npm packages.
pub fn app_layer(lodash: &str) -> Vec<u8> {
    let l = format!("{{\"name\":\"lodash\",\"version\":\"{lodash}\"}}");
    layer(&[
        ("app/node_modules/lodash/package.json", l.as_bytes()),
        (
            "app/node_modules/minimist/package.json",
            br#"{"name":"minimist","version":"1.2.5"}"#,
        ),
    ])
}

/// rampart_vuln's OSV test records (every ecosystem directory).
pub fn osv_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rampart_vuln/tests/data/osv");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("osv test data")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && !p.ends_with("bad"))
        .collect();
    v.sort();
    v
}
