//! Admission control as a library: one AdmissionReview v1 in, one verdict out, judged by the
//! same checks and user policies as `rampart scan`.
//!
//! - [`Admission::new`] prepares the checks once (built-in checks, user policies, the config's
//!   selection, severity overrides and waivers: the scan pipeline's [`rampart_scan::Scanner`])
//!   and reads the config's `admission:` section ([`config`]).
//! - [`Admission::review`] parses a request body ([`ReviewError`] for anything malformed: the
//!   server answers 400 with its message), judges `request.object` and returns a [`Decision`],
//!   whose [`Decision::response`] is the AdmissionReview to send back.
//!
//! What a request is judged by:
//! - **Object checks** (every built-in check that reads one object) on `request.object`, exactly
//!   as a scan judges the same object read from a file, with the object's ignore annotations and
//!   the config's waivers. `metadata.namespace` is filled from `request.namespace` when the
//!   object does not carry it.
//! - **User policies** (Gatekeeper constraints, Rego modules) with Gatekeeper's whole
//!   `input.review`: the request as the API server sent it (operation, `oldObject` on UPDATE,
//!   `userInfo`, `dryRun`), so templates that compare old and new objects work. On CREATE they
//!   see what a scan shows them.
//! - **With a cluster** ([`AdmissionOptions::with_cluster`] and an [`ObjectCache`] fed by the
//!   server's watches, given to [`Admission::review_in`]): user policies that read other
//!   objects (`data.inventory`, `namespaceSelector`, VAP params) read the cache, and the checks
//!   across objects (RBAC escalation paths, NetworkPolicy coverage, dangling references) judge
//!   the incoming object together with the cached ones; only their results about the incoming
//!   object count. Only the checks about the incoming kind run, over its namespace's objects
//!   (and, for an RBAC object, the RBAC objects of the cluster): see [`cache`].
//! - **Not judged at admission**: without a cluster, the checks across objects and the user
//!   policies that read other objects (their answer depends on the rest of the cluster); with
//!   one, the checks whose answer depends on objects usually created after the one judged
//!   (a Service selecting no pod yet, an unused Role) and those about files (objects defined
//!   twice). [`Admission::not_at_admission`] lists them; a scan of the cluster still reports
//!   them.
//! - DELETE requests (no `object`) are judged by the user policies only, on `oldObject`.
//!
//! What a finding does is its [`Action`] ([`AdmissionConfig::action`]): deny refuses the request
//! with every denying finding in the status message, warn admits it with a warning each
//! (kubectl prints them), audit admits it with the finding in an audit annotation. By default a
//! built-in check denies at or above the config's `fail-on` (high unless set), so a scan that
//! fails (exit 1) and an admission that refuses agree; it warns from medium; below, audit. A
//! user policy does what its `enforcementAction` says (deny, warn, dryrun = audit). A check that
//! could not decide (a policy error) follows `on-error` (deny unless set), except a
//! ValidatingAdmissionPolicy's, which follows its `failurePolicy` (Fail denies; Ignore admits,
//! counted in [`Admission::policy_errors_ignored`]).
//!
//! Dry-run: the library has no side effects; [`Decision::dry_run`] tells the server that a
//! request changes nothing, so that it counts and logs it as such.

pub mod cache;
pub mod config;
pub mod manifest;

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use rampart_checks::{Check, Ctx, Emitter, ObjectRule, Rule, Run};
use rampart_model::{
    Category, Finding, InputError, Origin, Resource, Severity, Status, Suppression,
};
use rampart_policy::{ClusterData, Policy, Review};
use rampart_scan::{ConfigSource, ScanOptions, Scanner};
use serde_json::{json, Map, Value};

pub use cache::ObjectCache;
pub use config::{Action, AdmissionConfig, Exemption};

/// Checks across objects not judged at admission even with a cluster: what they report is an
/// object that nothing uses or selects *yet*, and the objects that would are usually created
/// after it (a Service before its Deployment, a Role before its binding).
pub const ORDER_DEPENDENT: &[&str] = &[
    "netpol-policy-selects-nothing",
    "pdb-selects-nothing",
    "role-unused",
    "secret-unused",
    "service-account-unused",
    "service-selects-nothing",
];

