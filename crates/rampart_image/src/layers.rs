//! Layers: streamed through the decompressor and the tar reader, each regular file offered to the
//! [`FileFilter`], and applied in order (later files replace earlier ones; whiteouts and opaque
//! directories remove what lower layers had).
//!
//! A layer is first turned into a [`LayerDelta`] (what it puts and removes, with the kept bytes),
//! which does not depend on the layers below it, so it can be cached by layer digest and shared by
//! every image built on the same base. Then the deltas are applied in order to a [`Tree`].

use std::collections::{BTreeMap, HashMap};
use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;

use rampart_model::files::{normalize, EntryMeta, FileFilter, FileSet};

use crate::error::{Error, Result};

/// Opens a layer's raw (possibly compressed) bytes from the start; called again when a second
/// pass over the layer is needed (hard links to files the filter did not keep).
pub(crate) type Opener<'s, 'a> = dyn Fn() -> Result<Box<dyn Read + Send + 'a>> + 's;

/// The most passes over one layer to resolve hard links (one link per target per pass).
const MAX_LINK_PASSES: usize = 8;

/// A prefix of a whiteout file's name.
const WHITEOUT: &str = ".wh.";
/// The name of an opaque-directory marker.
const OPAQUE: &str = ".wh..wh..opq";

/// One change a layer makes, in archive order.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    /// Remove everything lower layers had under this directory.
    Opaque(String),
    /// Remove this path (and what is under it) from lower layers.
    Whiteout(String),
    /// A regular file (kept bytes, or `None` when the filter did not keep it).
    File(String, Option<Arc<Vec<u8>>>),
    /// A symbolic link and its target as written.
    Symlink(String, String),
    /// A directory.
    Dir(String),
    /// A device, fifo or other non-regular file: it replaces what was there, nothing is kept.
    Other(String),
    /// A hard link to a file of a lower layer: gets that file's kept bytes, if any.
    LinkLower(String, String),
}

/// What one layer does, independent of the layers below it.
#[derive(Clone, Debug, Default)]
pub struct LayerDelta {
    pub(crate) ops: Vec<Op>,
    /// Oddities met while reading (unresolvable hard links), for the caller's notes.
    pub(crate) notes: Vec<String>,
}

/// Compression of a layer (or an outer archive), recognised by its magic bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub(crate) fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

/// Counts and hashes (SHA-256) what passes through.
pub(crate) struct Hashing<R> {
    inner: R,
    ctx: ring::digest::Context,
    pub(crate) count: u64,
}

impl<R: Read> Hashing<R> {
    pub(crate) fn new(inner: R) -> Self {
        Hashing {
            inner,
            ctx: ring::digest::Context::new(&ring::digest::SHA256),
            count: 0,
        }
    }

