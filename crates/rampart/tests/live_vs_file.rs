//! A live object gets the same checks as the same object in a file.
//!
//! The examples and every check fixture are created in the testenv API server, the cluster is
//! scanned, and the findings are compared with a file scan of the same objects. Every difference
//! must be listed in [`EXPECTED`] with the reason (API-server defaulting, or what a live read
//! deliberately does not see); anything else fails the test. Ignored by default; run with
//!
//! ```sh
//! testenv/run-with.sh cargo test -p rampart --test live_vs_file -- --ignored
//! ```
//!
//! How the objects are prepared:
//! - Each input file `i` gets its own namespaces: a namespace `X` named in the file (or `default`
//!   for objects without one) becomes `lvfNNN-X` (`NNN` = `i`), so fixtures never collide with each
//!   other, with the other live tests or with the system namespaces. Namespace objects of the file
//!   are renamed the same way; namespaces the file only implies are added to it as plain Namespace
//!   objects, so the file scan sees the same Namespace objects as the cluster.
//! - Cluster-scoped objects (ClusterRoles, ClusterRoleBindings, webhook configurations) get the
//!   prefix `lvfNNN-` on their name; `roleRef`s to a ClusterRole of the same file follow, and
//!   ServiceAccount subjects follow their namespace.
//! - Objects are created one by one with `kubectl create` (no last-applied annotation), in
//!   dependency order (namespaces, cluster-scoped objects, ServiceAccounts, the rest). What the
//!   server rejects is recorded with its reason and left out: the file scan reads only the admitted
//!   objects, rewritten as above.
//! - Only findings on the created objects, matched by (kind, namespace, name), are compared. The
//!   testenv controller-manager runs no workload controllers, so no ReplicaSets, Jobs or Pods are
//!   generated; if it did, those objects (with ownerReferences) would not be among the created ones
//!   and would be left out the same way as the built-in objects the live scan also reports on
//!   (the bootstrap ClusterRoles, each namespace's `default` ServiceAccount).
//! - Bindings to Kubernetes' built-in roles (`cluster-admin`, `admin`, `edit`, `view`), which no
//!   file defines, get the same findings on both sides: the file scan uses the shipped bootstrap
//!   RBAC policy of the server's minor (checked against the server by `bootstrap_rbac_live`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rampart_testutil::{run_binary, TempDir};
use serde_json::{json, Value};

/// Kinds without a namespace (the ones the fixtures use, and a few more).
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "IngressClass",
    "RuntimeClass",
    "Node",
];

/// Objects of the examples the server is expected to reject, with why. Any other rejected example
/// object fails the test.
const EXAMPLE_REJECTIONS: &[(&str, &str, &str)] = &[(
    "examples/insecure",
    "Deployment/shop",
    "hostPort 80 with hostNetwork: the server requires hostPort == containerPort",
)];

/// At least this share of the fixture objects must be admitted: most fixtures are valid objects;
/// the rejected ones are minimal on purpose (a Deployment without a selector) or invalid on purpose.
const MIN_FIXTURE_ADMITTED: f64 = 0.5;

/// How a finding differs between the two scans.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Diff {
    /// The same finding; the live pointer is the file pointer plus `field`: the server filled in
    /// a field the file leaves out, and the check points at it.
    LiveDeeper,
    /// The same finding; the file pointer is the live pointer plus `field`: the server dropped a
    /// field the file has.
    FileDeeper,
    /// The same finding; the last pointer segment differs, `field` is `file->live`.
    Renamed,
    /// Only in the live scan, at a pointer starting with `field`.
    OnlyLive,
    /// Only in the file scan, at a pointer starting with `field`.
    OnlyFile,
}

/// A difference between the live and the file scan that is expected, and why.
struct Expected {
    diff: Diff,
    /// A check id, or a prefix ending in `*` (`rbac-*`).
    check: &'static str,
    /// The object's kind, or `*` for any.
    kind: &'static str,
    field: &'static str,
    why: &'static str,
}