/// The kinds RBAC checks judge at admission (their findings about workloads are left to scans:
/// they would need the cluster's whole RBAC analysis for each pod).
const RBAC_OBJECT_KINDS: &[&str] = &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"];

/// True when the check across objects is judged at admission with a cluster.
fn inventory_check_at_admission(c: &Check) -> bool {
    !c.meta.kinds.is_empty() && !ORDER_DEPENDENT.contains(&&*c.meta.id)
}

/// True when the check across objects may report about an object of `kind` at admission.
fn inventory_check_for(c: &Check, kind: &str) -> bool {
    inventory_check_at_admission(c)
        && c.meta.kinds.contains(&kind)
        && (c.meta.category != Category::Rbac || RBAC_OBJECT_KINDS.contains(&kind))
}

/// The largest request body accepted by default: 3 MiB, the API server's own limit on an
/// object (etcd's request limit is 1.5 MiB; an UPDATE carries two objects).
pub const DEFAULT_MAX_BODY: usize = 3 * 1024 * 1024;

/// The API server truncates each warning longer than this (characters).
pub const MAX_WARNING_CHARS: usize = 256;

/// What to judge with.
#[derive(Debug, Clone, Default)]
pub struct AdmissionOptions {
    /// `.rampart.yaml` (selection, severities, waivers, `fail-on`, `admission:`).
    pub config: Option<PathBuf>,
    /// User policies (files or directories).
    pub policies: Vec<PathBuf>,
    /// Only these checks (as `scan --select`).
    pub select: Vec<String>,
    /// Skip these checks (as `scan --ignore`).
    pub ignore: Vec<String>,
    /// The Kubernetes minor release version-dependent checks judge against.
    pub kubernetes_version: Option<u32>,
    /// The largest body [`Admission::review`] accepts [default: [`DEFAULT_MAX_BODY`]].
    pub max_body: Option<usize>,
    /// Requests are judged with a cache of the cluster ([`Admission::review_in`]): user
    /// policies that read other objects and the checks across objects are judged too.
    pub with_cluster: bool,
    /// Policy objects read from the cluster (ConstraintTemplates, constraints,
    /// ValidatingAdmissionPolicies and bindings), loaded after the files' policies. Unlike the
    /// files', their problems do not refuse to start: each is in
    /// [`Admission::cluster_policy_errors`] and the others are loaded.
    pub cluster_policies: Vec<Resource>,
    /// Policies are read from the cluster ([`AdmissionOptions::cluster_policies`], now and
    /// later): the config's `admission.actions` may name policies not loaded yet.
    pub policies_from_cluster: bool,
}

/// Why [`Admission::new`] refused to start: a webhook must not run with half its policies.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Input(Vec<InputError>),
    #[error(transparent)]
    Scan(#[from] rampart_scan::ScanError),
}

/// A request body that is not a well-formed AdmissionReview v1 (the server answers 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    #[error("request body of {size} bytes is over the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("request body is not JSON: {0}")]
    NotJson(String),
    #[error("expected apiVersion admission.k8s.io/v1 and kind AdmissionReview, found apiVersion `{api_version}` and kind `{kind}`")]
    NotAReview { api_version: String, kind: String },
    #[error("AdmissionReview: {0}")]
    Invalid(String),
}

/// One judged result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    pub check: String,
    pub severity: Severity,
    pub action: Action,
    pub message: String,
    /// The check could not decide (a policy error).
    pub error: bool,
}

impl Judged {
    /// How the result reads in a status message, a warning or an audit annotation.
    pub fn line(&self) -> String {
        format!("[{}] {}", self.check, self.message)
    }
}

/// The verdict on one request.
#[derive(Debug, Clone)]
pub struct Decision {
    pub uid: String,
    pub allowed: bool,
    /// The request was a dry run (`request.dryRun`): nothing it asks for will happen.
    pub dry_run: bool,
    pub operation: String,
    /// `Kind namespace/name` of the object, for logs.
    pub object: String,
    /// The exemption's reason, when the request matched one (nothing was judged).
    pub exempt: Option<String>,
    /// Every open result, in check order.
    pub results: Vec<Judged>,
}

