//! The logic of `removed-api` and `deprecated-api`: an object's `apiVersion` judged against the
//! table of deprecated API versions (`rampart_model::k8s::api_versions`) for a target Kubernetes
//! minor release: the newest one rampart knows, or the one the config (`kubernetes-version`) or
//! `--kubernetes-version` names.

use std::sync::Arc;

use rampart_model::k8s::api_versions::{self, Status, NEWEST_MINOR};
use rampart_model::Pointer;
use serde_json::Value;

use crate::{Check, Ctx, Emitter, ObjectRule, Rule, Run};

/// Which of the two checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Judge {
    Removed,
    Deprecated,
}

/// An API-version check for one target release (1.`target`).
#[derive(Debug)]
pub struct ApiVersionRule {
    pub judge: Judge,
    pub target: u32,
}

impl ObjectRule for ApiVersionRule {
    fn check(&self, ctx: &Ctx, out: &mut Emitter) {
        let Some(api_version) = ctx.raw().get("apiVersion").and_then(Value::as_str) else {
            return;
        };
        let target = self.target;
        match (api_versions::status(api_version, ctx.kind(), target), self.judge) {
            (Status::Removed(c), Judge::Removed) => out.emit(
                Pointer::root().join("apiVersion"),
                format!(
                    "{api_version} {} is no longer served since Kubernetes 1.{} (target 1.{target}): use {}",
                    c.kind,
                    c.removed.unwrap_or(target),
                    c.replacement
                ),
            ),
            (Status::Deprecated(c), Judge::Deprecated) => {
                let removal = match c.removed {
                    Some(r) => format!(", and removed in 1.{r}"),
                    None => String::new(),
                };
                out.emit(
                    Pointer::root().join("apiVersion"),
                    format!(
                        "{api_version} {} is deprecated since Kubernetes 1.{}{removal} (target 1.{target}): use {}",
                        c.kind, c.since, c.replacement
                    ),
                )
            }
            _ => {}
        }
    }
}

/// The built-in instances judge against the newest release rampart knows.
pub static REMOVED: ApiVersionRule = ApiVersionRule {
    judge: Judge::Removed,
    target: NEWEST_MINOR,
};
pub static DEPRECATED: ApiVersionRule = ApiVersionRule {
    judge: Judge::Deprecated,
    target: NEWEST_MINOR,
};

/// The two checks judging against Kubernetes 1.`target` instead of the newest release (same ids
/// and metadata as the built-in ones, which they replace in a registry).
pub fn for_target(target: u32) -> Vec<Check> {
    [
        (&super::removed_api::CHECK, Judge::Removed),
        (&super::deprecated_api::CHECK, Judge::Deprecated),
    ]
    .into_iter()
    .map(|(builtin, judge)| Check {
        meta: builtin.meta.clone(),
        run: Run::ObjectRule(Rule::Shared(Arc::new(ApiVersionRule { judge, target }))),
    })
    .collect()
}
