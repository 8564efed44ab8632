//! Package detection in a filesystem (an image's squashed layers or a directory tree).
//!
//! An image reader (or [`scan_dir`]) streams every regular file past [`PackageFilter`], which keeps
//! only what the detectors need: package databases and manifests whole, a small extract of
//! executables (Go build info, cargo-auditable data) and of JARs (their `pom.properties`). [`detect`]
//! then reads the kept [`FileSet`] and returns every [`Package`] with its OSV ecosystem, purl,
//! source package (Debian), licenses where recorded, and the path it came from. [`sbom`] writes
//! CycloneDX 1.6 and SPDX 2.3 documents.
//!
//! Bad content never panics: each unreadable file or line becomes a [`DetectError`] naming the path
//! and what was expected, and detection goes on with the rest.

mod apk;
mod binary;
mod dpkg;
mod extract;
mod filter;
mod golang;
mod java;
mod npm;
mod os;
mod purl;
mod python;
mod rpm;
mod rust;
pub mod sbom;
mod walk;

use std::fmt;

pub use filter::PackageFilter;
pub use golang::{parse_build_info, BuildInfo};
pub use os::Distro;
pub use rampart_model::files::{EntryMeta, FileFilter, FileSet, KeepAll};
pub use walk::scan_dir;

use serde::Serialize;

/// Which detector found a package (and so what kind of file it came from).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// dpkg's `var/lib/dpkg/status` or distroless `status.d/*`.
    Deb,
    /// apk's `lib/apk/db/installed`.
    Apk,
    /// An rpm database (sqlite or Berkeley DB).
    Rpm,
    /// A Go binary's embedded build info (modules and the Go standard library).
    GoBinary,
    /// A Rust binary's cargo-auditable data.
    RustBinary,
    /// A `Cargo.lock`.
    CargoLock,
    /// `package-lock.json`, `yarn.lock` or an installed `node_modules/**/package.json`.
    Npm,
    /// An installed Python distribution (`METADATA`, `PKG-INFO`) or a lockfile.
    Python,
    /// A JAR's `META-INF/maven/**/pom.properties`.
    Java,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Deb => "deb",
            Kind::Apk => "apk",
            Kind::Rpm => "rpm",
            Kind::GoBinary => "go-binary",
            Kind::RustBinary => "rust-binary",
            Kind::CargoLock => "cargo-lock",
            Kind::Npm => "npm",
            Kind::Python => "python",
            Kind::Java => "java",
        }
    }
}

/// One package found in a filesystem.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Package {
    /// OSV ecosystem: `Debian:12`, `Alpine:v3.20`, `Rocky Linux:9`, `Go`, `crates.io`, `npm`,
    /// `PyPI`, `Maven`, ... (a distribution's packages carry its release when os-release names it).
    pub ecosystem: String,
    /// The name as the ecosystem writes it (`libc6`, `github.com/x/y`, `@scope/name`,
    /// `group:artifact` for Maven).
    pub name: String,
    /// The version as recorded (Debian `1:2.3-4`, rpm `[epoch:]version-release`, Go `v1.2.3`).
    pub version: String,
    /// The source package, where the ecosystem has one (Debian `Source:`, apk origin, rpm source
    /// rpm).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_version: Option<String>,
    /// Package URL.
    pub purl: String,
    /// License expressions or names, as the package database records them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    /// The database, manifest or binary it was found in (normalised path inside the filesystem).
    pub path: String,
    pub kind: Kind,
}

impl Package {
    /// The model's reference to this package inside `image` (for findings about it).
    pub fn to_ref(&self, image: rampart_model::ImageRef) -> rampart_model::PackageRef {
        rampart_model::PackageRef {
            image,
            ecosystem: self.ecosystem.clone(),
            name: self.name.clone(),
            version: self.version.clone(),
            path: Some(self.path.clone()),
        }
    }
}

/// A file (or a line of it) that could not be read as its format says.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DetectError {
    pub path: String,
    /// 1-based line, when the format has lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// What was expected or went wrong.
    pub message: String,
}

