//! `image-pull-policy`: a container uses a mutable image tag without `imagePullPolicy: Always`.
//!
//! When the field is absent Kubernetes defaults it to `Always` for `:latest` or untagged images and
//! to `IfNotPresent` otherwise; the check applies that default. A reference the API server cannot
//! parse (an empty tag, `app:`) has no tag to it, and gets `IfNotPresent`. An image pinned by digest is
//! immutable, so any policy is fine for it.

use rampart_model::k8s::image_ref::ImageReference;
use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitted, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "image-pull-policy",
        title: "Mutable image tag without imagePullPolicy: Always",
        severity: Severity::Low,
        category: Category::Images,
        controls: &[common::NIST_STALE_IMAGES],
        rationale: "With a mutable tag and `IfNotPresent` (or `Never`), each node runs whatever \
            image it cached under that tag: nodes drift apart, a fixed image pushed under the same \
            tag is not picked up, and a pod may start from an image cached for another pod \
            without its own registry credentials being checked.",
        remediation:
            "Pin the image by digest (preferred; then the pull policy does not matter), or \
            set `imagePullPolicy: Always` so every start resolves the tag against the registry.",
        kinds: common::POD_KINDS,
        example_fail:
            "containers:\n- name: app\n  image: app:1.4.2\n  imagePullPolicy: IfNotPresent\n",
        example_pass: "containers:\n- name: app\n  image: app:1.4.2\n  imagePullPolicy: Always\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for c in &w.containers {
        let Some(image) = c.image().filter(|i| !i.trim().is_empty()) else {
            continue;
        };
        let r = ImageReference::parse(image);
        // Any digest, even a malformed one (which `image-not-pinned-by-digest` reports).
        if r.digest.is_some() {
            continue;
        }
        let explicit = c.value.get("imagePullPolicy").and_then(Value::as_str);
        let default = if r.is_latest() && !r.empty_tag {
            "Always"
        } else {
            "IfNotPresent"
        };
        let policy = explicit.unwrap_or(default);
        if policy == "Always" {
            continue;
        }
        let (ptr, how) = match explicit {
            Some(_) => (c.ptr.join("imagePullPolicy"), ""),
            None => (c.ptr.clone(), " (the default)"),
        };
        out.result(
            Emitted::fail(
                ptr,
                format!(
                    "{} pulls the mutable image {image} with imagePullPolicy {policy}{how}",
                    c.label()
                ),
            )
            .with_fix(common::set_fix(
                "set imagePullPolicy: Always",
                true,
                c.ptr.join("imagePullPolicy"),
                Value::String("Always".into()),
            )),
        );
    }
}
