//! `image-tag-floating`: a container image uses a tag that moves by design.
//!
//! Every tag is mutable (`image-not-pinned-by-digest` reports all references without a digest),
//! but some are *meant* to move: release channels (`stable`, `edge`, `main`, `nightly`, `lts`
//! ...), a major or major.minor version without its patch (`nginx:1`, `python:3.12`,
//! `node:20-alpine`), and a bare variant or distribution name (`alpine`, `slim`, `bookworm`).
//! These change on every upstream release, so what runs differs between nodes and restarts even
//! when nobody tampers with the registry. `latest` and no tag are `image-tag-latest`'s; a
//! reference with a valid digest passes (the digest decides what runs). Exact versions
//! (`1.4.2`, `2024-01-15`, `v1.4.2-rc.1`, a commit SHA) pass here and are left to
//! `image-not-pinned-by-digest`.

use rampart_model::k8s::image_ref::ImageReference;
use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "image-tag-floating",
        title: "Image uses a floating tag",
        severity: Severity::Medium,
        category: Category::Images,
        controls: &[common::NIST_STALE_IMAGES, common::MITRE_IMPLANT_IMAGE],
        rationale: "Floating tags such as `nginx:1`, `python:3.12-slim`, `redis:alpine` or \
            `app:stable` are re-pointed by their publishers at every release. Two nodes pulling \
            at different times run different code, a restart silently upgrades (or breaks) the \
            workload, a rollback does not return to what ran, and the scanned image is not the \
            one running. Unlike an exact version tag, the change is expected, not an attack, so \
            it happens all the time.",
        remediation: "Reference an exact version (`nginx:1.27.3`, `python:3.12.7-slim`) and \
            better its digest (`nginx:1.27.3@sha256:...`), and let a bot such as Renovate or \
            Dependabot propose upgrades as reviewed changes.",
        kinds: common::POD_KINDS,
        example_fail: "containers:\n- name: app\n  image: python:3.12-slim\n",
        example_pass: "containers:\n- name: app\n  image: python:3.12.7-slim\n",
    },
    run: Run::Object(run),
};

/// Tags that name a release channel or branch rather than a release.
const CHANNELS: &[&str] = &[
    "stable", "edge", "main", "master", "dev", "develop", "development", "nightly", "canary",
    "beta", "alpha", "lts", "current", "mainline", "rolling", "head", "trunk", "next", "preview",
    "release", "testing", "unstable", "snapshot", "prod", "production", "staging", "experimental",
];

/// Variant and distribution names used as whole tags or as a version's suffix.
const VARIANTS: &[&str] = &[
    "alpine", "slim", "bookworm", "bullseye", "buster", "trixie", "jammy", "noble", "focal",
    "bionic", "ubi", "ubi8", "ubi9", "distroless", "debian", "ubuntu", "windowsservercore",
    "nanoserver", "jdk", "jre", "full", "onbuild", "fpm", "apache", "cli", "perl", "otel",
];

/// Why `tag` floats, if it does.
fn floating(tag: &str) -> Option<&'static str> {
    let lower = tag.to_ascii_lowercase();
    if CHANNELS.contains(&lower.as_str()) {
        return Some("a release channel");
    }
    // `1`, `v1`, `1.27`, `3.12-slim`, `20-alpine3.20`, `alpine`, `bookworm-slim`.
    let (version, suffix) = match lower.split_once('-') {
        Some((v, s)) => (v, Some(s)),
        None => (lower.as_str(), None),
    };
    let suffix_is_variant = |s: &str| {
        s.split('-').all(|part| {
            let base = part.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
            VARIANTS.contains(&base) || VARIANTS.contains(&part)
        })
    };
    if VARIANTS.contains(&version) && suffix.is_none_or(suffix_is_variant) {
        return Some("a variant name without a version");
    }
    let numbers = version.strip_prefix('v').unwrap_or(version);
    let parts: Vec<&str> = numbers.split('.').collect();
    let numeric = !numbers.is_empty()
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    // A date (`20240115`) or a build number is not a major version.
    if numeric
        && parts.len() <= 2
        && parts[0].len() <= 3
        && suffix.is_none_or(suffix_is_variant)
    {
        return Some(if parts.len() == 1 {
            "a major version without minor and patch"
        } else {
            "a minor version without patch"
        });
    }
    None
}

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for c in &w.containers {
        let Some(image) = c.image().filter(|i| !i.trim().is_empty()) else {
            continue;
        };
        let r = ImageReference::parse(image);
        if r.is_pinned() || r.is_latest() {
            continue;
        }
        let Some(tag) = r.tag else { continue };
        if let Some(why) = floating(tag) {
            out.emit(
                c.ptr.join("image"),
                format!(
                    "{} uses image {image}: the tag {tag} is {why}, re-pointed at each release",
                    c.label()
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::floating;

    #[test]
    fn floating_and_exact_tags() {
        for t in [
            "1", "v2", "1.27", "3.12-slim", "20-alpine", "20-alpine3.20", "alpine", "slim",
            "bookworm-slim", "stable", "LTS", "main", "17-jdk", "8.3-fpm-alpine",
        ] {
            assert!(floating(t).is_some(), "{t}");
        }
        for t in [
            "1.27.3", "3.12.7-slim", "v1.4.2-rc.1", "2024-01-15", "20240115", "9fceb02",
            "1.4.2-alpine3.20", "sha-9fceb02", "build-1234", "release-1.2.3", "alpine3.20.1",
            "1.0.0",
        ] {
            assert!(floating(t).is_none(), "{t}");
        }
    }
}
