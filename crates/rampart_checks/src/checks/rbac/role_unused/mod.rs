//! `role-unused`: a Role or ClusterRole that no binding of the input references.
//!
//! A Role is judged when the input holds RoleBindings in its namespace; a ClusterRole when the
//! input holds any binding (see `checks::references`). Skipped: Kubernetes' own roles (`system:`
//! names, the `kubernetes.io/bootstrapping: rbac-defaults` label, `cluster-admin`, `admin`,
//! `edit`, `view`) and ClusterRoles aggregated into others (`aggregate-to-*` labels), which are
//! used through the role they feed.

use std::collections::HashSet;

use rampart_model::{meta, Category, Control, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::checks::references::{self, name_ptr, namespace};
use crate::{Check, Inventory, InventoryEmitter, Run};

/// The user-facing roles every cluster has.
const BUILTIN_ROLES: &[&str] = &["cluster-admin", "admin", "edit", "view"];

pub static CHECK: Check = Check {
    meta: meta! {
        id: "role-unused",
        title: "Role or ClusterRole no binding uses",
        severity: Severity::Info,
        category: Category::Rbac,
        controls: &[
            common::NSA_AUTHZ,
            Control::MitreAttack { id: "T1078", name: "Valid Accounts" },
        ],
        rationale: "A role nothing binds grants nothing today, but it is a ready-made set of \
            permissions: anyone who may create bindings (or who is granted `bind` on it) can \
            hand it out, and reviews of who-can-do-what skip it because it is idle. Roles left \
            over from removed applications are also where overly broad rules survive unnoticed. A Role is judged only when the input holds RoleBindings in its \
            namespace, a ClusterRole only when it holds bindings at all; Kubernetes' own roles and \
            ClusterRoles aggregated into others are skipped.",
        remediation: "Delete the role if nothing should use it, or add the binding that was \
            meant to reference it (and check its `roleRef` spelling).",
        kinds: &["Role", "ClusterRole"],
        example_fail: "kind: Role\nmetadata: {name: old-reader}\n---\nkind: RoleBinding\nroleRef: {kind: Role, name: reader}\n",
        example_pass: "kind: Role\nmetadata: {name: reader}\n---\nkind: RoleBinding\nroleRef: {kind: Role, name: reader}\n",
    },
    run: Run::Inventory(run),
};

fn run(inv: &Inventory, out: &mut InventoryEmitter) {
    // (kind, namespace for Roles, name) of every role a binding references.
    let mut used: HashSet<(&str, &str, &str)> = HashSet::new();
    let mut binding_namespaces: HashSet<&str> = HashSet::new();
    let mut any_binding = false;
    for kind in ["RoleBinding", "ClusterRoleBinding"] {
        for (b, r) in references::whole_of(inv, kind) {
            any_binding = true;
            let ns = if kind == "RoleBinding" {
                binding_namespaces.insert(namespace(&inv.objects[b]));
                namespace(&inv.objects[b])
            } else {
                ""
            };
            let role_kind = r.raw.pointer("/roleRef/kind").and_then(Value::as_str);
            let Some(name) = r.raw.pointer("/roleRef/name").and_then(Value::as_str) else {
                continue;
            };
            match role_kind {
                Some("Role") => used.insert(("Role", ns, name)),
                Some("ClusterRole") => used.insert(("ClusterRole", "", name)),
                _ => false,
            };
        }
    }
    if !any_binding {
        return;
    }
    for kind in ["Role", "ClusterRole"] {
        for (i, role) in references::whole_of(inv, kind) {
            let name = role.id.name.as_str();
            if name.is_empty() || is_builtin(name, &role.raw) {
                continue;
            }
            let ns = if kind == "Role" {
                let ns = namespace(&inv.objects[i]);
                if !binding_namespaces.contains(ns) {
                    continue;
                }
                ns
            } else {
                if is_aggregated(&role.raw) {
                    continue;
                }
                ""
            };
            if used.contains(&(kind, ns, name)) {
                continue;
            }
            let scope = if kind == "Role" {
                format!("no RoleBinding of namespace `{ns}` in the input references it")
            } else {
                "no binding of the input references it".to_string()
            };
            out.emit(i, name_ptr(), format!("{kind} `{name}` grants nothing: {scope}"));
        }
    }
}

/// Kubernetes' own roles.
fn is_builtin(name: &str, raw: &Value) -> bool {
    name.starts_with("system:")
        || BUILTIN_ROLES.contains(&name)
        || raw
            .pointer("/metadata/labels/kubernetes.io~1bootstrapping")
            .and_then(Value::as_str)
            == Some("rbac-defaults")
}

/// A ClusterRole whose rules are aggregated into other ClusterRoles.
fn is_aggregated(raw: &Value) -> bool {
    raw.pointer("/metadata/labels")
        .and_then(Value::as_object)
        .is_some_and(|labels| {
            labels
                .keys()
                .any(|k| k.starts_with("rbac.authorization.k8s.io/aggregate-to-"))
        })
}
