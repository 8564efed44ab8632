//! Gatekeeper ConstraintTemplates and their constraints, run unchanged through regorus.
//!
//! A template's Rego (and its `libs`) is compiled once into an engine; each evaluation takes an
//! engine from a small pool (or clones the compiled one), sets `input` to
//! `{"review": <AdmissionRequest>, "parameters": <spec.parameters>}` exactly as Gatekeeper's
//! Rego driver does, and reads `data.<package>.violation`: a set of `{"msg": .., "details": ..}`.
//! Templates that read `data.inventory` get it from a [`ClusterData`].

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use crate::matching::Match;
use crate::review::{ClusterData, Review};
use crate::{Action, Verdict, VerdictKind};

/// A compiled ConstraintTemplate.
pub struct Template {
    /// `metadata.name` of the template.
    pub name: String,
    /// The constraint kind it defines (`spec.crd.spec.names.kind`).
    pub kind: String,
    /// `metadata.annotations.description`, if any.
    pub description: Option<String>,
    /// The Rego package of the main module (`violation` is read there).
    package: String,
    /// The compiled modules, no input set.
    base: regorus::Engine,
    /// Engines ready for the next evaluation (clones of `base`).
    pool: Mutex<Vec<regorus::Engine>>,
    /// The Rego reads `data.inventory`: constraints of this template run over the inventory.
    pub uses_inventory: bool,
    /// The Rego calls Gatekeeper's `external_data`.
    pub uses_external_data: bool,
}

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Template")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish()
    }
}

/// A problem loading a template, with the pointer of the field at fault.
#[derive(Debug)]
pub struct TemplateError {
    pub pointer: String,
    pub message: String,
}