    /// `sha256:<hex>` of everything read so far.
    pub(crate) fn finish(self) -> String {
        sha256_name(self.ctx.finish().as_ref())
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.ctx.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

/// `sha256:<hex>` of a digest's bytes.
pub(crate) fn sha256_name(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(7 + 64);
    s.push_str("sha256:");
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// `sha256:<hex>` of a byte string.
pub(crate) fn sha256_of(data: &[u8]) -> String {
    sha256_name(ring::digest::digest(&ring::digest::SHA256, data).as_ref())
}

/// A decompressing reader whose raw stream can be drained (to finish its digest) afterwards.
pub(crate) enum Decoder<R: Read> {
    Plain(BufReader<R>),
    Gzip(Box<flate2::bufread::MultiGzDecoder<BufReader<R>>>),
    Zstd(Box<zstd::stream::read::Decoder<'static, BufReader<R>>>),
}

impl<R: Read> Decoder<R> {
    /// Sniffs the compression from the first bytes.
    pub(crate) fn new(inner: R) -> io::Result<Self> {
        let mut buf = BufReader::with_capacity(256 * 1024, inner);
        let head = buf.fill_buf()?;
        Ok(match Compression::sniff(head) {
            Compression::None => Decoder::Plain(buf),
            Compression::Gzip => Decoder::Gzip(Box::new(flate2::bufread::MultiGzDecoder::new(buf))),
            Compression::Zstd => Decoder::Zstd(Box::new(
                zstd::stream::read::Decoder::with_buffer(buf)?.single_frame(),
            )),
        })
    }

    /// The raw stream, positioned after what the decoder consumed.
    pub(crate) fn into_raw(self) -> BufReader<R> {
        match self {
            Decoder::Plain(b) => b,
            Decoder::Gzip(g) => g.into_inner(),
            Decoder::Zstd(z) => z.finish(),
        }
    }
}

impl<R: Read> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoder::Plain(r) => r.read(buf),
            Decoder::Gzip(r) => r.read(buf),
            Decoder::Zstd(r) => r.read(buf),
        }
    }
}

/// Pads a stream that ends inside a tar block with zeros up to the block's end. umoci 0.4 (Debian's)
/// writes layers whose last file's data is not padded and that have no end-of-archive blocks;
/// tar readers that insist on the padding reject them. Truncation anywhere else still fails
/// (the reader then misses more than one block), and the digest catches the rest.
pub(crate) struct PadToBlock<R> {
    inner: R,
    count: u64,
    pad: u64,
    padded: bool,
}

impl<R: Read> PadToBlock<R> {
    pub(crate) fn new(inner: R) -> Self {
        PadToBlock {
            inner,
            count: 0,
            pad: 0,
            padded: false,
        }
    }
}

impl<R: Read> Read for PadToBlock<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pad == 0 && !self.padded {
            let n = self.inner.read(buf)?;
            self.count += n as u64;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            let rem = self.count % 512;
            if rem == 0 {
                return Ok(0);
            }
            self.pad = 512 - rem;
            self.padded = true;
        }
        let n = (self.pad.min(buf.len() as u64)) as usize;
        buf[..n].fill(0);
        self.pad -= n as u64;
        Ok(n)
    }
}

/// What a layer's digest should be checked against.
pub(crate) struct Expect<'a> {
    /// The name used in errors (the digest, or the file in an archive).
    pub(crate) name: &'a str,
    /// The digest of the raw (compressed) bytes, checked while streaming.
    pub(crate) digest: Option<&'a str>,
}

