//! The `admission:` section of `.rampart.yaml`: what each finding does to a request, and which
//! requests are not judged at all.
//!
//! ```yaml
//! fail-on: high                 # also the default deny threshold (a scan fails on the same)
//! admission:
//!   deny-on: high               # findings at or above: the request is refused [default: fail-on, else high]
//!   warn-on: medium             # below deny-on, at or above this: admitted with a warning
//!                               # [default: medium]; below it: audit only (an audit annotation)
//!   on-error: deny              # a check or policy that could not decide: deny (default) or warn
//!   actions:                    # per check or policy id, over the severity rule and a
//!     image-tag-latest: warn    # policy's own enforcementAction: deny | warn | audit
//!   exemptions:                 # requests not judged at all (admitted, reason in the audit log)
//!     - namespace: kube-system  # globs: namespace, kind, name (at least one)
//!       reason: "the control plane's own objects"
//!     - namespace: shop
//!       kind: Deployment
//!       name: "legacy-*"
//!       reason: "migrated by 2027-03, ticket SHOP-12"
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use globset::{Glob, GlobMatcher};
use rampart_model::{InputError, Severity};
use serde::Deserialize;
use serde_json::Value;

/// What a finding does to an admission request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Recorded in the audit annotations only.
    Audit,
    /// Admitted, with a warning kubectl prints.
    Warn,
    /// Refused, with the finding in the message.
    Deny,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Audit => "audit",
            Action::Warn => "warn",
            Action::Deny => "deny",
        }
    }

    /// A user policy's own action (Gatekeeper's `enforcementAction`): deny, warn, or dryrun
    /// (audit).
    pub fn of_policy(a: rampart_policy::Action) -> Self {
        match a {
            rampart_policy::Action::Deny => Action::Deny,
            rampart_policy::Action::Warn => Action::Warn,
            rampart_policy::Action::DryRun => Action::Audit,
        }
    }
}

/// The section as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    #[serde(default)]
    deny_on: Option<Severity>,
    #[serde(default)]
    warn_on: Option<Severity>,
    #[serde(default)]
    on_error: Option<Action>,
    #[serde(default)]
    actions: BTreeMap<String, Action>,
    #[serde(default)]
    exemptions: Vec<RawExemption>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExemption {
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    name: Option<String>,
    reason: String,
}

/// One exemption: requests for matching objects are admitted without being judged.
#[derive(Debug, Clone)]
pub struct Exemption {
    pub namespace: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub reason: String,
    matchers: [Option<GlobMatcher>; 3],
}

impl Exemption {
    /// True when every glob given matches (an absent namespace matches only `namespace` unset).
    pub fn matches(&self, namespace: &str, kind: &str, name: &str) -> bool {
        let [ns, k, n] = &self.matchers;
        let ok = |m: &Option<GlobMatcher>, v: &str| m.as_ref().is_none_or(|m| m.is_match(v));
        ok(ns, namespace) && ok(k, kind) && ok(n, name)
    }
}

/// The admission settings, validated.
#[derive(Debug, Clone)]
pub struct AdmissionConfig {
    pub deny_on: Severity,
    pub warn_on: Severity,
    pub on_error: Action,
    pub actions: BTreeMap<String, Action>,
    pub exemptions: Vec<Exemption>,
}

impl Default for AdmissionConfig {
    fn default() -> Self {
        AdmissionConfig {
            deny_on: Severity::High,
            warn_on: Severity::Medium,
            on_error: Action::Deny,
            actions: BTreeMap::new(),
            exemptions: Vec::new(),
        }
    }
}

impl AdmissionConfig {
    /// The action of a finding of `check` at `severity`: the config's per-check action, else
    /// the policy's own (`policy_action`, for user policies), else by severity.
    pub fn action(
        &self,
        check: &str,
        severity: Severity,
        policy_action: Option<rampart_policy::Action>,
    ) -> Action {
        if let Some(a) = self.actions.get(check) {
            return *a;
        }
        if let Some(a) = policy_action {
            return Action::of_policy(a);
        }
        if severity >= self.deny_on {
            Action::Deny
        } else if severity >= self.warn_on {
            Action::Warn
        } else {
            Action::Audit
        }
    }

    /// The first exemption matching a request.
    pub fn exemption(&self, namespace: &str, kind: &str, name: &str) -> Option<&Exemption> {
        self.exemptions
            .iter()
            .find(|e| e.matches(namespace, kind, name))
    }

