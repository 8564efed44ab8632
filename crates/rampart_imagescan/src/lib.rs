//! Image vulnerability scanning: the glue between the image reader ([`rampart_image`]), package
//! detection ([`rampart_packages`]) and vulnerability matching ([`rampart_vuln`]), producing
//! rampart [`Finding`]s.
//!
//! [`Scanner::scan`] takes [`Target`]s (an image source and the workloads that run it), opens every
//! source once, reads every distinct image (by manifest digest, else config digest) once through
//! one [`rampart_image::LayerCache`] shared by all of them (a base layer that many images share is
//! read once), detects the packages, matches them against the index, and, with a cosign key,
//! verifies signatures. Results:
//!
//! - `image-vulnerability` ([`IMAGE_VULNERABILITY`]): one finding per (package, vulnerability),
//!   about [`Subject::Package`], with the OSV id, aliases, fixed version, score and affected ranges
//!   as evidence and the workloads that run the image as related objects;
//! - `image-unsigned` ([`IMAGE_UNSIGNED`]): one finding per workload (or per image, for images
//!   given without workloads) whose image has no valid signature for the key.
//!
//! An image that cannot be read is an [`ImageError`] naming the source and the workloads that run
//! it; the others go on.

pub mod checks;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use rampart_image::{CosignKey, LayerCache, Verified};
use rampart_model::{
    Evidence, Finding, ImageRef, Location, ObjectRef, Pointer, Related, Resource, Severity,
    Subject, Workload,
};
use rampart_packages::{DetectError, Distro, Package, PackageFilter};
use rampart_vuln::{Db, Level, Query, Vuln};
use rayon::prelude::*;

pub use checks::{metas, IMAGE_UNSIGNED, IMAGE_VULNERABILITY};

/// A workload container that runs an image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkloadRef {
    pub object: Arc<ObjectRef>,
    /// The container's `image` field.
    pub pointer: Pointer,
    /// Where that field is, for objects read from files.
    pub location: Option<Location>,
}

/// An image to scan and the workloads that run it (none for `rampart image scan`).
#[derive(Clone, Debug, Default)]
pub struct Target {
    /// A registry reference, a tarball or a directory (see [`rampart_image::open`]).
    pub source: String,
    pub workloads: Vec<WorkloadRef>,
}

impl Target {
    pub fn new(source: impl Into<String>) -> Self {
        Target {
            source: source.into(),
            workloads: Vec::new(),
        }
    }
}

/// How to scan.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// How to open images (platform, credentials, timeouts).
    pub image: rampart_image::Options,
    /// Verify cosign signatures against this key (and report `image-unsigned`).
    pub verify_key: Option<CosignKey>,
}

/// The outcome of a signature verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signature {
    Verified(Verified),
    /// Why no signature verified.
    Invalid(String),
}

/// One distinct image that was read.
#[derive(Clone, Debug)]
pub struct ScannedImage {
    /// The first source naming it, and its digest.
    pub image: ImageRef,
    /// Every source that resolved to this image.
    pub sources: Vec<String>,
    pub config_digest: Option<String>,
    pub layers: Vec<String>,
    pub packages: Vec<Package>,
    pub distro: Option<Distro>,
    /// Package databases or manifests that could not be read (detection went on).
    pub detect_errors: Vec<DetectError>,
    /// Oddities of the layers that did not stop the read.
    pub notes: Vec<String>,
    /// Findings of `image-vulnerability` on this image.
    pub vulnerabilities: usize,
    /// With a key: the verification's outcome.
    pub signature: Option<Signature>,
    /// The workloads that run it.
    pub workloads: Vec<WorkloadRef>,
}

/// An image that could not be opened or read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageError {
    pub source: String,
    pub message: String,
    /// The workloads that run it.
    pub workloads: Vec<Arc<ObjectRef>>,
}

impl std::fmt::Display for ImageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "image {}: {}", self.source, self.message)?;
        if !self.workloads.is_empty() {
            let names: Vec<String> = self.workloads.iter().map(|w| w.display_name()).collect();
            write!(f, " (run by {})", names.join(", "))?;
        }
        Ok(())
    }
}

