//! Plain Rego modules (`*.rego` files), with a documented input:
//!
//! - `input.review`: the request as Gatekeeper builds it (see [`Review::to_gatekeeper`]);
//!   `input.parameters`: `{}`; `data.inventory`: every object read, laid out as Gatekeeper's
//!   sync lays it out.
//! - Results: `violation` (a set of `{"msg": ..., "details": ...}`, as a Gatekeeper template)
//!   and/or `deny` (a set of message strings), in the module's package.
//! - Optional `metadata` rule in the same package: `{"id", "title", "description",
//!   "severity", "action", "kinds"}`. The id defaults to the package's last part with `_` as
//!   `-`; `kinds` (kind names) limits the objects the module judges.
//!
//! Modules are Rego v1 unless the file says `# rampart: rego.v0` on its first line.

use std::sync::Mutex;

use rampart_model::Severity;
use serde_json::{json, Value};

use crate::review::{ClusterData, Review};
use crate::{Action, Verdict, VerdictKind};

/// A compiled Rego module.
pub struct RegoModule {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub severity: Severity,
    pub action: Action,
    pub kinds: Vec<String>,
    package: String,
    has_violation: bool,
    has_deny: bool,
    pub uses_inventory: bool,
    base: regorus::Engine,
    pool: Mutex<Vec<regorus::Engine>>,
}

impl std::fmt::Debug for RegoModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegoModule").field("id", &self.id).finish()
    }
}

impl RegoModule {
    /// Compiles a module read from `path`.
    pub fn compile(path: &str, text: &str) -> Result<RegoModule, String> {
        let v0 = text
            .lines()
            .next()
            .is_some_and(|l| l.contains("rampart: rego.v0"));
        let mut engine = crate::engine::new_engine(v0);
        let package = engine
            .add_policy(path.to_string(), text.to_string())
            .map_err(|e| format!("Rego does not compile: {e}"))?;
        let package = package
            .strip_prefix("data.")
            .unwrap_or(&package)
            .to_string();
        let has = |engine: &regorus::Engine, rule: &str| {
            engine
                .has_declared_rule_rooted_at(path, rule)
                .unwrap_or(false)
        };
        let has_violation = has(&engine, "violation");
        let has_deny = has(&engine, "deny");
        if !has_violation && !has_deny {
            return Err(format!(
                "package `{package}` defines neither `violation` nor `deny`: rampart reads one of them"
            ));
        }
        engine.set_input(regorus::Value::from(
            json!({"review": {}, "parameters": {}}),
        ));
        let meta = if has(&engine, "metadata") {
            engine
                .eval_rule(format!("data.{package}.metadata"))
                .ok()
                .and_then(|v| serde_json::to_value(&v).ok())
                .unwrap_or(Value::Null)
        } else {
            Value::Null
        };
        let s = |k: &str| meta.get(k).and_then(Value::as_str).map(str::to_owned);
        let id = s("id").unwrap_or_else(|| {
            package
                .rsplit('.')
                .next()
                .unwrap_or(&package)
                .replace('_', "-")
                .to_ascii_lowercase()
        });
        let action = match s("action").as_deref() {
            Some("warn") => Action::Warn,
            Some("dryrun") => Action::DryRun,
            _ => Action::Deny,
        };
        let severity = match s("severity") {
            Some(sev) => sev.parse().map_err(|e| format!("metadata.severity: {e}"))?,
            None => action.default_severity(),
        };
        let kinds = meta
            .get("kinds")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Ok(RegoModule {
            title: s("title").unwrap_or_else(|| format!("Rego policy {package}")),
            description: s("description"),
            id,
            severity,
            action,
            kinds,
            uses_inventory: text.contains("data.inventory"),
            package,
            has_violation,
            has_deny,
            pool: Mutex::new(Vec::new()),
            base: engine,
        })
    }

    /// The module's verdicts on one review.
    pub fn evaluate(&self, review: &Review, data: Option<&ClusterData>) -> Vec<Verdict> {
        let Some(subject) = review.subject() else {
            return Vec::new();
        };
        if !self.kinds.is_empty() {
            let kind = subject.get("kind").and_then(Value::as_str).unwrap_or("");
            if !self.kinds.iter().any(|k| k == kind) {
                return Vec::new();
            }
        }
        let mut engine = match (self.uses_inventory, data) {
            (true, Some(d)) => {
                let mut e = self.base.clone();
                let mut doc = regorus::Value::new_object();
                if let Ok(m) = doc.as_object_mut() {
                    m.insert(
                        regorus::Value::from("inventory"),
                        d.rego_inventory().clone(),
                    );
                }
                let _ = e.add_data(doc);
                e
            }
            _ => self
                .pool
                .lock()
                .ok()
                .and_then(|mut p| p.pop())
                .unwrap_or_else(|| self.base.clone()),
        };
        let mut input = regorus::Value::new_object();
        if let Ok(m) = input.as_object_mut() {
            m.insert(regorus::Value::from("review"), review.rego_review());
            m.insert(
                regorus::Value::from("parameters"),
                regorus::Value::new_object(),
            );
        }
        engine.set_input(input);
        let mut out = Vec::new();
        let verdict = |kind, message: String, details| Verdict {
            policy: self.id.clone(),
            action: self.action,
            kind,
            message,
            details,
        };
        crate::engine::reset_external_calls();
        for (rule, present) in [("violation", self.has_violation), ("deny", self.has_deny)] {
            if !present {
                continue;
            }
            match engine.eval_rule(format!("data.{}.{rule}", self.package)) {
                Err(e) => out.push(verdict(
                    VerdictKind::Error,
                    format!("policy evaluation failed: {e}"),
                    None,
                )),
                Ok(v) => {
                    if let Ok(Value::Array(items)) = serde_json::to_value(&v) {
                        for item in items {
                            let (msg, details) = match &item {
                                Value::String(s) => (s.clone(), None),
                                Value::Object(m) => (
                                    m.get("msg")
                                        .and_then(Value::as_str)
                                        .map(str::to_owned)
                                        .unwrap_or_else(|| item.to_string()),
                                    m.get("details").cloned(),
                                ),
                                other => (other.to_string(), None),
                            };
                            out.push(verdict(VerdictKind::Violation, msg, details));
                        }
                    }
                }
            }
        }
        if let Some(provider) = crate::engine::take_external_calls().into_iter().next() {
            out.push(verdict(
                VerdictKind::Error,
                format!("the module calls external_data (provider `{provider}`): rampart evaluates policies offline and does not support external data, so this result is incomplete"),
                None,
            ));
        }
        if !self.uses_inventory || data.is_none() {
            if let Ok(mut p) = self.pool.lock() {
                if p.len() < 8 {
                    p.push(engine);
                }
            }
        }
        out
    }
}