const fn exp(
    diff: Diff,
    check: &'static str,
    kind: &'static str,
    field: &'static str,
    why: &'static str,
) -> Expected {
    Expected {
        diff,
        check,
        kind,
        field,
        why,
    }
}

const RESOURCES: &str = "the server defaults an absent container `resources` to `{}` (an empty \
    ResourceRequirements is always serialized), so the finding about missing requests/limits \
    points at `resources` instead of the container";
const REQUESTS: &str = "the server defaults absent `resources.requests` to the container's \
    `limits` (only `limits` set), so the finding points into `requests`";
const PULL: &str = "the server defaults `imagePullPolicy` (Always for `:latest` or no tag, \
    IfNotPresent otherwise, as the check assumes), so the finding about the default policy \
    points at the now present field";

/// Every expected difference. A difference matched by none fails the test.
const EXPECTED: &[Expected] = &[
    exp(
        Diff::OnlyFile,
        "deprecated-service-account-field",
        "*",
        "/spec",
        "the server copies a lone deprecated `serviceAccount` into `serviceAccountName`; live the \
         two agree, which is what the server writes for every pod and is not reported",
    ),
    exp(
        Diff::LiveDeeper,
        "ephemeral-storage-limit-missing",
        "*",
        "/resources",
        RESOURCES,
    ),
    exp(
        Diff::OnlyFile,
        "legacy-service-account-token",
        "Secret",
        "/type",
        "a cluster scan reads Secrets as metadata only, and a Secret's `type` is not metadata, so \
         a token Secret is recognised in manifests only",
    ),
    exp(
        Diff::OnlyFile,
        "secret-last-applied-data",
        "Secret",
        "/metadata/annotations",
        "the cluster reader drops a Secret's last-applied annotation (it is a copy of the \
         Secret's data), so what it would leak is never read live",
    ),
    exp(
        Diff::OnlyFile,
        "annotation-credential",
        "*",
        "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration",
        "kubectl rewrites an existing last-applied annotation to the object it creates, so the \
         earlier version a fixture records there (with its credential) never reaches the server",
    ),
    exp(
        Diff::FileDeeper,
        "hostpath-writable",
        "*",
        "/readOnly",
        "`readOnly: false` is the default and does not survive the round trip, so the finding \
         points at the volume mount",
    ),
    exp(
        Diff::OnlyLive,
        "host-port",
        "Pod",
        "/spec/containers/",
        "with `hostNetwork: true` the server defaults each container port's `hostPort` to its \
         `containerPort`, so live the pod declares host ports its manifest left implicit",
    ),
    exp(
        Diff::LiveDeeper,
        "cpu-limit-missing",
        "*",
        "/resources",
        RESOURCES,
    ),
    exp(
        Diff::LiveDeeper,
        "cpu-request-missing",
        "*",
        "/resources",
        RESOURCES,
    ),
    exp(
        Diff::LiveDeeper,
        "memory-limit-missing",
        "*",
        "/resources",
        RESOURCES,
    ),
    exp(
        Diff::LiveDeeper,
        "memory-request-missing",
        "*",
        "/resources",
        RESOURCES,
    ),
    exp(
        Diff::LiveDeeper,
        "cpu-request-missing",
        "*",
        "/requests",
        REQUESTS,
    ),
    exp(
        Diff::LiveDeeper,
        "memory-request-missing",
        "*",
        "/requests",
        REQUESTS,
    ),
    exp(
        Diff::LiveDeeper,
        "image-pull-policy",
        "*",
        "/imagePullPolicy",
        PULL,
    ),
    exp(
        Diff::LiveDeeper,
        "default-service-account",
        "Pod",
        "/serviceAccountName",
        "the server sets a Pod's absent `serviceAccountName` to `default` (ServiceAccount \
         admission), so the finding points at the field",
    ),
    exp(
        Diff::Renamed,
        "default-service-account",
        "Pod",
        "serviceAccount->serviceAccountName",
        "the server copies the deprecated `serviceAccount` into `serviceAccountName`, which the \
         check reads first",
    ),
    exp(
        Diff::LiveDeeper,
        "namespace-pss-enforce",
        "Namespace",
        "/labels",
        "the server labels every Namespace `kubernetes.io/metadata.name`, so a Namespace \
         without labels in the file has a `labels` map live and the finding points at it",
    ),
    exp(
        Diff::FileDeeper,
        "ingress-without-tls",
        "Ingress",
        "/tls",
        "`tls: []` does not survive the round trip (an empty list is omitted), so the finding \
         points at `spec`",
    ),
    exp(
        Diff::OnlyFile,
        "secret-committed",
        "Secret",
        "",
        "Secret values are never read from a cluster (Secrets are listed as metadata only), so \
         whether a Secret holds data is invisible live by design",
    ),
    exp(
        Diff::OnlyLive,
        "rbac-wildcard-verbs",
        "ClusterRole",
        "/rules/",
        "aggregated ClusterRole: live, the aggregation controller has copied the selected \
         roles' rules into the aggregated role's own `rules`, so the rule is reported on the \
         aggregated role (fixture rbac-wildcard-verbs/fail2.yaml, `monitoring`) as well as on \
         the role it is aggregated from (`monitoring-crds`), which both scans report",
    ),
    exp(
        Diff::OnlyFile,
        "hpa-target-sets-replicas",
        "Deployment",
        "/spec/replicas",
        "a live workload always has `spec.replicas` (the server defaults it, the autoscaler \
         writes it), so the check judges manifests only",
    ),
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs kubectl as admin with `input` on stdin; returns success and stdout+stderr.
fn kubectl_admin(admin: &str, args: &[&str], input: Option<&str>) -> (bool, String) {
    let (ok, text) = rampart_testutil::kubectl(admin, args, input);
    (ok, text.trim().to_owned())
}

fn s<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

fn is_cluster_scoped(obj: &Value) -> bool {
    CLUSTER_SCOPED.contains(&s(obj, "/kind"))
}

/// `(kind, namespace, name)` of an object.
type ObjKey = (String, String, String);

fn obj_key(obj: &Value) -> ObjKey {
    (
        s(obj, "/kind").to_owned(),
        s(obj, "/metadata/namespace").to_owned(),
        s(obj, "/metadata/name").to_owned(),
    )
}

/// One input file, rewritten.
struct Input {
    /// `examples/insecure` or `fixtures/<check>/<file>`.
    label: String,
    is_example: bool,
    /// Rewritten objects, Namespace objects (given and implied) first.
    objects: Vec<Value>,
}

/// A name of at most 63 characters (namespace names are DNS labels).
fn fresh(tag: &str, name: &str) -> String {
    let mut out = format!("{tag}-{name}");
    out.truncate(63);
    out.trim_end_matches(['-', '.']).to_owned()
}

/// Objects left out of both scans, and why: they cannot be created, or creating them would change
/// how the server treats every object created after them.
fn not_applied(v: &Value) -> Option<&'static str> {
    match (s(v, "/apiVersion"), s(v, "/kind")) {
        (_, "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration") => Some(
            "an admission webhook whose backend does not exist here would reject (fail-closed) or \
             slow down every later request it matches",
        ),
        ("rampart.dev/v1", _) => {
            Some("rampart's own ClusterInfo object describes a cluster; no API server serves it")
        }
        _ => None,
    }
}

