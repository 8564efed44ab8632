//! rpm databases: sqlite (`rpmdb.sqlite`, table `Packages(hnum, blob)`) and Berkeley DB hash
//! (`Packages`), each value an rpm header blob. The ndb format (`Packages.db`) is reported as
//! unsupported.

use rusqlite::{Connection, MAIN_DB};

use crate::{purl, Kind, Out, Package};

const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_LICENSE: u32 = 1014;
const TAG_ARCH: u32 = 1022;
const TAG_SOURCERPM: u32 = 1044;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

pub(crate) fn is_database(path: &str) -> bool {
    matches!(
        path,
        "var/lib/rpm/Packages"
            | "var/lib/rpm/rpmdb.sqlite"
            | "var/lib/rpm/Packages.db"
            | "usr/lib/sysimage/rpm/Packages"
            | "usr/lib/sysimage/rpm/rpmdb.sqlite"
            | "usr/lib/sysimage/rpm/Packages.db"
    )
}

pub(crate) fn database(path: &str, bytes: &[u8], out: &mut Out<'_>) {
    let blobs = if bytes.starts_with(b"SQLite format 3\0") {
        sqlite_blobs(bytes)
    } else if path.ends_with("Packages.db") {
        Err("ndb rpm databases (Packages.db) are not supported".to_string())
    } else {
        bdb_blobs(bytes)
    };
    let blobs = match blobs {
        Ok(b) => b,
        Err(e) => {
            out.err(path, None, e);
            return;
        }
    };
    for (i, blob) in blobs.iter().enumerate() {
        match header(blob) {
            Ok(h) => push(path, h, out),
            Err(e) => out.err(path, None, format!("header {}: {e}", i + 1)),
        }
    }
}

fn sqlite_blobs(bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut copy = bytes.to_vec();
    // Open WAL-mode files as rollback-journal ones: the in-memory copy has no WAL beside it.
    if copy.len() > 19 {
        copy[18] = 1;
        copy[19] = 1;
    }
    let mut conn = Connection::open_in_memory().map_err(|e| format!("sqlite: {e}"))?;
    let len = copy.len();
    conn.deserialize_read_exact(MAIN_DB, &copy[..], len, true)
        .map_err(|e| format!("not a readable sqlite database: {e}"))?;
    let mut stmt = conn
        .prepare("SELECT blob FROM Packages")
        .map_err(|e| format!("expected a Packages table with a blob column: {e}"))?;
    let rows = stmt
        .query_map([], |r| r.get::<_, Vec<u8>>(0))
        .map_err(|e| format!("reading Packages: {e}"))?;
    let mut blobs = Vec::new();
    for r in rows {
        blobs.push(r.map_err(|e| format!("reading Packages: {e}"))?);
    }
    Ok(blobs)
}

