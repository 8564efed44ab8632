//! rampart's RBAC answers against the real authorizer.
//!
//! Generates RBAC objects (roles with wildcards, subresources, resourceNames, non-resource URLs,
//! aggregated ClusterRoles, bindings to users, groups and service accounts, a binding to a missing
//! role), applies them to the testenv API server, asks the server itself a generated matrix of
//! SubjectAccessReviews, and compares every answer with `rampart_rbac` built from the cluster's RBAC
//! objects (bootstrap policy included). Runs against a real kube-apiserver:
//!
//! ```sh
//! testenv/run-with.sh cargo test -p rampart --test rbac_sar -- --ignored --nocapture
//! ```

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use rampart_rbac::{Rbac, RequestAttributes};
use serde_json::Value;

const NAMESPACES: &[&str] = &["team-a", "team-b", "team-c"];
const USERS: &[&str] = &["alice", "bob", "carol", "dave", "erin"];
const GROUPS: &[&str] = &["devs", "ops", "auditors"];
const SERVICE_ACCOUNTS: &[(&str, &str)] = &[
    ("team-a", "builder"),
    ("team-b", "deployer"),
    ("team-c", "runner"),
    ("team-a", "default"),
];
const VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "bind",
    "escalate",
    "impersonate",
];
/// (api group, resource, subresources, namespaced)
const RESOURCES: &[(&str, &str, &[&str], bool)] = &[
    ("", "pods", &["log", "exec", "status"], true),
    ("", "secrets", &[], true),
    ("", "configmaps", &[], true),
    ("", "services", &["proxy"], true),
    ("", "serviceaccounts", &["token"], true),
    ("apps", "deployments", &["scale", "status"], true),
    ("batch", "jobs", &[], true),
    ("rbac.authorization.k8s.io", "roles", &[], true),
    ("rbac.authorization.k8s.io", "clusterroles", &[], false),
    (
        "rbac.authorization.k8s.io",
        "clusterrolebindings",
        &[],
        false,
    ),
    ("", "nodes", &["proxy"], false),
    ("", "namespaces", &["status"], false),
    ("widgets.example.com", "widgets", &["status"], true),
];
const NAMES: &[&str] = &["web", "db", "config-1"];
const URLS: &[&str] = &[
    "/healthz",
    "/healthz/etcd",
    "/metrics",
    "/logs",
    "/logs/kube.log",
    "/api",
    "/apis/apps",
    "/version",
    "/openapi/v2",
];

/// A small deterministic generator (SplitMix64), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn pick_str(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn yaml_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("\"{s}\"")).collect();
    format!("[{}]", quoted.join(", "))
}

/// One resource rule, as YAML flow text.
fn resource_rule(rng: &mut Rng) -> String {
    let verbs: Vec<String> = if rng.chance(12) {
        vec!["*".into()]
    } else {
        let n = 1 + rng.below(3);
        (0..n).map(|_| rng.pick(VERBS).to_string()).collect()
    };
    let &(group, resource, subs, _) = rng.pick(RESOURCES);
    let groups: Vec<String> = if rng.chance(10) {
        vec!["*".into()]
    } else {
        vec![group.to_string()]
    };
    let resources: Vec<String> = match rng.below(10) {
        0 => vec!["*".into()],
        1 if !subs.is_empty() => vec![format!("*/{}", rng.pick(subs))],
        2 | 3 if !subs.is_empty() => vec![format!("{resource}/{}", rng.pick(subs))],
        4 => vec![resource.to_string(), format!("{resource}/*")],
        _ => vec![resource.to_string()],
    };
    let mut rule = format!(
        "{{apiGroups: {}, resources: {}, verbs: {}",
        yaml_list(&groups),
        yaml_list(&resources),
        yaml_list(&verbs)
    );
    if rng.chance(20) {
        let names: Vec<String> = vec![rng.pick(NAMES).to_string()];
        let _ = write!(rule, ", resourceNames: {}", yaml_list(&names));
    }
    rule.push('}');
    rule
}