fn rewrite(index: usize, label: String, is_example: bool, path: &Path) -> Input {
    let text = std::fs::read_to_string(path).expect("read input");
    let parsed = rampart_source::parse_str(path, &text);
    let tag = format!("lvf{index:03}");
    let raw: Vec<Value> = parsed
        .resources
        .into_iter()
        .map(|r| r.raw)
        .filter(|v| !s(v, "/kind").is_empty() && !s(v, "/metadata/name").is_empty())
        .filter(|v| match not_applied(v) {
            Some(why) => {
                println!(
                    "  not applied: {label} {}/{}: {why}",
                    s(v, "/kind"),
                    s(v, "/metadata/name")
                );
                false
            }
            None => true,
        })
        .collect();
    let cluster_roles: BTreeSet<String> = raw
        .iter()
        .filter(|v| s(v, "/kind") == "ClusterRole")
        .map(|v| s(v, "/metadata/name").to_owned())
        .collect();
    let ns_map = |ns: &str| fresh(&tag, if ns.is_empty() { "default" } else { ns });
    let mut namespaces: BTreeSet<String> = BTreeSet::new();
    let mut given_namespaces: BTreeSet<String> = BTreeSet::new();
    let mut objects = Vec::new();
    for mut v in raw {
        let kind = s(&v, "/kind").to_owned();
        let name = s(&v, "/metadata/name").to_owned();
        if kind == "Namespace" {
            let n = ns_map(&name);
            v["metadata"]["name"] = json!(n);
            given_namespaces.insert(n);
        } else if is_cluster_scoped(&v) {
            v["metadata"]["name"] = json!(fresh(&tag, &name));
            if let Some(m) = v["metadata"].as_object_mut() {
                m.remove("namespace");
            }
        } else {
            let n = ns_map(s(&v, "/metadata/namespace"));
            v["metadata"]["namespace"] = json!(n.clone());
            namespaces.insert(n);
        }
        if kind == "ClusterRoleBinding" || kind == "RoleBinding" {
            if s(&v, "/roleRef/kind") == "ClusterRole"
                && cluster_roles.contains(s(&v, "/roleRef/name"))
            {
                let n = fresh(&tag, s(&v, "/roleRef/name"));
                v["roleRef"]["name"] = json!(n);
            }
            if let Some(subjects) = v.get_mut("subjects").and_then(Value::as_array_mut) {
                for sub in subjects {
                    if s(sub, "/kind") == "ServiceAccount" {
                        let n = ns_map(s(sub, "/namespace"));
                        if sub.is_object() {
                            sub["namespace"] = json!(n);
                        }
                    }
                }
            }
        }
        complete(&mut v);
        objects.push(v);
    }
    let mut out: Vec<Value> = namespaces
        .difference(&given_namespaces)
        .map(|n| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}}))
        .collect();
    // Given Namespace objects first, then the rest in file order.
    let (ns_objs, rest): (Vec<Value>, Vec<Value>) = objects
        .into_iter()
        .partition(|v| s(v, "/kind") == "Namespace");
    out.extend(ns_objs);
    out.extend(rest);
    Input {
        label,
        is_example,
        objects: out,
    }
}

