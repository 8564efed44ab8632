//! Finds package data embedded in executables while streaming them, with bounded memory:
//! Go's build info (the `\xff Go buildinf:` blob) and cargo-auditable's `.dep-v0` data (a zlib
//! stream of JSON). Both the filter (over an archive stream) and the detector (over a whole
//! binary kept in memory) use [`scan`].

use std::io::{self, Read};

use flate2::{Decompress, FlushDecompress, Status};

pub(crate) const GO_MAGIC: &[u8] = b"\xff Go buildinf:";
/// Go build info larger than this is not read (real ones are a few KB to a few hundred KB).
const GO_MAX: usize = 4 << 20;
/// cargo-auditable JSON larger than this (inflated) is not read.
const DEP_MAX: usize = 16 << 20;
const CHUNK: usize = 256 << 10;
/// Look-ahead kept between chunks so that a candidate near a chunk's end can be checked.
const OVERLAP: usize = 8 << 10;

/// True when `bytes` starts like an ELF, PE or Mach-O executable.
pub(crate) fn is_executable(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x7fELF")
        || bytes.starts_with(b"MZ")
        || bytes.starts_with(&[0xcf, 0xfa, 0xed, 0xfe])
        || bytes.starts_with(&[0xce, 0xfa, 0xed, 0xfe])
        || bytes.starts_with(&[0xfe, 0xed, 0xfa, 0xcf])
        || bytes.starts_with(&[0xfe, 0xed, 0xfa, 0xce])
}

/// What a scan found.
#[derive(Default, Debug)]
pub(crate) struct Found {
    /// Go build info, from its magic to the end of its module info.
    pub go: Option<Vec<u8>>,
    /// cargo-auditable JSON, inflated.
    pub dep: Option<Vec<u8>>,
}

pub(crate) fn find_go_build_info(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut r = bytes;
    scan(&mut r).ok().and_then(|f| f.go)
}

pub(crate) fn find_dep_v0(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut r = bytes;
    scan(&mut r).ok().and_then(|f| f.dep)
}

/// Reads `r` to its end (or until both kinds were found), keeping at most a chunk plus what a
/// found blob needs.
pub(crate) fn scan(r: &mut dyn Read) -> io::Result<Found> {
    let mut found = Found::default();
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + OVERLAP);
    let mut base: u64 = 0;
    let mut eof = false;
    let mut inflater = Decompress::new(true);
    loop {
        fill(r, &mut buf, CHUNK + OVERLAP, &mut eof)?;
        let limit = if eof {
            buf.len()
        } else {
            buf.len().saturating_sub(OVERLAP)
        };
        if found.go.is_none() {
            let mut from = 0;
            while let Some(i) = memchr::memmem::find(&buf[from..limit.min(buf.len())], GO_MAGIC) {
                let p = from + i;
                from = p + 1;
                if (base + p as u64) % 16 != 0 {
                    continue;
                }
                if let Some(blob) = take_go(r, &mut buf, p, &mut eof)? {
                    found.go = Some(blob);
                    break;
                }
            }
        }
        if found.dep.is_none() {
            let mut from = 0;
            while let Some(i) = memchr::memchr(0x78, &buf[from..limit]) {
                let p = from + i;
                from = p + 1;
                match buf.get(p + 1) {
                    Some(0x01 | 0x5e | 0x9c | 0xda) => {}
                    _ => continue,
                }
                if !looks_like_dep(&mut inflater, &buf[p..]) {
                    continue;
                }
                if let Some(json) = take_dep(r, &mut buf, p, &mut eof)? {
                    found.dep = Some(json);
                    break;
                }
            }
        }
        if eof || (found.go.is_some() && found.dep.is_some()) {
            break;
        }
        buf.drain(..limit);
        base += limit as u64;
    }
    Ok(found)
}

