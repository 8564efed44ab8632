//! Local sources: OCI image layouts and docker archives, as directories or tar files (plain, gzip
//! or zstd). A tar is indexed once (entry offsets) and its blobs are then read in place: a plain
//! tar by seeking, a compressed one by decompressing from the start up to the entry.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use rampart_model::files::normalize;
use rampart_model::ImageRef;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::layers::{Compression, Decoder};
use crate::{
    check_digest, diff_ids, manifest_kind, parse_config, pick_platform, Image, Layer, ManifestKind,
    Options, Store, MAX_CONFIG, MAX_MANIFEST,
};

/// Which layout a source holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Oci,
    Docker,
}

/// The annotation naming an image in an OCI layout's index.
const REF_NAME: &str = "org.opencontainers.image.ref.name";

pub(crate) struct Local {
    /// The source as given, for errors.
    what: String,
    root: Root,
}

enum Root {
    Dir(PathBuf),
    Tar(TarIndex),
}

struct TarIndex {
    path: PathBuf,
    compression: Compression,
    /// Regular files: path -> (offset of the data in the (decompressed) tar, size).
    files: HashMap<String, (u64, u64)>,
    /// Symbolic and hard links: path -> target path (resolved, normalised).
    links: HashMap<String, String>,
}

impl TarIndex {
    fn build(path: &Path) -> Result<TarIndex> {
        let shown = path.display().to_string();
        let err = |e: io::Error| Error::io(&shown, e);
        let mut head = [0u8; 4];
        let n = File::open(path)
            .and_then(|mut f| f.read(&mut head))
            .map_err(err)?;
        let compression = Compression::sniff(&head[..n]);
        let file = File::open(path).map_err(err)?;
        let mut dec = Decoder::new(file).map_err(err)?;
        let mut archive = tar::Archive::new(&mut dec);
        let mut files = HashMap::new();
        let mut links = HashMap::new();
        for entry in archive.entries().map_err(err)? {
            let entry =
                entry.map_err(|e| Error::format(&shown, format!("not a valid tar: {e}")))?;
            let name = normalize(&String::from_utf8_lossy(&entry.path_bytes()));
            let kind = entry.header().entry_type();
            if kind.is_file() {
                files.insert(name, (entry.raw_file_position(), entry.size()));
            } else if kind.is_symlink() || kind.is_hard_link() {
                let target = entry
                    .link_name_bytes()
                    .map(|l| String::from_utf8_lossy(&l).into_owned())
                    .unwrap_or_default();
                let resolved = if kind.is_symlink() && !target.starts_with('/') {
                    match name.rsplit_once('/') {
                        Some((dir, _)) => normalize(&format!("{dir}/{target}")),
                        None => normalize(&target),
                    }
                } else {
                    normalize(&target)
                };
                links.insert(name, resolved);
            }
        }
        Ok(TarIndex {
            path: path.to_path_buf(),
            compression,
            files,
            links,
        })
    }

    fn lookup(&self, name: &str) -> Option<(u64, u64)> {
        let mut n = normalize(name);
        for _ in 0..8 {
            if let Some(e) = self.files.get(&n) {
                return Some(*e);
            }
            n = self.links.get(&n)?.clone();
        }
        None
    }
}

impl Local {
    fn exists(&self, name: &str) -> bool {
        match &self.root {
            Root::Dir(d) => d.join(normalize(name)).is_file(),
            Root::Tar(t) => t.lookup(name).is_some(),
        }
    }

    /// A file of the source, streamed.
    pub(crate) fn open(&self, name: &str) -> Result<Box<dyn Read + Send + '_>> {
        match &self.root {
            Root::Dir(d) => {
                let p = d.join(normalize(name));
                let f = File::open(&p).map_err(|e| Error::io(p.display().to_string(), e))?;
                Ok(Box::new(f))
            }
            Root::Tar(t) => {
                let (offset, size) = t.lookup(name).ok_or_else(|| {
                    Error::format(&self.what, format!("{name}: no such file in the archive"))
                })?;
                let shown = t.path.display().to_string();
                let mut f = File::open(&t.path).map_err(|e| Error::io(&shown, e))?;
                if t.compression == Compression::None {
                    f.seek(SeekFrom::Start(offset))
                        .map_err(|e| Error::io(&shown, e))?;
                    return Ok(Box::new(f.take(size)));
                }
                let mut dec = Decoder::new(f).map_err(|e| Error::io(&shown, e))?;
                let skipped = io::copy(&mut (&mut dec).take(offset), &mut io::sink())
                    .map_err(|e| Error::io(&shown, e))?;
                if skipped < offset {
                    return Err(Error::format(&shown, "archive ends before its entry"));
                }
                Ok(Box::new(dec.take(size)))
            }
        }
    }

    /// A small file of the source, whole (at most `limit` bytes).
    fn read(&self, name: &str, limit: u64) -> Result<Vec<u8>> {
        let mut r = self.open(name)?;
        let mut v = Vec::new();
        (&mut r)
            .take(limit + 1)
            .read_to_end(&mut v)
            .map_err(|e| Error::io(format!("{}: {name}", self.what), e))?;
        if v.len() as u64 > limit {
            return Err(Error::format(
                format!("{}: {name}", self.what),
                format!("larger than {limit} bytes"),
            ));
        }
        Ok(v)
    }
}

