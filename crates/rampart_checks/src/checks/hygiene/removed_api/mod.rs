//! `removed-api`: the object uses an API version the target Kubernetes release no longer serves.
//!
//! The target is the newest release rampart knows unless the config's `kubernetes-version` or
//! `--kubernetes-version` names another. The table and its sources are in
//! `rampart_model::k8s::api_versions`.

use rampart_model::{meta, Category, Severity};

use super::api_versions::REMOVED;
use crate::checks::common;
use crate::{Check, Rule, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "removed-api",
        title: "API version no longer served by the target Kubernetes release",
        severity: Severity::High,
        category: Category::Hygiene,
        controls: &[
            common::NSA_UPGRADES,
        ],
        rationale: "Kubernetes stops serving beta API versions a few releases after their \
            replacement is stable (the Deprecated API Migration Guide lists each removal). A \
            manifest that still uses one is rejected by the API server of that release: the \
            deployment pipeline breaks at upgrade time, which is why clusters are kept on old, \
            unpatched versions, and some replacements differ in security-relevant defaults \
            (PodDisruptionBudget selectors, Ingress path types, PodSecurityPolicy removed \
            outright). Hardening guides ask to upgrade promptly; these manifests block it.",
        remediation: "Move the object to the replacement API version named in the finding \
            (`kubectl convert` or the migration guide lists the field changes), and check the \
            rendered output of charts and operators too. Set `kubernetes-version` in \
            .rampart.yaml (or `--kubernetes-version`) to the release you run or upgrade to.",
        kinds: &[],
        example_fail: "apiVersion: batch/v1beta1\nkind: CronJob\n",
        example_pass: "apiVersion: batch/v1\nkind: CronJob\n",
    },
    run: Run::ObjectRule(Rule::Static(&REMOVED)),
};
