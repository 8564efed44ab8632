//! [`PackageFilter`]: what the detectors need from a filesystem, and nothing more.

use std::io::{self, Read};

use rampart_model::files::{EntryMeta, FileFilter};

use crate::extract::{self, PartKind};
use crate::{binary, java, python, rpm};

/// Language manifests and lockfiles larger than this are skipped (real ones are a few MB).
const MANIFEST_MAX: u64 = 64 << 20;
/// Executables smaller than this cannot hold build info worth reading.
const EXECUTABLE_MIN: u64 = 1024;

/// Keeps package databases and manifests whole; of executables only their Go build info and
/// cargo-auditable data, read from the stream in bounded memory (a 256 KiB window plus what a
/// found blob needs); of JARs only their `META-INF/maven/**/pom.properties` entries (a JAR is
/// held in memory while it is read, up to 256 MiB; larger ones are skipped).
#[derive(Clone, Copy, Debug, Default)]
pub struct PackageFilter;

/// What the filter does with a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    Whole,
    Manifest,
    Jar,
    Executable,
}

fn classify(meta: &EntryMeta<'_>) -> Option<Want> {
    let path = meta.path;
    let name = path.rsplit('/').next().unwrap_or(path);
    let parent = path.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
    if matches!(
        path,
        "var/lib/dpkg/status" | "lib/apk/db/installed" | "etc/os-release" | "usr/lib/os-release"
    ) || (parent == "var/lib/dpkg/status.d" && !name.ends_with(".md5sums"))
        || rpm::is_database(path)
    {
        return Some(Want::Whole);
    }
    let manifest = match name {
        "Cargo.lock"
        | "package-lock.json"
        | "npm-shrinkwrap.json"
        | "yarn.lock"
        | "poetry.lock" => true,
        "package.json" => path.contains("node_modules/"),
        "METADATA" => parent.ends_with(".dist-info"),
        "PKG-INFO" => parent.ends_with(".egg-info"),
        n => python::is_requirements(n),
    };
    if manifest {
        return (meta.size <= MANIFEST_MAX).then_some(Want::Manifest);
    }
    if java::is_archive_name(name) {
        return (meta.size <= java::JAR_MAX).then_some(Want::Jar);
    }
    if meta.executable() && meta.size >= EXECUTABLE_MIN {
        return Some(Want::Executable);
    }
    None
}

impl FileFilter for PackageFilter {
    fn wants(&self, meta: &EntryMeta<'_>) -> bool {
        classify(meta).is_some()
    }

    fn keep(&self, meta: &EntryMeta<'_>, content: &mut dyn Read) -> io::Result<Option<Vec<u8>>> {
        match classify(meta) {
            None => Ok(None),
            Some(Want::Whole | Want::Manifest) => {
                let mut v =
                    Vec::with_capacity(usize::try_from(meta.size.min(1 << 20)).unwrap_or(0));
                content.read_to_end(&mut v)?;
                Ok(Some(v))
            }
            Some(Want::Jar) => {
                let mut v = Vec::new();
                content.take(java::JAR_MAX).read_to_end(&mut v)?;
                let parts: Vec<(PartKind, String, Vec<u8>)> = java::pom_entries_from_zip(&v)
                    .into_iter()
                    .map(|(name, data)| (PartKind::PomProperties, name, data))
                    .collect();
                Ok((!parts.is_empty()).then(|| extract::build(&parts)))
            }
            Some(Want::Executable) => {
                let mut head = [0u8; 4];
                let mut n = 0;
                while n < head.len() {
                    match content.read(&mut head[n..])? {
                        0 => break,
                        k => n += k,
                    }
                }
                if !binary::is_executable(&head[..n]) {
                    return Ok(None);
                }
                let mut chained = (&head[..n]).chain(content);
                let found = binary::scan(&mut chained)?;
                let mut parts = Vec::new();
                if let Some(go) = found.go {
                    parts.push((PartKind::GoBuildInfo, String::new(), go));
                }
                if let Some(dep) = found.dep {
                    parts.push((PartKind::DepV0, String::new(), dep));
                }
                Ok((!parts.is_empty()).then(|| extract::build(&parts)))
            }
        }
    }
}