/// Fills in what the fixtures leave out for brevity but the server requires, so that their
/// workloads are admitted: a selector and matching template labels for Deployments, StatefulSets,
/// DaemonSets and ReplicaSets, and `restartPolicy: OnFailure` for the pods of Jobs and CronJobs.
/// The file side scans the completed objects too.
fn complete(v: &mut Value) {
    let kind = s(v, "/kind").to_owned();
    let name = s(v, "/metadata/name").to_owned();
    let template = match kind.as_str() {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => "/spec/template",
        "CronJob" => "/spec/jobTemplate/spec/template",
        _ => return,
    };
    if kind == "Job" || kind == "CronJob" {
        if let Some(spec) = v
            .pointer_mut(&format!("{template}/spec"))
            .and_then(Value::as_object_mut)
        {
            spec.entry("restartPolicy").or_insert(json!("OnFailure"));
        }
        return;
    }
    let Some(spec) = v.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    let selector = spec
        .get("selector")
        .and_then(|s| s.get("matchLabels"))
        .cloned();
    let Some(tmpl) = spec.get_mut("template").and_then(Value::as_object_mut) else {
        return;
    };
    let meta = tmpl.entry("metadata").or_insert_with(|| json!({}));
    let Some(meta) = meta.as_object_mut() else {
        return;
    };
    let labels = meta
        .entry("labels")
        .or_insert_with(|| selector.clone().unwrap_or_else(|| json!({"app": name})))
        .clone();
    spec.entry("selector")
        .or_insert_with(|| json!({"matchLabels": labels}));
}

