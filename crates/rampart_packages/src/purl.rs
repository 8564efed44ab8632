//! Package URLs (purl spec): type, namespace, name, version and qualifiers, percent-encoded.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but unreserved characters is encoded (`.`, `-`, `_`, `~` stay).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'.')
    .remove(b'-')
    .remove(b'_')
    .remove(b'~');

fn enc(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// `pkg:TYPE/NAMESPACE/NAME@VERSION?k=v&...`; namespace segments are split on `/` and each encoded;
/// qualifiers with empty values are left out and the rest sorted by key.
pub(crate) fn build(
    ty: &str,
    namespace: Option<&str>,
    name: &str,
    version: &str,
    qualifiers: &[(&str, &str)],
) -> String {
    let mut s = format!("pkg:{ty}/");
    if let Some(ns) = namespace.filter(|n| !n.is_empty()) {
        for seg in ns.split('/').filter(|s| !s.is_empty()) {
            s.push_str(&enc(seg));
            s.push('/');
        }
    }
    s.push_str(&enc(name));
    if !version.is_empty() {
        s.push('@');
        s.push_str(&enc(version));
    }
    let mut q: Vec<(&str, &str)> = qualifiers
        .iter()
        .copied()
        .filter(|(_, v)| !v.is_empty())
        .collect();
    q.sort();
    for (i, (k, v)) in q.iter().enumerate() {
        s.push(if i == 0 { '?' } else { '&' });
        s.push_str(k);
        s.push('=');
        s.push_str(&enc(v));
    }
    s
}

/// A main module built from a work tree has the version `(devel)`, which is no version: its purl
/// has none.
pub(crate) fn golang(module: &str, version: &str) -> String {
    let (ns, name) = module.rsplit_once('/').unwrap_or(("", module));
    let version = if version == "(devel)" { "" } else { version };
    build("golang", Some(ns), name, version, &[])
}

pub(crate) fn cargo(name: &str, version: &str) -> String {
    build("cargo", None, name, version, &[])
}

pub(crate) fn npm(name: &str, version: &str) -> String {
    match name.strip_prefix('@').and_then(|n| n.split_once('/')) {
        Some((scope, n)) => build("npm", Some(&format!("@{scope}")), n, version, &[]),
        None => build("npm", None, name, version, &[]),
    }
}

pub(crate) fn pypi(name: &str, version: &str) -> String {
    build("pypi", None, &crate::python::normalize(name), version, &[])
}

pub(crate) fn maven(group: &str, artifact: &str, version: &str) -> String {
    // Maven group ids are one namespace segment (dots, not slashes).
    build("maven", Some(group), artifact, version, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls() {
        assert_eq!(npm("@babel/core", "7.0.0"), "pkg:npm/%40babel/core@7.0.0");
        assert_eq!(
            golang("github.com/x/y", "v1.2.3"),
            "pkg:golang/github.com/x/y@v1.2.3"
        );
        assert_eq!(
            build(
                "deb",
                Some("debian"),
                "libc6",
                "2.36-9+deb12u4",
                &[("distro", "debian-12"), ("arch", "amd64")]
            ),
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12"
        );
        assert_eq!(pypi("Foo_Bar", "1.0"), "pkg:pypi/foo-bar@1.0");
        assert_eq!(maven("org.x", "a", "1"), "pkg:maven/org.x/a@1");
    }
}
