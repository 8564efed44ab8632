//! `service-account-automount`: a ServiceAccount does not disable automatic token mounting.

use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitted, Emitter, Run};

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
    let field = Pointer::root().join("automountServiceAccountToken");
    // Unsafe: pods of this account that talk to the API server then need to opt in.
    let fix = common::set_fix(
        "set automountServiceAccountToken: false on the ServiceAccount",
        false,
        field.clone(),
        Value::Bool(false),
    );
    let result = match ctx
        .raw()
        .get("automountServiceAccountToken")
        .and_then(Value::as_bool)
    {
        Some(false) => return,
        Some(true) => Emitted::fail(
            field,
            format!("ServiceAccount \"{name}\" sets automountServiceAccountToken: true"),
        ),
        None => Emitted::fail(
            Pointer::root(),
            format!("ServiceAccount \"{name}\" does not set automountServiceAccountToken: false"),
        ),
    };
    out.result(result.with_fix(fix));
}
