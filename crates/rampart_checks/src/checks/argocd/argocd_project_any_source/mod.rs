//! `argocd-project-any-source`: an Argo CD AppProject lets its Applications deploy from any
//! repository (`spec.sourceRepos` contains `*`).

use rampart_model::k8s::addons::argocd;
use rampart_model::{meta, Category, Pointer, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "argocd-project-any-source",
        title: "Argo CD project accepts any source repository",
        severity: Severity::Medium,
        category: Category::Addons,
        controls: &[common::NSA_AUTHZ, common::NIST_ORCH_UNAUTHORIZED, common::MITRE_DEPLOY_CONTAINER],
        rationale: "An AppProject is Argo CD's boundary between teams. With `sourceRepos: ['*']` \
            anyone allowed to create or edit an Application in the project can point it at a \
            repository they control and have Argo CD deploy whatever it holds, with the \
            application controller's permissions, bypassing the review of the team's own \
            repositories.",
        remediation: "List the repositories the project may deploy from in `spec.sourceRepos` \
            (exact URLs or narrow globs such as `https://github.com/acme/*`), and keep the \
            built-in `default` project empty of Applications.",
        kinds: &["AppProject"],
        example_fail: "apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nspec:\n  sourceRepos: ['*']\n",
        example_pass: "apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nspec:\n  sourceRepos:\n  - https://github.com/acme/shop-deploy.git\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if !ctx.is(argocd::APP_PROJECT) {
        return;
    }
    let Some(spec) = ctx.raw().get("spec") else {
        return;
    };
    for (ptr, repo) in common::items(spec, &Pointer::root().join("spec"), "sourceRepos") {
        if repo.as_str().map(str::trim) == Some("*") {
            out.emit(
                ptr,
                format!(
                    "project \"{}\" deploys from any repository",
                    ctx.res.id.name
                ),
            );
        }
    }
}
