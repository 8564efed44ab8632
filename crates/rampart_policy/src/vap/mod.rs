//! Kubernetes ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1) evaluated offline as
//! the API server evaluates it: one [`Vap`] per ValidatingAdmissionPolicyBinding, with its
//! policy's `matchConstraints`, the binding's `matchResources`, `paramKind`/`paramRef`,
//! `matchConditions`, `variables`, `validations` (`message`, `messageExpression`, `reason`),
//! `auditAnnotations`, `failurePolicy` and `validationActions`, in CEL with the Kubernetes
//! libraries ([`lib`]).
//!
//! A scan judges each object as the CREATE of that object (`oldObject` null, `request` built as
//! the API server builds the AdmissionRequest); an admission webhook passes the real request.

pub mod lib;
mod rules;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::Arc;

use cel::common::value::Val;
use cel::objects::{Key, Map};
use cel::{Context, Env, ExecutionError, Program, Value as Cel};
use rampart_model::k8s::labels::{read_labels, Labels, Problems, NAMESPACE_NAME_LABEL};
use rampart_model::k8s::selector::Selector;
use rampart_model::{Pointer, Severity};
use serde_json::{json, Value};

use crate::review::{group_version, str_at, ClusterData, Review};
use crate::{Action, Verdict, VerdictKind};

pub use rules::MatchResources;

/// One of a binding's `validationActions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValidationAction {
    Deny,
    Warn,
    Audit,
}

impl ValidationAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ValidationAction::Deny => "Deny",
            ValidationAction::Warn => "Warn",
            ValidationAction::Audit => "Audit",
        }
    }
}

/// What an expression error does (`spec.failurePolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailurePolicy {
    #[default]
    Fail,
    Ignore,
}

/// A compiled CEL expression and its text.
#[derive(Debug)]
struct Expr {
    text: String,
    program: Program,
}

#[derive(Debug)]
struct Validation {
    expr: Expr,
    message: Option<String>,
    message_expression: Option<Expr>,
    reason: Option<String>,
}

#[derive(Debug, Clone)]
struct ParamRef {
    name: Option<String>,
    namespace: Option<String>,
    selector: Option<Selector>,
    /// `parameterNotFoundAction: Deny` (the default here).
    deny_if_missing: bool,
}

/// One policy with one of its bindings: the unit the API server evaluates.
#[derive(Debug)]
pub struct Vap {
    /// The check id: the binding's name (dots become dashes).
    pub id: String,
    pub policy_name: String,
    pub binding_name: String,
    /// The binding's `validationActions`.
    pub actions: Vec<ValidationAction>,
    /// The strongest of them (Deny > Warn > Audit): the action of the findings.
    pub action: Action,
    pub severity: Severity,
    pub failure_policy: FailurePolicy,
    pub description: Option<String>,
    constraints: MatchResources,
    binding_match: Option<MatchResources>,
    param_kind: Option<(String, String)>,
    param_ref: Option<ParamRef>,
    match_conditions: Vec<(String, Expr)>,
    variables: Vec<(String, Expr)>,
    validations: Vec<Validation>,
    audit_annotations: Vec<(String, Expr)>,
    uses_namespace_object: bool,
    /// Expression errors ignored under `failurePolicy: Ignore`.
    ignored_errors: AtomicU64,
}

/// A problem loading a policy or a binding: the pointer of the field at fault and the message.
pub type LoadError = (String, String);

/// The CEL environment of every policy: the standard library, the strings and lists
/// extensions, and the Kubernetes libraries.
pub fn env() -> Arc<Env> {
    static ENV: std::sync::OnceLock<Arc<Env>> = std::sync::OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Env::stdlib();
        // Registering can only fail on a name defined twice; none is.
        let _ = env.add_extension(cel::extensions::strings);
        let _ = env.add_extension(cel::extensions::lists);
        if let Err(e) = lib::register(&mut env) {
            debug_assert!(false, "registering the Kubernetes CEL libraries: {e}");
        }
        Arc::new(env)
    })
    .clone()
}

fn s<'v>(v: &'v Value, k: &str) -> Option<&'v str> {
    v.get(k).and_then(Value::as_str)
}

