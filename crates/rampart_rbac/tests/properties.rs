//! Property tests over random RBAC inventories.

use proptest::prelude::*;
use rampart_model::{Origin, Resource};
use rampart_rbac::{Rbac, RequestAttributes, Subject};
use serde_json::{json, Value};

const VERBS: &[&str] = &["get", "list", "create", "delete", "*"];
const GROUPS: &[&str] = &["", "apps", "*"];
const RESOURCES: &[&str] = &["pods", "pods/log", "*/log", "secrets", "deployments", "*"];
const NAMESPACES: &[&str] = &["n1", "n2"];

fn pick<'a>(v: &'a [&'a str]) -> impl Strategy<Value = &'a str> + Clone {
    (0..v.len()).prop_map(move |i| v[i])
}

fn rule() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec(pick(VERBS), 1..3),
        prop::collection::vec(pick(GROUPS), 1..2),
        prop::collection::vec(pick(RESOURCES), 1..3),
        prop::option::of(Just(vec!["a"])),
        any::<bool>(),
    )
        .prop_map(|(verbs, groups, resources, names, url)| {
            if url {
                json!({"verbs": verbs, "nonResourceURLs": ["/healthz", "/logs/*"]})
            } else {
                let mut r = json!({"verbs": verbs, "apiGroups": groups, "resources": resources});
                if let Some(n) = names {
                    r["resourceNames"] = json!(n);
                }
                r
            }
        })
}

/// A role: (cluster?, namespace, index, rules).
fn role() -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        pick(NAMESPACES),
        0..3usize,
        prop::collection::vec(rule(), 0..3),
    )
        .prop_map(|(cluster, ns, i, rules)| {
            if cluster {
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                       "metadata": {"name": format!("c{i}")}, "rules": rules})
            } else {
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                       "metadata": {"name": format!("r{i}"), "namespace": ns}, "rules": rules})
            }
        })
}

fn subject() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!({"kind": "User", "name": "u1"})),
        Just(json!({"kind": "User", "name": "u2"})),
        Just(json!({"kind": "Group", "name": "g1"})),
        Just(json!({"kind": "Group", "name": "system:authenticated"})),
        Just(json!({"kind": "ServiceAccount", "name": "s1", "namespace": "n1"})),
        Just(json!({"kind": "ServiceAccount", "name": "s1"})),
    ]
}

fn binding(serial: usize) -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        pick(NAMESPACES),
        any::<bool>(),
        0..3usize,
        prop::collection::vec(subject(), 1..3),
    )
        .prop_map(move |(cluster, ns, to_cluster_role, i, subjects)| {
            let role_ref = if to_cluster_role || cluster {
                json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": format!("c{i}")})
            } else {
                json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": format!("r{i}")})
            };
            if cluster {
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                       "metadata": {"name": format!("b{serial}")}, "roleRef": role_ref, "subjects": subjects})
            } else {
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                       "metadata": {"name": format!("b{serial}"), "namespace": ns}, "roleRef": role_ref, "subjects": subjects})
            }
        })
}

fn inventory() -> impl Strategy<Value = Vec<Value>> {
    (
        prop::collection::vec(role(), 0..6),
        prop::collection::vec(binding(0), 0..6),
    )
        .prop_map(|(mut roles, bindings)| {
            // Unique binding names so that no binding replaces another.
            for (i, mut b) in bindings.into_iter().enumerate() {
                b["metadata"]["name"] = json!(format!("b{i}"));
                roles.push(b);
            }
            roles
        })
}

fn resources(values: &[Value]) -> Vec<Resource> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            Resource::new(
                v.clone(),
                Origin::File {
                    path: "gen.yaml".into(),
                    doc: i,
                    item: None,
                },
            )
        })
        .collect()
}