impl ImageError {
    /// As a report's input error (the source stands for the path).
    pub fn to_input_error(&self) -> rampart_model::InputError {
        let mut e = rampart_model::InputError::file(Path::new(&self.source), self.message.clone());
        if !self.workloads.is_empty() {
            let names: Vec<String> = self.workloads.iter().map(|w| w.display_name()).collect();
            e.message = format!("{} (run by {})", e.message, names.join(", "));
        }
        e
    }
}

/// Everything a scan found.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub images: Vec<ScannedImage>,
    pub findings: Vec<Finding>,
    pub errors: Vec<ImageError>,
    /// Distinct layers read (the rest came from the cache).
    pub layers_read: usize,
    /// Layers of all the images read, counted once per image.
    pub layers_total: usize,
}

/// Reads images and matches their packages; one cache of layers for every scan it runs.
pub struct Scanner<'a> {
    opts: Options,
    db: Option<&'a Db>,
    cache: LayerCache,
}

impl<'a> Scanner<'a> {
    /// A scanner matching against `db` (without one, packages are listed and signatures checked
    /// but nothing is matched).
    pub fn new(opts: Options, db: Option<&'a Db>) -> Self {
        Scanner {
            opts,
            db,
            cache: LayerCache::new("rampart_packages::PackageFilter"),
        }
    }

    /// Scans every target (sources given twice, or resolving to the same digest, are read once).
    pub fn scan(&self, targets: Vec<Target>) -> Outcome {
        // One entry per source, in the order given, workloads merged.
        let mut by_source: Vec<Target> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for t in targets {
            let key = t.source.trim().to_string();
            match index.get(&key) {
                Some(&i) => by_source[i].workloads.extend(t.workloads),
                None => {
                    index.insert(key.clone(), by_source.len());
                    by_source.push(Target {
                        source: key,
                        workloads: t.workloads,
                    });
                }
            }
        }
        let opened: Vec<(Target, Result<rampart_image::Image, String>)> = by_source
            .into_par_iter()
            .map(|t| {
                let r = rampart_image::open(&t.source, &self.opts.image).map_err(|e| e.to_string());
                (t, r)
            })
            .collect();
        let mut out = Outcome::default();
        // Group the opened images by identity.
        let mut groups: BTreeMap<usize, Vec<(Target, rampart_image::Image)>> = BTreeMap::new();
        let mut ids: HashMap<String, usize> = HashMap::new();
        for (t, r) in opened {
            match r {
                Err(message) => out.errors.push(ImageError {
                    source: t.source,
                    message,
                    workloads: t.workloads.iter().map(|w| w.object.clone()).collect(),
                }),
                Ok(image) => {
                    let id = image
                        .reference()
                        .digest
                        .clone()
                        .or_else(|| image.config_digest().map(str::to_string))
                        .unwrap_or_else(|| t.source.clone());
                    let n = ids.len();
                    let g = *ids.entry(id).or_insert(n);
                    groups.entry(g).or_default().push((t, image));
                }
            }
        }
        let before = self.cache.len();
        let results: Vec<Result<(ScannedImage, Vec<Finding>), ImageError>> = groups
            .into_values()
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|group| self.scan_group(group))
            .collect();
        out.layers_read = self.cache.len().saturating_sub(before);
        for r in results {
            match r {
                Ok((img, findings)) => {
                    out.layers_total += img.layers.len();
                    out.images.push(img);
                    out.findings.extend(findings);
                }
                Err(e) => out.errors.push(e),
            }
        }
        out
    }

    /// Reads one image (opened under one or more sources) and judges it.
    fn scan_group(
        &self,
        group: Vec<(Target, rampart_image::Image)>,
    ) -> Result<(ScannedImage, Vec<Finding>), ImageError> {
        let sources: Vec<String> = group.iter().map(|(t, _)| t.source.clone()).collect();
        let workloads: Vec<WorkloadRef> = group
            .iter()
            .flat_map(|(t, _)| t.workloads.iter().cloned())
            .collect();
        let image = &group[0].1;
        let err = |message: String| ImageError {
            source: sources.join(", "),
            message,
            workloads: workloads.iter().map(|w| w.object.clone()).collect(),
        };
        let files = image
            .files_cached(&PackageFilter, &self.cache)
            .map_err(|e| err(e.to_string()))?;
        let detection = rampart_packages::detect(&files.files);
        let image_ref = ImageRef {
            reference: sources[0].clone(),
            digest: image.reference().digest.clone(),
        };
        let mut findings = Vec::new();
        if let Some(db) = self.db {
            for p in &detection.packages {
                for v in db.query(&query_of(p)) {
                    findings.push(vulnerability_finding(
                        &image_ref, &sources, p, &v, &workloads,
                    ));
                }
            }
        }
        let vulnerabilities = findings.len();
        let signature = self.opts.verify_key.as_ref().map(|key| {
            // Any source of the image may carry the signature (the registry one, usually).
            let mut last = String::from("no signature found");
            for (_, img) in &group {
                match img.verify_cosign(key) {
                    Ok(v) => return Signature::Verified(v),
                    Err(e) => last = e.to_string(),
                }
            }
            Signature::Invalid(last)
        });
        if let Some(Signature::Invalid(why)) = &signature {
            findings.extend(unsigned_findings(&image_ref, why, &workloads));
        }
        Ok((
            ScannedImage {
                image: image_ref,
                sources,
                config_digest: files.config_digest,
                layers: files.layers,
                packages: detection.packages,
                distro: detection.distro,
                detect_errors: detection.errors,
                notes: files.notes,
                vulnerabilities,
                signature,
                workloads,
            },
            findings,
        ))
    }
}

