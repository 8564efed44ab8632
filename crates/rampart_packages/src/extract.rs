//! The small extract [`crate::PackageFilter`] keeps instead of a whole binary or JAR: a marker line,
//! then parts, each a header line `KIND\tNAME\tLEN\n` followed by LEN bytes taken verbatim from the
//! file (Go build info, the cargo-auditable `.dep-v0` zlib stream, a `pom.properties` entry).

pub(crate) const MAGIC: &[u8] = b"\0rampart-extract-v1\n";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PartKind {
    GoBuildInfo,
    DepV0,
    PomProperties,
}

impl PartKind {
    fn as_str(self) -> &'static str {
        match self {
            PartKind::GoBuildInfo => "go-buildinfo",
            PartKind::DepV0 => "dep-v0",
            PartKind::PomProperties => "pom",
        }
    }
}

pub(crate) struct Part<'a> {
    pub kind: PartKind,
    pub name: &'a str,
    pub data: &'a [u8],
}

pub(crate) fn is_extract(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// Builds an extract from parts (names with tabs or newlines are replaced).
pub(crate) fn build(parts: &[(PartKind, String, Vec<u8>)]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    for (kind, name, data) in parts {
        let name: String = name
            .chars()
            .map(|c| if c == '\t' || c == '\n' { '_' } else { c })
            .collect();
        out.extend_from_slice(format!("{}\t{}\t{}\n", kind.as_str(), name, data.len()).as_bytes());
        out.extend_from_slice(data);
    }
    out
}

pub(crate) fn parse(bytes: &[u8]) -> Result<Vec<Part<'_>>, String> {
    let mut rest = bytes
        .strip_prefix(MAGIC)
        .ok_or_else(|| "not a rampart extract".to_string())?;
    let mut parts = Vec::new();
    while !rest.is_empty() {
        let nl = memchr::memchr(b'\n', rest)
            .ok_or_else(|| "extract part header without a newline".to_string())?;
        let header = std::str::from_utf8(&rest[..nl])
            .map_err(|_| "extract part header is not UTF-8".to_string())?;
        let mut fields = header.split('\t');
        let kind = match fields.next() {
            Some("go-buildinfo") => PartKind::GoBuildInfo,
            Some("dep-v0") => PartKind::DepV0,
            Some("pom") => PartKind::PomProperties,
            other => return Err(format!("unknown extract part kind {other:?}")),
        };
        let name = fields.next().unwrap_or("");
        let len: usize = fields
            .next()
            .and_then(|l| l.parse().ok())
            .ok_or_else(|| format!("extract part header {header:?}: expected a length"))?;
        let body = &rest[nl + 1..];
        if body.len() < len {
            return Err(format!(
                "extract part {header:?} is truncated ({} of {len} bytes)",
                body.len()
            ));
        }
        parts.push(Part {
            kind,
            name,
            data: &body[..len],
        });
        rest = &body[len..];
    }
    Ok(parts)
}