/// `blobs/<algorithm>/<encoded>` for a digest.
fn blob_path(digest: &str) -> String {
    match digest.split_once(':') {
        Some((alg, enc)) => format!("blobs/{alg}/{enc}"),
        None => format!("blobs/{digest}"),
    }
}

pub(crate) fn open(
    source: &str,
    path: &Path,
    tag: Option<&str>,
    kind: Option<Kind>,
    opts: &Options,
) -> Result<Image> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path.display().to_string(), e))?;
    let root = if meta.is_dir() {
        Root::Dir(path.to_path_buf())
    } else {
        Root::Tar(TarIndex::build(path)?)
    };
    let local = Local {
        what: source.to_string(),
        root,
    };
    let kind = match kind {
        Some(k) => k,
        None if local.exists("index.json") => Kind::Oci,
        None if local.exists("manifest.json") => Kind::Docker,
        None => {
            return Err(Error::Source {
                source_arg: source.to_string(),
                message: "neither an OCI image layout (index.json) nor a docker archive \
                          (manifest.json)"
                    .into(),
            })
        }
    };
    match kind {
        Kind::Oci => open_oci(local, tag, opts),
        Kind::Docker => open_docker(local, tag),
    }
}

fn open_oci(local: Local, tag: Option<&str>, opts: &Options) -> Result<Image> {
    let what = local.what.clone();
    let index_bytes = local.read("index.json", MAX_MANIFEST)?;
    let index = match manifest_kind(&index_bytes, None, &format!("{what}: index.json"))? {
        ManifestKind::Index(i) => i,
        ManifestKind::Manifest(_) => {
            return Err(Error::format(
                format!("{what}: index.json"),
                "expected an image index, found a manifest",
            ))
        }
    };
    let names: Vec<String> = index
        .manifests()
        .iter()
        .filter_map(|d| d.annotations().as_ref()?.get(REF_NAME).cloned())
        .collect();
    let desc = if let Some(t) = tag {
        index
            .manifests()
            .iter()
            .find(|d| {
                d.annotations()
                    .as_ref()
                    .and_then(|a| a.get(REF_NAME))
                    .is_some_and(|n| n == t)
            })
            .ok_or_else(|| {
                Error::format(
                    format!("{what}: index.json"),
                    format!("no image named {t:?} (names: {})", names.join(", ")),
                )
            })?
            .clone()
    } else if index.manifests().len() == 1 {
        index.manifests()[0].clone()
    } else if index.manifests().iter().any(|d| d.platform().is_some()) {
        pick_platform(&index, &opts.platform, &format!("{what}: index.json"))?.clone()
    } else if index.manifests().is_empty() {
        return Err(Error::format(format!("{what}: index.json"), "no images"));
    } else {
        return Err(Error::format(
            format!("{what}: index.json"),
            format!(
                "{} images: name one as oci:PATH:NAME (names: {})",
                index.manifests().len(),
                names.join(", ")
            ),
        ));
    };
    let mut digest = desc.digest().to_string();
    for _ in 0..4 {
        let blob_what = format!("{what}: blob {digest}");
        let bytes = local.read(&blob_path(&digest), MAX_MANIFEST)?;
        check_digest(&blob_what, &digest, &bytes)?;
        match manifest_kind(&bytes, None, &blob_what)? {
            ManifestKind::Index(i) => {
                digest = pick_platform(&i, &opts.platform, &blob_what)?
                    .digest()
                    .to_string();
            }
            ManifestKind::Manifest(m) => {
                let config_digest = m.config().digest().to_string();
                let cwhat = format!("{what}: config {config_digest}");
                let cbytes = local.read(&blob_path(&config_digest), MAX_CONFIG)?;
                check_digest(&cwhat, &config_digest, &cbytes)?;
                let config = parse_config(&cbytes, &cwhat)?;
                let layers = m
                    .layers()
                    .iter()
                    .map(|d| Layer {
                        digest: d.digest().to_string(),
                        media_type: Some(d.media_type().to_string()),
                        size: Some(d.size()),
                        location: blob_path(d.digest().as_ref()),
                        verify: Some(d.digest().to_string()),
                    })
                    .collect();
                let reference = match tag {
                    Some(_) => what.clone(),
                    None => desc
                        .annotations()
                        .as_ref()
                        .and_then(|a| a.get(REF_NAME))
                        .map_or_else(|| what.clone(), |n| format!("{what}:{n}")),
                };
                return Ok(Image {
                    reference: ImageRef {
                        reference,
                        digest: Some(digest),
                    },
                    config_digest: Some(config_digest),
                    config,
                    layers,
                    top_digest: None,
                    store: Store::Local(local),
                });
            }
        }
    }
    Err(Error::format(what, "indexes nested more than 4 deep"))
}

