//! Reads container images without extracting them: docker-archive tarballs (`docker save`), OCI
//! image layouts (a directory or a tar of one), and registries over the OCI distribution API.
//!
//! [`open`] resolves a source to one image (choosing a platform in an index) and reads its manifest
//! and config; [`Image::files`] streams the layers in order past a
//! [`FileFilter`](rampart_model::files::FileFilter) and returns the kept files as a
//! [`FileSet`](rampart_model::files::FileSet). Only kept bytes stay in memory; layers are never
//! written to disk; every blob whose digest is known is verified while it streams.
//!
//! Sources (`SOURCE` in [`open`]):
//! - a path: a directory or tar file holding an OCI layout (`index.json`) or a docker archive
//!   (`manifest.json`); the tar may be gzip- or zstd-compressed;
//! - `oci:PATH[:TAG]`, `oci-archive:PATH[:TAG]`, `docker-archive:PATH[:TAG]`: the same, explicitly,
//!   with the image to take when the source holds several;
//! - `docker://REF` or a bare reference (`registry:5000/team/app:tag`, `nginx@sha256:...`): a
//!   registry.

mod error;
mod http;
mod layers;
mod local;
mod registry;
mod signature;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oci_spec::image::{Descriptor, ImageConfiguration, ImageIndex, ImageManifest};
use rampart_model::files::{FileFilter, FileSet};
use rampart_model::k8s::image_ref::ImageReference;
use rampart_model::ImageRef;
use serde::{Deserialize, Serialize};

pub use error::{Error, Result};
pub use layers::LayerDelta;
pub use signature::{CosignKey, Verified};

use layers::{Expect, Tree};

/// The largest manifest or index read (bytes).
pub(crate) const MAX_MANIFEST: u64 = 4 << 20;
/// The largest image config read (bytes).
pub(crate) const MAX_CONFIG: u64 = 32 << 20;

/// Registry credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// A platform: `os/arch[/variant]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Default for Platform {
    fn default() -> Self {
        Platform {
            os: "linux".into(),
            architecture: "amd64".into(),
            variant: None,
        }
    }
}

impl std::str::FromStr for Platform {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let parts: Vec<&str> = s.split('/').collect();
        match parts.as_slice() {
            [os, arch] if !os.is_empty() && !arch.is_empty() => Ok(Platform {
                os: os.to_string(),
                architecture: arch.to_string(),
                variant: None,
            }),
            [os, arch, variant] if !os.is_empty() && !arch.is_empty() && !variant.is_empty() => {
                Ok(Platform {
                    os: os.to_string(),
                    architecture: arch.to_string(),
                    variant: Some(variant.to_string()),
                })
            }
            _ => Err(format!(
                "platform {s:?}: expected os/arch or os/arch/variant (linux/arm64/v8)"
            )),
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// How to open an image.
#[derive(Clone, Debug)]
pub struct Options {
    /// The platform to take from an index; default linux/amd64.
    pub platform: Platform,
    /// Allow plain http to registries that are not on loopback.
    pub insecure: bool,
    /// Registry credentials (basic auth, or for the token service); `None`: those of docker's
    /// config file for the registry, if any ([`docker_config_credentials`]).
    pub credentials: Option<Credentials>,
    /// Timeout of each registry wait: connecting, a response head, each body chunk.
    pub timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            platform: Platform::default(),
            insecure: false,
            credentials: None,
            timeout: Duration::from_secs(30),
        }
    }
}

/// What the image config says about how it runs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImageConfig {
    pub os: String,
    pub architecture: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    pub env: Vec<String>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    pub labels: BTreeMap<String, String>,
}

/// One layer of an image.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Layer {
    /// The digest naming the layer: the blob digest (OCI, registry) or the diff id (docker
    /// archives whose layers are not content-addressed).
    pub digest: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Where the layer is read from: a digest (registry, OCI) or a path inside the archive.
    #[serde(skip)]
    pub(crate) location: String,
    /// The digest the raw bytes must have, when known.
    #[serde(skip)]
    pub(crate) verify: Option<String>,
}