fn compile(env: &Env, text: &str, ptr: &str, what: &str) -> Result<Expr, LoadError> {
    match env.compile(text) {
        Ok(program) => Ok(Expr {
            text: text.to_string(),
            program,
        }),
        Err(e) => Err((
            ptr.to_string(),
            format!(
                "{what}: the CEL expression does not compile: {}",
                e.to_string().lines().next().unwrap_or("")
            ),
        )),
    }
}

fn named_exprs(
    env: &Env,
    spec: &Value,
    field: &str,
    name_key: &str,
    expr_key: &str,
) -> Result<Vec<(String, Expr)>, LoadError> {
    let mut out = Vec::new();
    for (i, item) in spec
        .get(field)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let ptr = format!("/spec/{field}/{i}");
        let name = s(item, name_key).unwrap_or("").to_string();
        if name.is_empty() {
            return Err((ptr, format!("{field}[{i}] needs a {name_key}")));
        }
        let text = s(item, expr_key).unwrap_or("");
        let e = compile(
            env,
            text,
            &format!("{ptr}/{expr_key}"),
            &format!("{field} `{name}`"),
        )?;
        out.push((name, e));
    }
    Ok(out)
}

impl Vap {
    /// Builds the evaluation unit of `policy` (a ValidatingAdmissionPolicy) and `binding` (one
    /// of its ValidatingAdmissionPolicyBindings). Errors point into the policy (`policy:`
    /// prefix-free pointers) or the binding (second element `true`).
    pub fn new(
        policy: &Value,
        binding: &Value,
        severity: Option<Severity>,
    ) -> Result<Vap, (bool, LoadError)> {
        let env = env();
        let pol = |e: LoadError| (false, e);
        let bind = |e: LoadError| (true, e);
        let policy_name = str_at(policy, "/metadata/name").to_string();
        let binding_name = str_at(binding, "/metadata/name").to_string();
        let null = Value::Null;
        let spec = policy.get("spec").unwrap_or(&null);
        let bspec = binding.get("spec").unwrap_or(&null);
        let failure_policy = match s(spec, "failurePolicy") {
            None | Some("Fail") => FailurePolicy::Fail,
            Some("Ignore") => FailurePolicy::Ignore,
            Some(o) => {
                return Err(pol((
                    "/spec/failurePolicy".into(),
                    format!("unknown failurePolicy `{o}` (expected Fail or Ignore)"),
                )))
            }
        };
        let constraints =
            MatchResources::parse(spec.get("matchConstraints"), "/spec/matchConstraints")
                .map_err(pol)?;
        let binding_match = match bspec.get("matchResources").filter(|v| !v.is_null()) {
            Some(m) => Some(MatchResources::parse(Some(m), "/spec/matchResources").map_err(bind)?),
            None => None,
        };
        let param_kind = spec.get("paramKind").filter(|v| !v.is_null()).map(|pk| {
            (
                s(pk, "apiVersion").unwrap_or("").to_string(),
                s(pk, "kind").unwrap_or("").to_string(),
            )
        });
        let param_ref = match bspec.get("paramRef").filter(|v| !v.is_null()) {
            None => None,
            Some(pr) => {
                let selector = match pr.get("selector").filter(|v| !v.is_null()) {
                    None => None,
                    Some(sel) => {
                        let (sel, problems) =
                            Selector::read(sel, &Pointer::from_raw("/spec/paramRef/selector"));
                        if let Some((p, m)) = problems.into_iter().next() {
                            return Err(bind((p.as_str().to_string(), m)));
                        }
                        Some(sel)
                    }
                };
                let deny_if_missing = match s(pr, "parameterNotFoundAction") {
                    None | Some("Deny") => true,
                    Some("Allow") => false,
                    Some(o) => {
                        return Err(bind((
                            "/spec/paramRef/parameterNotFoundAction".into(),
                            format!(
                                "unknown parameterNotFoundAction `{o}` (expected Allow or Deny)"
                            ),
                        )))
                    }
                };
                Some(ParamRef {
                    name: s(pr, "name").map(str::to_owned),
                    namespace: s(pr, "namespace").map(str::to_owned),
                    selector,
                    deny_if_missing,
                })
            }
        };
        let mut actions = Vec::new();
        for (i, a) in bspec
            .get("validationActions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            actions.push(match a.as_str() {
                Some("Deny") => ValidationAction::Deny,
                Some("Warn") => ValidationAction::Warn,
                Some("Audit") => ValidationAction::Audit,
                _ => {
                    return Err(bind((
                        format!("/spec/validationActions/{i}"),
                        format!("unknown validation action {a} (expected Deny, Warn or Audit)"),
                    )))
                }
            });
        }
        if actions.is_empty() {
            return Err(bind((
                "/spec/validationActions".into(),
                "a binding needs validationActions (Deny, Warn and/or Audit)".into(),
            )));
        }
        let action = if actions.contains(&ValidationAction::Deny) {
            Action::Deny
        } else if actions.contains(&ValidationAction::Warn) {
            Action::Warn
        } else {
            Action::DryRun
        };
        let match_conditions =
            named_exprs(&env, spec, "matchConditions", "name", "expression").map_err(pol)?;
        let variables = named_exprs(&env, spec, "variables", "name", "expression").map_err(pol)?;
        let audit_annotations =
            named_exprs(&env, spec, "auditAnnotations", "key", "valueExpression").map_err(pol)?;
        let mut validations = Vec::new();
        for (i, v) in spec
            .get("validations")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let ptr = format!("/spec/validations/{i}");
            let expr = compile(
                &env,
                s(v, "expression").unwrap_or(""),
                &format!("{ptr}/expression"),
                &format!("validations[{i}]"),
            )
            .map_err(pol)?;
            let message_expression = match s(v, "messageExpression") {
                Some(m) => Some(
                    compile(
                        &env,
                        m,
                        &format!("{ptr}/messageExpression"),
                        &format!("validations[{i}].messageExpression"),
                    )
                    .map_err(pol)?,
                ),
                None => None,
            };
            validations.push(Validation {
                expr,
                message: s(v, "message").map(str::to_owned),
                message_expression,
                reason: s(v, "reason").map(str::to_owned),
            });
        }
        if validations.is_empty() && audit_annotations.is_empty() {
            return Err(pol((
                "/spec".into(),
                "a ValidatingAdmissionPolicy needs validations or auditAnnotations".into(),
            )));
        }
        let uses =
            |name: &str| {
                match_conditions
                    .iter()
                    .chain(variables.iter())
                    .chain(audit_annotations.iter())
                    .map(|(_, e)| e)
                    .chain(validations.iter().flat_map(|v| {
                        std::iter::once(&v.expr).chain(v.message_expression.as_ref())
                    }))
                    .any(|e| e.program.references().has_variable(name))
            };
        let uses_namespace_object = uses("namespaceObject");
        Ok(Vap {
            id: binding_name.replace('.', "-"),
            description: policy
                .pointer("/metadata/annotations/rampart.dev~1description")
                .and_then(Value::as_str)
                .map(str::to_owned),
            policy_name,
            binding_name,
            actions,
            action,
            severity: severity.unwrap_or_else(|| action.default_severity()),
            failure_policy,
            constraints,
            binding_match,
            param_kind,
            param_ref,
            match_conditions,
            variables,
            validations,
            audit_annotations,
            uses_namespace_object,
            ignored_errors: AtomicU64::new(0),
        })
    }

    /// True when evaluating needs other objects: params, or the object's Namespace.
    pub fn needs_cluster(&self) -> bool {
        self.param_kind.is_some()
            || self.uses_namespace_object
            || self.constraints.namespace_selector.is_some()
            || self
                .binding_match
                .as_ref()
                .is_some_and(|m| m.namespace_selector.is_some())
    }

    /// How many expression errors `failurePolicy: Ignore` has dropped so far.
    pub fn ignored_errors(&self) -> u64 {
        self.ignored_errors.load(AtomicOrdering::Relaxed)
    }

    /// The message the API server gives for a verdict of this binding with `action` (the
    /// verdict's): `denied request` for Deny; the warning text for Warn and Audit.
    pub fn server_message(&self, action: Action, message: &str) -> String {
        if action == Action::Deny {
            format!(
                "ValidatingAdmissionPolicy '{}' with binding '{}' denied request: {message}",
                self.policy_name, self.binding_name
            )
        } else {
            format!(
                "Validation failed for ValidatingAdmissionPolicy '{}' with binding '{}': {message}",
                self.policy_name, self.binding_name
            )
        }
    }

    fn verdict(&self, kind: VerdictKind, message: String, reason: Option<&str>) -> Verdict {
        Verdict {
            policy: self.id.clone(),
            action: self.action,
            kind,
            message,
            details: Some(json!({
                "policy": self.policy_name,
                "binding": self.binding_name,
                "validationActions": self.actions.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
                "reason": reason.unwrap_or("Invalid"),
            })),
        }
    }

    /// An error: reported as an error verdict under `failurePolicy: Fail` (or always, for what
    /// rampart does not support), counted and dropped under `Ignore`.
    fn error(&self, out: &mut Vec<Verdict>, message: String, unsupported: bool) {
        if unsupported || self.failure_policy == FailurePolicy::Fail {
            out.push(self.verdict(VerdictKind::Error, message, None));
        } else {
            self.ignored_errors.fetch_add(1, AtomicOrdering::Relaxed);
        }
    }

    /// The verdicts of this policy and binding on one review.
    pub fn evaluate(&self, review: &Review, data: Option<&ClusterData>) -> Vec<Verdict> {
        let mut out = Vec::new();
        let Some(subject) = review.subject() else {
            return out;
        };
        let req = Request::of(review, subject);
        // The object's Namespace, as the API server reads it.
        let namespace_object: Option<Value> = if req.namespaced && !req.namespace.is_empty() {
            data.and_then(|d| d.namespace(&req.namespace)).cloned()
        } else {
            None
        };
        let ns_labels = namespace_object.as_ref().map(namespace_labels);
        for m in std::iter::once(&self.constraints).chain(self.binding_match.as_ref()) {
            match m.matches(&req, review, ns_labels.as_ref()) {
                Ok(true) => {}
                Ok(false) => return out,
                Err(e) => {
                    out.push(self.verdict(VerdictKind::Error, e, None));
                    return out;
                }
            }
        }
        if self.uses_namespace_object && req.namespaced && namespace_object.is_none() {
            out.push(self.verdict(
                VerdictKind::Error,
                format!(
                    "the policy reads namespaceObject, but the Namespace `{}` of the object is not among the objects read",
                    req.namespace
                ),
                None,
            ));
            return out;
        }
        // Params.
        let params: Vec<Value> = match (&self.param_kind, &self.param_ref) {
            (Some(kind), Some(pref)) => {
                let found = find_params(kind, pref, &req, data);
                if found.is_empty() {
                    // A configuration error to the API server: it follows failurePolicy and,
                    // under Fail, denies whatever the validationActions.
                    if pref.deny_if_missing {
                        if self.failure_policy == FailurePolicy::Fail {
                            let mut v = self.verdict(
                                VerdictKind::Violation,
                                "failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction".into(),
                                None,
                            );
                            v.action = Action::Deny;
                            out.push(v);
                        } else {
                            self.ignored_errors.fetch_add(1, AtomicOrdering::Relaxed);
                        }
                    }
                    return out;
                }
                found
            }
            _ => vec![Value::Null],
        };
        let base = Base::of(review, &req);
        let namespace_object: Box<dyn Val> = match &namespace_object {
            Some(ns) => to_val(ns),
            None => to_val(&Value::Null),
        };
        let inputs = Inputs {
            base: &base,
            namespace_object: namespace_object.as_ref(),
        };
        let who = review.user_info.map(|u| {
            Arc::new(lib::Who {
                user: u
                    .get("username")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                groups: u
                    .get("groups")
                    .and_then(Value::as_array)
                    .map(|g| {
                        g.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default(),
                rbac: data.map(|d| d.rbac()),
            })
        });
        for p in &params {
            self.evaluate_with(&inputs, to_cel(p), who.clone(), &mut out);
        }
        out
    }

    fn evaluate_with(
        &self,
        inputs: &Inputs<'_>,
        params: Cel,
        who: Option<Arc<lib::Who>>,
        out: &mut Vec<Verdict>,
    ) {
        let mut ctx = Context::with_env(env());
        // `object`, `oldObject`, `request` and `namespaceObject` are read through the resolver,
        // from values converted once per review (not copied per policy).
        ctx.set_variable_resolver(inputs);
        ctx.add_variable_from_value("params", params);
        ctx.add_variable_from_value("authorizer", lib::authorizer(who));
        // Variables, in order; each sees the ones before it. An erring variable is an error
        // only for the expressions that read it (the API server evaluates them lazily).
        let mut vars: HashMap<Key, Cel> = HashMap::new();
        let mut var_errors: Vec<(String, String)> = Vec::new();
        ctx.add_variable_from_value(
            "variables",
            Cel::Map(Map {
                map: Arc::new(vars.clone()),
            }),
        );
        for (name, e) in &self.variables {
            match e.program.execute(&ctx) {
                Ok(v) => {
                    vars.insert(Key::from(name.as_str()), v);
                    ctx.add_variable_from_value(
                        "variables",
                        Cel::Map(Map {
                            map: Arc::new(vars.clone()),
                        }),
                    );
                }
                Err(err) => var_errors.push((name.clone(), go_error(&err))),
            }
        }
        let run = |e: &Expr| -> Result<Cel, (String, bool)> {
            e.program.execute(&ctx).map_err(|err| {
                // An expression reading an erring variable fails with that variable's error.
                if let Some((n, msg)) = var_errors
                    .iter()
                    .find(|(n, _)| e.text.contains(&format!("variables.{n}")))
                {
                    return (
                        format!("composited variable \"{n}\" fails to compile: {msg}"),
                        msg.contains(lib::UNSUPPORTED),
                    );
                }
                let unsupported = matches!(err, ExecutionError::UndeclaredReference(_));
                let mut msg = go_error(&err);
                if unsupported {
                    msg = format!(
                        "{msg} ({}: an unknown function or variable)",
                        lib::UNSUPPORTED
                    );
                }
                let unsupported = unsupported || msg.contains(lib::UNSUPPORTED);
                (msg, unsupported)
            })
        };
        // matchConditions: any false skips the policy; else any error follows failurePolicy.
        let mut cond_error = None;
        for (name, e) in &self.match_conditions {
            match run(e) {
                Ok(Cel::Bool(false)) => return,
                Ok(Cel::Bool(true)) => {}
                Ok(other) => {
                    cond_error.get_or_insert((
                        format!("matchCondition '{name}' returned {other:?}, not a bool"),
                        false,
                    ));
                }
                Err((msg, unsupported)) => {
                    cond_error.get_or_insert((
                        format!("failed to evaluate match condition '{name}': {msg}"),
                        unsupported,
                    ));
                }
            }
        }
        if let Some((msg, unsupported)) = cond_error {
            self.error(out, msg, unsupported);
            return;
        }
        for v in &self.validations {
            match run(&v.expr) {
                Ok(Cel::Bool(true)) => {}
                Ok(Cel::Bool(false)) => {
                    let fallback = match &v.message {
                        Some(m) if !m.trim().is_empty() => m.trim().to_string(),
                        _ => format!("failed expression: {}", v.expr.text.trim()),
                    };
                    let message = match v.message_expression.as_ref().map(&run) {
                        Some(Ok(Cel::String(m))) if !m.trim().is_empty() && !m.contains('\n') => {
                            m.trim().to_string()
                        }
                        _ => fallback,
                    };
                    out.push(self.verdict(VerdictKind::Violation, message, v.reason.as_deref()));
                }
                Ok(other) => self.error(
                    out,
                    format!(
                        "expression '{}' resulted in error: expected a bool, got {other:?}",
                        v.expr.text.trim()
                    ),
                    false,
                ),
                Err((msg, unsupported)) => self.error(
                    out,
                    format!(
                        "expression '{}' resulted in error: {msg}",
                        v.expr.text.trim()
                    ),
                    unsupported,
                ),
            }
        }
        for (key, e) in &self.audit_annotations {
            match run(e) {
                Ok(Cel::String(_)) | Ok(Cel::Null) => {}
                Ok(other) => self.error(
                    out,
                    format!("auditAnnotations '{key}': valueExpression returned {other:?}, not a string or null"),
                    false,
                ),
                Err((msg, unsupported)) => self.error(
                    out,
                    format!("auditAnnotations '{key}': expression '{}' resulted in error: {msg}", e.text.trim()),
                    unsupported,
                ),
            }
        }
    }
}

/// The request's values as CEL values, the same for every policy judging one review.
pub(crate) struct Base {
    object: Box<dyn Val>,
    old_object: Box<dyn Val>,
    request: Box<dyn Val>,
}

thread_local! {
    /// [`Base`]s converted during a [`crate::with_review_cache`] scope.
    pub(crate) static CEL_INPUTS: crate::review::Memo<Arc<Base>> =
        const { std::cell::RefCell::new(None) };
}

impl Base {
    fn convert(review: &Review, req: &Request) -> Base {
        Base {
            object: to_val(review.object.unwrap_or(&Value::Null)),
            old_object: to_val(review.old_object.unwrap_or(&Value::Null)),
            request: to_val(&req.value),
        }
    }

    /// The review's values, converted once per AdmissionRequest inside a review-cache scope.
    fn of(review: &Review, req: &Request) -> Arc<Base> {
        match review.request {
            Some(r) => {
                crate::review::memoised(&CEL_INPUTS, r, || Arc::new(Base::convert(review, req)))
            }
            None => Arc::new(Base::convert(review, req)),
        }
    }
}

/// What one policy's expressions read besides `params`, `variables` and `authorizer`.
struct Inputs<'a> {
    base: &'a Base,
    namespace_object: &'a dyn Val,
}