impl Decision {
    /// The verdict of these results on `object` (`Kind namespace/name`): refused when one
    /// denies. Results are put in a fixed order (check id, then message), so that the same
    /// findings read the same wherever they were found (a scan, a webhook).
    pub fn of_results(
        uid: &str,
        operation: &str,
        object: String,
        mut results: Vec<Judged>,
    ) -> Self {
        results.sort_by(|a, b| (&a.check, &a.message).cmp(&(&b.check, &b.message)));
        Decision {
            uid: uid.to_string(),
            allowed: !results.iter().any(|j| j.action == Action::Deny),
            dry_run: false,
            operation: operation.to_string(),
            object,
            exempt: None,
            results,
        }
    }

    /// `Kind namespace/name` of an object, as decisions name it.
    pub fn name_of(kind: &str, namespace: &str, name: &str) -> String {
        if namespace.is_empty() {
            format!("{kind} {name}")
        } else {
            format!("{kind} {namespace}/{name}")
        }
    }

    /// The results with this action.
    pub fn with_action(&self, a: Action) -> impl Iterator<Item = &Judged> {
        self.results.iter().filter(move |j| j.action == a)
    }

    /// The strongest action taken: `deny`, `warn`, `audit`, `exempt` or `allow`.
    pub fn outcome(&self) -> &'static str {
        if self.exempt.is_some() {
            "exempt"
        } else if !self.allowed {
            "deny"
        } else if self.with_action(Action::Warn).next().is_some() {
            "warn"
        } else if self.results.is_empty() {
            "allow"
        } else {
            "audit"
        }
    }

    /// The status message of a refusal.
    pub fn message(&self) -> String {
        let lines: Vec<String> = self.with_action(Action::Deny).map(Judged::line).collect();
        format!(
            "rampart refused {} ({} finding{}): {}",
            self.object,
            lines.len(),
            if lines.len() == 1 { "" } else { "s" },
            lines.join("; ")
        )
    }

    /// The warnings returned to the client, one per warn-level result, on one line each and
    /// cut at [`MAX_WARNING_CHARS`] as the API server would.
    pub fn warnings(&self) -> Vec<String> {
        self.with_action(Action::Warn)
            .map(|j| {
                let line = j.line().replace(['\n', '\r'], " ");
                if line.chars().count() > MAX_WARNING_CHARS {
                    let mut s: String = line.chars().take(MAX_WARNING_CHARS - 3).collect();
                    s.push_str("...");
                    s
                } else {
                    line
                }
            })
            .collect()
    }

    /// The AdmissionReview answering the request.
    pub fn response(&self) -> Value {
        let mut r = Map::new();
        r.insert("uid".into(), json!(self.uid));
        r.insert("allowed".into(), json!(self.allowed));
        if !self.allowed {
            r.insert(
                "status".into(),
                json!({"code": 403, "reason": "Forbidden", "message": self.message()}),
            );
        }
        let warnings = self.warnings();
        if !warnings.is_empty() {
            r.insert("warnings".into(), json!(warnings));
        }
        let mut audit = Map::new();
        if let Some(reason) = &self.exempt {
            audit.insert("exempt".into(), json!(reason));
        }
        let audited: Vec<String> = self.with_action(Action::Audit).map(Judged::line).collect();
        if !audited.is_empty() {
            audit.insert("findings".into(), json!(audited.join("; ")));
        }
        if !audit.is_empty() {
            r.insert("auditAnnotations".into(), Value::Object(audit));
        }
        json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": r})
    }
}

thread_local! {
    /// The AdmissionRequest being judged on this thread, for the user policies (which see the
    /// whole request, as Gatekeeper's do). Set only around [`Scanner::check_object`], which runs
    /// every object check on the calling thread.
    static REQUEST: RefCell<Option<Arc<Value>>> = const { RefCell::new(None) };
    /// The cluster as the webhook's cache holds it, for the request being judged on this thread
    /// (user policies that read other objects), set with [`REQUEST`].
    static DATA: RefCell<Option<Arc<ClusterData>>> = const { RefCell::new(None) };
}

/// A user policy judged with the request being reviewed (a scan's own check judges the object
/// alone).
struct RequestPolicy(Policy);

