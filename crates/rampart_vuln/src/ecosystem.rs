//! OSV ecosystem names: the base name, the release suffix, the version order, and how package
//! names are compared.

use crate::version::Order;

/// An OSV ecosystem string split at its first `:` (`Debian:12` → `Debian` + `12`,
/// `Ubuntu:22.04:LTS` → `Ubuntu` + `22.04:LTS`, `npm` → `npm` + none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ecosystem<'a> {
    pub base: &'a str,
    pub release: Option<&'a str>,
}

impl<'a> Ecosystem<'a> {
    pub fn parse(s: &'a str) -> Self {
        let s = s.trim();
        match s.split_once(':') {
            Some((base, rel)) if !rel.is_empty() => Ecosystem {
                base,
                release: Some(rel),
            },
            Some((base, _)) => Ecosystem {
                base,
                release: None,
            },
            None => Ecosystem {
                base: s,
                release: None,
            },
        }
    }

    /// Whether a record's ecosystem (`self`) applies to a package queried in `query`.
    /// Base names must be equal. A record without a release applies to every release; a query
    /// without a release matches records of every release; otherwise the releases must be
    /// equal, or the record's must extend the query's (`Ubuntu:22.04:LTS` for `Ubuntu:22.04`).
    pub fn covers(&self, query: &Ecosystem<'_>) -> bool {
        if !self.base.eq_ignore_ascii_case(query.base) {
            return false;
        }
        match (self.release, query.release) {
            (None, _) | (_, None) => true,
            (Some(r), Some(q)) => {
                r == q || r.strip_prefix(q).is_some_and(|rest| rest.starts_with(':'))
            }
        }
    }

    /// The version order of `ECOSYSTEM` ranges in this ecosystem, when rampart knows it.
    pub fn order(&self) -> Option<Order> {
        order_of(self.base)
    }
}

/// The version order of an ecosystem's base name.
pub fn order_of(base: &str) -> Option<Order> {
    Some(match base {
        "Debian" | "Ubuntu" => Order::Dpkg,
        "Alpine" | "Wolfi" | "Chainguard" | "Alpaquita" | "BellSoft Hardened Containers" => {
            Order::Apk
        }
        "Red Hat" | "AlmaLinux" | "Rocky Linux" | "openSUSE" | "SUSE" | "Mageia" | "openEuler"
        | "Photon OS" | "Azure Linux" | "Oracle Linux" => Order::Rpm,
        "npm" | "crates.io" | "Hex" | "Pub" | "NuGet" | "Packagist" | "SwiftURL" => Order::SemVer,
        "PyPI" => Order::Pep440,
        "Go" => Order::Go,
        "Maven" => Order::Maven,
        _ => return None,
    })
}

/// Whether advisories in this ecosystem name source packages (Debian's and Ubuntu's source
/// packages, Alpine's origins), so a binary package is matched through its source.
pub fn advisories_name_sources(base: &str) -> bool {
    matches!(
        base,
        "Debian" | "Ubuntu" | "Alpine" | "Wolfi" | "Chainguard"
    )
}

/// The form of a package name used as the index key: PyPI names are normalised per PEP 503
/// (case-folded, runs of `-`, `_`, `.` become one `-`); other ecosystems' names are exact.
pub fn normalize_name(base: &str, name: &str) -> String {
    if base == "PyPI" {
        let mut out = String::with_capacity(name.len());
        let mut sep = false;
        for c in name.trim().chars() {
            if matches!(c, '-' | '_' | '.') {
                sep = true;
            } else {
                if sep && !out.is_empty() {
                    out.push('-');
                }
                sep = false;
                out.extend(c.to_lowercase());
            }
        }
        out
    } else {
        name.trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases() {
        let rec = Ecosystem::parse("Debian:12");
        assert!(rec.covers(&Ecosystem::parse("Debian:12")));
        assert!(rec.covers(&Ecosystem::parse("Debian")));
        assert!(!rec.covers(&Ecosystem::parse("Debian:11")));
        assert!(Ecosystem::parse("Debian").covers(&Ecosystem::parse("Debian:11")));
        assert!(Ecosystem::parse("Ubuntu:22.04:LTS").covers(&Ecosystem::parse("Ubuntu:22.04")));
        assert!(!Ecosystem::parse("Ubuntu:22.04:LTS").covers(&Ecosystem::parse("Ubuntu:22")));
        assert!(!Ecosystem::parse("npm").covers(&Ecosystem::parse("PyPI")));
    }

    #[test]
    fn pypi_names() {
        assert_eq!(
            normalize_name("PyPI", "Django_REST.framework"),
            "django-rest-framework"
        );
        assert_eq!(normalize_name("npm", "Lodash"), "Lodash");
    }
}