/// Reads one layer into a [`LayerDelta`]: one streamed pass, plus a few more only when hard links
/// point at files the filter did not keep but wants under the link's name.
pub(crate) fn read_layer(
    open: &Opener<'_, '_>,
    expect: &Expect<'_>,
    filter: &dyn FileFilter,
) -> Result<LayerDelta> {
    let layer_err = |e: io::Error| Error::Layer {
        layer: expect.name.to_string(),
        message: e.to_string(),
    };
    let mut delta = LayerDelta::default();
    // Regular files of this layer: path -> (size, mode, index of its op).
    let mut seen: HashMap<String, (u64, u32, usize)> = HashMap::new();
    // Hard links wanted under their own name whose target was not kept: target -> [(link, op index)].
    let mut pending: BTreeMap<String, Vec<(String, usize)>> = BTreeMap::new();

    let raw = open()?;
    let mut decoder = Decoder::new(Hashing::new(raw)).map_err(layer_err)?;
    {
        let mut archive = tar::Archive::new(PadToBlock::new(&mut decoder));
        let entries = archive.entries().map_err(layer_err)?;
        for entry in entries {
            let mut entry = entry.map_err(layer_err)?;
            let raw_path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let path = normalize(&raw_path);
            if path.is_empty() {
                continue;
            }
            let (parent, base) = match path.rsplit_once('/') {
                Some((p, b)) => (p, b),
                None => ("", path.as_str()),
            };
            if base == OPAQUE {
                delta.ops.push(Op::Opaque(parent.to_string()));
                continue;
            }
            if let Some(name) = base.strip_prefix(WHITEOUT) {
                // `.wh..wh.*` other than the opaque marker are aufs bookkeeping: ignored.
                if !name.starts_with(WHITEOUT) && !name.is_empty() {
                    let target = if parent.is_empty() {
                        name.to_string()
                    } else {
                        format!("{parent}/{name}")
                    };
                    delta.ops.push(Op::Whiteout(target));
                }
                continue;
            }
            let header = entry.header();
            let kind = header.entry_type();
            let mode = header.mode().unwrap_or(0o644);
            let link = entry
                .link_name_bytes()
                .map(|l| String::from_utf8_lossy(&l).into_owned());
            match kind {
                tar::EntryType::Regular
                | tar::EntryType::Continuous
                | tar::EntryType::GNUSparse => {
                    let size = entry.size();
                    let meta = EntryMeta {
                        path: &path,
                        size,
                        mode,
                    };
                    let kept = if filter.wants(&meta) {
                        filter
                            .keep(&meta, &mut entry)
                            .map_err(layer_err)?
                            .map(Arc::new)
                    } else {
                        None
                    };
                    seen.insert(path.clone(), (size, mode, delta.ops.len()));
                    delta.ops.push(Op::File(path, kept));
                }
                tar::EntryType::Directory => delta.ops.push(Op::Dir(path)),
                tar::EntryType::Symlink => {
                    delta.ops.push(Op::Symlink(path, link.unwrap_or_default()));
                }
                tar::EntryType::Link => {
                    let target = normalize(&link.unwrap_or_default());
                    match seen.get(&target).copied() {
                        Some((size, tmode, idx)) => {
                            let meta = EntryMeta {
                                path: &path,
                                size,
                                mode: tmode,
                            };
                            let target_kept = match &delta.ops[idx] {
                                Op::File(_, k) => k.clone(),
                                _ => None,
                            };
                            let wanted = filter.wants(&meta);
                            let op_idx = delta.ops.len();
                            match (wanted, target_kept) {
                                (true, Some(k)) => delta.ops.push(Op::File(path.clone(), Some(k))),
                                (true, None) => {
                                    pending
                                        .entry(target)
                                        .or_default()
                                        .push((path.clone(), op_idx));
                                    delta.ops.push(Op::File(path.clone(), None));
                                }
                                (false, _) => delta.ops.push(Op::File(path.clone(), None)),
                            }
                            seen.insert(path, (size, tmode, op_idx));
                        }
                        None => delta.ops.push(Op::LinkLower(path, target)),
                    }
                }
                _ => delta.ops.push(Op::Other(path)),
            }
        }
    }
    if let Some(want) = expect.digest {
        let mut raw = decoder.into_raw();
        io::copy(&mut raw, &mut io::sink()).map_err(layer_err)?;
        let actual = raw.into_inner().finish();
        if actual != want {
            return Err(Error::Digest {
                what: format!("layer {}", expect.name),
                expected: want.to_string(),
                actual,
            });
        }
    }

    // Hard links whose target the filter did not keep: read the targets again, under the link's name.
    let mut passes = 0;
    while !pending.is_empty() && passes < MAX_LINK_PASSES {
        passes += 1;
        // A source that cannot be read again (a one-shot stream) leaves the links unresolved.
        let Ok(raw) = open() else { break };
        let decoder = Decoder::new(raw).map_err(layer_err)?;
        let mut archive = tar::Archive::new(PadToBlock::new(decoder));
        for entry in archive.entries().map_err(layer_err)? {
            let mut entry = entry.map_err(layer_err)?;
            if !matches!(
                entry.header().entry_type(),
                tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse
            ) {
                continue;
            }
            let path = normalize(&String::from_utf8_lossy(&entry.path_bytes()));
            let Some(links) = pending.get_mut(&path) else {
                continue;
            };
            let Some((link, idx)) = links.pop() else {
                continue;
            };
            if links.is_empty() {
                pending.remove(&path);
            }
            let meta = EntryMeta {
                path: &link,
                size: entry.size(),
                mode: entry.header().mode().unwrap_or(0o644),
            };
            let kept = filter.keep(&meta, &mut entry).map_err(layer_err)?;
            delta.ops[idx] = Op::File(link, kept.map(Arc::new));
        }
    }
    for (target, links) in pending {
        for (link, _) in links {
            delta.notes.push(format!(
                "layer {}: hard link {link} -> {target}: target not found in the layer",
                expect.name
            ));
        }
    }
    Ok(delta)
}

