//! `anonymous-auth-enabled`: the API server authenticates requests without credentials as
//! `system:anonymous` (and then forbids them), instead of rejecting them with 401.

use rampart_model::{meta, Category, Control, Pointer, Severity};

use crate::checks::common;
use crate::cluster_info::{self, Probe};
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "anonymous-auth-enabled",
        title: "API server authenticates anonymous requests (forbidden for now)",
        severity: Severity::Medium,
        category: Category::Identity,
        controls: &[
            common::cis("1.2.1"),
            common::NSA_AUTHZ,
            Control::MitreAttack {
                id: "T1190",
                name: "Exploit Public-Facing Application",
            },
        ],
        rationale: "rampart sent `GET /api` and `GET /version` without credentials; the server \
            did not reject them as unauthenticated (401) but answered as for an authenticated user \
            that lacks permission (typically 403): anonymous authentication is on and only RBAC \
            stands between an unauthenticated caller and the API. One binding to `system:anonymous` \
            or `system:unauthenticated` (added by a chart, an operator or by mistake) then opens the \
            cluster to anyone who can reach it. When an anonymous request actually succeeds, \
            `anonymous-access` reports it instead (at high).",
        remediation: "Start kube-apiserver with `--anonymous-auth=false`, or from Kubernetes 1.32 \
            restrict anonymous requests to health endpoints with an `AuthenticationConfiguration` \
            (`anonymous.conditions`). Load balancers that probe the API server should use `/livez` \
            or `/readyz`, which the conditions can keep open.",
        kinds: &["ClusterInfo"],
        example_fail: "apiVersion: rampart.dev/v1\nkind: ClusterInfo\nmetadata:\n  name: prod\nanonymous:\n  api: {status: 403}\n  version: {status: 403}\n",
        example_pass: "apiVersion: rampart.dev/v1\nkind: ClusterInfo\nmetadata:\n  name: prod\nanonymous:\n  api: {status: 401}\n  version: {status: 401}\n",
    },
    run: Run::Object(run),
};

/// An answer that shows the request was authenticated (as `system:anonymous`) but not served:
/// a client error other than 401. 5xx and no answer prove nothing.
fn authenticated_but_refused(p: &Probe) -> bool {
    matches!(p, Probe::Status(s) if (400..500).contains(s) && *s != 401)
}

fn run(ctx: &Ctx, out: &mut Emitter) {
    if !cluster_info::is_cluster_info(ctx.res) {
        return;
    }
    let Some(probe) = cluster_info::anonymous(ctx.raw()) else {
        return;
    };
    let served = probe
        .iter()
        .any(|(_, p)| matches!(p, Probe::Status(s) if (200..300).contains(s)));
    if served || !probe.iter().any(|(_, p)| authenticated_but_refused(p)) {
        return;
    }
    out.emit(
        Pointer::root().join("anonymous"),
        format!(
            "anonymous authentication is on (requests without credentials run as system:anonymous and only RBAC refuses them): {}",
            super::describe_probe(&probe)
        ),
    );
}
