//! `configmap-credential`: a ConfigMap holds a credential.
//!
//! Keys and values are judged by the detector shared with `env-literal-credential`
//! (`secrets::credential`): a key that names a credential with a literal value, or a value that is
//! one whatever the key (a PEM private key, a known token shape, a URL with a password, a
//! `password=...` setting inside a config file).

use rampart_model::{meta, Category, Pointer, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::checks::secrets::credential;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "configmap-credential",
        title: "Credential stored in a ConfigMap",
        severity: Severity::Medium,
        category: Category::Secrets,
        controls: &[common::NSA_SECRETS, common::MITRE_CREDS_IN_FILES],
        rationale: "ConfigMaps are meant for non-confidential configuration: RBAC commonly grants \
            read access to them widely, they are never encrypted at rest, and tools print them \
            freely. A password or token in a ConfigMap is exposed to everyone who can read \
            configuration, and it is committed with the manifest.",
        remediation: "Move the value into a Secret (ideally from an external secret manager), \
            mount it as a file, and keep only the file path in the ConfigMap. Rotate the exposed \
            credential.",
        kinds: &["ConfigMap"],
        example_fail: "kind: ConfigMap\ndata:\n  API_TOKEN: 3f9a1c\n",
        example_pass: "kind: ConfigMap\ndata:\n  API_TOKEN_FILE: /var/run/secrets/api/token\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if ctx.kind() != "ConfigMap" {
        return;
    }
    let Some(Value::Object(map)) = ctx.raw().get("data") else {
        return;
    };
    let name = &ctx.res.id.name;
    for (key, v) in map {
        let Some(value) = common::non_empty_str(Some(v)) else {
            continue;
        };
        if let Some(found) = credential::detect(key, value) {
            out.emit(
                Pointer::root().join_all(["data", key.as_str()]),
                format!("ConfigMap \"{name}\" stores a credential under key {key} ({found})"),
            );
        }
    }
}
