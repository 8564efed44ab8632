//! Builds small images in memory and on disk (OCI layouts, docker archives) for the tests.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;

use serde_json::json;

/// One tar entry of a layer.
pub enum E<'a> {
    File(&'a str, &'a [u8]),
    Dir(&'a str),
    Symlink(&'a str, &'a str),
    Hardlink(&'a str, &'a str),
}

/// A tar with these entries (paths written raw, so `../x` and `/x` stay as given).
pub fn tar(entries: &[E<'_>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = tar::Header::new_gnu();
        h.set_mtime(0);
        h.set_uid(0);
        h.set_gid(0);
        let (path, data): (&str, &[u8]) = match e {
            E::File(p, d) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(0o644);
                h.set_size(d.len() as u64);
                (p, d)
            }
            E::Dir(p) => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                h.set_size(0);
                (p, &[])
            }
            E::Symlink(p, t) | E::Hardlink(p, t) => {
                h.set_entry_type(if matches!(e, E::Symlink(..)) {
                    tar::EntryType::Symlink
                } else {
                    tar::EntryType::Link
                });
                h.set_mode(0o777);
                h.set_size(0);
                set_raw(h.as_old_mut().linkname.as_mut_slice(), t);
                (p, &[])
            }
        };
        set_raw(h.as_old_mut().name.as_mut_slice(), path);
        h.set_cksum();
        b.append(&h, data).expect("append");
    }
    b.into_inner().expect("tar")
}

fn set_raw(field: &mut [u8], s: &str) {
    let bytes = s.as_bytes();
    assert!(bytes.len() < field.len(), "test path too long: {s}");
    field.fill(0);
    field[..bytes.len()].copy_from_slice(bytes);
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

pub fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 1).expect("zstd")
}

pub fn sha256(data: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, data);
    let hex: String = d.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// A layer blob with its media type.
pub struct Blob {
    pub data: Vec<u8>,
    pub media_type: &'static str,
}

pub fn layer_gz(entries: &[E<'_>]) -> Blob {
    Blob {
        data: gzip(&tar(entries)),
        media_type: "application/vnd.oci.image.layer.v1.tar+gzip",
    }
}

pub fn layer_zstd(entries: &[E<'_>]) -> Blob {
    Blob {
        data: zstd(&tar(entries)),
        media_type: "application/vnd.oci.image.layer.v1.tar+zstd",
    }
}

pub fn layer_plain(entries: &[E<'_>]) -> Blob {
    Blob {
        data: tar(entries),
        media_type: "application/vnd.oci.image.layer.v1.tar",
    }
}

fn put_blob(dir: &Path, data: &[u8]) -> String {
    let d = sha256(data);
    let hex = d.trim_start_matches("sha256:");
    std::fs::create_dir_all(dir.join("blobs/sha256")).expect("mkdir");
    std::fs::write(dir.join("blobs/sha256").join(hex), data).expect("write blob");
    d
}

pub fn config_json(arch: &str, diff_ids: &[String]) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "architecture": arch,
        "os": "linux",
        "config": {
            "User": "1000",
            "Env": ["PATH=/usr/bin", "A=b"],
            "Entrypoint": ["/bin/app"],
            "Cmd": ["--serve"],
            "WorkingDir": "/srv",
            "Labels": {"org.example": "yes"}
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids}
    }))
    .expect("json")
}

/// Writes an image (config + layers) into an OCI layout's blobs; returns the manifest descriptor.
pub fn write_manifest(dir: &Path, arch: &str, layers: &[Blob]) -> serde_json::Value {
    let mut descs = Vec::new();
    let mut diff_ids = Vec::new();
    for l in layers {
        let d = put_blob(dir, &l.data);
        descs.push(json!({"mediaType": l.media_type, "digest": d, "size": l.data.len()}));
        // Test diff ids need not be exact for OCI layouts (only docker archives use them).
        diff_ids.push(d);
    }
    let cfg = config_json(arch, &diff_ids);
    let cd = put_blob(dir, &cfg);
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cfg.len()},
        "layers": descs
    }))
    .expect("json");
    let md = put_blob(dir, &manifest);
    json!({
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": md,
        "size": manifest.len(),
        "platform": {"architecture": arch, "os": "linux"}
    })
}

pub fn write_index(dir: &Path, manifests: &[serde_json::Value]) {
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).expect("layout");
    let index = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests});
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&index).expect("json"),
    )
    .expect("index");
}

/// An OCI layout with one image (named `v1`) of these layers.
pub fn oci_dir(dir: &Path, layers: &[Blob]) {
    let mut m = write_manifest(dir, "amd64", layers);
    m["annotations"] = json!({"org.opencontainers.image.ref.name": "v1"});
    write_index(dir, &[m]);
}

/// A tar of the files under `dir` (relative paths), for archive sources.
pub fn tar_dir(dir: &Path) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    b.append_dir_all(".", dir).expect("tar dir");
    b.into_inner().expect("tar")
}

/// A docker archive (`docker save` layout: `<n>/layer.tar`, `<hex>.json`, manifest.json) of
/// uncompressed layer tars.
pub fn docker_archive(dir: &Path, layer_tars: &[Vec<u8>]) {
    let mut paths = Vec::new();
    let mut diff_ids = Vec::new();
    for (i, t) in layer_tars.iter().enumerate() {
        let p = format!("layer{i}/layer.tar");
        std::fs::create_dir_all(dir.join(format!("layer{i}"))).expect("mkdir");
        std::fs::write(dir.join(&p), t).expect("write");
        paths.push(p);
        diff_ids.push(sha256(t));
    }
    let cfg = config_json("amd64", &diff_ids);
    let cd = sha256(&cfg);
    let cname = format!("{}.json", cd.trim_start_matches("sha256:"));
    std::fs::write(dir.join(&cname), &cfg).expect("config");
    let manifest = json!([{"Config": cname, "RepoTags": ["example.com/app:1.0"], "Layers": paths}]);
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_vec(&manifest).expect("json"),
    )
    .expect("manifest");
}
