//! Encryption at rest: which provider of the EncryptionConfiguration
//! (apiserver.config.k8s.io/v1) encrypts Secrets.
//!
//! The API server uses the first `resources` entry that names a resource (entries with `*.*` or
//! `*.` wildcards match everything, or everything of the core group), and within it the first
//! provider for writes; later providers only decrypt.

use std::sync::Arc;

use rampart_model::{Evidence, Location, Status};
use serde_json::Value;

use crate::eval::Outcome;
use crate::input::{Component, Doc, Node};

/// The provider that encrypts Secrets.
#[derive(Debug, Clone)]
pub struct Provider {
    /// `identity`, `aescbc`, `aesgcm`, `secretbox`, `kms`.
    pub name: String,
    pub config: Value,
    /// JSON pointer of the provider in the document.
    pub pointer: String,
}

impl Provider {
    pub fn evidence(&self, doc: &Doc) -> Evidence {
        let pos = doc.pos(&self.pointer);
        let mut e = Evidence::new(
            format!("{} {}", doc.path.display(), self.pointer),
            Some(self.name.clone()),
        );
        e.location = Some(Location {
            path: Arc::from(doc.path.as_path()),
            line: pos.line,
            column: pos.col,
            snippet: None,
        });
        e
    }
}

fn covers_secrets(entry: &Value) -> bool {
    entry
        .get("resources")
        .and_then(Value::as_array)
        .is_some_and(|rs| {
            rs.iter()
                .filter_map(Value::as_str)
                .any(|r| r == "secrets" || r == "*.*" || r == "*.")
        })
}

/// The first provider for `secrets`, if the configuration covers them.
pub fn secrets_provider(doc: &Doc) -> Option<Provider> {
    let entries = doc.value.get("resources")?.as_array()?;
    let (i, entry) = entries
        .iter()
        .enumerate()
        .find(|(_, e)| covers_secrets(e))?;
    let providers = entry.get("providers")?.as_array()?;
    let first = providers.first()?.as_object()?;
    let (name, config) = first.iter().next()?;
    Some(Provider {
        name: name.clone(),
        config: config.clone(),
        pointer: format!("/resources/{i}/providers/0/{name}"),
    })
}

fn with_doc(node: &Node, f: impl FnOnce(&Doc) -> Outcome) -> Outcome {
    match &node.configs.encryption {
        Some(doc) => f(doc),
        None => Outcome::new(
            Status::NotApplicable,
            "no EncryptionConfiguration read (1.2.27 reports a missing one)",
        ),
    }
}

/// Secrets are in no `resources` entry.
pub fn secrets_not_covered(node: &Node, _: &Component) -> Outcome {
    with_doc(node, |doc| match secrets_provider(doc) {
        Some(p) => Outcome::new(
            Status::Pass,
            format!("secrets are covered ({} first)", p.name),
        )
        .with(p.evidence(doc)),
        None => Outcome::new(
            Status::Fail,
            format!(
                "{} does not list secrets: they are stored in clear text",
                doc.path.display()
            ),
        ),
    })
}

/// `identity` is the first provider for Secrets.
pub fn identity_first(node: &Node, _: &Component) -> Outcome {
    with_doc(node, |doc| match secrets_provider(doc) {
        Some(p) if p.name == "identity" => Outcome::new(
            Status::Fail,
            "identity is the first provider for secrets: new Secrets are written in clear text",
        )
        .with(p.evidence(doc)),
        Some(p) => Outcome::new(
            Status::Pass,
            format!("{} is the first provider for secrets", p.name),
        )
        .with(p.evidence(doc)),
        None => Outcome::new(Status::NotApplicable, "secrets are not covered"),
    })
}

/// `aescbc` encrypts Secrets.
pub fn aescbc(node: &Node, _: &Component) -> Outcome {
    with_doc(node, |doc| match secrets_provider(doc) {
        Some(p) if p.name == "aescbc" => Outcome::new(
            Status::Fail,
            "secrets are encrypted with aescbc, which is discouraged",
        )
        .with(p.evidence(doc)),
        Some(p) => Outcome::new(
            Status::Pass,
            format!("secrets are encrypted with {}", p.name),
        )
        .with(p.evidence(doc)),
        None => Outcome::new(Status::NotApplicable, "secrets are not covered"),
    })
}

/// The key lives on the control-plane disk (aescbc, aesgcm, secretbox) or in KMS v1.
pub fn static_keys(node: &Node, _: &Component) -> Outcome {
    with_doc(node, |doc| match secrets_provider(doc) {
        Some(p) if p.name == "kms" => {
            let v2 = p.config.get("apiVersion").and_then(Value::as_str) == Some("v2");
            if v2 {
                Outcome::new(Status::Pass, "secrets are encrypted with KMS v2")
                    .with(p.evidence(doc))
            } else {
                Outcome::new(
                    Status::Fail,
                    "secrets are encrypted with KMS v1, which is deprecated; use apiVersion v2",
                )
                .with(p.evidence(doc))
            }
        }
        Some(p) if p.name == "identity" => Outcome::new(
            Status::NotApplicable,
            "secrets are not encrypted (identity first)",
        ),
        Some(p) => Outcome::new(
            Status::Fail,
            format!(
                "secrets are encrypted with {} and a static key in the configuration file",
                p.name
            ),
        )
        .with(p.evidence(doc)),
        None => Outcome::new(Status::NotApplicable, "secrets are not covered"),
    })
}
