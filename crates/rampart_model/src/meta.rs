//! Static metadata of a check: id, severity, category, framework mappings, docs.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    #[default]
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The severity `steps` levels below this one (never below `info`).
    pub fn lowered(self, steps: u8) -> Severity {
        let i = Severity::ALL.iter().position(|s| *s == self).unwrap_or(0);
        Severity::ALL[i.saturating_sub(usize::from(steps))]
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(format!(
                "unknown severity `{other}` (expected critical, high, medium, low or info)"
            )),
        }
    }
}

/// The area a check belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Pod and container security context: privileges, namespaces, capabilities, profiles.
    PodSecurity,
    /// CPU and memory requests and limits.
    Resources,
    /// Image references and pull policy.
    Images,
    /// Credentials and Secrets handling.
    Secrets,
    /// Service accounts and API credentials mounted into pods.
    Identity,
    /// Exposure of workloads to the network (Services, Ingresses).
    Network,
    /// Reliability and hygiene: probes, namespaces, labels.
    Hygiene,
    /// RBAC grants: least privilege, risky permissions, escalation.
    Rbac,
    /// NetworkPolicy isolation.
    NetworkPolicy,
    /// Control-plane components: API server, etcd, controller manager, scheduler, their files,
    /// audit policy and encryption at rest.
    ControlPlane,
    /// Node components: kubelet and kube-proxy, their flags, configuration and files.
    Node,
    /// Custom resources of popular add-ons (Istio, cert-manager, Argo CD, Prometheus Operator,
    /// Gateway API, ingress-nginx): one check folder per add-on, ids prefixed by its name.
    Addons,
    /// User policies loaded at run time (Gatekeeper constraints, Rego modules).
    Policies,
}

impl Category {
    /// Every category, in the order reports and docs list them.
    pub const ALL: &'static [Category] = &[
        Category::PodSecurity,
        Category::Resources,
        Category::Images,
        Category::Secrets,
        Category::Identity,
        Category::Network,
        Category::Hygiene,
        Category::Rbac,
        Category::NetworkPolicy,
        Category::ControlPlane,
        Category::Node,
        Category::Addons,
        Category::Policies,
    ];

    /// Position in [`Category::ALL`]; the exhaustive match makes a new variant a compile error
    /// until it is placed (and a test checks that `ALL` agrees).
    #[cfg(test)]
    fn position(self) -> usize {
        match self {
            Category::PodSecurity => 0,
            Category::Resources => 1,
            Category::Images => 2,
            Category::Secrets => 3,
            Category::Identity => 4,
            Category::Network => 5,
            Category::Hygiene => 6,
            Category::Rbac => 7,
            Category::NetworkPolicy => 8,
            Category::ControlPlane => 9,
            Category::Node => 10,
            Category::Addons => 11,
            Category::Policies => 12,
        }
    }

    /// The category named `s` (its [`Category::as_str`]).
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.iter().copied().find(|c| c.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Category::PodSecurity => "pod-security",
            Category::Resources => "resources",
            Category::Images => "images",
            Category::Secrets => "secrets",
            Category::Identity => "identity",
            Category::Network => "network",
            Category::Hygiene => "hygiene",
            Category::Rbac => "rbac",
            Category::NetworkPolicy => "network-policy",
            Category::ControlPlane => "control-plane",
            Category::Node => "node",
            Category::Addons => "addons",
            Category::Policies => "policies",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A compliance framework that checks map to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Framework {
    /// Kubernetes Pod Security Standards.
    Pss,
    /// CIS Kubernetes Benchmark.
    Cis,
    /// NSA/CISA Kubernetes Hardening Guide.
    Nsa,
    /// NIST SP 800-190, Application Container Security Guide.
    Nist80190,
    /// MITRE ATT&CK for Containers.
    MitreAttack,
}

impl Framework {
    pub fn as_str(self) -> &'static str {
        match self {
            Framework::Pss => "pss",
            Framework::Cis => "cis",
            Framework::Nsa => "nsa",
            Framework::Nist80190 => "nist-800-190",
            Framework::MitreAttack => "mitre-attack",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Framework::Pss => "Pod Security Standards",
            Framework::Cis => "CIS Kubernetes Benchmark",
            Framework::Nsa => "NSA/CISA Kubernetes Hardening Guide",
            Framework::Nist80190 => "NIST SP 800-190",
            Framework::MitreAttack => "MITRE ATT&CK for Containers",
        }
    }
}

impl FromStr for Framework {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "pss" => Ok(Framework::Pss),
            "cis" => Ok(Framework::Cis),
            "nsa" => Ok(Framework::Nsa),
            "nist" | "nist-800-190" | "nist80190" => Ok(Framework::Nist80190),
            "mitre" | "mitre-attack" => Ok(Framework::MitreAttack),
            other => Err(format!(
                "unknown framework `{other}` (expected pss, cis, nsa, nist-800-190 or mitre-attack)"
            )),
        }
    }
}

