//! RPM version order (`rpmvercmp` over epoch, version and release), through the `rpm-version`
//! crate, which sorts `~` before anything and `^` after the base but before anything longer.

use std::cmp::Ordering;

/// Compare two `[epoch:]version[-release]` strings. Never fails: rpm orders any string.
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    let a = rpm_version::Evr::parse(a.trim());
    let b = rpm_version::Evr::parse(b.trim());
    Some(a.cmp(&b))
}