/// Every request the vocabulary can express.
fn requests() -> Vec<RequestAttributes> {
    let mut out = Vec::new();
    for verb in ["get", "list", "create", "delete", "watch"] {
        for group in ["", "apps"] {
            for (res, sub) in [
                ("pods", ""),
                ("pods", "log"),
                ("secrets", ""),
                ("deployments", ""),
                ("nodes", ""),
            ] {
                for ns in ["", "n1", "n2"] {
                    for name in ["", "a", "b"] {
                        out.push(
                            RequestAttributes::resource(verb, group, res)
                                .subresource(sub)
                                .in_namespace(ns)
                                .named(name),
                        );
                    }
                }
            }
        }
        out.push(RequestAttributes::non_resource(verb, "/healthz"));
        out.push(RequestAttributes::non_resource(verb, "/logs/x"));
    }
    out
}

const USERS: &[(&str, &[&str])] = &[
    ("u1", &["system:authenticated"]),
    ("u2", &["g1", "system:authenticated"]),
    (
        "system:serviceaccount:n1:s1",
        &[
            "system:serviceaccounts",
            "system:serviceaccounts:n1",
            "system:authenticated",
        ],
    ),
    ("system:serviceaccount:n2:s1", &["system:authenticated"]),
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Adding a binding never removes a permission.
    #[test]
    fn adding_a_binding_never_removes(inv in inventory(), extra in binding(999)) {
        let before = Rbac::build(&resources(&inv));
        let mut more = inv.clone();
        more.push(extra);
        let after = Rbac::build(&resources(&more));
        for (user, groups) in USERS {
            for req in requests() {
                if before.allowed(user, groups, &req) {
                    prop_assert!(after.allowed(user, groups, &req), "{user} lost {req:?}");
                }
            }
        }
    }

    /// A subject no binding names gets exactly what system:authenticated gets.
    #[test]
    fn unbound_subject_gets_only_authenticated(inv in inventory()) {
        let rbac = Rbac::build(&resources(&inv));
        for req in requests() {
            let nobody = rbac.subject_allowed(&Subject::user("nobody-in-particular"), &req);
            let group = rbac.allowed("", &["system:authenticated"], &req);
            prop_assert_eq!(nobody, group, "{:?}", req);
        }
        let p = rbac.can(&Subject::user("nobody-in-particular"));
        for r in p.cluster.iter().chain(p.namespaces.values().flatten()) {
            prop_assert_eq!(r.via.to_string(), "group:system:authenticated");
        }
    }

    /// who-can and allowed agree: every listed subject is allowed, and every allowed test user is
    /// listed (directly or through one of its groups).
    #[test]
    fn who_can_agrees_with_allowed(inv in inventory()) {
        let rbac = Rbac::build(&resources(&inv));
        for req in requests() {
            let grants = rbac.who_can_request(&req);
            for g in &grants {
                prop_assert!(rbac.subject_allowed(&g.subject, &req) || g.subject.kind == rampart_rbac::SubjectKind::Group);
            }
            for (user, groups) in USERS {
                if rbac.allowed(user, groups, &req) {
                    let listed = grants.iter().any(|g| {
                        let s = g.subject.to_string();
                        g.subject.user_name().as_deref() == Some(*user)
                            || groups.iter().any(|gr| s == format!("group:{gr}"))
                    });
                    prop_assert!(listed, "{user} allowed {req:?} but not listed");
                }
            }
        }
    }

    /// Building and analysing never panics on arbitrary JSON in RBAC objects.
    #[test]
    fn arbitrary_rbac_json_never_panics(kind in pick(&["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"]), body in any::<u8>()) {
        let junk = match body % 4 {
            0 => json!(null),
            1 => json!([1, "x", {"a": []}]),
            2 => json!({"verbs": "get", "resources": 3}),
            _ => json!("str"),
        };
        let v = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind,
                       "metadata": {"name": "x", "namespace": "n1", "labels": junk.clone()},
                       "rules": [junk.clone()], "roleRef": junk.clone(), "subjects": [junk.clone()],
                       "aggregationRule": {"clusterRoleSelectors": [junk]}});
        let rbac = Rbac::build(&resources(&[v]));
        let _ = rbac.escalation().paths();
        let _ = rbac.risks();
        let _ = rbac.who_can("get", "pods", "", "n1", "", "");
    }
}
