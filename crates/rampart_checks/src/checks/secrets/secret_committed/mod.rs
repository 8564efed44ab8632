//! `secret-committed`: a manifest contains a Secret with its data.
//!
//! A Secret whose `data` and `stringData` are absent or hold only empty values passes (a
//! placeholder filled in by other tooling).

use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "secret-committed",
        title: "Secret data in a manifest",
        severity: Severity::Medium,
        category: Category::Secrets,
        controls: &[common::NSA_SECRETS, common::MITRE_CREDS_IN_FILES],
        rationale: "Secret `data` is only base64-encoded, not encrypted, and `stringData` is plain \
            text. A Secret with values in a manifest puts the credentials in the repository, its \
            history, every clone and every CI log that prints the rendered output.",
        remediation: "Keep Secret values out of manifests: create them from an external secret \
            manager (External Secrets Operator, Secrets Store CSI driver) or commit them encrypted \
            (Sealed Secrets, SOPS). Rotate credentials that were committed.",
        kinds: &["Secret"],
        example_fail: "kind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n",
        example_pass: "kind: ExternalSecret\nmetadata:\n  name: db\nspec:\n  secretStoreRef: {name: vault, kind: ClusterSecretStore}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if ctx.kind() != "Secret" {
        return;
    }
    let name = &ctx.res.id.name;
    for field in ["data", "stringData"] {
        let Some(Value::Object(map)) = ctx.raw().get(field) else {
            continue;
        };
        let keys: Vec<&str> = map
            .iter()
            .filter(|(_, v)| common::non_empty_str(Some(v)).is_some())
            .map(|(k, _)| k.as_str())
            .collect();
        if !keys.is_empty() {
            out.emit(
                Pointer::root().join(field),
                format!(
                    "Secret \"{name}\" has values in the manifest ({field}: {})",
                    keys.join(", ")
                ),
            );
        }
    }
}
