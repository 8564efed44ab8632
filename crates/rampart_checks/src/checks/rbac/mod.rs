//! RBAC checks: inventory checks over the permission model (`rampart_rbac`).
//!
//! Each check reports one kind of risk the model finds; the finding points at the exact rule or
//! subject (a binding's `/subjects/N`, a role's `/rules/N`, or a workload's service account).

/// The end of the rationale of every check of a grant: how bindings to built-in roles are judged.
macro_rules! builtin_note {
    () => {
        " A binding to one of Kubernetes' built-in roles that the input does not define \
        (`cluster-admin`, `admin`, `edit`, `view`, the `system:` roles) is judged with that role \
        of the bootstrap RBAC policy (shipped per Kubernetes minor; file scans use the newest), \
        and the finding names it as built-in (`built-in ClusterRole edit`)."
    };
}

/// The end of the rationale of every check of a rule: how roles nothing binds are judged.
macro_rules! unbound_note {
    () => {
        " A Role or ClusterRole that no binding of the input reaches (directly or through \
        aggregation) is judged on its own rules, as what it would grant once bound (a ClusterRole \
        cluster-wide), and reported on the rule one severity level below this check's; a role \
        that some binding reaches is reported through its grants only, never twice."
    };
}

// The checks: one folder per check, `rbac/<id>/mod.rs` (see build.rs).
include!(concat!(env!("OUT_DIR"), "/checks/rbac.rs"));

use rampart_rbac::RiskKind;

use rampart_model::Pointer;

use crate::{Inventory, InventoryEmitter, InventoryRule, RelatedIdx};

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

/// The template behind the RBAC risk checks: one logic, one instance per kind of risk, each with
/// its own id and metadata (`rbac-pods-exec` is `RbacRisk { kind: PodsExec, target: Grant }`).
pub struct RbacRisk {
    pub kind: RiskKind,
    pub target: Target,
}

impl InventoryRule for RbacRisk {
    fn check(&self, inv: &Inventory, out: &mut InventoryEmitter) {
        emit(inv, self.kind, self.target, out);
    }
}

/// Emits every risk of `kind` in the inventory, once per place.
///
/// A grant through a built-in role the input does not define (Kubernetes' bootstrap policy) has
/// no rule in the input: grant checks point at the binding's subject as always, rule checks
/// (wildcards) report nothing for it. The rules of a role that nothing binds are reported on the
/// role itself, one severity level below the check's own (see [`rampart_rbac::Risk::unbound`]);
/// a role any binding reaches is reported only through its grants.
pub fn emit(inv: &Inventory, kind: RiskKind, target: Target, out: &mut InventoryEmitter) {
    let mut seen = std::collections::HashSet::new();
    for r in inv.rbac_risks().iter().filter(|r| r.kind == kind) {
        let (idx, ptr) = match (&r.why, target) {
            (Some(why), Target::Grant) => (why.binding_resource, why.subject_pointer.clone()),
            // A rule of a built-in role is in no input object and cannot be changed there;
            // what it grants is reported on the binding by the grant checks.
            (Some(why), Target::Rule) if why.rule_resource == rampart_rbac::NO_RESOURCE => continue,
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
                        if *i == rampart_rbac::NO_RESOURCE {
                            return false;
                        }
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
            let mut result = crate::Emitted::fail(ptr, r.message.clone());
            if r.unbound {
                result = result.with_severity_lowered(1);
            }
            out.result_related(idx, result, related);
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
                &super::rbac_anonymous_grant::CHECK,
                RiskKind::AnonymousOrAllAuthenticated,
            ),
            (&super::rbac_bind::CHECK, RiskKind::Bind),
            (&super::rbac_cluster_admin::CHECK, RiskKind::ClusterAdmin),
            (
                &super::rbac_create_workloads::CHECK,
                RiskKind::CreateWorkloads,
            ),
            (&super::rbac_csr_approval::CHECK, RiskKind::CsrApproval),
            (&super::rbac_csr_signer::CHECK, RiskKind::CsrSigner),
            (
                &super::rbac_default_sa_bound::CHECK,
                RiskKind::DefaultServiceAccountBound,
            ),
            (&super::rbac_escalate::CHECK, RiskKind::Escalate),
            (&super::rbac_impersonate::CHECK, RiskKind::Impersonate),
            (&super::rbac_nodes_proxy::CHECK, RiskKind::NodesProxy),
            (
                &super::rbac_persistentvolume_create::CHECK,
                RiskKind::PersistentVolumeCreate,
            ),
            (&super::rbac_pods_attach::CHECK, RiskKind::PodsAttach),
            (&super::rbac_pods_exec::CHECK, RiskKind::PodsExec),
            (
                &super::rbac_pods_portforward::CHECK,
                RiskKind::PodsPortForward,
            ),
            (
                &super::rbac_read_secrets_cluster::CHECK,
                RiskKind::ReadSecretsClusterWide,
            ),
            (
                &super::rbac_read_secrets_namespace::CHECK,
                RiskKind::ReadSecretsNamespace,
            ),
            (
                &super::rbac_serviceaccount_token::CHECK,
                RiskKind::ServiceAccountToken,
            ),
            (
                &super::rbac_webhook_write::CHECK,
                RiskKind::WebhookConfigurationWrite,
            ),
            (
                &super::rbac_wildcard_resources::CHECK,
                RiskKind::WildcardResources,
            ),
            (&super::rbac_wildcard_verbs::CHECK, RiskKind::WildcardVerbs),
            (
                &super::rbac_workload_token_power::CHECK,
                RiskKind::WorkloadTokenWithPower,
            ),
        ];
        for (check, kind) in pairs {
            assert_eq!(check.meta.id, kind.id());
        }
    }
}
