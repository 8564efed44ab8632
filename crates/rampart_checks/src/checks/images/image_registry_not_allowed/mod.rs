//! `image-registry-not-allowed`: a container image comes from a registry outside the allow-list.
//!
//! The allow-list is the config's `images.allowed-registries` (`.rampart.yaml`): registry hosts
//! (`registry.example.com`, `registry.example.com:5000`), repository prefixes (`ghcr.io/acme`,
//! `docker.io/library` for Docker Hub's official images only) or `*.` host suffixes
//! (`*.dkr.ecr.eu-west-1.amazonaws.com`). References are normalised as container runtimes pull
//! them (`rampart_model::k8s::image_ref`): `nginx` is `docker.io/library/nginx`, `bitnami/redis`
//! is `docker.io/bitnami/redis`, `index.docker.io` is `docker.io`; an entry matches at a `/`
//! boundary (`ghcr.io/acme` does not allow `ghcr.io/acme-evil`). Without an allow-list the check
//! reports nothing. Init and ephemeral containers count.

use std::sync::Arc;

use rampart_model::k8s::image_ref::{normalize_registry_entry, repository_allowed, ImageReference};
use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitter, ObjectRule, Rule, Run};

/// The check for an allow-list (normalised entries); empty: reports nothing.
#[derive(Debug, Default)]
pub struct AllowList {
    pub allowed: Vec<String>,
}

impl AllowList {
    /// An allow-list from the config's entries (blank entries ignored).
    pub fn new<S: AsRef<str>>(entries: &[S]) -> AllowList {
        AllowList {
            allowed: entries
                .iter()
                .filter_map(|e| normalize_registry_entry(e.as_ref()))
                .collect(),
        }
    }
}

impl ObjectRule for AllowList {
    fn check(&self, ctx: &Ctx, out: &mut Emitter) {
        if self.allowed.is_empty() {
            return;
        }
        let Some(w) = &ctx.workload else { return };
        for c in &w.containers {
            let Some(image) = c.image().filter(|i| !i.trim().is_empty()) else {
                continue;
            };
            let repository = ImageReference::parse(image).repository();
            if self
                .allowed
                .iter()
                .any(|a| repository_allowed(&repository, a))
            {
                continue;
            }
            out.emit(
                c.ptr.join("image"),
                format!(
                    "{} uses image {image} ({repository}), from outside the allowed registries ({})",
                    c.label(),
                    self.allowed.join(", ")
                ),
            );
        }
    }
}

/// The built-in instance: no allow-list configured.
static UNCONFIGURED: AllowList = AllowList {
    allowed: Vec::new(),
};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "image-registry-not-allowed",
        title: "Image from a registry outside the allow-list",
        severity: Severity::High,
        category: Category::Images,
        controls: &[
            common::NIST_STALE_IMAGES,
            common::MITRE_IMPLANT_IMAGE,
            // Not CIS 5.5.1 (image provenance through ImagePolicyWebhook): that control is about
            // the admission controller's configuration, judged manually.
        ],
        rationale: "Images from registries the organisation does not control skip its build \
            pipeline, scanning and signing, and can be replaced by whoever controls that \
            registry or namespace. A typo or a look-alike name (`docker.io/acme-corp` for \
            `ghcr.io/acme`) pulls an attacker's image. An allow-list of registries \
            (`images.allowed-registries` in `.rampart.yaml`) keeps every workload on vetted \
            sources.",
        remediation: "Mirror or rebuild the image into an allowed registry and reference it \
            there, or add the registry (or the repository prefix) to \
            `images.allowed-registries` after review. Enforce the same list at admission \
            (rampart's webhook, Kyverno or Gatekeeper).",
        kinds: common::POD_KINDS,
        example_fail: "# .rampart.yaml: images: {allowed-registries: [registry.example.com]}\ncontainers:\n- name: app\n  image: docker.io/acme/app:1.4.2\n",
        example_pass: "# .rampart.yaml: images: {allowed-registries: [registry.example.com]}\ncontainers:\n- name: app\n  image: registry.example.com/acme/app:1.4.2\n",
    },
    run: Run::ObjectRule(Rule::Static(&UNCONFIGURED)),
};

/// The check judging against `entries` (same id and metadata as the built-in one, which it
/// replaces in a registry).
pub fn configured<S: AsRef<str>>(entries: &[S]) -> Check {
    Check {
        meta: CHECK.meta.clone(),
        run: Run::ObjectRule(Rule::Shared(Arc::new(AllowList::new(entries)))),
    }
}
