//! The Rego engine every policy runs in: regorus, set up as Gatekeeper's OPA runs templates.
//!
//! - Built-in errors make the expression undefined (OPA's default), not the evaluation fail.
//! - Gatekeeper's `external_data` is defined, answering as an unreachable provider does; the
//!   calls are counted so that the policy reports an error result (see [`take_external_calls`]).
//! - OPA's deprecated built-ins that Rego v0 templates of Gatekeeper's library still call
//!   (`re_match`, `any`, `all`, `set_diff`) are provided; regorus has none of them.

use std::cell::RefCell;
use std::collections::BTreeSet;

use serde_json::{json, Value};

thread_local! {
    /// The providers named by the `external_data` calls of the evaluation running on this
    /// thread.
    static EXTERNAL_CALLS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// A new engine for Rego v0 (`v0`) or v1 modules, with the extensions above.
pub(crate) fn new_engine(v0: bool) -> regorus::Engine {
    let mut engine = regorus::Engine::new();
    engine.set_rego_v0(v0);
    engine.set_strict_builtin_errors(false);
    // Registering can only fail for a name already defined, and these are not.
    let _ = engine.add_extension("external_data".into(), 1, Box::new(external_data));
    let _ = engine.add_extension("re_match".into(), 2, Box::new(re_match));
    let _ = engine.add_extension(
        "any".into(),
        1,
        Box::new(|a: Vec<regorus::Value>| any_all(a, true)),
    );
    let _ = engine.add_extension(
        "all".into(),
        1,
        Box::new(|a: Vec<regorus::Value>| any_all(a, false)),
    );
    let _ = engine.add_extension("set_diff".into(), 2, Box::new(set_diff));
    engine
}

/// Forgets the `external_data` calls recorded on this thread (before an evaluation).
pub(crate) fn reset_external_calls() {
    EXTERNAL_CALLS.with(|c| c.borrow_mut().clear());
}

/// The providers `external_data` was called with since the last reset, on this thread.
pub(crate) fn take_external_calls() -> Vec<String> {
    EXTERNAL_CALLS.with(|c| std::mem::take(&mut *c.borrow_mut()))
}

/// What `external_data` answers offline: Gatekeeper's response shape with a system error, so
/// templates that handle a failing provider report it; the policy also reports an error
/// result saying that external data is not supported.
fn external_data(args: Vec<regorus::Value>) -> anyhow::Result<regorus::Value> {
    let req: Value = args
        .first()
        .and_then(|a| serde_json::to_value(a).ok())
        .unwrap_or(Value::Null);
    let provider = req
        .get("provider")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let msg = format!(
        "external data provider `{provider}` is not reachable: rampart evaluates policies offline and does not support external_data"
    );
    EXTERNAL_CALLS.with(|c| c.borrow_mut().push(provider));
    Ok(regorus::Value::from(json!({
        "responses": [],
        "errors": [],
        "status_code": 500,
        "system_error": msg,
    })))
}

/// OPA's `re_match(pattern, value)`: `regex.match` under its old name.
fn re_match(args: Vec<regorus::Value>) -> anyhow::Result<regorus::Value> {
    let (Some(p), Some(v)) = (args.first(), args.get(1)) else {
        anyhow::bail!("re_match needs a pattern and a value");
    };
    let re = regex::Regex::new(p.as_string()?)?;
    Ok(regorus::Value::from(re.is_match(v.as_string()?)))
}

/// The elements of an array or a set.
fn elements(v: &regorus::Value) -> anyhow::Result<Vec<regorus::Value>> {
    if let Ok(a) = v.as_array() {
        return Ok(a.to_vec());
    }
    Ok(v.as_set()?.iter().cloned().collect())
}

/// OPA's `any(collection)` (`want_any`) and `all(collection)`.
fn any_all(args: Vec<regorus::Value>, want_any: bool) -> anyhow::Result<regorus::Value> {
    let Some(c) = args.first() else {
        anyhow::bail!("any/all need a collection");
    };
    let items = elements(c)?;
    let is_true = |v: &regorus::Value| *v == regorus::Value::from(true);
    Ok(regorus::Value::from(if want_any {
        items.iter().any(is_true)
    } else {
        items.iter().all(is_true)
    }))
}

/// OPA's `set_diff(a, b)`: `a - b`.
fn set_diff(args: Vec<regorus::Value>) -> anyhow::Result<regorus::Value> {
    let (Some(a), Some(b)) = (args.first(), args.get(1)) else {
        anyhow::bail!("set_diff needs two sets");
    };
    let b = b.as_set()?;
    let out: BTreeSet<regorus::Value> = a
        .as_set()?
        .iter()
        .filter(|x| !b.contains(x))
        .cloned()
        .collect();
    Ok(regorus::Value::from(out))
}
