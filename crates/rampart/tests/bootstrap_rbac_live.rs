//! The bootstrap RBAC policy rampart ships (`rampart_model::k8s::bootstrap_rbac`, used by file
//! scans for built-in roles the input does not define) against the testenv API server's own.
//!
//! Lists the live ClusterRoles, ClusterRoleBindings and the Roles and RoleBindings of
//! `kube-system` and `kube-public` that the server created at start (labelled
//! `kubernetes.io/bootstrapping: rbac-defaults`), and compares them with the shipped table of the
//! server's minor (which must be the minor of `k8s.io/kubernetes` in testenv/go.mod): the same
//! objects, the same rules, aggregation rules and bindings. The aggregated roles (`admin`, `edit`,
//! `view`), whose rules the controller-manager fills in, are compared with what `rampart_rbac`
//! resolves from the table. Ignored by default; run with
//!
//! ```sh
//! testenv/run-with.sh cargo test -p rampart --test bootstrap_rbac_live -- --ignored
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use rampart_model::k8s::bootstrap_rbac;
use serde_json::{json, Value};

const BOOTSTRAP_LABEL: &str = "kubernetes.io/bootstrapping";
const RULE_FIELDS: &[&str] = &[
    "verbs",
    "apiGroups",
    "resources",
    "resourceNames",
    "nonResourceURLs",
];

fn kubectl(args: &[&str]) -> Option<Value> {
    let kubectl = std::env::var_os("TESTENV_KUBECTL")?;
    let kubeconfig = std::env::var_os("KUBECONFIG_ADMIN")?;
    let out = Command::new(kubectl)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .output()
        .expect("kubectl runs");
    assert!(
        out.status.success(),
        "kubectl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("kubectl printed JSON"))
}

/// The minor of `k8s.io/kubernetes` pinned in testenv/go.mod.
fn testenv_minor() -> u32 {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let gomod = std::fs::read_to_string(root.join("testenv/go.mod")).expect("testenv/go.mod");
    let version = gomod
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("k8s.io/kubernetes "))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("testenv/go.mod requires k8s.io/kubernetes");
    bootstrap_rbac::minor_of(version).expect("a 1.x version")
}

/// A rule with only the fields the table keeps, empty lists left out.
fn rule(v: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for f in RULE_FIELDS {
        if let Some(list) = v.get(*f).and_then(Value::as_array) {
            if !list.is_empty() {
                out.insert((*f).to_owned(), Value::Array(list.clone()));
            }
        }
    }
    Value::Object(out)
}

fn rules(v: &Value) -> Vec<Value> {
    v.get("rules")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(rule).collect())
        .unwrap_or_default()
}

/// `namespace/name` of a live object or a table entry.
fn key(v: &Value) -> String {
    let md = v.get("metadata").unwrap_or(v);
    let name = md.get("name").and_then(Value::as_str).unwrap_or_default();
    match md.get("namespace").and_then(Value::as_str) {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_owned(),
    }
}

fn is_bootstrap(v: &Value) -> bool {
    v.pointer("/metadata/labels")
        .and_then(|l| l.get(BOOTSTRAP_LABEL))
        .and_then(Value::as_str)
        == Some("rbac-defaults")
}

/// The live objects of a kind created by the bootstrap policy, by key.
fn live(kind: &str, namespaces: &[&str]) -> Option<BTreeMap<String, Value>> {
    let mut out = BTreeMap::new();
    let lists = if namespaces.is_empty() {
        vec![kubectl(&["get", kind, "-o", "json"])?]
    } else {
        let mut v = Vec::new();
        for ns in namespaces {
            v.push(kubectl(&["get", kind, "-n", ns, "-o", "json"])?);
        }
        v
    };
    for list in lists {
        for item in list["items"].as_array().into_iter().flatten() {
            if is_bootstrap(item) {
                out.insert(key(item), item.clone());
            }
        }
    }
    Some(out)
}

fn table(items: &[Value]) -> BTreeMap<String, Value> {
    items.iter().map(|v| (key(v), v.clone())).collect()
}

/// The differences between the table's and the live objects' key sets.
fn compare_keys(
    what: &str,
    shipped: &BTreeMap<String, Value>,
    live: &BTreeMap<String, Value>,
    problems: &mut Vec<String>,
) {
    for k in shipped.keys().filter(|k| !live.contains_key(*k)) {
        problems.push(format!("{what} {k}: shipped, not on the server"));
    }
    for k in live.keys().filter(|k| !shipped.contains_key(*k)) {
        problems.push(format!("{what} {k}: on the server, not shipped"));
    }
}

fn compare_bindings(
    what: &str,
    shipped: &BTreeMap<String, Value>,
    live: &BTreeMap<String, Value>,
    problems: &mut Vec<String>,
) {
    compare_keys(what, shipped, live, problems);
    for (k, s) in shipped {
        let Some(l) = live.get(k) else { continue };
        let role_ref = json!({"kind": l["roleRef"]["kind"], "name": l["roleRef"]["name"]});
        if role_ref != s["roleRef"] {
            problems.push(format!(
                "{what} {k}: roleRef {} shipped, {role_ref} live",
                s["roleRef"]
            ));
        }
        let subjects: Vec<Value> = l["subjects"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|sub| {
                let mut m = serde_json::Map::new();
                for f in ["kind", "name", "namespace"] {
                    if let Some(x) = sub.get(f).and_then(Value::as_str).filter(|x| !x.is_empty()) {
                        m.insert(f.to_owned(), json!(x));
                    }
                }
                Value::Object(m)
            })
            .collect();
        if Some(&subjects) != s["subjects"].as_array() {
            problems.push(format!(
                "{what} {k}: subjects {} shipped, {} live",
                s["subjects"],
                Value::Array(subjects)
            ));
        }
    }
}