/// Berkeley DB hash database: every value stored on overflow pages is a header blob.
fn bdb_blobs(b: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    const HASH_MAGIC: u32 = 0x0006_1561;
    const P_HASH_UNSORTED: u8 = 2;
    const P_HASH: u8 = 13;
    const P_OVERFLOW: u8 = 7;
    const H_OFFPAGE: u8 = 3;
    const HDR: usize = 26;
    if b.len() < 72 {
        return Err("too short for a Berkeley DB file".into());
    }
    let le = u32::from_le_bytes([b[12], b[13], b[14], b[15]]) == HASH_MAGIC;
    let be = u32::from_be_bytes([b[12], b[13], b[14], b[15]]) == HASH_MAGIC;
    if !le && !be {
        return Err("expected a Berkeley DB hash database (magic 0x061561)".into());
    }
    let u32_at = |buf: &[u8], at: usize| -> Option<u32> {
        let s: [u8; 4] = buf.get(at..at + 4)?.try_into().ok()?;
        Some(if le {
            u32::from_le_bytes(s)
        } else {
            u32::from_be_bytes(s)
        })
    };
    let u16_at = |buf: &[u8], at: usize| -> Option<u16> {
        let s: [u8; 2] = buf.get(at..at + 2)?.try_into().ok()?;
        Some(if le {
            u16::from_le_bytes(s)
        } else {
            u16::from_be_bytes(s)
        })
    };
    let page_size = u32_at(b, 20).unwrap_or(0) as usize;
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(format!("bad Berkeley DB page size {page_size}"));
    }
    let last = u32_at(b, 32).unwrap_or(0) as usize;
    let page = |n: usize| -> Option<&[u8]> {
        b.get(n.checked_mul(page_size)?..(n + 1).checked_mul(page_size)?)
    };
    let mut blobs = Vec::new();
    for n in 1..=last {
        let Some(p) = page(n) else {
            return Err(format!("page {n} lies beyond the end of the file"));
        };
        if p[25] != P_HASH_UNSORTED && p[25] != P_HASH {
            continue;
        }
        let entries = usize::from(u16_at(p, 20).unwrap_or(0));
        // Entries come in key/value pairs; values are the odd ones.
        for i in (1..entries).step_by(2) {
            let Some(off) = u16_at(p, HDR + 2 * i) else {
                break;
            };
            let off = usize::from(off);
            if p.get(off) != Some(&H_OFFPAGE) {
                continue;
            }
            let (Some(mut pgno), Some(total)) = (u32_at(p, off + 4), u32_at(p, off + 8)) else {
                continue;
            };
            let total = total as usize;
            let mut value = Vec::with_capacity(total.min(16 << 20));
            let mut hops = 0;
            while pgno != 0 && value.len() < total {
                hops += 1;
                let Some(op) = page(pgno as usize).filter(|op| op[25] == P_OVERFLOW) else {
                    return Err(format!(
                        "overflow page {pgno} is missing or not an overflow page"
                    ));
                };
                if hops > last + 1 {
                    return Err("overflow page chain loops".into());
                }
                let used = usize::from(u16_at(op, 22).unwrap_or(0));
                let end = (HDR + used).min(op.len());
                value.extend_from_slice(&op[HDR..end]);
                pgno = u32_at(op, 16).unwrap_or(0);
            }
            value.truncate(total);
            blobs.push(value);
        }
    }
    Ok(blobs)
}

#[derive(Debug, Default)]
struct Header {
    name: Option<String>,
    version: Option<String>,
    release: Option<String>,
    epoch: Option<i64>,
    arch: Option<String>,
    license: Option<String>,
    sourcerpm: Option<String>,
}

/// Parses an rpm header blob: index count and data length (big-endian), index entries of 16 bytes
/// (tag, type, offset, count), then the data store.
fn header(blob: &[u8]) -> Result<Header, String> {
    let be = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(blob.get(at..at + 4)?.try_into().ok()?))
    };
    let (Some(il), Some(dl)) = (be(0), be(4)) else {
        return Err("shorter than a header's 8-byte preamble".into());
    };
    let (il, dl) = (il as usize, dl as usize);
    let store_at = il
        .checked_mul(16)
        .and_then(|x| x.checked_add(8))
        .filter(|&s| s.checked_add(dl).is_some_and(|e| e <= blob.len()))
        .ok_or_else(|| {
            format!(
                "{il} index entries and {dl} data bytes do not fit in {} bytes",
                blob.len()
            )
        })?;
    let store = &blob[store_at..store_at + dl];
    let mut h = Header::default();
    for i in 0..il {
        let at = 8 + 16 * i;
        let (Some(tag), Some(ty), Some(off), Some(_count)) =
            (be(at), be(at + 4), be(at + 8), be(at + 12))
        else {
            break;
        };
        let off = off as usize;
        let string = || -> Option<String> {
            if !matches!(ty, TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING) {
                return None;
            }
            let s = store.get(off..)?;
            let end = memchr::memchr(0, s)?;
            Some(String::from_utf8_lossy(&s[..end]).into_owned())
        };
        match tag {
            TAG_NAME => h.name = string(),
            TAG_VERSION => h.version = string(),
            TAG_RELEASE => h.release = string(),
            TAG_ARCH => h.arch = string(),
            TAG_LICENSE => h.license = string(),
            TAG_SOURCERPM => h.sourcerpm = string(),
            TAG_EPOCH if ty == TYPE_INT32 => {
                h.epoch = store
                    .get(off..off + 4)
                    .and_then(|s| s.try_into().ok())
                    .map(|s: [u8; 4]| i64::from(i32::from_be_bytes(s)));
            }
            _ => {}
        }
    }
    Ok(h)
}