impl ObjectRule for RequestPolicy {
    fn check(&self, ctx: &Ctx, out: &mut Emitter) {
        let req = REQUEST.with(|r| r.borrow().clone());
        let data = DATA.with(|d| d.borrow().clone());
        let verdicts = match &req {
            Some(req) => self.0.evaluate(&Review::of_request(req), data.as_deref()),
            None => self.0.evaluate(&Review::of(&ctx.res.raw), data.as_deref()),
        };
        for v in verdicts {
            out.result(rampart_policy::emitted(v));
        }
    }
}

/// The prepared judge.
pub struct Admission {
    scanner: Scanner,
    policies: rampart_policy::PolicySet,
    policy_actions: HashMap<String, rampart_policy::Action>,
    /// ValidatingAdmissionPolicies (by id) with `failurePolicy: Fail`: their errors deny.
    vap_fail: std::collections::HashSet<String>,
    config: AdmissionConfig,
    not_at_admission: Vec<String>,
    max_body: usize,
    with_cluster: bool,
    /// A selected user policy reads other objects: requests need the cache's policy view.
    needs_data: bool,
    cluster_policy_errors: Vec<InputError>,
    cluster_policies: usize,
}

impl Admission {
    /// Loads the config and the policies and selects the checks. Any problem in them is an
    /// error: a webhook does not start with a policy missing.
    pub fn new(opts: AdmissionOptions) -> Result<Self, SetupError> {
        let loaded = rampart_policy::load(&opts.policies);
        if !loaded.errors.is_empty() {
            return Err(SetupError::Input(loaded.errors));
        }
        let from_files = loaded.policies.len();
        let (policies, cluster_policy_errors) = if opts.cluster_policies.is_empty() {
            (loaded.policies, Vec::new())
        } else {
            // The files load without a problem: every problem now is in a cluster's object.
            let all = rampart_policy::load_with(&opts.policies, &opts.cluster_policies);
            (all.policies, all.errors)
        };
        let cluster_policies = policies.len().saturating_sub(from_files);
        let mut checks = Vec::new();
        let mut not_at_admission = Vec::new();
        let mut needs_data = false;
        for (policy, check) in policies.policies.iter().zip(policies.checks()) {
            needs_data |= policy.needs_cluster();
            if policy.needs_cluster() && !opts.with_cluster {
                // Kept (as the inventory check a scan runs) so the config may name it.
                not_at_admission.push(policy.id().to_string());
                checks.push(check);
            } else {
                checks.push(Check {
                    meta: check.meta,
                    run: Run::ObjectRule(Rule::Shared(Arc::new(RequestPolicy(policy.clone())))),
                });
            }
        }
        let policy_actions = policies
            .policies
            .iter()
            .map(|p| {
                let a = match p {
                    Policy::Constraint(c) => c.action,
                    Policy::Rego(m) => m.action,
                    Policy::Vap(v) => v.action,
                };
                (p.id().to_string(), a)
            })
            .collect();
        let vap_fail = policies
            .policies
            .iter()
            .filter_map(|p| match p {
                Policy::Vap(v) if v.failure_policy == rampart_policy::vap::FailurePolicy::Fail => {
                    Some(v.id.clone())
                }
                _ => None,
            })
            .collect();
        let scanner = Scanner::new(ScanOptions {
            config: match &opts.config {
                Some(p) => ConfigSource::File(p.clone()),
                None => ConfigSource::None,
            },
            select: opts.select.clone(),
            ignore: opts.ignore.clone(),
            kubernetes_version: opts.kubernetes_version,
            checks,
            ..ScanOptions::default()
        })?;
        if !scanner.config_errors().is_empty() {
            return Err(SetupError::Input(scanner.config_errors().to_vec()));
        }
        for c in &scanner.engine().selection.checks {
            let judged = opts.with_cluster && inventory_check_at_admission(c);
            if c.run.is_inventory()
                && !judged
                && !not_at_admission.iter().any(|id| *id == c.meta.id)
            {
                not_at_admission.push(c.meta.id.to_string());
            }
        }
        not_at_admission.sort();
        let config = match &opts.config {
            Some(p) => AdmissionConfig::from_file(p).map_err(|e| SetupError::Input(vec![e]))?,
            None => AdmissionConfig::default(),
        };
        for id in config.actions.keys() {
            let known = scanner
                .engine()
                .selection
                .checks
                .iter()
                .any(|c| c.meta.id == *id)
                || policies.get(id).is_some()
                || rampart_checks::by_id(id).is_some();
            // A policy of the cluster may not be there yet (or may come back).
            if !known && !opts.policies_from_cluster {
                return Err(SetupError::Input(vec![InputError::file(
                    opts.config
                        .as_deref()
                        .unwrap_or(std::path::Path::new(".rampart.yaml")),
                    format!("admission.actions: unknown check `{id}`"),
                )]));
            }
        }
        Ok(Admission {
            scanner,
            policies,
            policy_actions,
            vap_fail,
            config,
            not_at_admission,
            max_body: opts.max_body.unwrap_or(DEFAULT_MAX_BODY),
            with_cluster: opts.with_cluster,
            needs_data,
            cluster_policy_errors,
            cluster_policies,
        })
    }

