//! `image-not-pinned-by-digest`: a container image is referenced by a mutable tag, not a digest.
//!
//! The digest must be valid (`rampart_model::k8s::image_ref`): `sha256:` and exactly 64 lower-case
//! hex digits, or `sha512:` and 128; an upper-case, short or long digest, an empty or unknown
//! algorithm, or text after the digest names no image content and is not pinned.

use rampart_model::k8s::image_ref::{DigestProblem, ImageReference};
use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "image-not-pinned-by-digest",
        title: "Image is not pinned by digest",
        severity: Severity::Low,
        category: Category::Images,
        controls: &[common::NIST_STALE_IMAGES, common::MITRE_IMPLANT_IMAGE],
        rationale: "Tags are mutable: the image behind `app:1.4.2` can be replaced by anyone who \
            can push to the repository, or by a compromised registry, and the cluster runs the new \
            content on the next pull without any change to the manifest. A digest names exactly \
            one image content, so what was reviewed and scanned is what runs. Only a valid digest \
            pins: `sha256:` and exactly 64 lower-case hex digits (`sha512:` and 128); an upper-case, \
            short or long digest, an unknown algorithm or text after the digest does not.",
        remediation: "Append the image digest to the reference, e.g. \
            `app:1.4.2@sha256:<digest>` (`crane digest` or `docker buildx imagetools inspect` \
            print it), and let a bot such as Renovate keep it current.",
        kinds: common::POD_KINDS,
        example_fail: "containers:\n- name: app\n  image: app:1.4.2\n",
        example_pass: "containers:\n- name: app\n  image: app:1.4.2@sha256:3f1b5c0d2a4e6b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for c in &w.containers {
        let Some(image) = c.image().filter(|i| !i.trim().is_empty()) else {
            continue;
        };
        let message = match ImageReference::parse(image).digest_problem() {
            None => continue,
            Some(DigestProblem::Missing) => {
                format!("{} uses image {image}, not pinned by digest", c.label())
            }
            Some(problem) => format!(
                "{} uses image {image}, not pinned by digest: {problem}",
                c.label()
            ),
        };
        out.emit(c.ptr.join("image"), message);
    }
}