impl cel::context::VariableResolver for Inputs<'_> {
    fn resolve<'b>(&'b self, variable: &str) -> Option<cel::common::value::CowVal<'b, 'b>> {
        use cel::common::value::CowVal;
        match variable {
            "object" => Some(CowVal::Borrowed(self.base.object.as_ref())),
            "oldObject" => Some(CowVal::Borrowed(self.base.old_object.as_ref())),
            "request" => Some(CowVal::Borrowed(self.base.request.as_ref())),
            "namespaceObject" => Some(CowVal::Borrowed(self.namespace_object)),
            _ => None,
        }
    }
}

/// A JSON value as a CEL value the interpreter reads directly.
fn to_val(v: &Value) -> Box<dyn Val> {
    // A value made by `to_cel` always converts (only functions and the like do not).
    Box::<dyn Val>::try_from(to_cel(v)).unwrap_or_else(|_| Box::new(cel::common::types::CelNull))
}

/// An error as cel-go words the common ones (the API server's messages quote them).
fn go_error(e: &ExecutionError) -> String {
    match e {
        ExecutionError::NoSuchKey(k) => format!("no such key: {k}"),
        ExecutionError::DivisionByZero(_) => "division by zero".into(),
        ExecutionError::IndexOutOfBounds(i) => format!("index out of bounds: {i:?}"),
        other => other.to_string(),
    }
}