impl Template {
    /// Compiles a ConstraintTemplate object.
    pub fn compile(obj: &Value) -> Result<Template, TemplateError> {
        let err = |pointer: &str, message: String| TemplateError {
            pointer: pointer.to_string(),
            message,
        };
        let name = obj
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let kind = obj
            .pointer("/spec/crd/spec/names/kind")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                err(
                    "/spec/crd/spec/names",
                    "a ConstraintTemplate needs spec.crd.spec.names.kind".into(),
                )
            })?
            .to_string();
        let targets = obj
            .pointer("/spec/targets")
            .and_then(Value::as_array)
            .ok_or_else(|| err("/spec", "a ConstraintTemplate needs spec.targets".into()))?;
        let Some((ti, target)) = targets.iter().enumerate().find(|(_, t)| {
            t.get("target").and_then(Value::as_str) == Some("admission.k8s.gatekeeper.sh")
        }) else {
            return Err(err(
                "/spec/targets",
                "no target `admission.k8s.gatekeeper.sh`: rampart runs Gatekeeper's admission target only".into(),
            ));
        };
        let tp = format!("/spec/targets/{ti}");
        // The Rego: `rego` + `libs`, or `code: [{engine: Rego, source: {rego, libs, version}}]`.
        let mut rego = target
            .get("rego")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let mut libs: Vec<String> = target
            .get("libs")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let mut v1 = false;
        let mut other_engines = Vec::new();
        if let Some(code) = target.get("code").and_then(Value::as_array) {
            for c in code {
                let engine = c.get("engine").and_then(Value::as_str).unwrap_or("");
                if engine == "Rego" {
                    let src = c.get("source");
                    if let Some(r) = src.and_then(|s| s.get("rego")).and_then(Value::as_str) {
                        rego = Some(r.to_string());
                    }
                    if let Some(l) = src.and_then(|s| s.get("libs")).and_then(Value::as_array) {
                        libs = l
                            .iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect();
                    }
                    v1 = src.and_then(|s| s.get("version")).and_then(Value::as_str) == Some("v1");
                } else {
                    other_engines.push(engine.to_string());
                }
            }
        }
        let Some(rego) = rego else {
            return Err(err(
                &tp,
                if other_engines.is_empty() {
                    "the target has no Rego (`rego` or `code[].engine: Rego`)".into()
                } else {
                    format!(
                        "the target's code is for {} only: rampart runs Gatekeeper templates written in Rego (write the CEL as a ValidatingAdmissionPolicy)",
                        other_engines.join(", ")
                    )
                },
            ));
        };
        let mut engine = crate::engine::new_engine(!v1);
        let package = engine
            .add_policy(format!("{name}.rego"), rego.clone())
            .map_err(|e| err(&format!("{tp}/rego"), format!("Rego does not compile: {e}")))?;
        let package = package
            .strip_prefix("data.")
            .unwrap_or(&package)
            .to_string();
        for (i, lib) in libs.iter().enumerate() {
            let lib_pkg = engine
                .add_policy(format!("{name}.lib{i}.rego"), lib.clone())
                .map_err(|e| {
                    err(
                        &format!("{tp}/libs/{i}"),
                        format!("Rego does not compile: {e}"),
                    )
                })?;
            if !lib_pkg.starts_with("data.lib.") && lib_pkg != "data.lib" {
                return Err(err(
                    &format!("{tp}/libs/{i}"),
                    format!("a library's package must start with `lib.` (Gatekeeper's rule); found `{}`", lib_pkg.trim_start_matches("data.")),
                ));
            }
        }
        let all: String = std::iter::once(rego.as_str())
            .chain(libs.iter().map(String::as_str))
            .collect();
        let uses_inventory = all.contains("data.inventory");
        let uses_external_data = all.contains("external_data");
        // Compile now, so errors in rules (not only syntax) are reported at load time.
        engine.set_input(regorus::Value::from(
            json!({"review": {}, "parameters": {}}),
        ));
        if let Err(e) = engine.eval_rule(format!("data.{package}.violation")) {
            let msg = e.to_string();
            if msg.contains("not a valid rule path") || msg.contains("not found") {
                return Err(err(
                    &format!("{tp}/rego"),
                    format!("the Rego of package `{package}` defines no `violation` rule: {msg}"),
                ));
            }
        }
        Ok(Template {
            name,
            kind,
            description: obj
                .pointer("/metadata/annotations/description")
                .and_then(Value::as_str)
                .map(str::to_owned),
            package,
            pool: Mutex::new(Vec::new()),
            base: engine,
            uses_inventory,
            uses_external_data,
        })
    }

    fn take_engine(&self) -> regorus::Engine {
        self.pool
            .lock()
            .ok()
            .and_then(|mut p| p.pop())
            .unwrap_or_else(|| self.base.clone())
    }

    fn give_back(&self, engine: regorus::Engine) {
        if let Ok(mut p) = self.pool.lock() {
            if p.len() < 8 {
                p.push(engine);
            }
        }
    }

    /// An engine with `data.inventory` loaded, for evaluating many objects against one
    /// inventory (see [`Constraint::evaluate_with`]).
    pub fn engine_with(&self, data: &ClusterData) -> regorus::Engine {
        let mut e = self.base.clone();
        let _ = e.add_data(regorus::Value::from(json!({})));
        let mut doc = regorus::Value::new_object();
        if let Ok(m) = doc.as_object_mut() {
            m.insert(
                regorus::Value::from("inventory"),
                data.rego_inventory().clone(),
            );
        }
        let _ = e.add_data(doc);
        e
    }

    /// Evaluates the template's `violation` rule with this input. Returns the violations
    /// (message, details) and the `external_data` provider called, if any.
    fn run(
        &self,
        engine: &mut regorus::Engine,
        input: regorus::Value,
    ) -> Result<(Vec<Violation>, Option<String>), String> {
        crate::engine::reset_external_calls();
        engine.set_input(input);
        let out = engine
            .eval_rule(format!("data.{}.violation", self.package))
            .map_err(|e| format!("policy evaluation failed: {e}"));
        let external = crate::engine::take_external_calls().into_iter().next();
        let out = out?;
        let json = serde_json::to_value(&out).unwrap_or(Value::Null);
        let mut violations = Vec::new();
        if let Value::Array(items) = json {
            for item in items {
                let msg = match item.get("msg") {
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                };
                violations.push((msg, item.get("details").cloned()));
            }
        }
        Ok((violations, external))
    }
}