#[derive(Deserialize)]
struct DockerEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
}

fn open_docker(local: Local, tag: Option<&str>) -> Result<Image> {
    let what = local.what.clone();
    let mwhat = format!("{what}: manifest.json");
    let bytes = local.read("manifest.json", MAX_MANIFEST)?;
    let entries: Vec<DockerEntry> = serde_json::from_slice(&bytes)
        .map_err(|e| Error::json(&mwhat, "docker archive manifest", e))?;
    let tags_of = |e: &DockerEntry| e.repo_tags.clone().unwrap_or_default();
    let all_tags: Vec<String> = entries.iter().flat_map(tags_of).collect();
    let entry = match tag {
        Some(t) => entries
            .iter()
            .find(|e| {
                tags_of(e)
                    .iter()
                    .any(|rt| rt == t || rt.rsplit_once(':').is_some_and(|(_, x)| x == t))
            })
            .ok_or_else(|| {
                Error::format(
                    &mwhat,
                    format!("no image tagged {t:?} (tags: {})", all_tags.join(", ")),
                )
            })?,
        None => match entries.as_slice() {
            [one] => one,
            [] => return Err(Error::format(&mwhat, "no images")),
            _ => {
                return Err(Error::format(
                    &mwhat,
                    format!(
                        "{} images: name one as docker-archive:PATH:TAG (tags: {})",
                        entries.len(),
                        all_tags.join(", ")
                    ),
                ))
            }
        },
    };
    let cwhat = format!("{what}: {}", entry.config);
    let cbytes = local.read(&entry.config, MAX_CONFIG)?;
    // The config is named by its digest in both layouts docker uses.
    let config_digest = crate::layers::sha256_of(&cbytes);
    let config = parse_config(&cbytes, &cwhat)?;
    let ids = diff_ids(&cbytes);
    let layers = entry
        .layers
        .iter()
        .enumerate()
        .map(|(i, path)| {
            let verify = content_digest_of_name(path);
            let digest = ids
                .get(i)
                .cloned()
                .or_else(|| verify.clone())
                .unwrap_or_else(|| path.clone());
            Layer {
                digest,
                media_type: None,
                size: None,
                location: path.clone(),
                verify,
            }
        })
        .collect();
    let reference = entry
        .repo_tags
        .as_ref()
        .and_then(|t| t.first().cloned())
        .map_or_else(|| what.clone(), |t| format!("{what} ({t})"));
    Ok(Image {
        reference: ImageRef {
            reference,
            digest: None,
        },
        config_digest: Some(config_digest),
        config,
        layers,
        top_digest: None,
        store: Store::Local(local),
    })
}

/// `sha256:<hex>` when a layer file is named by its content (`blobs/sha256/<hex>`,
/// `<hex>.tar`); old `<id>/layer.tar` names are not content digests.
fn content_digest_of_name(path: &str) -> Option<String> {
    let n = normalize(path);
    let hex = if let Some(rest) = n.strip_prefix("blobs/sha256/") {
        rest
    } else {
        n.strip_suffix(".tar")?
    };
    (hex.len() == 64
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then(|| format!("sha256:{hex}"))
}