fn non_resource_rule(rng: &mut Rng) -> String {
    let urls: Vec<String> = match rng.below(5) {
        0 => vec!["*".into()],
        1 => vec!["/logs/*".into()],
        2 => vec!["/healthz*".into(), "/version".into()],
        _ => vec![rng.pick(URLS).to_string()],
    };
    let verbs: Vec<String> = if rng.chance(30) {
        vec!["*".into()]
    } else {
        vec!["get".into()]
    };
    format!(
        "{{nonResourceURLs: {}, verbs: {}}}",
        yaml_list(&urls),
        yaml_list(&verbs)
    )
}

/// A subject entry of a binding in namespace `ns` (or cluster-wide when `None`).
fn subject(rng: &mut Rng, ns: Option<&str>) -> String {
    match rng.below(4) {
        0 | 1 => format!(
            "{{kind: User, apiGroup: rbac.authorization.k8s.io, name: {}}}",
            rng.pick(USERS)
        ),
        2 => format!(
            "{{kind: Group, apiGroup: rbac.authorization.k8s.io, name: {}}}",
            rng.pick(GROUPS)
        ),
        _ => {
            let &(sa_ns, sa) = rng.pick(SERVICE_ACCOUNTS);
            // Sometimes omit the namespace in a RoleBinding: it defaults to the binding's.
            match ns {
                Some(n) if n == sa_ns && rng.chance(30) => {
                    format!("{{kind: ServiceAccount, name: {sa}}}")
                }
                _ => format!("{{kind: ServiceAccount, name: {sa}, namespace: {sa_ns}}}"),
            }
        }
    }
}

/// The generated RBAC objects as one multi-document YAML.
fn generate_rbac(rng: &mut Rng) -> String {
    let mut y = String::new();
    for ns in NAMESPACES {
        let _ = writeln!(
            y,
            "---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}"
        );
    }
    // Cluster roles: plain, with non-resource URLs, and aggregated.
    for i in 0..10 {
        let mut rules = Vec::new();
        for _ in 0..1 + rng.below(3) {
            rules.push(resource_rule(rng));
        }
        if i % 3 == 0 {
            rules.push(non_resource_rule(rng));
        }
        let labels = if i % 4 == 1 {
            "labels: {rampart.test/aggregate: \"yes\"}"
        } else {
            "labels: {}"
        };
        let _ = writeln!(
            y,
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {{name: gen-cr-{i}, {labels}}}\nrules: [{}]",
            rules.join(", ")
        );
    }
    let _ = writeln!(
        y,
        "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {{name: gen-aggregated}}\naggregationRule:\n  clusterRoleSelectors:\n  - matchLabels: {{rampart.test/aggregate: \"yes\"}}\nrules: []"
    );
    for ns in NAMESPACES {
        for i in 0..5 {
            let rules: Vec<String> = (0..1 + rng.below(3)).map(|_| resource_rule(rng)).collect();
            let _ = writeln!(
                y,
                "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {{name: gen-role-{i}, namespace: {ns}}}\nrules: [{}]",
                rules.join(", ")
            );
        }
        for i in 0..6 {
            let role_ref = match rng.below(4) {
                0 => format!(
                    "{{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: gen-cr-{}}}",
                    rng.below(10)
                ),
                1 => {
                    "{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: gen-aggregated}"
                        .to_string()
                }
                _ => format!(
                    "{{apiGroup: rbac.authorization.k8s.io, kind: Role, name: gen-role-{}}}",
                    rng.below(5)
                ),
            };
            let subjects: Vec<String> = (0..1 + rng.below(3))
                .map(|_| subject(rng, Some(ns)))
                .collect();
            let _ = writeln!(
                y,
                "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: gen-rb-{i}, namespace: {ns}}}\nroleRef: {role_ref}\nsubjects: [{}]",
                subjects.join(", ")
            );
        }
        // A binding to a role that does not exist grants nothing.
        let _ = writeln!(
            y,
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: gen-rb-missing, namespace: {ns}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: does-not-exist}}\nsubjects: [{}]",
            subject(rng, Some(ns))
        );
    }
    for i in 0..5 {
        let target = if i == 4 {
            "gen-aggregated".to_string()
        } else {
            format!("gen-cr-{}", rng.below(10))
        };
        let subjects: Vec<String> = (0..1 + rng.below(2)).map(|_| subject(rng, None)).collect();
        let _ = writeln!(
            y,
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: gen-crb-{i}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {target}}}\nsubjects: [{}]",
            subjects.join(", ")
        );
    }
    y
}