impl DetectError {
    pub(crate) fn new(path: &str, line: Option<u32>, message: impl Into<String>) -> Self {
        DetectError {
            path: path.to_string(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for DetectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.path, l, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// What [`detect`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Detection {
    /// Sorted by ecosystem, name, version, path; exact duplicates removed.
    pub packages: Vec<Package>,
    /// The distribution named by `etc/os-release` (or `usr/lib/os-release`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distro: Option<Distro>,
    pub errors: Vec<DetectError>,
}

/// Collects packages and errors while detectors run.
pub(crate) struct Out<'a> {
    pub packages: Vec<Package>,
    pub errors: Vec<DetectError>,
    pub distro: Option<&'a Distro>,
}

impl Out<'_> {
    pub(crate) fn err(&mut self, path: &str, line: Option<u32>, message: impl Into<String>) {
        self.errors.push(DetectError::new(path, line, message));
    }
}

/// Finds every package in `files`. Never fails: unreadable content becomes [`Detection::errors`].
pub fn detect(files: &FileSet) -> Detection {
    let distro = os::distro(files);
    let mut out = Out {
        packages: Vec::new(),
        errors: Vec::new(),
        distro: distro.as_ref(),
    };
    for (path, bytes) in &files.files {
        detect_file(path, bytes, &mut out);
    }
    let Out {
        mut packages,
        mut errors,
        ..
    } = out;
    packages.sort();
    packages.dedup();
    errors.sort();
    Detection {
        packages,
        distro,
        errors,
    }
}

fn detect_file(path: &str, bytes: &[u8], out: &mut Out<'_>) {
    let name = path.rsplit('/').next().unwrap_or(path);
    let parent = path.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
    if path == "var/lib/dpkg/status" {
        dpkg::status(path, bytes, out);
    } else if parent == "var/lib/dpkg/status.d" {
        if !name.ends_with(".md5sums") {
            dpkg::status(path, bytes, out);
        }
    } else if path == "lib/apk/db/installed" {
        apk::installed(path, bytes, out);
    } else if rpm::is_database(path) {
        rpm::database(path, bytes, out);
    } else if name == "Cargo.lock" {
        rust::cargo_lock(path, bytes, out);
    } else if name == "package-lock.json" || name == "npm-shrinkwrap.json" {
        npm::package_lock(path, bytes, out);
    } else if name == "yarn.lock" {
        npm::yarn_lock(path, bytes, out);
    } else if name == "package.json" {
        if path.contains("node_modules/") {
            npm::installed_package_json(path, bytes, out);
        }
    } else if (name == "METADATA" && parent.ends_with(".dist-info"))
        || (name == "PKG-INFO" && parent.ends_with(".egg-info"))
    {
        python::metadata(path, bytes, out);
    } else if python::is_requirements(name) {
        python::requirements(path, bytes, out);
    } else if name == "poetry.lock" {
        python::poetry_lock(path, bytes, out);
    } else if extract::is_extract(bytes) {
        match extract::parse(bytes) {
            Ok(parts) => {
                for part in parts {
                    match part.kind {
                        extract::PartKind::GoBuildInfo => golang::build_info(path, part.data, out),
                        extract::PartKind::DepV0 => rust::auditable(path, part.data, out),
                        extract::PartKind::PomProperties => {
                            java::pom_properties(path, part.name, part.data, out)
                        }
                    }
                }
            }
            Err(e) => out.err(path, None, e),
        }
    } else if java::is_archive_name(name) && bytes.starts_with(b"PK") {
        // A whole JAR (kept by a filter that keeps everything).
        for (entry, data) in java::pom_entries_from_zip(bytes) {
            java::pom_properties(path, &entry, &data, out);
        }
    } else if binary::is_executable(bytes) {
        // A whole binary (kept by a filter that keeps everything).
        if let Some(info) = binary::find_go_build_info(bytes) {
            golang::build_info(path, &info, out);
        }
        if let Some(dep) = binary::find_dep_v0(bytes) {
            rust::auditable(path, &dep, out);
        }
    }
}

/// Splits `text` into lines with 1-based numbers.
pub(crate) fn numbered_lines(text: &str) -> impl Iterator<Item = (u32, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (u32::try_from(i + 1).unwrap_or(u32::MAX), l))
}

/// The bytes as UTF-8 (lossy: odd bytes become U+FFFD instead of failing the file).
pub(crate) fn text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}
