//! SemVer 2.0 order (OSV `SEMVER` ranges; npm, crates.io, Hex, Pub, NuGet, Packagist versions),
//! through the `semver` crate after normalising what that strict parser refuses: a `v` or `=`
//! prefix, missing minor or patch numbers (`1.2` is `1.2.0`), leading zeros in numeric parts.
//! Build metadata is ignored, as SemVer 2.0 §10 requires for precedence.

use std::cmp::Ordering;

/// Compare two versions in SemVer precedence; `None` when either is not a version.
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    let a = parse(a)?;
    let b = parse(b)?;
    Some(a.cmp_precedence(&b))
}

/// Parse a version leniently as described in the module doc.
pub fn parse(v: &str) -> Option<semver::Version> {
    let v = v.trim();
    let v = v.strip_prefix('=').unwrap_or(v).trim_start();
    let v = v
        .strip_prefix('v')
        .or_else(|| v.strip_prefix('V'))
        .unwrap_or(v);
    if let Ok(parsed) = semver::Version::parse(v) {
        return Some(parsed);
    }
    // Split off pre-release and build, pad and de-zero the numeric core.
    let core_end = v.find(['-', '+']).unwrap_or(v.len());
    let (core, rest) = v.split_at(core_end);
    let mut nums: Vec<String> = Vec::with_capacity(3);
    for part in core.split('.') {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let trimmed = part.trim_start_matches('0');
        nums.push(if trimmed.is_empty() {
            "0".into()
        } else {
            trimmed.into()
        });
    }
    if nums.is_empty() || nums.len() > 3 {
        return None;
    }
    while nums.len() < 3 {
        nums.push("0".into());
    }
    let mut text = nums.join(".");
    text.push_str(rest);
    semver::Version::parse(&text).ok()
}
