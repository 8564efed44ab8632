//! Go module version order: SemVer with a mandatory-in-Go `v` prefix (optional in OSV records),
//! `vMAJOR` and `vMAJOR.MINOR` shorthands, pseudo-versions (`v0.0.0-20191109021931-daa7c04131f5`,
//! `v1.2.4-0.20191109021931-daa7c04131f5`: pre-releases, so they sort as `go` sorts them), and
//! `+incompatible`, which is build metadata and so ignored, as `golang.org/x/mod/semver` does.

use std::cmp::Ordering;

/// Compare two Go module versions; `None` when either is not a version.
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    super::semver::compare(a, b)
}