/// Creation order: namespaces, cluster-scoped objects, ServiceAccounts, config, workloads.
fn phase(obj: &Value) -> u8 {
    match s(obj, "/kind") {
        "Namespace" => 0,
        _ if is_cluster_scoped(obj) => 1,
        "ServiceAccount" | "Role" => 2,
        "RoleBinding" | "ConfigMap" | "Secret" => 3,
        _ => 4,
    }
}

/// Outcome of creating one object.
struct Created {
    input: usize,
    key: ObjKey,
    result: Result<(), String>,
}

/// Creates objects (several kubectl processes at once); returns each one's outcome.
fn create_all(admin: &str, objs: &[(usize, &Value)]) -> Vec<Created> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let out = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..6 {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((input, obj)) = objs.get(i) else {
                    break;
                };
                let text = serde_json::to_string(obj).expect("json");
                // The controller-manager has made each namespace's `default` ServiceAccount
                // already: a file's own `default` replaces it.
                let verb = if obj_key(obj).0 == "ServiceAccount" && obj_key(obj).2 == "default" {
                    "replace"
                } else {
                    "create"
                };
                let (ok, msg) = kubectl_admin(admin, &[verb, "-f", "-"], Some(&text));
                let created = Created {
                    input: *input,
                    key: obj_key(obj),
                    result: if ok { Ok(()) } else { Err(msg) },
                };
                out.lock().expect("lock").push(created);
            });
        }
    });
    out.into_inner().expect("lock")
}

/// Waits until every namespace in `names` has its `default` ServiceAccount (made by the
/// controller-manager), without which the server rejects Pods.
fn wait_default_service_accounts(admin: &str, names: &BTreeSet<String>) {
    for _ in 0..150 {
        let (ok, out) = kubectl_admin(
            admin,
            &[
                "get",
                "serviceaccounts",
                "-A",
                "--field-selector=metadata.name=default",
                "-o",
                "jsonpath={range .items[*]}{.metadata.namespace}{\"\\n\"}{end}",
            ],
            None,
        );
        let have: BTreeSet<&str> = out.lines().collect();
        if ok && names.iter().all(|n| have.contains(n.as_str())) {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("the controller-manager did not create the default ServiceAccounts in time");
}

/// A finding's comparison key: check, kind, namespace, name, pointer.
type FindingKey = (String, String, String, String, String);

fn findings(report: &Value) -> Vec<(FindingKey, &Value)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                (
                    s(f, "/check").to_owned(),
                    s(f, "/subject/kind").to_owned(),
                    s(f, "/subject/namespace").to_owned(),
                    s(f, "/subject/name").to_owned(),
                    s(f, "/pointer").to_owned(),
                ),
                f,
            )
        })
        .collect()
}

fn scan(args: &[&str]) -> Value {
    let out = run_binary(env!("CARGO_BIN_EXE_rampart"), args, None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    // 0: nothing at --fail-on, 1: findings at --fail-on; anything else is an error.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "rampart {args:?} failed: {stderr}"
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("rampart {args:?}: not JSON ({e}); stderr: {stderr}"))
}

