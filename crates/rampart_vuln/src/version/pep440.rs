//! Python (PyPI) version order: PEP 440, through the `pep440_rs` crate (the version model `uv`
//! uses). Epochs, pre/post/dev releases and local versions are ordered as `packaging` does.

use std::cmp::Ordering;
use std::str::FromStr;

/// Compare two PEP 440 versions; `None` when either does not parse (legacy versions such as
/// `1.0-foo-bar` are not ordered: `packaging` rejects them too).
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    let a = pep440_rs::Version::from_str(a.trim()).ok()?;
    let b = pep440_rs::Version::from_str(b.trim()).ok()?;
    Some(a.cmp(&b))
}
