//! Each ecosystem's own version order, one module per family.

pub mod apk;
pub mod dpkg;
pub mod go;
pub mod maven;
pub mod pep440;
pub mod rpm;
pub mod semver;

use std::cmp::Ordering;

/// A version order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Order {
    Dpkg,
    Apk,
    Rpm,
    SemVer,
    Pep440,
    Go,
    Maven,
}

impl Order {
    /// Compare `a` with `b`; `None` when either is not a version in this order.
    pub fn compare(self, a: &str, b: &str) -> Option<Ordering> {
        match self {
            Order::Dpkg => dpkg::compare(a, b),
            Order::Apk => apk::compare(a, b),
            Order::Rpm => rpm::compare(a, b),
            Order::SemVer => semver::compare(a, b),
            Order::Pep440 => pep440::compare(a, b),
            Order::Go => go::compare(a, b),
            Order::Maven => maven::compare(a, b),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Order::Dpkg => "dpkg",
            Order::Apk => "apk",
            Order::Rpm => "rpm",
            Order::SemVer => "semver",
            Order::Pep440 => "pep440",
            Order::Go => "go",
            Order::Maven => "maven",
        }
    }
}
