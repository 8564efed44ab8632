//! `deprecated-api`: the object uses an API version that the target Kubernetes release still
//! serves but has deprecated, with the release that removes it.
//!
//! The target is the newest release rampart knows unless the config's `kubernetes-version` or
//! `--kubernetes-version` names another; with the default target every deprecated version in the
//! table is already removed, so this check speaks when an older target is set. The table and its
//! sources are in `rampart_model::k8s::api_versions`.

use rampart_model::{meta, Category, Severity};

use super::api_versions::DEPRECATED;
use crate::checks::common;
use crate::{Check, Rule, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "deprecated-api",
        title: "API version deprecated in the target Kubernetes release",
        severity: Severity::Low,
        category: Category::Hygiene,
        controls: &[
            common::NSA_UPGRADES,
        ],
        rationale: "A deprecated API version still works, but the release that stops serving it \
            is scheduled. Manifests that use it turn the next upgrade, and the security fixes \
            it brings, into a migration project under time pressure. Moving early keeps \
            upgrades routine.",
        remediation: "Move the object to the replacement API version named in the finding, \
            before upgrading to the release that removes the old one.",
        kinds: &[],
        example_fail: "# kubernetes-version: \"1.24\"\napiVersion: policy/v1beta1\nkind: PodDisruptionBudget\n",
        example_pass: "apiVersion: policy/v1\nkind: PodDisruptionBudget\n",
    },
    run: Run::ObjectRule(Rule::Static(&DEPRECATED)),
};
