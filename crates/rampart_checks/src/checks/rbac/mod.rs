//! RBAC checks: inventory checks over the permission model (`rampart_rbac`).
//!
//! Each check reports one kind of risk the model finds; the finding points at the exact rule or
//! subject (a binding's `/subjects/N`, a role's `/rules/N`, or a workload's service account).

pub mod anonymous_grant;
pub mod bind;
pub mod cluster_admin;
pub mod create_workloads;
pub mod csr_approval;
pub mod csr_signer;
pub mod default_sa_bound;
pub mod escalate;
pub mod escalation_path;
pub mod impersonate;
pub mod nodes_proxy;
pub mod persistentvolume_create;
pub mod pods_attach;
pub mod pods_exec;
pub mod pods_portforward;
pub mod read_secrets_cluster;
pub mod read_secrets_namespace;
pub mod serviceaccount_token;
pub mod webhook_write;
pub mod wildcard_resources;
pub mod wildcard_verbs;
pub mod workload_token_power;

use rampart_rbac::RiskKind;

use rampart_model::Pointer;

use crate::{Inventory, InventoryEmitter, RelatedIdx};

/// Where a finding of an RBAC risk points.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The grant: the binding's subject that receives the power (one finding per subject).
    Grant,
    /// The role's rule itself (for risks that are a property of the rule, e.g. wildcards).
    Rule,
    /// The risk's own object and pointer, ignoring the justification: for workload-level risks
    /// (the workload's service account field), whose justification explains the power but is not
    /// where the finding belongs.
    Object,
}

/// Emits every risk of `kind` in the inventory, once per place.
pub fn emit(inv: &Inventory, kind: RiskKind, target: Target, out: &mut InventoryEmitter) {
    let mut seen = std::collections::HashSet::new();
    for r in inv.rbac_risks().iter().filter(|r| r.kind == kind) {
        let (idx, ptr) = match (&r.why, target) {
            (Some(why), Target::Grant) => (why.binding_resource, why.subject_pointer.clone()),
            (Some(why), Target::Rule) => (why.rule_resource, why.rule_pointer.clone()),
            (None, _) | (_, Target::Object) => (r.resource, r.pointer.clone()),
        };
        if seen.insert((idx, ptr.clone())) {
            // The binding -> role -> rule chain behind the grant, minus the finding's own place.
            let related = r
                .why
                .as_ref()
                .map(|why| {
                    [
                        ("binding", why.binding_resource, &why.subject_pointer),
                        ("role", why.role_resource, &Pointer::root()),
                        ("rule", why.rule_resource, &why.rule_pointer),
                    ]
                    .into_iter()
                    // The role is named by its rule unless the rule was aggregated from
                    // another ClusterRole; the finding's own place is not repeated.
                    .filter(|(role, i, p)| {
                        let own_place = *i == idx && **p == ptr;
                        let named_by_rule =
                            *role == "role" && why.role_resource == why.rule_resource;
                        !own_place && !named_by_rule
                    })
                    .map(|(role, object, pointer)| RelatedIdx {
                        role,
                        object,
                        pointer: pointer.clone(),
                    })
                    .collect()
                })
                .unwrap_or_default();
            out.emit_related(idx, ptr, r.message.clone(), related);
        }
    }
}

#[cfg(test)]
mod tests {
    use rampart_rbac::RiskKind;

    /// Every check id is the id of the risk kind it reports.
    #[test]
    fn ids_match_risk_kinds() {
        let pairs: &[(&crate::Check, RiskKind)] = &[
            (
                &super::anonymous_grant::CHECK,
                RiskKind::AnonymousOrAllAuthenticated,
            ),
            (&super::bind::CHECK, RiskKind::Bind),
            (&super::cluster_admin::CHECK, RiskKind::ClusterAdmin),
            (&super::create_workloads::CHECK, RiskKind::CreateWorkloads),
            (&super::csr_approval::CHECK, RiskKind::CsrApproval),
            (&super::csr_signer::CHECK, RiskKind::CsrSigner),
            (
                &super::default_sa_bound::CHECK,
                RiskKind::DefaultServiceAccountBound,
            ),
            (&super::escalate::CHECK, RiskKind::Escalate),
            (&super::impersonate::CHECK, RiskKind::Impersonate),
            (&super::nodes_proxy::CHECK, RiskKind::NodesProxy),
            (
                &super::persistentvolume_create::CHECK,
                RiskKind::PersistentVolumeCreate,
            ),
            (&super::pods_attach::CHECK, RiskKind::PodsAttach),
            (&super::pods_exec::CHECK, RiskKind::PodsExec),
            (&super::pods_portforward::CHECK, RiskKind::PodsPortForward),
            (
                &super::read_secrets_cluster::CHECK,
                RiskKind::ReadSecretsClusterWide,
            ),
            (
                &super::read_secrets_namespace::CHECK,
                RiskKind::ReadSecretsNamespace,
            ),
            (
                &super::serviceaccount_token::CHECK,
                RiskKind::ServiceAccountToken,
            ),
            (
                &super::webhook_write::CHECK,
                RiskKind::WebhookConfigurationWrite,
            ),
            (
                &super::wildcard_resources::CHECK,
                RiskKind::WildcardResources,
            ),
            (&super::wildcard_verbs::CHECK, RiskKind::WildcardVerbs),
            (
                &super::workload_token_power::CHECK,
                RiskKind::WorkloadTokenWithPower,
            ),
        ];
        for (check, kind) in pairs {
            assert_eq!(check.meta.id, kind.id());
        }
    }
}