/// The result of reading an image through a filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageFiles {
    pub image: ImageRef,
    /// The config blob's digest.
    pub config_digest: Option<String>,
    pub config: ImageConfig,
    /// The layer digests, base first.
    pub layers: Vec<String>,
    pub files: FileSet,
    /// Oddities that did not stop the read (e.g. a hard link to a missing file).
    pub notes: Vec<String>,
}

/// Where an image's blobs come from.
pub(crate) enum Store {
    Local(local::Local),
    Registry(Box<registry::Repo>),
}

impl Store {
    fn open(&self, layer: &Layer) -> Result<Box<dyn Read + Send + '_>> {
        match self {
            Store::Local(l) => l.open(&layer.location),
            Store::Registry(r) => r.blob(&layer.location),
        }
    }
}

/// An opened image: reference, config and layers known; files read on demand.
pub struct Image {
    reference: ImageRef,
    config_digest: Option<String>,
    config: ImageConfig,
    layers: Vec<Layer>,
    /// The digest the reference resolved to first (an index's, for multi-platform images).
    top_digest: Option<String>,
    store: Store,
}

impl fmt::Debug for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Image")
            .field("reference", &self.reference)
            .field("layers", &self.layers.len())
            .finish()
    }
}

/// A cache of per-layer results for one filter, shared by many images: a base layer that 100
/// images share is read once. Use one cache per filter (the cache cannot tell filters apart);
/// `filter_id` names the filter it belongs to.
pub struct LayerCache {
    filter_id: String,
    map: Mutex<HashMap<String, Arc<LayerDelta>>>,
}

impl LayerCache {
    pub fn new(filter_id: impl Into<String>) -> Self {
        LayerCache {
            filter_id: filter_id.into(),
            map: Mutex::new(HashMap::new()),
        }
    }

    /// The filter this cache belongs to.
    pub fn filter_id(&self) -> &str {
        &self.filter_id
    }