/// `glibc-2.34-60.el9.src.rpm` -> (`glibc`, `2.34-60.el9`).
fn split_source_rpm(s: &str) -> Option<(String, String)> {
    let base = s.strip_suffix(".rpm")?;
    let base = base.rsplit_once('.').map(|(b, _arch)| b).unwrap_or(base);
    let (rest, release) = base.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    Some((name.to_string(), format!("{version}-{release}")))
}

fn push(path: &str, h: Header, out: &mut Out<'_>) {
    let (Some(name), Some(version)) = (h.name, h.version) else {
        out.err(path, None, "header without a name or version tag");
        return;
    };
    if name == "gpg-pubkey" {
        return;
    }
    let release = h.release.unwrap_or_default();
    let evr = match (h.epoch, release.is_empty()) {
        (Some(e), false) if e != 0 => format!("{e}:{version}-{release}"),
        (Some(e), true) if e != 0 => format!("{e}:{version}"),
        (_, false) => format!("{version}-{release}"),
        (_, true) => version.clone(),
    };
    let vr = if release.is_empty() {
        version.clone()
    } else {
        format!("{version}-{release}")
    };
    let (ecosystem, namespace, distro_q) = match out.distro {
        Some(d) => (
            d.ecosystem().unwrap_or_else(|| d.id.clone()),
            d.id.clone(),
            match &d.version_id {
                Some(v) => format!("{}-{v}", d.id),
                None => d.id.clone(),
            },
        ),
        None => ("Red Hat".to_string(), "redhat".to_string(), String::new()),
    };
    let (source_name, source_version) = match h.sourcerpm.as_deref().and_then(split_source_rpm) {
        Some((n, v)) => (Some(n), Some(v)),
        None => (None, None),
    };
    let epoch = h
        .epoch
        .filter(|e| *e != 0)
        .map(|e| e.to_string())
        .unwrap_or_default();
    let upstream = h.sourcerpm.clone().unwrap_or_default();
    out.packages.push(Package {
        ecosystem,
        purl: purl::build(
            "rpm",
            Some(&namespace),
            &name,
            &vr,
            &[
                ("arch", h.arch.as_deref().unwrap_or("")),
                ("distro", &distro_q),
                ("epoch", &epoch),
                ("upstream", &upstream),
            ],
        ),
        name,
        version: evr,
        source_name,
        source_version,
        licenses: h.license.into_iter().filter(|l| !l.is_empty()).collect(),
        path: path.to_string(),
        kind: Kind::Rpm,
    });
}

/// Writes an rpm header blob with string tags and an optional epoch (for tests).
#[cfg(test)]
pub(crate) fn test_header(tags: &[(u32, &str)], epoch: Option<i32>) -> Vec<u8> {
    let mut index = Vec::new();
    let mut store = Vec::new();
    for (tag, s) in tags {
        index.push((*tag, TYPE_STRING, store.len() as u32, 1u32));
        store.extend_from_slice(s.as_bytes());
        store.push(0);
    }
    if let Some(e) = epoch {
        while store.len() % 4 != 0 {
            store.push(0);
        }
        index.push((TAG_EPOCH, TYPE_INT32, store.len() as u32, 1));
        store.extend_from_slice(&e.to_be_bytes());
    }
    let mut out = Vec::new();
    out.extend_from_slice(&(index.len() as u32).to_be_bytes());
    out.extend_from_slice(&(store.len() as u32).to_be_bytes());
    for (t, ty, off, c) in index {
        for v in [t, ty, off, c] {
            out.extend_from_slice(&v.to_be_bytes());
        }
    }
    out.extend_from_slice(&store);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_rpm_names() {
        assert_eq!(
            split_source_rpm("glibc-2.34-60.el9.src.rpm"),
            Some(("glibc".into(), "2.34-60.el9".into()))
        );
        assert_eq!(split_source_rpm("junk"), None);
    }

    #[test]
    fn header_roundtrip() {
        let blob = test_header(
            &[
                (TAG_NAME, "bash"),
                (TAG_VERSION, "5.1.8"),
                (TAG_RELEASE, "9.el9"),
                (TAG_ARCH, "x86_64"),
            ],
            Some(1),
        );
        let h = header(&blob).expect("parses");
        assert_eq!(h.name.as_deref(), Some("bash"));
        assert_eq!(h.release.as_deref(), Some("9.el9"));
        assert_eq!(h.epoch, Some(1));
        for cut in 0..blob.len() {
            let _ = header(&blob[..cut]);
        }
    }
}
