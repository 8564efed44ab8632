//! User policies: Gatekeeper ConstraintTemplates with their constraints, plain Rego modules, and
//! Kubernetes ValidatingAdmissionPolicies with their bindings ([`vap`]), loaded from files and
//! evaluated offline.
//!
//! - [`load`] reads files and directories (`--policy PATH`) into a [`PolicySet`]; every problem
//!   is an [`InputError`] with file and line, and the other policies still load.
//! - [`PolicySet::evaluate`] is the pure evaluation: one [`Review`] (object, old object,
//!   operation, user: [`Review::of`] for a scan, [`Review::of_request`] or [`Review::admission`]
//!   at admission) and, for policies that read other objects, the [`ClusterData`] ->
//!   [`Verdict`]s. A scan, `rampart policy test` and an admission webhook call the same function.
//! - [`PolicySet::checks`] turns each policy into an ordinary rampart check (category
//!   `policies`), so selection, waivers, annotations, baselines and every report format treat
//!   user policies like built-in checks.
//! - [`suite`] runs policy unit tests in `gator verify`'s Suite format.

mod checks;
mod engine;
mod gatekeeper;
mod load;
pub mod matching;
mod rego;
mod review;
pub mod suite;
pub mod vap;

use std::sync::Arc;

use rampart_model::Severity;
use serde_json::Value;

pub use checks::emitted;
pub use gatekeeper::{Constraint, Template};
pub use load::{load, load_objects, load_with, Loaded};
pub use rego::RegoModule;
pub use review::{with_review_cache, ClusterData, Review};
pub use vap::Vap;

/// What a policy asks for when it finds a violation (Gatekeeper's `enforcementAction`, a
/// ValidatingAdmissionPolicyBinding's `validationActions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Action {
    /// Refuse the request (admission); a failing finding.
    #[default]
    Deny,
    /// Admit it with a warning.
    Warn,
    /// Record only (Gatekeeper's `dryrun`, VAP's `Audit`).
    DryRun,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Deny => "deny",
            Action::Warn => "warn",
            Action::DryRun => "dryrun",
        }
    }

    /// The severity of findings when the policy names none: deny is high (fails a scan at the
    /// default threshold), warn medium, dryrun info.
    pub fn default_severity(self) -> Severity {
        match self {
            Action::Deny => Severity::High,
            Action::Warn => Severity::Medium,
            Action::DryRun => Severity::Info,
        }
    }
}

/// What one policy says about one review.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The policy's id (a constraint's name, a module's id).
    pub policy: String,
    pub action: Action,
    pub kind: VerdictKind,
    pub message: String,
    /// Gatekeeper's `details`, when the policy gives them.
    pub details: Option<Value>,
}

/// A violation, or an error: the policy could not be evaluated (never a silent pass).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerdictKind {
    Violation,
    Error,
}

/// One loaded policy.
#[derive(Debug, Clone)]
pub enum Policy {
    Constraint(Arc<Constraint>),
    Rego(Arc<RegoModule>),
    /// A ValidatingAdmissionPolicy with one of its bindings.
    Vap(Arc<Vap>),
}

impl Policy {
    pub fn id(&self) -> &str {
        match self {
            Policy::Constraint(c) => &c.id,
            Policy::Rego(m) => &m.id,
            Policy::Vap(v) => &v.id,
        }
    }

    /// True when evaluating needs the other objects ([`ClusterData`]).
    pub fn needs_cluster(&self) -> bool {
        match self {
            Policy::Constraint(c) => c.needs_cluster(),
            Policy::Rego(m) => m.uses_inventory,
            Policy::Vap(v) => v.needs_cluster(),
        }
    }

    /// The verdicts of this policy on one review.
    pub fn evaluate(&self, review: &Review, data: Option<&ClusterData>) -> Vec<Verdict> {
        match self {
            Policy::Constraint(c) => c.evaluate(review, data),
            Policy::Rego(m) => m.evaluate(review, data),
            Policy::Vap(v) => v.evaluate(review, data),
        }
    }
}

/// Every policy loaded, in load order.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    pub policies: Vec<Policy>,
    /// The templates loaded, by constraint kind.
    pub templates: Vec<Arc<Template>>,
}

impl PolicySet {
    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }

    pub fn len(&self) -> usize {
        self.policies.len()
    }

    /// Every policy's verdicts on one review: the pure evaluation an admission webhook, a scan
    /// and a policy test share. `data` is what policies that read other objects see; without
    /// it, such policies see an empty inventory, and a namespace selector on a namespaced
    /// object is an error verdict.
    pub fn evaluate(&self, review: &Review, data: Option<&ClusterData>) -> Vec<Verdict> {
        self.policies
            .iter()
            .flat_map(|p| p.evaluate(review, data))
            .collect()
    }

    /// Expression errors dropped so far under `failurePolicy: Ignore` by the
    /// ValidatingAdmissionPolicies of the set (for a server's metrics).
    pub fn ignored_errors(&self) -> u64 {
        self.policies
            .iter()
            .map(|p| match p {
                Policy::Vap(v) => v.ignored_errors(),
                _ => 0,
            })
            .sum()
    }

    /// The policy with this id.
    pub fn get(&self, id: &str) -> Option<&Policy> {
        self.policies.iter().find(|p| p.id() == id)
    }

    /// Each policy as a rampart check (see the crate docs).
    pub fn checks(&self) -> Vec<rampart_checks::Check> {
        self.policies.iter().map(checks::check_of).collect()
    }
}
