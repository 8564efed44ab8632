//! `anonymous-access`: the API server answers requests without credentials with a 2xx.

use rampart_model::{meta, Category, Control, Pointer, Severity};

use crate::checks::common;
use crate::cluster_info::{self, Probe};
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "anonymous-access",
        title: "API server answers anonymous requests",
        severity: Severity::High,
        category: Category::Identity,
        controls: &[
            common::cis("1.2.1"),
            common::NSA_AUTHZ,
            Control::MitreAttack {
                id: "T1613",
                name: "Container and Resource Discovery",
            },
            Control::MitreAttack {
                id: "T1190",
                name: "Exploit Public-Facing Application",
            },
        ],
        rationale: "rampart sent `GET /api` and `GET /version` to the API server without any \
            credentials and at least one got a successful answer. With anonymous authentication on, \
            every request that carries no credentials runs as `system:anonymous` in the group \
            `system:unauthenticated`, so anyone who can reach the endpoint can read what those \
            identities are granted: the exact server version (to pick published exploits), the API \
            surface, and whatever an over-broad binding to them exposes. Unauthenticated access also \
            turns any future authorization mistake into a remote one.",
        remediation: "Start kube-apiserver with `--anonymous-auth=false` (or, from Kubernetes \
            1.32, an `AuthenticationConfiguration` whose `anonymous.conditions` allow only health \
            endpoints such as `/livez` and `/readyz`), remove bindings to `system:anonymous` and \
            `system:unauthenticated` (see `rbac-anonymous-grant`), and keep the endpoint off public \
            networks. Managed clusters expose this as a provider setting.",
        kinds: &["ClusterInfo"],
        example_fail: "apiVersion: rampart.dev/v1\nkind: ClusterInfo\nmetadata:\n  name: prod\nanonymous:\n  api: {status: 403}\n  version: {status: 200}\n",
        example_pass: "apiVersion: rampart.dev/v1\nkind: ClusterInfo\nmetadata:\n  name: prod\nanonymous:\n  api: {status: 401}\n  version: {status: 401}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if !cluster_info::is_cluster_info(ctx.res) {
        return;
    }
    let Some(probe) = cluster_info::anonymous(ctx.raw()) else {
        return;
    };
    if !probe
        .iter()
        .any(|(_, p)| matches!(p, Probe::Status(s) if (200..300).contains(s)))
    {
        return;
    }
    out.emit(
        Pointer::root().join("anonymous"),
        format!(
            "the API server answers requests without credentials: {}",
            super::describe_probe(&probe)
        ),
    );
}