    /// Problems in the policies read from the cluster (each policy with a problem is not
    /// loaded; the others are).
    pub fn cluster_policy_errors(&self) -> &[InputError] {
        &self.cluster_policy_errors
    }

    /// Policies (constraints, bindings) loaded from the cluster's objects.
    pub fn cluster_policies(&self) -> usize {
        self.cluster_policies
    }

    /// The constraint kinds the loaded ConstraintTemplates define.
    pub fn template_kinds(&self) -> Vec<String> {
        self.policies
            .templates
            .iter()
            .map(|t| t.kind.clone())
            .collect()
    }

    /// Requests are judged with a cache of the cluster.
    pub fn with_cluster(&self) -> bool {
        self.with_cluster
    }

    pub fn config(&self) -> &AdmissionConfig {
        &self.config
    }

    /// The largest body accepted.
    pub fn max_body(&self) -> usize {
        self.max_body
    }

    /// Number of object checks, checks across objects (with a cluster) and user policies
    /// judging requests.
    pub fn checks(&self) -> usize {
        self.scanner
            .engine()
            .selection
            .checks
            .iter()
            .filter(|c| {
                !c.run.is_inventory() || (self.with_cluster && inventory_check_at_admission(c))
            })
            .count()
    }

    /// Expression errors of ValidatingAdmissionPolicies with `failurePolicy: Ignore` dropped
    /// so far (the request was admitted as if the policy had allowed it).
    pub fn policy_errors_ignored(&self) -> u64 {
        self.policies.ignored_errors()
    }

    /// Selected checks and policies not evaluated at admission (see the crate docs).
    pub fn not_at_admission(&self) -> &[String] {
        &self.not_at_admission
    }

    /// The action of one finding, as a webhook takes it (see [`AdmissionConfig::action`]);
    /// public so that a scan's findings can be read as admission decisions.
    pub fn action_of(&self, check: &str, severity: Severity, status: Status) -> Action {
        if status == Status::Error {
            // A ValidatingAdmissionPolicy's error follows its own failurePolicy, as in the API
            // server: Fail denies (Ignore never gets here: the error was counted and dropped,
            // see `policy_errors_ignored`). Anything else follows `on-error`.
            if self.vap_fail.contains(check) {
                return Action::Deny;
            }
            return self.config.on_error;
        }
        self.config
            .action(check, severity, self.policy_actions.get(check).copied())
    }

    /// The open results of a list of findings (fail and error results not waived), judged.
    /// Results of checks not judged at admission ([`Admission::not_at_admission`], which a
    /// scan does run) are left out, so a scan's findings read as the decision the webhook makes.
    pub fn judge(&self, findings: &[Finding]) -> Vec<Judged> {
        findings
            .iter()
            .filter(|f| matches!(f.status, Status::Fail | Status::Error))
            .filter(|f| {
                self.not_at_admission
                    .binary_search_by(|id| id.as_str().cmp(&f.check))
                    .is_err()
            })
            .filter(|f| !matches!(f.suppression, Suppression::Suppressed { .. }))
            .map(|f| Judged {
                check: f.check.to_string(),
                severity: f.severity,
                action: self.action_of(&f.check, f.severity, f.status),
                message: f.message.clone(),
                error: f.status == Status::Error,
            })
            .collect()
    }

