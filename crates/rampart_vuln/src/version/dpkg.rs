//! Debian (and Ubuntu) version order: dpkg's, through the `debversion` crate (Debian policy 5.6.12).

use std::cmp::Ordering;

/// Compare two Debian versions; `None` when either is not a valid Debian version.
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    let a: debversion::Version = a.trim().parse().ok()?;
    let b: debversion::Version = b.trim().parse().ok()?;
    Some(a.cmp(&b))
}
