//! Python: installed distributions (`*.dist-info/METADATA`, `*.egg-info/PKG-INFO`), pinned
//! `requirements*.txt` lines and `poetry.lock`.

use serde::Deserialize;

use crate::{purl, Kind, Out, Package};

/// PEP 503 normalised name: lower case, runs of `-`, `_`, `.` as one `-`.
pub(crate) fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
            continue;
        }
        if sep && !out.is_empty() {
            out.push('-');
        }
        sep = false;
        out.extend(c.to_lowercase());
    }
    out
}

fn push(path: &str, name: &str, version: &str, licenses: Vec<String>, out: &mut Out<'_>) {
    out.packages.push(Package {
        ecosystem: "PyPI".into(),
        purl: purl::pypi(name, version),
        name: name.to_string(),
        version: version.to_string(),
        source_name: None,
        source_version: None,
        licenses,
        path: path.to_string(),
        kind: Kind::Python,
    });
}

pub(crate) fn is_requirements(name: &str) -> bool {
    name.starts_with("requirements") && name.ends_with(".txt")
}

/// Core metadata headers (until the first blank line): `Name`, `Version`, `License-Expression`,
/// `License`, and `License ::` classifiers.
pub(crate) fn metadata(path: &str, bytes: &[u8], out: &mut Out<'_>) {
    let text = crate::text(bytes);
    let (mut name, mut version, mut expr, mut license) = (None, None, None, None);
    let mut classifiers = Vec::new();
    for (_, line) in crate::numbered_lines(&text) {
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim();
        match k.trim().to_ascii_lowercase().as_str() {
            "name" => name = Some(v.to_string()),
            "version" => version = Some(v.to_string()),
            "license-expression" => expr = Some(v.to_string()),
            "license" if !v.is_empty() && v.len() <= 200 && !v.eq_ignore_ascii_case("UNKNOWN") => {
                license = Some(v.to_string())
            }
            "classifier" => {
                if let Some(l) = v.strip_prefix("License :: ") {
                    let last = l.rsplit(" :: ").next().unwrap_or(l);
                    if last != "OSI Approved" {
                        classifiers.push(last.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    let (Some(name), Some(version)) = (name, version) else {
        out.err(path, Some(1), "expected Name and Version headers");
        return;
    };
    let licenses = match (expr, license) {
        (Some(e), _) => vec![e],
        (None, Some(l)) => vec![l],
        (None, None) => classifiers,
    };
    push(path, &name, &version, licenses, out);
}

/// `name==version` lines (with optional extras and environment markers); unpinned lines, options
/// (`-r`, `--hash`), URLs and editable installs are not packages with a version and are skipped.
pub(crate) fn requirements(path: &str, bytes: &[u8], out: &mut Out<'_>) {
    let text = crate::text(bytes);
    for (n, raw) in crate::numbered_lines(&text) {
        let line = raw.split(" #").next().unwrap_or(raw).trim();
        let line = line.trim_end_matches('\\').trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('-') {
            continue;
        }
        let spec = line.split(';').next().unwrap_or(line).trim();
        let spec = spec.split(" --").next().unwrap_or(spec).trim();
        let Some((name, version)) = spec.split_once("==") else {
            continue;
        };
        let name = name.split('[').next().unwrap_or(name).trim();
        let version = version.trim().trim_start_matches('=');
        let valid_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        let valid_version = !version.is_empty()
            && !version.contains('*')
            && version
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+' | '!'));
        if !valid_name || !valid_version {
            out.err(
                path,
                Some(n),
                format!("expected `name==version`, found {spec:?}"),
            );
            continue;
        }
        push(path, name, version, Vec::new(), out);
    }
}

#[derive(Deserialize)]
struct PoetryLock {
    #[serde(default)]
    package: Vec<PoetryPackage>,
}

#[derive(Deserialize)]
struct PoetryPackage {
    name: String,
    version: String,
    #[serde(default)]
    source: Option<toml::Value>,
}

pub(crate) fn poetry_lock(path: &str, bytes: &[u8], out: &mut Out<'_>) {
    let text = crate::text(bytes);
    let lock: PoetryLock = match toml::from_str(&text) {
        Ok(l) => l,
        Err(e) => {
            let line = e.span().map(|s| crate::rust::line_of(&text, s.start));
            out.err(
                path,
                line,
                format!("expected a poetry.lock: {}", e.message()),
            );
            return;
        }
    };
    for p in lock.package {
        // Directory, file, url and git sources are not PyPI releases.
        let local = p
            .source
            .as_ref()
            .and_then(|s| s.get("type"))
            .and_then(toml::Value::as_str)
            .is_some_and(|t| matches!(t, "directory" | "file" | "url" | "git"));
        if !local {
            push(path, &p.name, &p.version, Vec::new(), out);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn normalize() {
        assert_eq!(super::normalize("Foo__Bar.baz"), "foo-bar-baz");
        assert_eq!(super::normalize("requests"), "requests");
    }
}