/// A kept node of the merged filesystem, with the index of the layer that put it.
#[derive(Clone, Debug)]
enum Node {
    File(Arc<Vec<u8>>),
    Symlink(String),
}

/// The merged filesystem: only kept files and symbolic links.
#[derive(Default)]
pub(crate) struct Tree {
    nodes: BTreeMap<String, (usize, Node)>,
}

impl Tree {
    /// Applies layer number `layer` (0 is the base).
    pub(crate) fn apply(&mut self, layer: usize, delta: &LayerDelta) {
        for op in &delta.ops {
            match op {
                Op::Opaque(dir) => self.remove_under(dir, Some(layer)),
                Op::Whiteout(path) => {
                    if self.nodes.get(path).is_some_and(|(l, _)| *l < layer) {
                        self.nodes.remove(path);
                    }
                    self.remove_under(path, Some(layer));
                }
                Op::File(path, kept) => {
                    self.replace(path, false);
                    if let Some(k) = kept {
                        self.nodes
                            .insert(path.clone(), (layer, Node::File(Arc::clone(k))));
                    }
                }
                Op::Symlink(path, target) => {
                    self.replace(path, false);
                    self.nodes
                        .insert(path.clone(), (layer, Node::Symlink(target.clone())));
                }
                Op::Dir(path) => self.replace(path, true),
                Op::Other(path) => self.replace(path, false),
                Op::LinkLower(path, target) => {
                    let node = match self.nodes.get(target) {
                        Some((_, Node::File(b))) => Some(Node::File(Arc::clone(b))),
                        _ => None,
                    };
                    self.replace(path, false);
                    if let Some(n) = node {
                        self.nodes.insert(path.clone(), (layer, n));
                    }
                }
            }
        }
    }

    /// Something new at `path`: what was there goes, a non-directory also replaces a directory
    /// (everything under it), and files in the way of its parents go.
    fn replace(&mut self, path: &str, dir: bool) {
        self.nodes.remove(path);
        if !dir {
            self.remove_under(path, None);
        }
        let mut end = 0;
        while let Some(i) = path[end..].find('/') {
            let parent = &path[..end + i];
            if matches!(self.nodes.get(parent), Some((_, Node::File(_)))) {
                self.nodes.remove(parent);
            }
            end += i + 1;
        }
    }

    /// Removes everything strictly under `dir` (put by layers below `below`, when given).
    fn remove_under(&mut self, dir: &str, below: Option<usize>) {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let doomed: Vec<String> = self
            .nodes
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(_, (l, _))| below.is_none_or(|b| *l < b))
            .map(|(k, _)| k.clone())
            .collect();
        for k in doomed {
            self.nodes.remove(&k);
        }
    }

    pub(crate) fn into_fileset(self) -> FileSet {
        let mut fs = FileSet::default();
        for (path, (_, node)) in self.nodes {
            match node {
                Node::File(b) => {
                    let bytes = Arc::try_unwrap(b).unwrap_or_else(|shared| (*shared).clone());
                    fs.files.insert(path, bytes);
                }
                Node::Symlink(t) => {
                    fs.symlinks.insert(path, t);
                }
            }
        }
        fs
    }
}
