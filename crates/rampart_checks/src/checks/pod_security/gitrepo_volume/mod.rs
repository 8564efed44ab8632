//! `gitrepo-volume`: the pod uses a `gitRepo` volume.

use rampart_model::{meta, Category, Control, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "gitrepo-volume",
        title: "Pod uses a gitRepo volume",
        severity: Severity::High,
        category: Category::PodSecurity,
        controls: &[
            common::pss_restricted("Volume Types"),
            common::MITRE_ESCAPE,
            Control::Nist80190 { section: "4.4.3 Insecure container runtime configurations" },
        ],
        rationale: "A `gitRepo` volume makes the kubelet run `git clone` on the node, as root, \
            with the repository, revision and directory taken from the pod spec. Crafted values \
            and repositories (hooks, symlinks) run code on the host: CVE-2018-11235 and \
            CVE-2024-10220 both turned it into command execution on the node, outside any \
            container. The volume type has been deprecated since Kubernetes 1.11; its \
            driver is off by default from 1.33 (KEP-5040), but older clusters, and those that \
            turn the feature gate back on, still run it.",
        remediation: "Clone the repository in an init container into an `emptyDir` volume \
            that the application container mounts (or bake the content into the image), and \
            forbid `gitRepo` with Pod Security Admission's restricted level or a policy.",
        kinds: common::POD_KINDS,
        example_fail: "volumes:\n- name: src\n  gitRepo: {repository: \"https://example.com/app.git\"}\n",
        example_pass: "volumes:\n- name: src\n  emptyDir: {}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for (ptr, v) in w.volumes() {
        if v.get("gitRepo").is_some() {
            let name = v.get("name").and_then(serde_json::Value::as_str).unwrap_or("?");
            out.emit(
                ptr.join("gitRepo"),
                format!("volume `{name}` is a gitRepo volume: the kubelet runs git on the node as root"),
            );
        }
    }
}
