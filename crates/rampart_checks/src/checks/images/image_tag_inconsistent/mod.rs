//! `image-tag-inconsistent`: the same image runs under different tags across workloads.
//!
//! Images are grouped by repository, normalised as runtimes pull them
//! (`rampart_model::k8s::image_ref`: `nginx`, `docker.io/nginx` and
//! `index.docker.io/library/nginx` are one repository), over every container, init and ephemeral
//! container of every pod-bearing object scanned together. A use's version is its tag (a digest
//! beside a tag does not make it another version), else its digest, else `latest`. When a
//! repository runs in more than one version, each use of a version other than the most used one
//! (ties: the first in sort order) is reported, naming a workload that runs the most used one.
//! Controllers scaled to zero (`replicas: 0`, such as a Deployment's old ReplicaSets read from a
//! cluster) do not count.

use std::collections::BTreeMap;

use rampart_model::k8s::image_ref::ImageReference;
use rampart_model::{meta, AnalysisObject, Category, Pointer, Severity};

use crate::checks::common;
use crate::inventory::Kept;
use crate::{Check, Inventory, InventoryEmitter, RelatedIdx, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "image-tag-inconsistent",
        title: "Same image under different tags",
        severity: Severity::Low,
        category: Category::Images,
        controls: &[common::NIST_STALE_IMAGES],
        rationale: "One image run at several versions across workloads usually means an upgrade \
            that reached only some of them: the older copies keep the vulnerabilities the \
            upgrade fixed, behave differently from what was tested, and are easy to miss \
            because the image name looks the same. It also multiplies what must be scanned and \
            patched.",
        remediation: "Bring every workload to the same, current version of the image (one \
            variable in Helm values or a Kustomize `images:` entry keeps them together), or \
            waive the finding where running two versions is intended (a migration, a canary).",
        kinds: common::POD_KINDS,
        example_fail: "kind: Deployment\n...\n  image: ghcr.io/acme/api:1.4.2\n---\nkind: CronJob\n...\n  image: ghcr.io/acme/api:1.3.0\n",
        example_pass: "kind: Deployment\n...\n  image: ghcr.io/acme/api:1.4.2\n---\nkind: CronJob\n...\n  image: ghcr.io/acme/api:1.4.2\n",
    },
    run: Run::Inventory(run),
};

/// One container's use of an image.
struct Use {
    object: usize,
    ptr: Pointer,
    image: String,
    container: String,
}

fn replicas(obj: &Kept) -> Option<i64> {
    match obj {
        Kept::Pod(p) => p.replicas,
        Kept::Whole(r) => r
            .raw
            .pointer("/spec/replicas")
            .and_then(serde_json::Value::as_i64),
        Kept::Stub(_) => None,
    }
}

fn workload(obj: &Kept) -> String {
    let id = obj.id();
    match &id.namespace {
        Some(ns) => format!("{} {ns}/{}", id.kind, id.name),
        None => format!("{} {}", id.kind, id.name),
    }
}

/// How many versions a message lists before it says how many more there are: a repository run
/// at hundreds of versions must not make every one of its findings hundreds of versions long.
const VERSIONS_LISTED: usize = 8;

/// The versions in use, the first [`VERSIONS_LISTED`] in sort order and the count of the rest.
fn versions_in_use<'a>(versions: impl Iterator<Item = &'a str>, count: usize) -> String {
    let listed: Vec<&str> = versions.take(VERSIONS_LISTED).collect();
    let mut out = listed.join(", ");
    if count > listed.len() {
        out.push_str(&format!(" and {} more", count - listed.len()));
    }
    out
}

fn run(inv: &Inventory, out: &mut InventoryEmitter) {
    // repository -> version -> uses
    let mut repos: BTreeMap<String, BTreeMap<String, Vec<Use>>> = BTreeMap::new();
    for (idx, obj) in inv.objects.iter().enumerate() {
        if replicas(obj) == Some(0) {
            continue;
        }
        let Some(facts) = obj.pod_facts() else {
            continue;
        };
        for u in &facts.images {
            let r = ImageReference::parse(&u.image);
            repos
                .entry(r.repository())
                .or_default()
                .entry(r.version().to_string())
                .or_default()
                .push(Use {
                    object: idx,
                    ptr: u.ptr.clone(),
                    image: u.image.clone(),
                    container: u.container.clone(),
                });
        }
    }
    for (repository, versions) in &repos {
        if versions.len() < 2 {
            continue;
        }
        // The most used version (ties: the first in sort order).
        let Some((main, main_uses)) = versions
            .iter()
            .max_by(|a, b| a.1.len().cmp(&b.1.len()).then(b.0.cmp(a.0)))
        else {
            continue;
        };
        let Some(reference) = main_uses.first() else {
            continue;
        };
        let all = versions_in_use(versions.keys().map(String::as_str), versions.len());
        for (version, uses) in versions {
            if version == main {
                continue;
            }
            for u in uses {
                let Some(obj) = inv.objects.get(u.object) else {
                    continue;
                };
                let other = inv
                    .objects
                    .get(reference.object)
                    .map(workload)
                    .unwrap_or_default();
                out.emit_related(
                    u.object,
                    u.ptr.clone(),
                    format!(
                        "{} container \"{}\" runs {repository} as {version} ({}), while {} \
                         container(s) run it as {main} (e.g. {other} container \"{}\"); versions \
                         in use: {}",
                        workload(obj),
                        u.container,
                        u.image,
                        main_uses.len(),
                        reference.container,
                        all
                    ),
                    vec![RelatedIdx {
                        role: "runs the most used version",
                        object: reference.object,
                        pointer: reference.ptr.clone(),
                    }],
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_version_lists_are_cut_with_a_count() {
        let few = ["1.0", "1.1"];
        assert_eq!(versions_in_use(few.into_iter(), 2), "1.0, 1.1");
        let many: Vec<String> = (0..300).map(|i| format!("1.{i:03}")).collect();
        let s = versions_in_use(many.iter().map(String::as_str), many.len());
        assert_eq!(
            s,
            "1.000, 1.001, 1.002, 1.003, 1.004, 1.005, 1.006, 1.007 and 292 more"
        );
    }
}