    /// Reads the `admission:` section of a config value (the whole `.rampart.yaml`). `fail_on`
    /// is the config's `fail-on`, the default deny threshold. Errors name the field.
    pub fn from_config_value(doc: &Value, fail_on: Option<Severity>) -> Result<Self, String> {
        let Some(section) = doc.get("admission").filter(|v| !v.is_null()) else {
            return Ok(AdmissionConfig {
                deny_on: fail_on.unwrap_or(Severity::High),
                ..AdmissionConfig::default()
            });
        };
        let raw: Raw =
            serde_json::from_value(section.clone()).map_err(|e| format!("admission: {e}"))?;
        let mut exemptions = Vec::new();
        for (i, e) in raw.exemptions.into_iter().enumerate() {
            let at = format!("admission.exemptions[{i}]");
            if e.reason.trim().is_empty() {
                return Err(format!("{at}: an exemption needs a reason"));
            }
            if e.namespace.is_none() && e.kind.is_none() && e.name.is_none() {
                return Err(format!(
                    "{at}: give at least one of namespace, kind, name (an exemption of everything turns admission off)"
                ));
            }
            let mut matchers = [None, None, None];
            for (slot, (field, g)) in matchers.iter_mut().zip([
                ("namespace", &e.namespace),
                ("kind", &e.kind),
                ("name", &e.name),
            ]) {
                if let Some(g) = g {
                    let glob = Glob::new(g).map_err(|err| format!("{at}.{field}: {err}"))?;
                    *slot = Some(glob.compile_matcher());
                }
            }
            exemptions.push(Exemption {
                namespace: e.namespace,
                kind: e.kind,
                name: e.name,
                reason: e.reason,
                matchers,
            });
        }
        let deny_on = raw.deny_on.or(fail_on).unwrap_or(Severity::High);
        let warn_on = raw.warn_on.unwrap_or(Severity::Medium);
        if warn_on > deny_on {
            return Err(format!(
                "admission.warn-on ({warn_on}) is above deny-on ({deny_on})"
            ));
        }
        let on_error = raw.on_error.unwrap_or(Action::Deny);
        if on_error == Action::Audit {
            return Err(
                "admission.on-error: deny or warn (a check that could not decide is never silent)"
                    .into(),
            );
        }
        Ok(AdmissionConfig {
            deny_on,
            warn_on,
            on_error,
            actions: raw.actions,
            exemptions,
        })
    }

    /// Reads the section from a config file.
    pub fn from_file(path: &Path) -> Result<Self, InputError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| InputError::file(path, format!("cannot read: {e}")))?;
        let stream = rampart_source::yaml::parse_stream(&text);
        if let Some(e) = stream.errors.first() {
            return Err(InputError::at(path, e.pos, e.message.clone()));
        }
        let Some(doc) = stream.docs.into_iter().next() else {
            return Ok(AdmissionConfig::default());
        };
        let fail_on = doc
            .value
            .get("fail-on")
            .cloned()
            .and_then(|v| serde_json::from_value::<Severity>(v).ok());
        Self::from_config_value(&doc.value, fail_on).map_err(|m| InputError::file(path, m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_follow_fail_on() {
        let c =
            AdmissionConfig::from_config_value(&json!({}), Some(Severity::Critical)).expect("ok");
        assert_eq!(c.deny_on, Severity::Critical);
        assert_eq!(c.action("x", Severity::High, None), Action::Warn);
        assert_eq!(c.action("x", Severity::Critical, None), Action::Deny);
        assert_eq!(c.action("x", Severity::Low, None), Action::Audit);
    }

    #[test]
    fn per_check_action_wins_over_policy_and_severity() {
        let c = AdmissionConfig::from_config_value(
            &json!({"admission": {"actions": {"a": "audit", "p": "deny"}, "warn-on": "low"}}),
            None,
        )
        .expect("ok");
        assert_eq!(c.action("a", Severity::Critical, None), Action::Audit);
        assert_eq!(
            c.action("p", Severity::Info, Some(rampart_policy::Action::DryRun)),
            Action::Deny
        );
        assert_eq!(
            c.action("q", Severity::Critical, Some(rampart_policy::Action::Warn)),
            Action::Warn
        );
        assert_eq!(c.action("z", Severity::Low, None), Action::Warn);
    }

    #[test]
    fn exemptions_need_a_reason_and_a_scope() {
        let e = |x: Value| AdmissionConfig::from_config_value(&json!({ "admission": x }), None);
        assert!(
            e(json!({"exemptions": [{"namespace": "a", "reason": " "}]}))
                .expect_err("an error")
                .contains("needs a reason")
        );
        assert!(e(json!({"exemptions": [{"reason": "r"}]}))
            .expect_err("an error")
            .contains("at least one"));
        assert!(e(json!({"bogus": 1}))
            .expect_err("an error")
            .contains("unknown field"));
        assert!(e(json!({"actions": {"x": "block"}})).is_err());
        assert!(e(json!({"on-error": "audit"})).is_err());
        let c = e(json!({"exemptions": [
            {"namespace": "kube-*", "reason": "system"},
            {"namespace": "shop", "kind": "Deployment", "name": "legacy-*", "reason": "r"}]}))
        .expect("ok");
        assert_eq!(
            c.exemption("kube-system", "Pod", "x")
                .map(|e| e.reason.as_str()),
            Some("system")
        );
        assert!(c.exemption("shop", "Deployment", "legacy-a").is_some());
        assert!(c.exemption("shop", "Deployment", "web").is_none());
        assert!(c.exemption("shop", "Pod", "legacy-a").is_none());
    }
}