/// The index query for a package (with its source package, where the ecosystem has one).
pub fn query_of(p: &Package) -> Query {
    Query {
        ecosystem: p.ecosystem.clone(),
        name: p.name.clone(),
        version: p.version.clone(),
        source: p.source_name.clone().map(|s| {
            (
                s,
                p.source_version
                    .clone()
                    .unwrap_or_else(|| p.version.clone()),
            )
        }),
    }
}

/// The finding severity of a record's level: its own, `none` as info, and a record without any
/// rating as medium.
pub fn severity_of(level: Level) -> Severity {
    match level {
        Level::Critical => Severity::Critical,
        Level::High => Severity::High,
        Level::Medium | Level::Unknown => Severity::Medium,
        Level::Low => Severity::Low,
        Level::None => Severity::Info,
    }
}

fn related(workloads: &[WorkloadRef]) -> Vec<Related> {
    let mut out: Vec<Related> = workloads
        .iter()
        .map(|w| Related {
            role: "workload".into(),
            object: w.object.clone(),
            pointer: w.pointer.clone(),
            location: w.location.clone(),
        })
        .collect();
    out.dedup_by(|a, b| a.object == b.object && a.pointer == b.pointer);
    out
}

fn vulnerability_finding(
    image: &ImageRef,
    sources: &[String],
    p: &Package,
    v: &Vuln,
    workloads: &[WorkloadRef],
) -> Finding {
    let subject = Subject::Package(Arc::new(p.to_ref(image.clone())));
    let fixed = if v.fixed.is_empty() {
        "no fixed version yet".to_string()
    } else {
        format!("fixed in {}", v.fixed.join(", "))
    };
    let aliases = if v.aliases.is_empty() {
        String::new()
    } else {
        format!(" ({})", v.aliases.join(", "))
    };
    let summary = if v.summary.is_empty() {
        String::new()
    } else {
        format!(": {}", v.summary)
    };
    let message = format!(
        "{}{aliases} in {} {} ({}), {fixed}{summary}",
        v.id, p.name, p.version, p.ecosystem
    );
    let mut f = Finding::new(
        IMAGE_VULNERABILITY.id.clone(),
        severity_of(v.level),
        subject,
        Pointer::root().join("vulnerabilities").join(&v.id),
        message,
    );
    f.evidence.push(Evidence::new("osv id", Some(v.id.clone())));
    if !v.aliases.is_empty() {
        f.evidence
            .push(Evidence::new("aliases", Some(v.aliases.join(", "))));
    }
    let mut installed = Evidence::new("installed version", Some(p.version.clone()));
    if !v.fixed.is_empty() {
        installed = installed.expected(format!("fixed version {}", v.fixed.join(" or ")));
    }
    f.evidence.push(installed);
    f.evidence.push(Evidence::new(
        "severity",
        Some(match v.score {
            Some(s) => format!("{} (CVSS {s:.1})", v.level.as_str()),
            None => v.level.as_str().to_string(),
        }),
    ));
    if v.via_source {
        f.evidence.push(Evidence::new(
            "source package",
            Some(format!("{} {}", v.package, v.version)),
        ));
    }
    if !v.ranges.is_empty() {
        f.evidence
            .push(Evidence::new("affected", Some(v.ranges.join("; "))));
    }
    f.evidence
        .push(Evidence::new("package path", Some(p.path.clone())));
    if sources.len() > 1 {
        f.evidence
            .push(Evidence::new("image references", Some(sources.join(", "))));
    }
    f.related = related(workloads);
    f
}