#[test]
#[ignore = "needs testenv: testenv/run-with.sh cargo test -p rampart --test live_vs_file -- --ignored"]
fn live_scan_matches_file_scan() {
    let Ok(admin) = std::env::var("KUBECONFIG_ADMIN") else {
        println!(
            "skipping: KUBECONFIG_ADMIN is not set; run under testenv/run-with.sh (see the top of this file)"
        );
        return;
    };
    let root = workspace();

    // Inputs: the two examples and every fixture file.
    let mut paths: Vec<(String, bool, PathBuf)> = vec![
        (
            "examples/insecure".into(),
            true,
            root.join("examples/insecure/app.yaml"),
        ),
        (
            "examples/hardened".into(),
            true,
            root.join("examples/hardened/app.yaml"),
        ),
    ];
    // Each check's fixtures: crates/rampart_checks/src/checks/<category>/<check>/fixtures/,
    // taken in the order of the check ids.
    let checks = root.join("crates/rampart_checks/src/checks");
    let mut dirs: Vec<(String, PathBuf)> = std::fs::read_dir(&checks)
        .expect("checks")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .flat_map(|category| std::fs::read_dir(category).expect("category").flatten())
        .map(|e| e.path().join("fixtures"))
        .filter(|p| p.is_dir())
        .map(|p| {
            let folder = p.parent().and_then(Path::file_name).unwrap_or_default();
            (folder.to_string_lossy().replace('_', "-"), p)
        })
        // A cluster holds one object per identity: defining one twice is a property of a set of
        // files, which a live scan cannot show (and the second definition replaces the first).
        .filter(|(id, _)| id != "duplicate-object")
        .collect();
    dirs.sort();
    for (id, dir) in dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("fixture dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        files.sort();
        for f in files {
            let label = format!(
                "fixtures/{id}/{}",
                f.file_name().unwrap_or_default().to_string_lossy()
            );
            paths.push((label, false, f));
        }
    }
    let inputs: Vec<Input> = paths
        .into_iter()
        .enumerate()
        .map(|(i, (label, ex, p))| rewrite(i, label, ex, &p))
        .collect();

    // Create, phase by phase.
    let mut outcomes: Vec<Created> = Vec::new();
    for ph in 0..=4u8 {
        let objs: Vec<(usize, &Value)> = inputs
            .iter()
            .enumerate()
            .flat_map(|(i, inp)| inp.objects.iter().map(move |o| (i, o)))
            .filter(|(_, o)| phase(o) == ph)
            .collect();
        outcomes.extend(create_all(&admin, &objs));
        if ph == 0 {
            let names = outcomes
                .iter()
                .filter(|c| c.result.is_ok())
                .map(|c| c.key.2.clone())
                .collect();
            wait_default_service_accounts(&admin, &names);
        }
    }
    outcomes.sort_by(|a, b| (a.input, &a.key).cmp(&(b.input, &b.key)));

    // Admitted vs rejected.
    let admitted: BTreeSet<(usize, ObjKey)> = outcomes
        .iter()
        .filter(|c| c.result.is_ok())
        .map(|c| (c.input, c.key.clone()))
        .collect();
    let mut fixture_total = 0usize;
    let mut fixture_admitted = 0usize;
    let mut bad_examples = Vec::new();
    println!("== rejected by the API server (left out of the comparison)");
    for c in &outcomes {
        let inp = &inputs[c.input];
        if !inp.is_example {
            fixture_total += 1;
            fixture_admitted += usize::from(c.result.is_ok());
        }
        if let Err(reason) = &c.result {
            let short = format!("{}/{}", c.key.0, c.key.2);
            println!("  {} {}: {}", inp.label, short, reason.replace('\n', " | "));
            if inp.is_example
                && !EXAMPLE_REJECTIONS
                    .iter()
                    .any(|(l, o, _)| *l == inp.label && *o == short)
            {
                bad_examples.push(format!("{} {short}: {reason}", inp.label));
            }
        }
    }
    let total = outcomes.len();
    println!(
        "== objects: {total}, admitted {}, rejected {}; fixtures: {fixture_admitted} of {fixture_total} admitted",
        admitted.len(),
        total - admitted.len()
    );
    assert!(
        bad_examples.is_empty(),
        "example objects rejected unexpectedly:\n{}",
        bad_examples.join("\n")
    );
    assert!(
        fixture_admitted as f64 >= MIN_FIXTURE_ADMITTED * fixture_total as f64,
        "suspiciously many fixture objects rejected: {fixture_admitted} of {fixture_total} admitted"
    );

    // The file side: the admitted objects, rewritten, one file per input.
    let tmp = TempDir::new("live_vs_file");
    let mut files = Vec::new();
    for (i, inp) in inputs.iter().enumerate() {
        let docs: Vec<String> = inp
            .objects
            .iter()
            .filter(|o| admitted.contains(&(i, obj_key(o))))
            .map(|o| serde_json::to_string(o).expect("json"))
            .collect();
        if !docs.is_empty() {
            files.push(tmp.write(&format!("{i:03}.yaml"), docs.join("\n---\n") + "\n"));
        }
    }
    let file_args: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let mut args = vec!["scan", "--format", "json", "--no-config"];
    args.extend(file_args.iter().map(String::as_str));
    let file_report = scan(&args);

    // The live side, restricted to the namespaces created here.
    let namespaces: BTreeSet<String> = admitted
        .iter()
        .filter(|(_, k)| k.0 == "Namespace")
        .map(|(_, k)| k.2.clone())
        .collect();
    let mut args = vec![
        "scan",
        "--cluster",
        "--kubeconfig",
        &admin,
        "--format",
        "json",
        "--no-config",
    ];
    for n in &namespaces {
        args.push("--namespace");
        args.push(n);
    }
    let started = std::time::Instant::now();
    let live_report = scan(&args);
    println!(
        "== live scan of {} namespaces took {:?}",
        namespaces.len(),
        started.elapsed()
    );
    assert_eq!(
        live_report["coverage"]["partial"], false,
        "{}",
        live_report["coverage"]
    );

    let keys: BTreeSet<ObjKey> = admitted.iter().map(|(_, k)| k.clone()).collect();
    let in_scope = |k: &FindingKey| keys.contains(&(k.1.clone(), k.2.clone(), k.3.clone()));

    // Every live finding on a created object names it with its uid and carries a pointer.
    let live = findings(&live_report);
    let file = findings(&file_report);
    let mut live_set: BTreeMap<FindingKey, usize> = BTreeMap::new();
    for (k, f) in &live {
        if !in_scope(k) {
            continue;
        }
        assert!(
            f.pointer("/subject/uid")
                .and_then(Value::as_str)
                .is_some_and(|u| !u.is_empty()),
            "live finding without a uid: {f}"
        );
        assert!(f.get("pointer").is_some_and(Value::is_string), "{f}");
        assert!(
            f.get("location").is_none_or(|l| l.get("path").is_none()),
            "{f}"
        );
        *live_set.entry(k.clone()).or_default() += 1;
    }
    let mut file_set: BTreeMap<FindingKey, usize> = BTreeMap::new();
    let mut file_out_of_scope = Vec::new();
    for (k, _) in &file {
        if in_scope(k) {
            *file_set.entry(k.clone()).or_default() += 1;
        } else {
            file_out_of_scope.push(k.clone());
        }
    }
    println!(
        "== findings on the created objects: live {}, file {} (file findings naming other objects: {})",
        live_set.values().sum::<usize>(),
        file_set.values().sum::<usize>(),
        file_out_of_scope.len()
    );
    for k in &file_out_of_scope {
        println!("  file finding naming an object not created: {k:?}");
    }

    // Differences, each explained or a failure. First pair a live-only with a file-only finding
    // of the same check and object whose pointers are related (one extends the other, or only the
    // last segment differs); what stays unpaired is only live or only file.
    let mut only_live: BTreeMap<(String, String, String, String), Vec<String>> = BTreeMap::new();
    let mut only_file: BTreeMap<(String, String, String, String), Vec<String>> = BTreeMap::new();
    let all: BTreeSet<&FindingKey> = live_set.keys().chain(file_set.keys()).collect();
    for k in all {
        let l = live_set.get(k).copied().unwrap_or(0);
        let f = file_set.get(k).copied().unwrap_or(0);
        let obj = (k.0.clone(), k.1.clone(), k.2.clone(), k.3.clone());
        let side = if l > f {
            &mut only_live
        } else {
            &mut only_file
        };
        for _ in 0..l.abs_diff(f) {
            side.entry(obj.clone()).or_default().push(k.4.clone());
        }
    }
    let mut diffs: Vec<(Diff, String, String)> = Vec::new(); // (diff, field, description)
    for (obj, files) in &only_file {
        let lives = only_live.entry(obj.clone()).or_default();
        for fp in files {
            let pair = lives.iter().position(|lp| related(fp, lp).is_some());
            let describe = |d: &str| format!("{} {} {}/{}: {d}", obj.0, obj.1, obj.2, obj.3);
            match pair {
                Some(i) => {
                    let lp = lives.remove(i);
                    if let Some((d, field)) = related(fp, &lp) {
                        diffs.push((d, field, describe(&format!("file {fp} -> live {lp}"))));
                    }
                }
                None => diffs.push((
                    Diff::OnlyFile,
                    fp.clone(),
                    describe(&format!("only file {fp}")),
                )),
            }
        }
    }
    for (obj, lives) in &only_live {
        for lp in lives {
            let d = format!("{} {} {}/{}: only live {lp}", obj.0, obj.1, obj.2, obj.3);
            diffs.push((Diff::OnlyLive, lp.clone(), d));
        }
    }
    let mut unexplained = Vec::new();
    let mut explained: BTreeMap<usize, usize> = BTreeMap::new();
    for (d, field, text) in &diffs {
        let (check, kind) = text.split_once(' ').unwrap_or_default();
        let kind = kind.split(' ').next().unwrap_or_default();
        let hit = EXPECTED.iter().position(|e| {
            e.diff == *d
                && match e.check.strip_suffix('*') {
                    Some(prefix) => check.starts_with(prefix),
                    None => e.check == check,
                }
                && (e.kind == "*" || e.kind == kind)
                && match d {
                    Diff::OnlyLive | Diff::OnlyFile => field.starts_with(e.field),
                    _ => field == e.field,
                }
        });
        match hit {
            Some(i) => *explained.entry(i).or_default() += 1,
            None => unexplained.push(format!("{d:?} {text}")),
        }
    }
    println!("== expected differences seen");
    for (i, n) in &explained {
        let e = &EXPECTED[*i];
        println!(
            "  {n:4} {:?} {} {} {}: {}",
            e.diff, e.check, e.kind, e.field, e.why
        );
    }
    for line in &unexplained {
        println!("  UNEXPLAINED {line}");
    }
    assert!(
        unexplained.is_empty(),
        "{} unexplained differences between the live and the file scan (listed above)",
        unexplained.len()
    );
    // A table entry nothing needs any more is stale: drop it.
    let unused: Vec<String> = (0..EXPECTED.len())
        .filter(|i| !explained.contains_key(i))
        .map(|i| {
            format!(
                "{:?} {} {}",
                EXPECTED[i].diff, EXPECTED[i].check, EXPECTED[i].field
            )
        })
        .collect();
    assert!(
        unused.is_empty(),
        "expected differences not seen: {unused:?}"
    );
    assert!(
        !live_set.is_empty() && !file_set.is_empty(),
        "no findings to compare"
    );
}

/// How two pointers to the same finding relate: the live one extends the file one, the file one
/// extends the live one, or only their last segment differs (`file->live`).
fn related(file: &str, live: &str) -> Option<(Diff, String)> {
    if let Some(rest) = live.strip_prefix(file).filter(|r| r.starts_with('/')) {
        return Some((Diff::LiveDeeper, rest.to_owned()));
    }
    if let Some(rest) = file.strip_prefix(live).filter(|r| r.starts_with('/')) {
        return Some((Diff::FileDeeper, rest.to_owned()));
    }
    let (fp, fl) = file.rsplit_once('/')?;
    let (lp, ll) = live.rsplit_once('/')?;
    (fp == lp).then(|| (Diff::Renamed, format!("{fl}->{ll}")))
}