    /// Layers held.
    pub fn len(&self) -> usize {
        self.map.lock().map_or(0, |m| m.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn get(&self, digest: &str) -> Option<Arc<LayerDelta>> {
        self.map.lock().ok()?.get(digest).cloned()
    }

    fn put(&self, digest: &str, delta: Arc<LayerDelta>) {
        if let Ok(mut m) = self.map.lock() {
            m.insert(digest.to_string(), delta);
        }
    }
}

impl Image {
    pub fn reference(&self) -> &ImageRef {
        &self.reference
    }

    pub fn config(&self) -> &ImageConfig {
        &self.config
    }

    pub fn config_digest(&self) -> Option<&str> {
        self.config_digest.as_deref()
    }

    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// Streams every layer, in order, past `filter` and returns what it kept.
    pub fn files(&self, filter: &dyn FileFilter) -> Result<ImageFiles> {
        self.read(filter, None)
    }

    /// As [`Image::files`], reusing (and filling) `cache` for layers already read with the same
    /// filter.
    pub fn files_cached(&self, filter: &dyn FileFilter, cache: &LayerCache) -> Result<ImageFiles> {
        self.read(filter, Some(cache))
    }

    fn read(&self, filter: &dyn FileFilter, cache: Option<&LayerCache>) -> Result<ImageFiles> {
        let mut tree = Tree::default();
        let mut notes = Vec::new();
        for (i, layer) in self.layers.iter().enumerate() {
            let cached = cache.and_then(|c| c.get(&layer.digest));
            let delta = match cached {
                Some(d) => d,
                None => {
                    let open = || self.store.open(layer);
                    let expect = Expect {
                        name: &layer.digest,
                        digest: layer.verify.as_deref(),
                    };
                    let d = Arc::new(layers::read_layer(&open, &expect, filter)?);
                    if let Some(c) = cache {
                        c.put(&layer.digest, Arc::clone(&d));
                    }
                    d
                }
            };
            notes.extend(delta.notes.iter().cloned());
            tree.apply(i, &delta);
        }
        Ok(ImageFiles {
            image: self.reference.clone(),
            config_digest: self.config_digest.clone(),
            config: self.config.clone(),
            layers: self.layers.iter().map(|l| l.digest.clone()).collect(),
            files: tree.into_fileset(),
            notes,
        })
    }
}

/// Reads one filesystem tar (a single layer, or a `docker export` of a container; plain, gzip or
/// zstd) past `filter`, applying its whiteouts as a lone layer would (they remove nothing).
pub fn read_tar<'r, R: Read + Send + 'r>(reader: R, filter: &dyn FileFilter) -> Result<FileSet> {
    let cell = Mutex::new(Some(reader));
    let open = || -> Result<Box<dyn Read + Send + 'r>> {
        let r = cell.lock().ok().and_then(|mut c| c.take());
        r.map(|r| Box::new(r) as Box<dyn Read + Send + 'r>)
            .ok_or_else(|| {
                Error::format(
                    "tar",
                    "a stream can be read once (hard links to files not kept are skipped)",
                )
            })
    };
    let expect = Expect {
        name: "tar",
        digest: None,
    };
    let delta = layers::read_layer(&open, &expect, filter)?;
    let mut tree = Tree::default();
    tree.apply(0, &delta);
    Ok(tree.into_fileset())
}

/// Credentials for `registry` from docker's config file (`$DOCKER_CONFIG/config.json`, else
/// `~/.docker/config.json`): the `auth` (base64 `user:password`) of its `auths` entry. Credential
/// helpers (`credsStore`) are not run.
pub fn docker_config_credentials(registry: &str) -> Option<Credentials> {
    let path = match std::env::var_os("DOCKER_CONFIG") {
        Some(d) => std::path::PathBuf::from(d).join("config.json"),
        None => std::path::PathBuf::from(std::env::var_os("HOME")?).join(".docker/config.json"),
    };
    let text = std::fs::read_to_string(path).ok()?;
    credentials_from_docker_config(&text, registry)
}

/// As [`docker_config_credentials`], from the file's text.
pub fn credentials_from_docker_config(text: &str, registry: &str) -> Option<Credentials> {
    use base64::Engine as _;
    let doc: serde_json::Value = serde_json::from_str(text).ok()?;
    let auths = doc.get("auths")?.as_object()?;
    let host_of = |k: &str| {
        let k = k
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        k.split('/').next().unwrap_or(k).to_string()
    };
    let wanted = if registry == "docker.io" {
        vec!["docker.io", "index.docker.io", "registry-1.docker.io"]
    } else {
        vec![registry]
    };
    let entry = auths
        .iter()
        .find(|(k, _)| wanted.contains(&host_of(k).as_str()))?
        .1;
    let auth = entry.get("auth")?.as_str()?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(auth.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (username, password) = decoded.split_once(':')?;
    Some(Credentials {
        username: username.to_string(),
        password: password.to_string(),
    })
}

/// Opens the image `source` names (see the crate documentation for the forms).
pub fn open(source: &str, opts: &Options) -> Result<Image> {
    let source = source.trim();
    for (prefix, kind) in [
        ("oci:", Some(local::Kind::Oci)),
        ("oci-archive:", Some(local::Kind::Oci)),
        ("docker-archive:", Some(local::Kind::Docker)),
    ] {
        if let Some(rest) = source.strip_prefix(prefix) {
            let (path, tag) = split_path_tag(rest);
            return local::open(source, Path::new(path), tag, kind, opts);
        }
    }
    if let Some(rest) = source.strip_prefix("docker://") {
        return open_registry(source, rest, opts);
    }
    let p = Path::new(source);
    if p.exists() {
        return local::open(source, p, None, None, opts);
    }
    let looks_like_a_file = [".tar", ".tgz", ".gz", ".zst", ".json"]
        .iter()
        .any(|ext| source.ends_with(ext))
        || source.contains(".tar.");
    if source.starts_with('/') || source.starts_with('.') || looks_like_a_file {
        return Err(Error::Source {
            source_arg: source.to_string(),
            message: "no such file or directory".into(),
        });
    }
    open_registry(source, source, opts)
}

/// `PATH:TAG` when PATH exists and TAG has no `/`; else all of it is the path.
fn split_path_tag(s: &str) -> (&str, Option<&str>) {
    if Path::new(s).exists() {
        return (s, None);
    }
    match s.rsplit_once(':') {
        Some((p, t)) if !t.contains('/') && !p.is_empty() => (p, Some(t).filter(|t| !t.is_empty())),
        _ => (s, None),
    }
}

fn open_registry(source: &str, reference: &str, opts: &Options) -> Result<Image> {
    let parsed = ImageReference::parse(reference);
    if parsed.name.is_empty() {
        return Err(Error::Source {
            source_arg: source.to_string(),
            message: "not an image reference, file or directory".into(),
        });
    }
    if let Some(d) = parsed.digest {
        if let Err(p) = rampart_model::k8s::image_ref::validate_digest(d) {
            return Err(Error::Source {
                source_arg: source.to_string(),
                message: p.to_string(),
            });
        }
    }
    let (registry, path) = parsed.registry_and_path();
    let repo = if opts.credentials.is_none() {
        let mut with_creds = opts.clone();
        with_creds.credentials = docker_config_credentials(registry);
        registry::Repo::new(registry, &path, &with_creds)?
    } else {
        registry::Repo::new(registry, &path, opts)?
    };
    let wanted = parsed.digest.or(parsed.tag).unwrap_or("latest");
    let what = format!("{registry}/{path}");
    let mut reference = wanted.to_string();
    let mut pinned = parsed.digest.map(str::to_string);
    let mut top_digest: Option<String> = None;
    for _ in 0..4 {
        let (bytes, ctype) = repo.manifest(&reference)?;
        let digest = layers::sha256_of(&bytes);
        top_digest.get_or_insert_with(|| digest.clone());
        if let Some(p) = &pinned {
            if p.starts_with("sha256:") && *p != digest {
                return Err(Error::Digest {
                    what: format!("manifest {what}@{reference}"),
                    expected: p.clone(),
                    actual: digest,
                });
            }
        }
        match manifest_kind(&bytes, ctype.as_deref(), &what)? {
            ManifestKind::Index(index) => {
                let desc = pick_platform(&index, &opts.platform, &what)?;
                reference = desc.digest().to_string();
                pinned = Some(reference.clone());
            }
            ManifestKind::Manifest(m) => {
                let config_digest = m.config().digest().to_string();
                let config_bytes = repo.blob_bytes(&config_digest, MAX_CONFIG)?;
                check_digest(
                    &format!("config {config_digest}"),
                    &config_digest,
                    &config_bytes,
                )?;
                let config = parse_config(&config_bytes, &format!("config {config_digest}"))?;
                let layers = m
                    .layers()
                    .iter()
                    .map(|d| Layer {
                        digest: d.digest().to_string(),
                        media_type: Some(d.media_type().to_string()),
                        size: Some(d.size()),
                        location: d.digest().to_string(),
                        verify: Some(d.digest().to_string()),
                    })
                    .collect();
                return Ok(Image {
                    reference: ImageRef {
                        reference: source
                            .strip_prefix("docker://")
                            .unwrap_or(source)
                            .to_string(),
                        digest: Some(digest),
                    },
                    config_digest: Some(config_digest),
                    config,
                    layers,
                    top_digest,
                    store: Store::Registry(Box::new(repo)),
                });
            }
        }
    }
    Err(Error::format(what, "indexes nested more than 4 deep"))
}

pub(crate) enum ManifestKind {
    Index(Box<ImageIndex>),
    Manifest(Box<ImageManifest>),
}

/// An index or a manifest, by media type (the document's, else the response's) or shape.
pub(crate) fn manifest_kind(bytes: &[u8], ctype: Option<&str>, what: &str) -> Result<ManifestKind> {
    #[derive(Deserialize)]
    struct Probe {
        #[serde(rename = "mediaType")]
        media_type: Option<String>,
        #[serde(rename = "schemaVersion")]
        schema_version: Option<u32>,
        manifests: Option<serde::de::IgnoredAny>,
    }
    let probe: Probe =
        serde_json::from_slice(bytes).map_err(|e| Error::json(what, "manifest or index", e))?;
    if probe.schema_version == Some(1) {
        return Err(Error::format(
            what,
            "docker manifest schema 1 is not supported (expected schema 2 or OCI)",
        ));
    }
    let mt = probe.media_type.as_deref().or(ctype).unwrap_or("");
    let is_index =
        mt.contains("index") || mt.contains("manifest.list") || probe.manifests.is_some();
    if is_index {
        serde_json::from_slice(bytes)
            .map(|i| ManifestKind::Index(Box::new(i)))
            .map_err(|e| Error::json(what, "image index", e))
    } else {
        serde_json::from_slice(bytes)
            .map(|m| ManifestKind::Manifest(Box::new(m)))
            .map_err(|e| Error::json(what, "image manifest", e))
    }
}

/// The index entry for `want`: os and architecture equal, the variant too when asked for (else
/// an entry without a variant first).
pub(crate) fn pick_platform<'a>(
    index: &'a ImageIndex,
    want: &Platform,
    what: &str,
) -> Result<&'a Descriptor> {
    let entries = index.manifests();
    if entries.len() == 1 && entries[0].platform().is_none() {
        return Ok(&entries[0]);
    }
    let mut best: Option<&Descriptor> = None;
    for d in entries {
        let Some(p) = d.platform() else { continue };
        if p.os().to_string() != want.os || p.architecture().to_string() != want.architecture {
            continue;
        }
        match (&want.variant, p.variant()) {
            (Some(w), Some(v)) if w == v => return Ok(d),
            (Some(_), _) => continue,
            (None, None) => return Ok(d),
            (None, Some(_)) => {
                best.get_or_insert(d);
            }
        }
    }
    best.ok_or_else(|| Error::Platform {
        what: what.to_string(),
        wanted: want.to_string(),
        available: entries
            .iter()
            .filter_map(|d| d.platform().as_ref())
            .map(|p| {
                let mut s = format!("{}/{}", p.os(), p.architecture());
                if let Some(v) = p.variant() {
                    s.push('/');
                    s.push_str(v);
                }
                s
            })
            .collect(),
    })
}

pub(crate) fn check_digest(what: &str, expected: &str, bytes: &[u8]) -> Result<()> {
    if !expected.starts_with("sha256:") {
        return Ok(());
    }
    let actual = layers::sha256_of(bytes);
    if actual != expected {
        return Err(Error::Digest {
            what: what.to_string(),
            expected: expected.to_string(),
            actual,
        });
    }
    Ok(())
}

/// The config fields rampart uses, and the diff ids.
pub(crate) fn parse_config(bytes: &[u8], what: &str) -> Result<ImageConfig> {
    let c: ImageConfiguration =
        serde_json::from_slice(bytes).map_err(|e| Error::json(what, "image config", e))?;
    let mut out = ImageConfig {
        os: c.os().to_string(),
        architecture: c.architecture().to_string(),
        variant: c.variant().clone(),
        ..ImageConfig::default()
    };
    if let Some(cfg) = c.config() {
        out.user = cfg.user().clone().filter(|u| !u.is_empty());
        out.env = cfg.env().clone().unwrap_or_default();
        out.entrypoint = cfg.entrypoint().clone().unwrap_or_default();
        out.cmd = cfg.cmd().clone().unwrap_or_default();
        out.working_dir = cfg.working_dir().clone().filter(|w| !w.is_empty());
        out.labels = cfg
            .labels()
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect();
    }
    Ok(out)
}

/// The diff ids a config lists (for docker archives, whose layers are named by them).
pub(crate) fn diff_ids(bytes: &[u8]) -> Vec<String> {
    serde_json::from_slice::<ImageConfiguration>(bytes)
        .map(|c| {
            c.rootfs()
                .diff_ids()
                .iter()
                .map(|d| d.to_string())
                .collect()
        })
        .unwrap_or_default()
}