fn unsigned_findings(image: &ImageRef, why: &str, workloads: &[WorkloadRef]) -> Vec<Finding> {
    let what = match &image.digest {
        Some(d) => format!("{}@{d}", image.reference.split('@').next().unwrap_or("")),
        None => image.reference.clone(),
    };
    let evidence = Evidence::new("cosign signature", Some(why.to_string()))
        .expected("a signature that verifies with the key and names the image digest");
    if workloads.is_empty() {
        let mut f = Finding::new(
            IMAGE_UNSIGNED.id.clone(),
            IMAGE_UNSIGNED.severity,
            Subject::Image(Arc::new(image.clone())),
            Pointer::root(),
            format!("image {what} has no valid cosign signature for the key: {why}"),
        );
        f.evidence.push(evidence);
        return vec![f];
    }
    let mut seen = std::collections::HashSet::new();
    workloads
        .iter()
        .filter(|w| seen.insert((w.object.clone(), w.pointer.clone())))
        .map(|w| {
            let mut f = Finding::new(
                IMAGE_UNSIGNED.id.clone(),
                IMAGE_UNSIGNED.severity,
                Subject::Object(w.object.clone()),
                w.pointer.clone(),
                format!(
                    "runs image {what}, which has no valid cosign signature for the key: {why}"
                ),
            );
            f.location = w.location.clone();
            f.evidence.push(evidence.clone());
            f
        })
        .collect()
}

/// The images of every container (init and ephemeral included) of the workloads among
/// `resources`, each with the workloads that run it, in first-seen order.
pub fn targets_from_resources(resources: &[Resource]) -> Vec<Target> {
    let mut out: Vec<Target> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut paths: HashMap<&Path, Arc<Path>> = HashMap::new();
    for r in resources {
        let Some(w) = Workload::of(r.kind(), &r.raw) else {
            continue;
        };
        let object = Arc::new(r.id.clone());
        for c in &w.containers {
            let Some(image) = c.image().map(str::trim).filter(|i| !i.is_empty()) else {
                continue;
            };
            let pointer = c.ptr.join("image");
            let location = match (r.origin.path(), r.locate(pointer.as_str())) {
                (Some(p), Some(pos)) => {
                    let path = paths.entry(p).or_insert_with(|| Arc::from(p)).clone();
                    Some(Location {
                        path,
                        line: pos.line,
                        column: pos.col,
                        snippet: None,
                    })
                }
                _ => None,
            };
            let wref = WorkloadRef {
                object: object.clone(),
                pointer,
                location,
            };
            match index.get(image) {
                Some(&i) => out[i].workloads.push(wref),
                None => {
                    index.insert(image.to_string(), out.len());
                    out.push(Target {
                        source: image.to_string(),
                        workloads: vec![wref],
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_map_to_severities() {
        assert_eq!(severity_of(Level::Critical), Severity::Critical);
        assert_eq!(severity_of(Level::Unknown), Severity::Medium);
        assert_eq!(severity_of(Level::None), Severity::Info);
    }

    #[test]
    fn metas_are_complete_and_sorted() {
        let m = metas();
        assert!(m.is_sorted_by(|a, b| a.id < b.id));
        for x in m {
            assert!(x.rationale.len() > 40 && x.remediation.len() > 20);
            assert!(!x.controls.is_empty());
        }
    }
}
