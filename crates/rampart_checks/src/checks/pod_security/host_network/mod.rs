//! `host-network`: the pod uses the host's network namespace.

use rampart_model::{meta, Category, Severity};

use crate::checks::common::{self, is_true};
use crate::{Check, Ctx, Emitted, Emitter, Run};
use serde_json::Value;

pub static CHECK: Check = Check {
    meta: meta! {
        id: "host-network",
        title: "Pod uses the host network namespace",
        severity: Severity::High,
        category: Category::PodSecurity,
        controls: &[
            common::pss_baseline("Host Namespaces"),
            common::cis("5.2.5"),
            common::NSA_PRIVILEGES,
            common::NIST_RUNTIME_CONFIG,
        ],
        rationale: "With `hostNetwork: true` the pod shares the node's network stack: it can bind \
            any port of the node, reach services listening only on the node's loopback interface \
            (the kubelet's read-only port, local agents, cloud metadata proxies), observe other \
            pods' traffic with capture tools, and it bypasses NetworkPolicies that select pods.",
        remediation:
            "Remove `hostNetwork: true` from the pod spec and expose the workload through a \
            Service. Only node-level networking agents (CNI plugins, kube-proxy) need the host \
            network; run them in a dedicated, restricted namespace.",
        kinds: common::POD_KINDS,
        example_fail: "spec:\n  hostNetwork: true\n",
        example_pass: "spec:\n  hostNetwork: false\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    if is_true(w.get("hostNetwork")) {
        out.result(
            Emitted::fail(w.ptr("hostNetwork"), "the pod uses the host's network namespace (hostNetwork)").with_fix(
                common::set_fix(
                    "set hostNetwork: false",
                    false,
                    w.ptr("hostNetwork"),
                    Value::Bool(false),
                ),
            ),
        );
    }
}
