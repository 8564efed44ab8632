//! Rust: `Cargo.lock` (registry packages) and cargo-auditable data in binaries.

use serde::Deserialize;

use crate::{purl, Kind, Out, Package};

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<LockPackage>,
}

#[derive(Deserialize)]
struct LockPackage {
    name: String,
    version: String,
    #[serde(default)]
    source: Option<String>,
}

fn push(path: &str, name: &str, version: &str, kind: Kind, out: &mut Out<'_>) {
    out.packages.push(Package {
        ecosystem: "crates.io".into(),
        purl: purl::cargo(name, version),
        name: name.to_string(),
        version: version.to_string(),
        source_name: None,
        source_version: None,
        licenses: Vec::new(),
        path: path.to_string(),
        kind,
    });
}

/// Packages from crates.io (`source = "registry+..."` or `"sparse+..."`); workspace members,
/// path and git dependencies are not registry packages and are left out.
pub(crate) fn cargo_lock(path: &str, bytes: &[u8], out: &mut Out<'_>) {
    let text = crate::text(bytes);
    let lock: Lock = match toml::from_str(&text) {
        Ok(l) => l,
        Err(e) => {
            let line = e.span().map(|s| line_of(&text, s.start));
            out.err(
                path,
                line,
                format!("expected a Cargo.lock: {}", e.message()),
            );
            return;
        }
    };
    for p in lock.package {
        if p.source.as_deref().is_some_and(is_registry) {
            push(path, &p.name, &p.version, Kind::CargoLock, out);
        }
    }
}

fn is_registry(source: &str) -> bool {
    source.starts_with("registry+") || source.starts_with("sparse+")
}

pub(crate) fn line_of(text: &str, byte: usize) -> u32 {
    let upto = text.get(..byte.min(text.len())).unwrap_or(text);
    u32::try_from(upto.matches('\n').count() + 1).unwrap_or(u32::MAX)
}

#[derive(Deserialize)]
struct Auditable {
    packages: Vec<AuditablePackage>,
}

#[derive(Deserialize)]
struct AuditablePackage {
    name: String,
    version: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    kind: Option<String>,
}

/// cargo-auditable's JSON (`{"packages":[{"name","version","source","kind",...}]}`): the
/// packages from crates.io (build-only dependencies are left out: they are not in the binary).
pub(crate) fn auditable(path: &str, json: &[u8], out: &mut Out<'_>) {
    let data: Auditable = match serde_json::from_slice(json) {
        Ok(d) => d,
        Err(e) => {
            out.err(
                path,
                None,
                format!("cargo-auditable data: expected {{\"packages\": [...]}}: {e}"),
            );
            return;
        }
    };
    for p in data.packages {
        if p.source.as_deref() != Some("crates.io") || p.kind.as_deref() == Some("build") {
            continue;
        }
        push(path, &p.name, &p.version, Kind::RustBinary, out);
    }
}