    /// Judges one request body (without a cluster: see [`Admission::review_in`]).
    pub fn review(&self, body: &[u8]) -> Result<Decision, ReviewError> {
        self.review_in(body, None)
    }

    /// Judges one request body with the cluster as `cache` holds it (when the judge was made
    /// [`AdmissionOptions::with_cluster`]).
    pub fn review_in(
        &self,
        body: &[u8],
        cache: Option<&ObjectCache>,
    ) -> Result<Decision, ReviewError> {
        let cache = cache.filter(|_| self.with_cluster);
        // The user policies share one conversion of the request to Rego input.
        rampart_policy::with_review_cache(|| self.review_uncached(body, cache))
    }

    /// The results of the checks across objects about `res`, judged with the cached objects.
    fn inventory_findings(&self, cache: &ObjectCache, res: &Resource) -> Vec<Finding> {
        let kind = res.kind().to_string();
        let relevant: Vec<&Check> = self
            .scanner
            .engine()
            .selection
            .checks
            .iter()
            .filter(|c| c.run.is_inventory() && inventory_check_for(c, &kind))
            .map(|c| &**c)
            .collect();
        if relevant.is_empty() {
            return Vec::new();
        }
        let rbac = relevant.iter().any(|c| c.meta.category == Category::Rbac);
        let namespace = res.id.namespace.clone().unwrap_or_default();
        let group = |v: &Value| {
            v.get("apiVersion")
                .and_then(Value::as_str)
                .and_then(|a| a.split_once('/'))
                .map_or("", |(g, _)| g)
                .to_string()
        };
        let own_group = group(&res.raw);
        // The incoming object first: namespace-level results are reported at the first
        // workload of the namespace when its Namespace object is not there (see below).
        let Some(subject) = rampart_checks::inventory::for_inventory(res) else {
            return Vec::new();
        };
        let mut objects = vec![subject];
        for c in cache.objects_for(&namespace, rbac) {
            let Some(kept) = &c.kept else { continue };
            let o = &c.value;
            let k = o.get("kind").and_then(Value::as_str).unwrap_or("");
            // Namespace-level results (a namespace without NetworkPolicy) are reported at the
            // Namespace object when there is one: without it, at the first workload, which is
            // the incoming object.
            if k == "Namespace" {
                continue;
            }
            let meta = o.get("metadata");
            let name = meta.and_then(|m| m.get("name")).and_then(Value::as_str);
            let ns = meta
                .and_then(|m| m.get("namespace"))
                .and_then(Value::as_str);
            // The incoming object replaces the cached one (an UPDATE).
            if k == kind
                && name == Some(res.id.name.as_str())
                && ns.unwrap_or("") == namespace
                && group(o) == own_group
            {
                continue;
            }
            objects.push(kept.clone());
        }
        let ids: Vec<&str> = relevant.iter().map(|c| &*c.meta.id).collect();
        self.scanner
            .check_inventory_about(objects, 0, |c| ids.contains(&&*c.meta.id))
    }

