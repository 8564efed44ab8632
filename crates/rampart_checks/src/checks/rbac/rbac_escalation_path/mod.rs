//! `rbac-escalation-path`: a subject or workload that can make itself cluster-admin in steps.

use std::collections::{HashMap, HashSet};
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

/// Footholds reported in the message of one grant's finding beyond the one shown in full.
const MORE_SHOWN: usize = 3;

struct Group {
    binding: usize,
    pointer: rampart_model::Pointer,
    /// The shortest route through this grant (fewest steps, then the first in the analysis'
    /// order), written out.
    shown: String,
    shown_from: String,
    steps: usize,
    others: Vec<String>,
}

fn run(inv: &Inventory, out: &mut InventoryEmitter) {
    let escalation = inv.rbac().escalation();
    // One finding per first grant on a path: when a grant to a broad group
    // (`system:authenticated`, `system:serviceaccounts`) opens a route, every workload and
    // service account in the cluster reaches cluster-admin through it, and one finding with
    // the count says what thousands would.
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<(usize, rampart_model::Pointer), usize> = HashMap::new();
    let mut seen: HashSet<(usize, String)> = HashSet::new();
    for route in escalation.routes() {
        // A single step is a direct grant, reported by `rbac-cluster-admin`.
        if route.to.len() < 2 {
            continue;
        }
        // Point at the first grant on the path: where the chain can be broken first.
        let Some(why) = route.first_why else {
            continue;
        };
        let from = route.from.to_string();
        if !seen.insert((why.binding_resource, from.clone())) {
            continue;
        }
        let mut text = format!("{from} reaches cluster-admin in {} steps: {from}", route.to.len());
        for node in &route.to {
            let _ = write!(text, " -> {node}");
        }
        let key = (why.binding_resource, why.subject_pointer.clone());
        match index.get(&key) {
            Some(&i) => {
                let g = &mut groups[i];
                if route.to.len() < g.steps {
                    g.shown = text;
                    g.steps = route.to.len();
                    let old = std::mem::replace(&mut g.shown_from, from);
                    g.others.push(old);
                } else {
                    g.others.push(from);
                }
            }
            None => {
                index.insert(key, groups.len());
                groups.push(Group {
                    binding: why.binding_resource,
                    pointer: why.subject_pointer.clone(),
                    shown: text,
                    shown_from: from,
                    steps: route.to.len(),
                    others: Vec::new(),
                });
            }
        }
    }
    for g in groups {
        let mut message = g.shown;
        if !g.others.is_empty() {
            let _ = write!(
                message,
                "; {} more reach it through the same grant",
                g.others.len()
            );
            let shown: Vec<&str> = g.others.iter().take(MORE_SHOWN).map(String::as_str).collect();
            let _ = write!(message, " ({}", shown.join(", "));
            if g.others.len() > MORE_SHOWN {
                message.push_str(", ...");
            }
            message.push(')');
        }
        out.emit(g.binding, g.pointer, message);
    }
}
