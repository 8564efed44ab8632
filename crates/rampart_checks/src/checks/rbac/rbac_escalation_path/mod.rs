//! `rbac-escalation-path`: a subject or workload that can make itself cluster-admin in steps.

use std::collections::HashSet;
use std::fmt::Write;

use rampart_model::{meta, Category, Control, Severity};

use crate::{Check, Inventory, InventoryEmitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "rbac-escalation-path",
        title: "Privilege-escalation path to cluster-admin",
        severity: Severity::High,
        category: Category::Rbac,
        controls: &[
            Control::Cis {
                version: "1.10",
                id: "5.1.8",
            },
            Control::Nsa {
                section: "Authentication and authorization: least privilege RBAC",
            },
            Control::MitreAttack {
                id: "T1068",
                name: "Exploitation for Privilege Escalation",
            },
        ],
        rationale: "Grants that look harmless one by one chain into full control: creating pods in a \
            namespace runs code as any service account there, reading Secrets yields their tokens, \
            impersonation, token creation, bind and escalate hand over another identity's rights. \
            When such a chain ends at a cluster-admin equivalent, whoever holds its first link \
            (or compromises a workload running as it) owns the cluster.",
        remediation: "Break the chain at its weakest link: run `rampart rbac paths --from SUBJECT` \
            to see every step with the binding, role and rule behind it, then remove or narrow the \
            grant of the first step (or move the powerful service account out of the namespace \
            the foothold can create pods in).",
        kinds: &["RoleBinding", "ClusterRoleBinding", "Deployment", "Pod"],
        example_fail: "# sa ci/deployer may create pods in prod, where sa prod/admin-sa is cluster-admin\nkind: RoleBinding\nmetadata: {name: ci-deploys, namespace: prod}\nroleRef: {kind: Role, name: pod-creator}\nsubjects:\n- {kind: ServiceAccount, name: deployer, namespace: ci}\n",
        example_pass: "# the same grant in a namespace without powerful service accounts\nkind: RoleBinding\nmetadata: {name: ci-deploys, namespace: staging}\nroleRef: {kind: Role, name: pod-creator}\nsubjects:\n- {kind: ServiceAccount, name: deployer, namespace: ci}\n",
    },
    run: Run::Inventory(run),
};

fn run(inv: &Inventory, out: &mut InventoryEmitter) {
    let escalation = inv.rbac().escalation();
    let mut seen = HashSet::new();
    for route in escalation.routes() {
        // A single step is a direct grant, reported by `rbac-cluster-admin`.
        if route.to.len() < 2 {
            continue;
        }
        // Point at the first grant on the path: where the chain can be broken first.
        let Some(why) = route.first_why else {
            continue;
        };
        let key = (
            why.binding_resource,
            why.subject_pointer.clone(),
            route.from.to_string(),
        );
        if seen.contains(&key) {
            continue;
        }
        let mut message = format!(
            "{} reaches cluster-admin in {} steps: {}",
            route.from,
            route.to.len(),
            route.from
        );
        for node in &route.to {
            let _ = write!(message, " -> {node}");
        }
        out.emit(why.binding_resource, why.subject_pointer.clone(), message);
        seen.insert(key);
    }
}