/// The labels of a Namespace as the API server has them (with `kubernetes.io/metadata.name`).
fn namespace_labels(ns: &Value) -> Labels {
    let mut ignored = Problems::new();
    let mut l = read_labels(
        ns.pointer("/metadata/labels"),
        &Pointer::root(),
        &mut ignored,
    );
    l.insert(
        NAMESPACE_NAME_LABEL.to_string(),
        str_at(ns, "/metadata/name").to_string(),
    );
    l
}

/// The params a binding selects: by name or selector, in the given namespace, else the
/// object's (namespaced param kinds), else cluster-scoped ones.
fn find_params(
    kind: &(String, String),
    pref: &ParamRef,
    req: &Request,
    data: Option<&ClusterData>,
) -> Vec<Value> {
    let Some(data) = data else {
        return Vec::new();
    };
    let inv = data.inventory();
    let ns = pref.namespace.clone().or_else(|| {
        if req.namespaced && !req.namespace.is_empty() {
            Some(req.namespace.clone())
        } else {
            None
        }
    });
    let mut candidates: Vec<&Value> = Vec::new();
    fn of_kind<'v>(root: Option<&'v Value>, kind: &(String, String)) -> Vec<&'v Value> {
        root.and_then(|r| r.get(&kind.0))
            .and_then(|g| g.get(&kind.1))
            .and_then(Value::as_object)
            .map(|m| m.values().collect())
            .unwrap_or_default()
    }
    if let Some(ns) = &ns {
        candidates.extend(of_kind(
            inv.pointer("/namespace").and_then(|n| n.get(ns)),
            kind,
        ));
    }
    candidates.extend(of_kind(inv.get("cluster"), kind));
    let mut out: Vec<Value> = candidates
        .into_iter()
        .filter(|o| match &pref.name {
            Some(n) => str_at(o, "/metadata/name") == n,
            None => true,
        })
        .filter(|o| match &pref.selector {
            Some(sel) => {
                let mut ignored = Problems::new();
                sel.matches(&read_labels(
                    o.pointer("/metadata/labels"),
                    &Pointer::root(),
                    &mut ignored,
                ))
            }
            None => pref.name.is_some(),
        })
        .cloned()
        .collect();
    out.sort_by(|a, b| str_at(a, "/metadata/name").cmp(str_at(b, "/metadata/name")));
    out
}