/// The rules `rampart_rbac` gives the built-in ClusterRole `name` (aggregation resolved) when a
/// file binds it without defining it.
fn resolved_rules(minor: u32, name: &str) -> BTreeSet<String> {
    let yaml = format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: probe}}\n\
         roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {name}}}\n\
         subjects: [{{kind: User, name: probe}}]\n"
    );
    let parsed = rampart_source::parse_str(&PathBuf::from("probe.yaml"), &yaml);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let rbac = rampart_rbac::Rbac::build_for(&parsed.resources, Some(minor));
    let b = &rbac.bindings[0];
    let role = b.role.expect("the built-in role is resolved");
    assert_eq!(rbac.roles[role].builtin, Some(minor));
    rbac.roles[role]
        .effective
        .iter()
        .map(|rr| {
            let r = rbac.rule(*rr);
            let v = json!({
                "verbs": r.verbs,
                "apiGroups": r.api_groups,
                "resources": r.resources,
                "resourceNames": r.resource_names,
                "nonResourceURLs": r.non_resource_urls,
            });
            rule(&v).to_string()
        })
        .collect()
}

#[test]
#[ignore = "needs the testenv API server: testenv/run-with.sh (see the module doc)"]
fn shipped_bootstrap_policy_matches_the_server() {
    let Some(cluster_roles) = live("clusterroles", &[]) else {
        println!(
            "skipping: TESTENV_KUBECTL/KUBECONFIG_ADMIN are not set; run under testenv/run-with.sh"
        );
        return;
    };
    let minor = testenv_minor();
    let version = kubectl(&["version", "-o", "json"]).expect("kubectl version");
    let server_minor = version["serverVersion"]["gitVersion"]
        .as_str()
        .and_then(bootstrap_rbac::minor_of);
    assert_eq!(
        server_minor,
        Some(minor),
        "the server is not the version testenv/go.mod pins"
    );
    let policy = bootstrap_rbac::policy(minor).unwrap_or_else(|| {
        panic!("no bootstrap policy shipped for 1.{minor}: run scripts/gen_bootstrap_rbac.py")
    });
    let mut problems = Vec::new();

    // ClusterRoles: the same set, the same rules and aggregation rules.
    let shipped = table(&policy.cluster_roles);
    compare_keys("ClusterRole", &shipped, &cluster_roles, &mut problems);
    let mut aggregated = Vec::new();
    for (k, s) in &shipped {
        let Some(l) = cluster_roles.get(k) else {
            continue;
        };
        let live_agg = l.pointer("/aggregationRule/clusterRoleSelectors").cloned();
        let shipped_agg = s.pointer("/aggregationRule/clusterRoleSelectors").cloned();
        if live_agg != shipped_agg {
            problems.push(format!(
                "ClusterRole {k}: aggregationRule {shipped_agg:?} shipped, {live_agg:?} live"
            ));
        }
        if shipped_agg.is_some() {
            aggregated.push(k.clone());
        } else if rules(l) != rules(s) {
            problems.push(format!(
                "ClusterRole {k}: rules differ\n  shipped {}\n  live    {}",
                Value::Array(rules(s)),
                Value::Array(rules(l))
            ));
        }
    }
    // Aggregated ClusterRoles: what rampart resolves from the table is what the controller-manager
    // filled in, except rules aggregated from ClusterRoles other tests created.
    let others: BTreeSet<String> = kubectl(&["get", "clusterroles", "-o", "json"])
        .expect("clusterroles")["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| !is_bootstrap(v))
        .flat_map(|v| rules(v).into_iter().map(|r| r.to_string()))
        .collect();
    for name in &aggregated {
        let resolved = resolved_rules(minor, name);
        let live_rules: BTreeSet<String> = rules(&cluster_roles[name])
            .into_iter()
            .map(|r| r.to_string())
            .collect();
        for r in resolved.difference(&live_rules) {
            problems.push(format!(
                "ClusterRole {name}: rampart resolves {r}, not live"
            ));
        }
        for r in live_rules.difference(&resolved) {
            if !others.contains(r) {
                problems.push(format!(
                    "ClusterRole {name}: live {r}, not resolved by rampart"
                ));
            }
        }
    }

    // Roles of kube-system and kube-public.
    let namespaces = ["kube-system", "kube-public"];
    let roles = live("roles", &namespaces).expect("roles");
    let shipped_roles = table(&policy.roles);
    compare_keys("Role", &shipped_roles, &roles, &mut problems);
    for (k, s) in &shipped_roles {
        if let Some(l) = roles.get(k) {
            if rules(l) != rules(s) {
                problems.push(format!("Role {k}: rules differ"));
            }
        }
    }

    // Bindings.
    let crbs = live("clusterrolebindings", &[]).expect("clusterrolebindings");
    compare_bindings(
        "ClusterRoleBinding",
        &table(&policy.cluster_role_bindings),
        &crbs,
        &mut problems,
    );
    let rbs = live("rolebindings", &namespaces).expect("rolebindings");
    compare_bindings(
        "RoleBinding",
        &table(&policy.role_bindings),
        &rbs,
        &mut problems,
    );

    println!(
        "compared with Kubernetes 1.{minor} ({}): {} ClusterRoles ({} aggregated), {} Roles, {} ClusterRoleBindings, {} RoleBindings",
        policy.version,
        shipped.len(),
        aggregated.len(),
        shipped_roles.len(),
        policy.cluster_role_bindings.len(),
        policy.role_bindings.len()
    );
    assert!(
        problems.is_empty(),
        "the shipped bootstrap policy differs from the server's:\n{}",
        problems.join("\n")
    );
}