fn fill(r: &mut dyn Read, buf: &mut Vec<u8>, want: usize, eof: &mut bool) -> io::Result<()> {
    let mut tmp = [0u8; 64 << 10];
    while buf.len() < want && !*eof {
        let n = (want - buf.len()).min(tmp.len());
        match r.read(&mut tmp[..n]) {
            Ok(0) => *eof = true,
            Ok(k) => buf.extend_from_slice(&tmp[..k]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// How many bytes from the magic the Go build info needs, or `None` when the header is not one.
enum GoLen {
    Need(usize),
    Done(usize),
    Invalid,
}

fn go_len(blob: &[u8]) -> GoLen {
    if blob.len() < 32 {
        return GoLen::Need(32);
    }
    let ptr = blob[14];
    let flags = blob[15];
    if !(ptr == 4 || ptr == 8) || flags & !3 != 0 {
        return GoLen::Invalid;
    }
    if flags & 2 == 0 {
        // Pointer format (before Go 1.18): the header is all we keep.
        return GoLen::Done(32);
    }
    let mut at = 32;
    for _ in 0..2 {
        match uvarint(&blob[at.min(blob.len())..]) {
            Some((len, n)) => {
                let Ok(len) = usize::try_from(len) else {
                    return GoLen::Invalid;
                };
                at = match at.checked_add(n).and_then(|a| a.checked_add(len)) {
                    Some(a) if a <= GO_MAX => a,
                    _ => return GoLen::Invalid,
                };
            }
            None if blob.len() - at.min(blob.len()) >= 10 => return GoLen::Invalid,
            None => return GoLen::Need(at + 10),
        }
        if blob.len() < at {
            return GoLen::Need(at);
        }
    }
    GoLen::Done(at)
}

/// Go's unsigned varint: value and bytes used.
pub(crate) fn uvarint(b: &[u8]) -> Option<(u64, usize)> {
    let mut x: u64 = 0;
    let mut s = 0u32;
    for (i, &byte) in b.iter().enumerate().take(10) {
        if byte < 0x80 {
            return Some((x | (u64::from(byte) << s), i + 1));
        }
        x |= u64::from(byte & 0x7f) << s;
        s += 7;
    }
    None
}

fn take_go(
    r: &mut dyn Read,
    buf: &mut Vec<u8>,
    p: usize,
    eof: &mut bool,
) -> io::Result<Option<Vec<u8>>> {
    loop {
        match go_len(&buf[p..]) {
            GoLen::Invalid => return Ok(None),
            GoLen::Done(n) => return Ok(Some(buf[p..p + n].to_vec())),
            GoLen::Need(n) => {
                if *eof {
                    return Ok(None);
                }
                fill(r, buf, p + n, eof)?;
            }
        }
    }
}

/// Inflates the start of a candidate zlib stream and checks it begins like cargo-auditable JSON.
fn looks_like_dep(inflater: &mut Decompress, data: &[u8]) -> bool {
    inflater.reset(true);
    let mut out = [0u8; 16];
    let input = &data[..data.len().min(OVERLAP)];
    let _ = inflater.decompress(input, &mut out, FlushDecompress::None);
    let n = usize::try_from(inflater.total_out())
        .unwrap_or(0)
        .min(out.len());
    let head = &out[..n];
    n >= 12 && (head.starts_with(b"{\"packages\":") || head.starts_with(b"{\"format\":"))
}

fn take_dep(
    r: &mut dyn Read,
    buf: &mut Vec<u8>,
    p: usize,
    eof: &mut bool,
) -> io::Result<Option<Vec<u8>>> {
    let mut d = Decompress::new(true);
    let mut out: Vec<u8> = Vec::with_capacity(64 << 10);
    let mut at = p;
    loop {
        if at - p > DEP_MAX {
            return Ok(None);
        }
        if at >= buf.len() {
            if *eof {
                return Ok(None);
            }
            let want = buf.len() + (64 << 10);
            fill(r, buf, want, eof)?;
            continue;
        }
        if out.len() == out.capacity() {
            if out.len() >= DEP_MAX {
                return Ok(None);
            }
            out.reserve(64 << 10);
        }
        let before_in = d.total_in();
        let before_out = d.total_out();
        let status = match d.decompress_vec(&buf[at..], &mut out, FlushDecompress::None) {
            Ok(s) => s,
            Err(_) => return Ok(None),
        };
        at += usize::try_from(d.total_in() - before_in).unwrap_or(0);
        match status {
            Status::StreamEnd => return Ok(Some(out)),
            Status::Ok | Status::BufError => {
                let stuck = d.total_in() == before_in && d.total_out() == before_out;
                if (at >= buf.len() && *eof)
                    || (stuck && at < buf.len() && out.len() < out.capacity())
                {
                    return Ok(None);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go_blob() -> Vec<u8> {
        let mut b = GO_MAGIC.to_vec();
        b.extend_from_slice(&[8, 2]);
        b.resize(32, 0);
        b.push(8);
        b.extend_from_slice(b"go1.22.1");
        let modinfo = b"0123456789abcdefpath\tx\nmod\tx\t(devel)\t\n0123456789abcdef";
        b.push(modinfo.len() as u8);
        b.extend_from_slice(modinfo);
        b
    }

    #[test]
    fn go_build_info_across_a_chunk_boundary_after_a_decoy() {
        for at in [CHUNK - 16, CHUNK + OVERLAP - 16, CHUNK * 2 - 32] {
            let mut bin = b"\x7fELF".to_vec();
            bin.resize(1001, 0);
            // A copy of the magic in read-only data, not 16-byte aligned.
            bin.extend_from_slice(GO_MAGIC);
            bin.resize(at, 0);
            let blob = go_blob();
            bin.extend_from_slice(&blob);
            bin.resize(bin.len() + 100_000, 0);
            let found = scan(&mut &bin[..]).expect("scan");
            assert_eq!(found.go.as_deref(), Some(&blob[..]), "blob at {at}");
            assert!(found.dep.is_none());
        }
    }

    #[test]
    fn truncated_build_info_is_not_found() {
        let blob = go_blob();
        let mut bin = b"\x7fELF".to_vec();
        bin.resize(4096, 0);
        bin.extend_from_slice(&blob[..blob.len() - 5]);
        assert!(scan(&mut &bin[..]).expect("scan").go.is_none());
    }
}
