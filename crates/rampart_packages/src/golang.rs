//! Go binaries' build info (Go 1.18 and later): the Go version, the main module and every
//! dependency module with its version (replacements applied), as `go version -m` prints them.

use crate::binary::{uvarint, GO_MAGIC};
use crate::{purl, Kind, Out, Package};

/// Build info as read from a binary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuildInfo {
    /// `go1.22.1`.
    pub go_version: String,
    /// The `path` line (main package path).
    pub path: Option<String>,
    /// The main module: path and version (`(devel)` for an unstamped build).
    pub main: Option<(String, String)>,
    /// Dependencies: (module path, version), after replacements.
    pub deps: Vec<(String, String)>,
}

/// Parses a blob that starts with Go's build info magic.
pub fn parse_build_info(blob: &[u8]) -> Result<BuildInfo, String> {
    if !blob.starts_with(GO_MAGIC) || blob.len() < 32 {
        return Err("expected Go build info (\\xff Go buildinf: and a 32-byte header)".into());
    }
    let flags = blob[15];
    if flags & 2 == 0 {
        return Err(
            "Go build info in pointer format (binaries from Go before 1.18) is not supported"
                .into(),
        );
    }
    let (version, rest) = string(&blob[32..]).ok_or("Go build info: truncated version string")?;
    let (modinfo, _) = string(rest).ok_or("Go build info: truncated module info")?;
    let modinfo = if modinfo.len() >= 33 && modinfo[modinfo.len() - 17] == b'\n' {
        &modinfo[16..modinfo.len() - 16]
    } else {
        &[][..]
    };
    let mut info = BuildInfo {
        go_version: String::from_utf8_lossy(version).into_owned(),
        ..BuildInfo::default()
    };
    let text = String::from_utf8_lossy(modinfo);
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        match f.first().copied() {
            Some("path") if f.len() >= 2 => info.path = Some(f[1].to_string()),
            Some("mod") if f.len() >= 3 => info.main = Some((f[1].to_string(), f[2].to_string())),
            Some("dep") if f.len() >= 3 => info.deps.push((f[1].to_string(), f[2].to_string())),
            Some("=>") if f.len() >= 3 => {
                // A replacement of the line before: the replacing module and its version. A local
                // directory replacement (`=> ../lib`) has no version of its own: the required
                // module and version stay.
                let local = f[1].starts_with('.') || f[1].starts_with('/');
                if let Some(last) = info.deps.last_mut() {
                    if !local && !f[2].is_empty() && f[2] != "(devel)" {
                        *last = (f[1].to_string(), f[2].to_string());
                    }
                }
            }
            _ => {}
        }
    }
    Ok(info)
}

fn string(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, n) = uvarint(b)?;
    let len = usize::try_from(len).ok()?;
    let end = n.checked_add(len)?;
    Some((b.get(n..end)?, &b[end..]))
}

pub(crate) fn build_info(path: &str, blob: &[u8], out: &mut Out<'_>) {
    let info = match parse_build_info(blob) {
        Ok(i) => i,
        Err(e) => {
            out.err(path, None, e);
            return;
        }
    };
    let mut push = |name: &str, version: &str| {
        out.packages.push(Package {
            ecosystem: "Go".into(),
            purl: purl::golang(name, version),
            name: name.to_string(),
            version: version.to_string(),
            source_name: None,
            source_version: None,
            licenses: Vec::new(),
            path: path.to_string(),
            kind: Kind::GoBinary,
        });
    };
    if let Some(v) = info.go_version.strip_prefix("go") {
        // Experiment suffixes (`go1.22.1 X:loopvar`) are not part of the version.
        let v = v.split_whitespace().next().unwrap_or(v);
        push("stdlib", v);
    }
    if let Some((m, v)) = &info.main {
        push(m, v);
    }
    for (m, v) in &info.deps {
        push(m, v);
    }
}