/// One violation of a template: its message and `details`.
type Violation = (String, Option<Value>);

/// A Gatekeeper constraint bound to its compiled template.
#[derive(Debug)]
pub struct Constraint {
    /// The check id: the constraint's name.
    pub id: String,
    /// `metadata.name`.
    pub name: String,
    pub template: Arc<Template>,
    pub matcher: Match,
    /// `spec.parameters` as a Rego value (made once).
    parameters: regorus::Value,
    pub action: Action,
    /// `rampart.dev/severity` annotation, else from the action.
    pub severity: rampart_model::Severity,
}

impl Constraint {
    pub fn new(
        id: String,
        name: String,
        template: Arc<Template>,
        matcher: Match,
        parameters: &Value,
        action: Action,
        severity: rampart_model::Severity,
    ) -> Self {
        Constraint {
            id,
            name,
            template,
            matcher,
            parameters: regorus::Value::from(parameters.clone()),
            action,
            severity,
        }
    }

    /// True when evaluating needs the other objects (`data.inventory`, a namespace selector).
    pub fn needs_cluster(&self) -> bool {
        self.template.uses_inventory || self.matcher.needs_namespaces()
    }

    /// Judges one review: its verdicts (none when the constraint does not match or allows it).
    pub fn evaluate(&self, review: &Review, data: Option<&ClusterData>) -> Vec<Verdict> {
        if self.template.uses_inventory {
            if let Some(d) = data {
                let mut e = self.template.engine_with(d);
                return self.evaluate_with(&mut e, review, data);
            }
        }
        let mut e = self.template.take_engine();
        let out = self.evaluate_with(&mut e, review, data);
        self.template.give_back(e);
        out
    }

    /// Like [`Constraint::evaluate`], with an engine made by [`Template::engine_with`] (or a
    /// clone of the template's), for many reviews against one inventory.
    pub fn evaluate_with(
        &self,
        engine: &mut regorus::Engine,
        review: &Review,
        data: Option<&ClusterData>,
    ) -> Vec<Verdict> {
        let Some(subject) = review.subject() else {
            return Vec::new();
        };
        let ns_name = subject
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .or_else(|| {
                review
                    .request
                    .and_then(|r| r.get("namespace"))
                    .and_then(Value::as_str)
            })
            .unwrap_or("");
        let ns = data.and_then(|d| d.namespace(ns_name));
        let matched = match self.matcher.matches(subject, ns) {
            Ok(m) => m,
            Err(e) => return vec![self.verdict(VerdictKind::Error, e, None)],
        };
        if !matched {
            return Vec::new();
        }
        let mut input = regorus::Value::new_object();
        if let Ok(m) = input.as_object_mut() {
            m.insert(regorus::Value::from("review"), review.rego_review());
            m.insert(regorus::Value::from("parameters"), self.parameters.clone());
        }
        match self.template.run(engine, input) {
            Err(e) => vec![self.verdict(VerdictKind::Error, e, None)],
            Ok((violations, external)) => {
                let mut out: Vec<Verdict> = violations
                    .into_iter()
                    .map(|(msg, details)| self.verdict(VerdictKind::Violation, msg, details))
                    .collect();
                if let Some(provider) = external {
                    out.push(self.verdict(
                        VerdictKind::Error,
                        format!("the template calls external_data (provider `{provider}`): rampart evaluates policies offline and does not support external data, so this result is incomplete"),
                        None,
                    ));
                }
                out
            }
        }
    }

    fn verdict(&self, kind: VerdictKind, message: String, details: Option<Value>) -> Verdict {
        Verdict {
            policy: self.id.clone(),
            action: self.action,
            kind,
            message,
            details,
        }
    }
}
