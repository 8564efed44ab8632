//! `service-account-automount`: a ServiceAccount does not disable automatic token mounting.

use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "service-account-automount",
        title: "ServiceAccount token is mounted automatically",
        severity: Severity::Low,
        category: Category::Identity,
        controls: &[
            common::cis("5.1.5"),
            common::cis("5.1.6"),
            common::NSA_SA_TOKENS,
            common::MITRE_STEAL_TOKEN,
        ],
        rationale: "A ServiceAccount without `automountServiceAccountToken: false` gets its token \
            mounted into every pod that uses it and does not opt out itself. Each such pod is a \
            place from which the account's permissions can be stolen.",
        remediation: "Set `automountServiceAccountToken: false` on the ServiceAccount (in \
            particular on each namespace's `default` account), and let only the pods that call the \
            Kubernetes API opt in with `automountServiceAccountToken: true` in their pod spec.",
        kinds: &["ServiceAccount"],
        example_fail: "kind: ServiceAccount\nmetadata:\n  name: app\n",
        example_pass:
            "kind: ServiceAccount\nmetadata:\n  name: app\nautomountServiceAccountToken: false\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if ctx.kind() != "ServiceAccount" {
        return;
    }
    let name = &ctx.res.id.name;
    match ctx
        .raw()
        .get("automountServiceAccountToken")
        .and_then(Value::as_bool)
    {
        Some(false) => {}
        Some(true) => out.emit(
            Pointer::root().join("automountServiceAccountToken"),
            format!("ServiceAccount \"{name}\" sets automountServiceAccountToken: true"),
        ),
        None => out.emit(
            Pointer::root(),
            format!("ServiceAccount \"{name}\" does not set automountServiceAccountToken: false"),
        ),
    }
}