    fn review_uncached(
        &self,
        body: &[u8],
        cache: Option<&ObjectCache>,
    ) -> Result<Decision, ReviewError> {
        if body.len() > self.max_body {
            return Err(ReviewError::TooLarge {
                size: body.len(),
                limit: self.max_body,
            });
        }
        let mut review: Value =
            serde_json::from_slice(body).map_err(|e| ReviewError::NotJson(e.to_string()))?;
        let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let (api_version, kind) = (s(&review, "apiVersion"), s(&review, "kind"));
        if api_version != "admission.k8s.io/v1" || kind != "AdmissionReview" {
            return Err(ReviewError::NotAReview { api_version, kind });
        }
        let mut request = match review.get_mut("request").map(Value::take) {
            Some(r @ Value::Object(_)) => r,
            _ => {
                return Err(ReviewError::Invalid(
                    "`request` is missing or not an object".into(),
                ))
            }
        };
        let uid = s(&request, "uid");
        if uid.is_empty() {
            return Err(ReviewError::Invalid(
                "`request.uid` is missing or empty".into(),
            ));
        }
        let operation = s(&request, "operation");
        if !matches!(
            operation.as_str(),
            "CREATE" | "UPDATE" | "DELETE" | "CONNECT"
        ) {
            return Err(ReviewError::Invalid(format!(
                "`request.operation` must be CREATE, UPDATE, DELETE or CONNECT, found `{operation}`"
            )));
        }
        for k in ["object", "oldObject"] {
            if let Some(v) = request.get(k) {
                if !(v.is_object() || v.is_null()) {
                    return Err(ReviewError::Invalid(format!(
                        "`request.{k}` must be an object or null"
                    )));
                }
            }
        }
        let dry_run = request
            .get("dryRun")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let namespace = s(&request, "namespace");
        let kind = request
            .pointer("/kind/kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let subject_ptr = if request.get("object").is_some_and(Value::is_object) {
            "/object"
        } else {
            "/oldObject"
        };
        let mut name = s(&request, "name");
        if name.is_empty() {
            name = request
                .pointer(&format!("{subject_ptr}/metadata/name"))
                .or_else(|| request.pointer(&format!("{subject_ptr}/metadata/generateName")))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
        }
        // The object as a scan of its manifest would see it: in its namespace.
        if !namespace.is_empty() {
            if let Some(meta) = request
                .pointer_mut(&format!("{subject_ptr}/metadata"))
                .and_then(Value::as_object_mut)
            {
                meta.entry("namespace")
                    .or_insert_with(|| Value::String(namespace.clone()));
            }
        }
        let object = Decision::name_of(&kind, &namespace, &name);
        let mut decision = Decision::of_results(&uid, &operation, object, Vec::new());
        decision.dry_run = dry_run;
        if let Some(e) = self.config.exemption(&namespace, &kind, &name) {
            decision.exempt = Some(e.reason.clone());
            return Ok(decision);
        }
        let data = cache.filter(|_| self.needs_data).map(ObjectCache::data);
        let findings = match request.get("object").filter(|o| o.is_object()) {
            Some(obj) => {
                let res = Resource::new(
                    obj.clone(),
                    Origin::Cluster {
                        context: "admission".into(),
                    },
                );
                let request = Arc::new(request);
                REQUEST.with(|r| *r.borrow_mut() = Some(request.clone()));
                DATA.with(|d| *d.borrow_mut() = data);
                let mut findings = self.scanner.check_object(&res);
                REQUEST.with(|r| *r.borrow_mut() = None);
                DATA.with(|d| *d.borrow_mut() = None);
                if let Some(cache) = cache {
                    findings.extend(self.inventory_findings(cache, &res));
                }
                findings
            }
            None => return Ok(self.policies_only(decision, &request, data.as_deref())),
        };
        let mut d = Decision::of_results(
            &decision.uid,
            &decision.operation,
            decision.object,
            self.judge(&findings),
        );
        d.dry_run = dry_run;
        Ok(d)
    }

    /// A request without an object (DELETE): the user policies on the whole request.
    fn policies_only(
        &self,
        mut decision: Decision,
        request: &Value,
        data: Option<&ClusterData>,
    ) -> Decision {
        let review = Review::of_request(request);
        let selected = |id: &str| {
            self.scanner
                .engine()
                .selection
                .checks
                .iter()
                .any(|c| c.meta.id == id && !c.run.is_inventory())
        };
        for p in &self.policies.policies {
            if !selected(p.id()) {
                continue;
            }
            for v in p.evaluate(&review, data) {
                let e = rampart_policy::emitted(v);
                let status = e.more.as_ref().map_or(Status::Fail, |m| m.status);
                let severity = self
                    .scanner
                    .engine()
                    .selection
                    .severity
                    .get(p.id())
                    .copied()
                    .unwrap_or_else(|| match p {
                        Policy::Constraint(c) => c.severity,
                        Policy::Rego(m) => m.severity,
                        Policy::Vap(v) => v.severity,
                    });
                decision.results.push(Judged {
                    check: p.id().to_string(),
                    severity,
                    action: self.action_of(p.id(), severity, status),
                    message: e.message,
                    error: status == Status::Error,
                });
            }
        }
        let mut d = Decision::of_results(
            &decision.uid,
            &decision.operation,
            decision.object,
            decision.results,
        );
        d.dry_run = decision.dry_run;
        d
    }
}
