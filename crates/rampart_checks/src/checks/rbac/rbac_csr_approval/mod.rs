//! `rbac-csr-approval`: a subject can approve certificate signing requests.

use rampart_model::{meta, Category, Control, Severity};
use rampart_rbac::RiskKind;

use crate::checks::common;
use crate::{Check, Rule, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "rbac-csr-approval",
        title: "Subject can approve certificate signing requests",
        severity: Severity::High,
        category: Category::Rbac,
        controls: &[
            common::cis("5.1.11"),
            common::NSA_AUTHZ,
            Control::MitreAttack { id: "T1649", name: "Steal or Forge Authentication Certificates" },
        ],
        rationale: concat!(
            "`update` or `patch` on `certificatesigningrequests/approval` approves CSRs; \
            together with `approve` on a signer the subject can have the cluster issue a client \
            certificate for any user or group name, a long-lived credential that cannot be \
            revoked.",
            builtin_note!(),
            unbound_note!()
        ),
        remediation: "Keep CSR approval for the control plane's approvers; remove \
            `certificatesigningrequests/approval` from every other role.",
        kinds: &["ClusterRoleBinding", "RoleBinding", "ClusterRole", "Role"],
        example_fail: "kind: ClusterRole\nrules:\n- apiGroups: [certificates.k8s.io]\n  resources: [certificatesigningrequests/approval]\n  verbs: [update]\n",
        example_pass: "kind: ClusterRole\nrules:\n- apiGroups: [certificates.k8s.io]\n  resources: [certificatesigningrequests]\n  verbs: [create, get]\n",
    },
    run: Run::InventoryRule(Rule::Static(&super::RbacRisk {
        kind: RiskKind::CsrApproval,
        target: super::Target::Grant,
    })),
};