/// One question: who, and the request.
struct Question {
    user: String,
    groups: Vec<String>,
    attrs: RequestAttributes,
}

fn identity(rng: &mut Rng) -> (String, Vec<String>) {
    match rng.below(3) {
        0 => {
            let mut groups = vec!["system:authenticated".to_string()];
            if rng.chance(60) {
                groups.push(rng.pick(GROUPS).to_string());
            }
            (rng.pick(USERS).to_string(), groups)
        }
        1 => {
            let &(ns, sa) = rng.pick(SERVICE_ACCOUNTS);
            (
                format!("system:serviceaccount:{ns}:{sa}"),
                vec![
                    "system:serviceaccounts".into(),
                    format!("system:serviceaccounts:{ns}"),
                    "system:authenticated".into(),
                ],
            )
        }
        _ => {
            // A user known only through a group, or an anonymous-looking caller.
            if rng.chance(20) {
                (
                    "system:anonymous".into(),
                    vec!["system:unauthenticated".into()],
                )
            } else {
                (
                    format!("stranger-{}", rng.below(3)),
                    vec![rng.pick(GROUPS).to_string(), "system:authenticated".into()],
                )
            }
        }
    }
}

fn questions(rng: &mut Rng, n: usize) -> Vec<Question> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let (user, groups) = identity(rng);
        let attrs = if rng.chance(8) {
            {
                let verb = *rng.pick(&["get", "post", "put"]);
                let url = *rng.pick(URLS);
                RequestAttributes::non_resource(verb, url)
            }
        } else {
            let &(group, resource, subs, namespaced) = rng.pick(RESOURCES);
            let mut a = RequestAttributes::resource(rng.pick_str(VERBS), group, resource);
            if namespaced && rng.chance(85) {
                a = a.in_namespace(rng.pick_str(NAMESPACES));
            }
            if !subs.is_empty() && rng.chance(30) {
                a = a.subresource(rng.pick_str(subs));
            }
            if rng.chance(40) {
                a = a.named(rng.pick_str(NAMES));
            }
            a
        };
        out.push(Question {
            user,
            groups,
            attrs,
        });
    }
    out
}

fn sar_yaml(qs: &[Question]) -> String {
    let mut y = String::new();
    for q in qs {
        let groups = yaml_list(&q.groups);
        let _ = writeln!(
            y,
            "---\napiVersion: authorization.k8s.io/v1\nkind: SubjectAccessReview\nspec:\n  user: \"{}\"\n  groups: {groups}",
            q.user
        );
        let a = &q.attrs;
        match &a.path {
            Some(path) => {
                let _ = writeln!(
                    y,
                    "  nonResourceAttributes: {{path: \"{path}\", verb: \"{}\"}}",
                    a.verb
                );
            }
            None => {
                let _ = writeln!(
                    y,
                    "  resourceAttributes: {{namespace: \"{}\", verb: \"{}\", group: \"{}\", resource: \"{}\", subresource: \"{}\", name: \"{}\"}}",
                    a.namespace, a.verb, a.api_group, a.resource, a.subresource, a.name
                );
            }
        }
    }
    y
}

