//! `rbac-workload-token-power`: a workload mounts the token of a service account holding a risky
//! power.

use rampart_model::{meta, Category, Severity};
use rampart_rbac::RiskKind;

use crate::checks::common;
use crate::{Check, Rule, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "rbac-workload-token-power",
        title: "Workload mounts the token of a powerful service account",
        severity: Severity::High,
        category: Category::Rbac,
        controls: &[
            common::cis("5.1.6"),
            common::NSA_SA_TOKENS,
            common::NSA_AUTHZ,
            common::MITRE_STEAL_TOKEN,
        ],
        rationale: "A pod that mounts its service account token hands that account's rights to \
            anyone who compromises the container. When the account can read Secrets, create \
            workloads, exec into pods or change RBAC, one exploitable application becomes a \
            foothold on the whole namespace or cluster.",
        remediation: "Set `automountServiceAccountToken: false` on workloads that do not call the \
            API; for those that do, give the service account only the rights the workload needs \
            and move powerful rights to a separate, non-mounted identity.",
        kinds: common::POD_KINDS,
        example_fail: "kind: Deployment\nspec:\n  template:\n    spec:\n      serviceAccountName: deployer # bound to a role that creates pods\n      containers:\n      - {name: app, image: app:1.0}\n",
        example_pass: "kind: Deployment\nspec:\n  template:\n    spec:\n      serviceAccountName: deployer\n      automountServiceAccountToken: false\n      containers:\n      - {name: app, image: app:1.0}\n",
    },
    run: Run::InventoryRule(Rule::Static(&super::RbacRisk {
        kind: RiskKind::WorkloadTokenWithPower,
        target: super::Target::Object,
    })),
};
