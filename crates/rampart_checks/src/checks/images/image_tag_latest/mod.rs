//! `image-tag-latest`: a container image has no tag or the `latest` tag.
//!
//! `registry:5000/app` has no tag (the colon belongs to the registry's port). An image pinned by
//! digest (`app@sha256:...`, with or without a tag) is immutable and passes.

use rampart_model::k8s::image_ref::ImageReference;
use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "image-tag-latest",
        title: "Image uses the latest tag",
        severity: Severity::Medium,
        category: Category::Images,
        controls: &[common::NIST_STALE_IMAGES, common::MITRE_IMPLANT_IMAGE],
        rationale: "An image without a tag means `:latest`, which names whatever was pushed last. \
            Nodes pulling at different times run different code, a rollback cannot return to a \
            known version, nobody can tell which vulnerabilities are deployed, and anyone able to \
            push to the repository changes what runs in the cluster on the next restart.",
        remediation: "Reference a specific, immutable version: a release tag such as `app:1.4.2`, \
            or better a digest (`app:1.4.2@sha256:...`). Have CI update the reference when it \
            publishes a new image.",
        kinds: common::POD_KINDS,
        example_fail: "containers:\n- name: app\n  image: registry.example.com:5000/app\n",
        example_pass: "containers:\n- name: app\n  image: registry.example.com:5000/app:1.4.2\n",
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
        if r.is_latest() {
            let what = if r.tag.is_some() {
                "the latest tag"
            } else {
                "no tag (so latest)"
            };
            out.emit(
                c.ptr.join("image"),
                format!("{} uses image {image} with {what}", c.label()),
            );
        }
    }
}
