//! `host-aliases`: the pod writes its own entries into `/etc/hosts`.

use rampart_model::{meta, Category, Control, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "host-aliases",
        title: "Pod overrides name resolution with hostAliases",
        severity: Severity::Low,
        category: Category::Network,
        controls: &[
            common::NSA_NETWORK,
            Control::MitreAttack { id: "T1565.002", name: "Transmitted Data Manipulation" },
        ],
        rationale: "`hostAliases` adds lines to the pod's `/etc/hosts`, which the resolver \
            consults before DNS. A manifest can thereby send a well-known name (a registry, an \
            identity provider, a cloud API) to another address, unseen by DNS logging and by \
            anyone reviewing the cluster's DNS; it is also how stale, hard-coded addresses outlive \
            the services they pointed at.",
        remediation: "Remove `hostAliases` and publish the names in DNS (a Service, an \
            ExternalName Service or the cluster DNS configuration) where they are visible and \
            managed.",
        kinds: common::POD_KINDS,
        example_fail: "spec:\n  hostAliases:\n  - ip: 10.0.0.7\n    hostnames: [registry.example.com]\n",
        example_pass: "spec:\n  containers:\n  - name: app\n    image: app:1\n",
    },
    run: Run::Object(run),
};


fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for (ptr, a) in common::items(w.spec, &w.spec_ptr, "hostAliases") {
        let ip = a.get("ip").and_then(Value::as_str).unwrap_or("?");
        let names: Vec<&str> = a
            .get("hostnames")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if names.is_empty() {
            continue;
        }
        out.emit(
            ptr,
            format!("the pod resolves {} to {ip} through /etc/hosts", names.join(", ")),
        );
    }
}