/// One reference from a check to a framework control.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Control {
    /// A Pod Security Standards control: level (`baseline`/`restricted`) and control name.
    Pss {
        level: &'static str,
        control: &'static str,
    },
    /// A CIS Kubernetes Benchmark recommendation (version, id).
    Cis {
        version: &'static str,
        id: &'static str,
    },
    /// A section of the NSA/CISA Kubernetes Hardening Guide (v1.2).
    Nsa { section: &'static str },
    /// A countermeasure section of NIST SP 800-190.
    Nist80190 { section: &'static str },
    /// A MITRE ATT&CK technique id and name.
    MitreAttack {
        id: &'static str,
        name: &'static str,
    },
}

impl Control {
    pub fn framework(&self) -> Framework {
        match self {
            Control::Pss { .. } => Framework::Pss,
            Control::Cis { .. } => Framework::Cis,
            Control::Nsa { .. } => Framework::Nsa,
            Control::Nist80190 { .. } => Framework::Nist80190,
            Control::MitreAttack { .. } => Framework::MitreAttack,
        }
    }

    /// A short label, e.g. `PSS baseline: Privileged Containers` or `CIS 1.10 5.2.2`.
    pub fn label(&self) -> String {
        match self {
            Control::Pss { level, control } => format!("PSS {level}: {control}"),
            Control::Cis { version, id } => format!("CIS {version} {id}"),
            Control::Nsa { section } => format!("NSA/CISA: {section}"),
            Control::Nist80190 { section } => format!("NIST SP 800-190 {section}"),
            Control::MitreAttack { id, name } => format!("MITRE ATT&CK {id} {name}"),
        }
    }
}

impl Serialize for Control {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("framework", self.framework().as_str())?;
        match self {
            Control::Pss { level, control } => {
                m.serialize_entry("level", level)?;
                m.serialize_entry("id", control)?;
            }
            Control::Cis { version, id } => {
                m.serialize_entry("version", version)?;
                m.serialize_entry("id", id)?;
            }
            Control::Nsa { section } | Control::Nist80190 { section } => {
                m.serialize_entry("id", section)?;
            }
            Control::MitreAttack { id, name } => {
                m.serialize_entry("id", id)?;
                m.serialize_entry("name", name)?;
            }
        }
        m.end()
    }
}

/// Text of check metadata: borrowed for built-in checks, owned for checks added at run time
/// (user policies).
pub type Text = Cow<'static, str>;

/// Description of a check. Docs pages, `rampart explain` and SARIF rules come from it. Built-in
/// checks write it with [`meta!`](crate::meta), which borrows their string literals.
#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    /// Stable kebab-case id, e.g. `privileged-container`. Never renamed once released.
    pub id: Text,
    /// One-line title.
    pub title: Text,
    pub severity: Severity,
    pub category: Category,
    /// Framework mappings.
    pub controls: &'static [Control],
    /// Why it matters.
    pub rationale: Text,
    /// How to fix it.
    pub remediation: Text,
    /// Kinds this check looks at (for docs); empty means "any".
    pub kinds: &'static [&'static str],
    /// A failing example (YAML) for the docs.
    pub example_fail: Text,
    /// The same example, fixed.
    pub example_pass: Text,
}

/// Writes a [`Meta`] with string literals, for built-in checks (usable in a `static`):
///
/// ```
/// use rampart_model::{meta, Category, Meta, Severity};
/// static META: Meta = meta! {
///     id: "example-check",
///     title: "An example",
///     severity: Severity::Low,
///     category: Category::Hygiene,
///     controls: &[],
///     rationale: "Why it matters.",
///     remediation: "How to fix it.",
///     kinds: &["Pod"],
///     example_fail: "spec: {}\n",
///     example_pass: "spec: {}\n",
/// };
/// assert_eq!(META.id, "example-check");
/// ```
#[macro_export]
macro_rules! meta {
    (
        id: $id:expr,
        title: $title:expr,
        severity: $severity:expr,
        category: $category:expr,
        controls: $controls:expr,
        rationale: $rationale:expr,
        remediation: $remediation:expr,
        kinds: $kinds:expr,
        example_fail: $fail:expr,
        example_pass: $pass:expr $(,)?
    ) => {
        $crate::Meta {
            id: ::std::borrow::Cow::Borrowed($id),
            title: ::std::borrow::Cow::Borrowed($title),
            severity: $severity,
            category: $category,
            controls: $controls,
            rationale: ::std::borrow::Cow::Borrowed($rationale),
            remediation: ::std::borrow::Cow::Borrowed($remediation),
            kinds: $kinds,
            example_fail: ::std::borrow::Cow::Borrowed($fail),
            example_pass: ::std::borrow::Cow::Borrowed($pass),
        }
    };
}

impl Meta {
    pub fn maps_to(&self, fw: Framework) -> bool {
        self.controls.iter().any(|c| c.framework() == fw)
    }
}

#[cfg(test)]
mod category_tests {
    use super::Category;

    #[test]
    fn all_lists_every_category_once_in_order() {
        for (i, c) in Category::ALL.iter().enumerate() {
            assert_eq!(c.position(), i, "{c:?}");
            assert_eq!(Category::parse(c.as_str()), Some(*c));
        }
    }
}
