//! `secret-last-applied-data`: a Secret's `kubectl.kubernetes.io/last-applied-configuration`
//! annotation holds its values.
//!
//! The annotation is parsed as JSON; values that are empty strings do not count. An annotation
//! that is not JSON is left alone.

use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

pub static CHECK: Check = Check {
    meta: meta! {
        id: "secret-last-applied-data",
        title: "Secret values copied into the last-applied annotation",
        severity: Severity::High,
        category: Category::Secrets,
        controls: &[common::NSA_SECRETS, common::MITRE_CREDS_IN_FILES, common::cis("5.4.1")],
        rationale: "`kubectl apply` stores the applied object, values included, in the \
            `kubectl.kubernetes.io/last-applied-configuration` annotation. For a Secret this \
            copies every credential into metadata: it is shown by `kubectl get -o yaml` and \
            `kubectl describe`, read by tools and operators that only list metadata, kept in \
            snapshots, backups and audit logs at the Metadata level, and outlives rotations done \
            by other means. rampart's own cluster scan reads Secrets as metadata only, yet sees \
            these values.",
        remediation: "Create Secrets with `kubectl create secret`, server-side apply \
            (`kubectl apply --server-side`, which keeps no such annotation) or an external secret \
            manager; remove the annotation (`kubectl annotate secret NAME \
            kubectl.kubernetes.io/last-applied-configuration-`) and rotate the exposed values.",
        kinds: &["Secret"],
        example_fail: "kind: Secret\nmetadata:\n  name: db\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{\"kind\":\"Secret\",\"data\":{\"password\":\"aHVudGVyMg==\"}}'\n",
        example_pass: "kind: Secret\nmetadata:\n  name: db\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{\"kind\":\"Secret\",\"metadata\":{\"name\":\"db\"}}'\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if ctx.kind() != "Secret" {
        return;
    }
    let Some(text) = ctx.res.annotation(LAST_APPLIED) else {
        return;
    };
    let Ok(applied) = serde_json::from_str::<Value>(text) else {
        return;
    };
    let mut keys: Vec<&str> = Vec::new();
    for field in ["data", "stringData"] {
        if let Some(Value::Object(map)) = applied.get(field) {
            keys.extend(
                map.iter()
                    .filter(|(_, v)| common::non_empty_str(Some(v)).is_some())
                    .map(|(k, _)| k.as_str()),
            );
        }
    }
    if keys.is_empty() {
        return;
    }
    out.emit(
        Pointer::root()
            .join("metadata")
            .join("annotations")
            .join(LAST_APPLIED),
        format!(
            "the last-applied-configuration annotation holds the Secret's values ({})",
            keys.join(", ")
        ),
    );
}