struct Env {
    kubectl: PathBuf,
    kubeconfig: PathBuf,
}

impl Env {
    fn from_testenv() -> Env {
        let get = |k: &str| {
            std::env::var_os(k).unwrap_or_else(|| {
                panic!("{k} is not set: run this test through testenv/run-with.sh (see the module doc)")
            })
        };
        Env {
            kubectl: PathBuf::from(get("TESTENV_KUBECTL")),
            kubeconfig: PathBuf::from(get("KUBECONFIG_ADMIN")),
        }
    }

    fn kubectl(&self, args: &[&str]) -> String {
        let out = Command::new(&self.kubectl)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .output()
            .expect("kubectl runs");
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write temp file");
    p
}

#[test]
#[ignore = "needs the testenv API server: testenv/run-with.sh cargo test -p rampart --test rbac_sar -- --ignored"]
fn rbac_answers_agree_with_subject_access_review() {
    let env = Env::from_testenv();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut rng = Rng(0x5EED_2026_1127);

    // 1. Apply generated RBAC objects.
    let rbac_file = write(dir.path(), "rbac.yaml", &generate_rbac(&mut rng));
    env.kubectl(&["apply", "-f", rbac_file.to_str().expect("utf-8 path")]);

    // 2. Wait until the aggregation controller has filled the aggregated role.
    let mut filled = false;
    for _ in 0..60 {
        let out = env.kubectl(&["get", "clusterrole", "gen-aggregated", "-o", "json"]);
        let v: Value = serde_json::from_str(&out).expect("json");
        if v["rules"].as_array().is_some_and(|r| !r.is_empty()) {
            filled = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    assert!(
        filled,
        "the aggregated ClusterRole was never filled (is kube-controller-manager running?)"
    );

    // 3. rampart's model from every RBAC object the cluster has (bootstrap policy included).
    let all = env.kubectl(&[
        "get",
        "clusterroles,clusterrolebindings,roles,rolebindings",
        "-A",
        "-o",
        "json",
    ]);
    let all_file = write(dir.path(), "cluster-rbac.json", &all);
    let parsed = rampart_source::parse_str(&all_file, &all);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let model = Rbac::build(&parsed.resources);

    // 4. Ask the API server, in one kubectl call (one connection), and compare.
    let qs = questions(&mut rng, 6000);
    let sar_file = write(dir.path(), "sars.yaml", &sar_yaml(&qs));
    let out = env.kubectl(&[
        "create",
        "-f",
        sar_file.to_str().expect("utf-8 path"),
        "-o",
        "json",
    ]);
    // kubectl prints one JSON document per created review, in order.
    let items: Vec<Value> = serde_json::Deserializer::from_str(&out)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .expect("kubectl printed JSON documents");
    assert_eq!(items.len(), qs.len(), "one review per question");

    let mut mismatches = Vec::new();
    let mut allowed_count = 0;
    for (q, review) in qs.iter().zip(&items) {
        let server = review["status"]["allowed"].as_bool().unwrap_or(false);
        let groups: Vec<&str> = q.groups.iter().map(String::as_str).collect();
        let ours = model.allowed(&q.user, &groups, &q.attrs);
        if server {
            allowed_count += 1;
        }
        if server != ours {
            mismatches.push(format!(
                "user={} groups={:?} {:?}: server={} rampart={} (reason: {})",
                q.user,
                q.groups,
                q.attrs,
                server,
                ours,
                review["status"]["reason"].as_str().unwrap_or("")
            ));
        }
    }
    let agree = qs.len() - mismatches.len();
    println!(
        "RBAC SubjectAccessReview agreement: {agree}/{} ({} allowed by the server)",
        qs.len(),
        allowed_count
    );
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    // The matrix must exercise both answers.
    assert!(allowed_count > 200 && allowed_count < qs.len() - 200);
}