/// The AdmissionRequest of a review, as the API server builds it, and the facts matching
/// reads from it.
pub(crate) struct Request<'r> {
    /// The AdmissionRequest: the review's own when it has one (borrowed), else one made for a
    /// scanned object.
    pub value: std::borrow::Cow<'r, Value>,
    pub group: String,
    pub version: String,
    pub resource: String,
    pub subresource: String,
    pub operation: String,
    pub namespace: String,
    pub name: String,
    pub namespaced: bool,
}

impl<'r> Request<'r> {
    fn of(review: &Review<'r>, subject: &Value) -> Request<'r> {
        let kind = str_at(subject, "/kind");
        let (group, version) = group_version(subject);
        let namespaced = !rampart_model::k8s::kinds::CLUSTER_SCOPED_KINDS.contains(&kind);
        if let Some(r) = review.request {
            let g = |p: &str| str_at(r, p).to_string();
            return Request {
                value: std::borrow::Cow::Borrowed(r),
                group: g("/resource/group"),
                version: g("/resource/version"),
                resource: g("/resource/resource"),
                subresource: g("/subResource"),
                operation: g("/operation"),
                namespace: g("/namespace"),
                name: g("/name"),
                namespaced: namespaced && !g("/namespace").is_empty(),
            };
        }
        let resource = rampart_model::k8s::kinds::resource_of_kind(kind);
        let operation = if review.operation.is_empty() {
            "CREATE"
        } else {
            review.operation
        };
        let mut namespace = str_at(subject, "/metadata/namespace").to_string();
        if namespaced && namespace.is_empty() {
            // As kubectl applies a manifest without a namespace: to the default namespace.
            namespace = "default".into();
        }
        let name = str_at(subject, "/metadata/name").to_string();
        let gvk = json!({"group": group, "version": version, "kind": kind});
        let gvr = json!({"group": group, "version": version, "resource": resource});
        let user = review
            .user_info
            .cloned()
            .unwrap_or_else(|| json!({"username": "", "groups": []}));
        let mut value = json!({
            "uid": "",
            "kind": gvk.clone(),
            "resource": gvr.clone(),
            "requestKind": gvk,
            "requestResource": gvr,
            "name": name,
            "operation": operation,
            "userInfo": user,
            "dryRun": false,
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": format!("{}Options", titled(operation))},
        });
        if namespaced {
            value["namespace"] = json!(namespace);
        }
        Request {
            value: std::borrow::Cow::Owned(value),
            group: group.to_string(),
            version: version.to_string(),
            resource,
            subresource: String::new(),
            operation: operation.to_string(),
            namespace: if namespaced { namespace } else { String::new() },
            name,
            namespaced,
        }
    }
}

fn titled(op: &str) -> String {
    let lower = op.to_ascii_lowercase();
    let mut c = lower.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// A JSON value as a CEL value (integers stay integers; other numbers are doubles).
pub fn to_cel(v: &Value) -> Cel {
    match v {
        Value::Null => Cel::Null,
        Value::Bool(b) => Cel::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Cel::Int(i),
            None => match n.as_u64() {
                Some(u) => Cel::UInt(u),
                None => Cel::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
        },
        Value::String(s) => Cel::String(Arc::new(s.clone())),
        Value::Array(a) => Cel::List(Arc::new(a.iter().map(to_cel).collect())),
        Value::Object(m) => Cel::Map(Map {
            map: Arc::new(
                m.iter()
                    .map(|(k, v)| (Key::from(k.as_str()), to_cel(v)))
                    .collect(),
            ),
        }),
    }
}
