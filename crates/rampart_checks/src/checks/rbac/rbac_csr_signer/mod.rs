//! `rbac-csr-signer`: a subject can approve or sign for certificate signers.

use rampart_model::{meta, Category, Control, Severity};
use rampart_rbac::RiskKind;

use crate::checks::common;
use crate::{Check, Rule, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "rbac-csr-signer",
        title: "Subject can approve or sign for certificate signers",
        severity: Severity::Critical,
        category: Category::Rbac,
        controls: &[
            common::cis("5.1.11"),
            common::NSA_AUTHZ,
            Control::MitreAttack { id: "T1649", name: "Steal or Forge Authentication Certificates" },
        ],
        rationale: concat!(
            "`approve` or `sign` on `certificates.k8s.io` signers decides which \
            certificates a signer issues. For `kubernetes.io/kube-apiserver-client` that means \
            client certificates for any identity the API server trusts, long-lived and not \
            revocable.",
            builtin_note!(),
            unbound_note!()
        ),
        remediation: "Remove `approve` and `sign` on signers from every role outside the control \
            plane, or restrict them with `resourceNames` to a dedicated custom signer.",
        kinds: &["ClusterRoleBinding", "RoleBinding", "ClusterRole", "Role"],
        example_fail: "kind: ClusterRole\nrules:\n- apiGroups: [certificates.k8s.io]\n  resources: [signers]\n  resourceNames: [kubernetes.io/kube-apiserver-client]\n  verbs: [approve]\n",
        example_pass: "kind: ClusterRole\nrules:\n- apiGroups: [certificates.k8s.io]\n  resources: [certificatesigningrequests]\n  verbs: [create, get]\n",
    },
    run: Run::InventoryRule(Rule::Static(&super::RbacRisk {
        kind: RiskKind::CsrSigner,
        target: super::Target::Grant,
    })),
};
