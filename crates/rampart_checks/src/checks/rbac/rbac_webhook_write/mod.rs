//! `rbac-webhook-write`: a subject can write admission webhook configurations.

use rampart_model::{meta, Category, Control, Severity};
use rampart_rbac::RiskKind;

use crate::checks::common;
use crate::{Check, Rule, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "rbac-webhook-write",
        title: "Subject can write admission webhook configurations",
        severity: Severity::Critical,
        category: Category::Rbac,
        controls: &[
            common::cis("5.1.12"),
            common::NSA_AUTHZ,
            Control::MitreAttack { id: "T1557", name: "Adversary-in-the-Middle" },
        ],
        rationale: concat!(
            "Creating or changing a MutatingWebhookConfiguration or \
            ValidatingWebhookConfiguration sends chosen API requests, Secrets included, to a \
            server of the subject's choice, which can rewrite them (inject containers, change \
            service accounts) or block them. Deleting one switches off policy enforcement.",
            builtin_note!(),
            unbound_note!()
        ),
        remediation: "Restrict write access to admission webhook configurations to the cluster \
            administrators and the controllers that own them, with `resourceNames` where \
            possible.",
        kinds: &["ClusterRoleBinding", "RoleBinding", "ClusterRole", "Role"],
        example_fail: "kind: ClusterRole\nrules:\n- apiGroups: [admissionregistration.k8s.io]\n  resources: [mutatingwebhookconfigurations]\n  verbs: [create, update]\n",
        example_pass: "kind: ClusterRole\nrules:\n- apiGroups: [admissionregistration.k8s.io]\n  resources: [mutatingwebhookconfigurations]\n  verbs: [get, list, watch]\n",
    },
    run: Run::InventoryRule(Rule::Static(&super::RbacRisk {
        kind: RiskKind::WebhookConfigurationWrite,
        target: super::Target::Grant,
    })),
};
