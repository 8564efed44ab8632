//! The project config file, `.rampart.yaml`: which checks run, severity overrides, waivers.
//!
//! ```yaml
//! checks:
//!   select: [all]                 # ids, categories, `framework:cis`, or `all` (default)
//!   ignore: [probes-missing]      # same terms, removed from the selection
//!   severity:
//!     image-tag-latest: low       # override a check's severity
//! fail-on: high                   # default for --fail-on
//! kubernetes-version: "1.29"      # the release removed-api and deprecated-api judge against
//!                                 # (default: the newest rampart knows); a string, as 1.30 is 1.3
//! waivers:
//!   - check: privileged-container # required (or `all`)
//!     namespace: kube-system      # optional globs: namespace, kind, name
//!     kind: DaemonSet
//!     name: "node-exporter*"
//!     reason: "needs host access" # required
//!     expires: 2026-12-31         # optional; after it the finding counts again
//! admission: {}                   # the admission webhook's actions and exemptions
//!                                 # (see the rampart_admission crate)
//! fix: {}                         # `rampart fix`: resource defaults, digest lock map
//!                                 # (see docs/fix.md)
//! images:
//!   allowed-registries:           # image-registry-not-allowed: where images may come from
//!     - registry.example.com      # a registry (with its port, if any)
//!     - ghcr.io/acme              # a repository prefix (at a `/` boundary)
//!     - docker.io/library         # Docker Hub's official images (`nginx`)
//!     - "*.dkr.ecr.eu-west-1.amazonaws.com"   # any subdomain
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;

use globset::{Glob, GlobMatcher};
use jiff::civil::Date;

use rampart_model::{Finding, Severity, Suppression};
use serde::Deserialize;
use serde_json::Value;

/// The whole config file.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    #[serde(default)]
    pub checks: ChecksConfig,
    #[serde(default)]
    pub fail_on: Option<Severity>,
    /// The Kubernetes minor release (1.N) the version-dependent checks judge against.
    #[serde(default, deserialize_with = "de_minor")]
    pub kubernetes_version: Option<u32>,
    #[serde(default)]
    pub waivers: Vec<Waiver>,
    /// `admission:` section, read by the admission webhook (`rampart_admission`, which validates
    /// it); scans ignore it.
    #[serde(default)]
    pub admission: Option<Value>,
    /// `fix:` section, read by `rampart fix` (`rampart_fix`, which validates it): resource
    /// defaults and the image digest lock map; scans ignore it.
    #[serde(default)]
    pub fix: Option<Value>,
    /// `images:` section: image reference settings.
    #[serde(default)]
    pub images: ImagesConfig,
}

/// `images:` section.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ImagesConfig {
    /// Registries (`registry.example.com[:port]`), repository prefixes (`ghcr.io/acme`,
    /// `docker.io/library`) or `*.` host suffixes that images may come from; empty: any
    /// (`image-registry-not-allowed` reports nothing).
    #[serde(default)]
    pub allowed_registries: Vec<String>,
}

/// `checks:` section.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ChecksConfig {
    #[serde(default)]
    pub select: Vec<String>,
    #[serde(default)]
    pub ignore: Vec<String>,
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
}

/// One waiver: findings of `check` on matching objects are accepted until `expires`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    pub check: String,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    pub reason: String,
    #[serde(default, deserialize_with = "de_date")]
    pub expires: Option<Date>,
}

fn de_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    let v = Value::deserialize(d)?;
    match v {
        Value::Null => Ok(None),
        Value::String(s) => s
            .parse::<Date>()
            .map(Some)
            .map_err(|e| serde::de::Error::custom(format!("expected a date YYYY-MM-DD: {e}"))),
        other => Err(serde::de::Error::custom(format!(
            "expected a date YYYY-MM-DD, found {other}"
        ))),
    }
}

/// `kubernetes-version`: a string `1.N` (`v1.N`, `1.N.P`). A YAML number is refused: `1.30`
/// reads as 1.3.
fn de_minor<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) => rampart_model::k8s::api_versions::parse_minor(&s)
            .map(Some)
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "expected a Kubernetes version such as \"1.29\", found `{s}`"
                ))
            }),
        Value::Number(n) => Err(serde::de::Error::custom(format!(
            "write the version as a string (kubernetes-version: \"1.30\"): a YAML number loses trailing zeros, so {n} may not be the release meant"
        ))),
        other => Err(serde::de::Error::custom(format!(
            "expected a Kubernetes version such as \"1.29\", found {other}"
        ))),
    }
}

/// A config problem, with the JSON pointer of the field at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub pointer: String,
    pub message: String,
}

impl Config {
    /// Reads a config from its parsed YAML value. Unknown fields, wrong types, unknown check ids,
    /// bad globs and missing reasons are errors. Check ids are those of the built-in checks.
    pub fn from_value(v: Value) -> Result<Config, ConfigError> {
        Self::from_value_in(v, &crate::Registry::builtin())
    }

    /// Like [`Config::from_value`], with the check ids of `registry` (built-in checks and the
    /// user policies loaded for this scan).
    pub fn from_value_in(v: Value, registry: &crate::Registry) -> Result<Config, ConfigError> {
        let cfg: Config = serde_path_to_error::deserialize(v).map_err(|e| {
            let pointer = path_to_pointer(e.path());
            ConfigError {
                pointer,
                message: e.into_inner().to_string(),
            }
        })?;
        for (i, w) in cfg.waivers.iter().enumerate() {
            let at = |f: &str| format!("/waivers/{i}/{f}");
            if w.check != "all" && registry.by_id(&w.check).is_none() {
                return Err(ConfigError {
                    pointer: at("check"),
                    message: format!("unknown check `{}`", w.check),
                });
            }
            if w.reason.trim().is_empty() {
                return Err(ConfigError {
                    pointer: at("reason"),
                    message: "a waiver needs a reason".into(),
                });
            }
            for (f, g) in [
                ("namespace", &w.namespace),
                ("kind", &w.kind),
                ("name", &w.name),
            ] {
                if let Some(g) = g {
                    Glob::new(g).map_err(|e| ConfigError {
                        pointer: at(f),
                        message: format!("invalid glob: {e}"),
                    })?;
                }
            }
        }
        crate::Selection::from_config_in(registry, &cfg).map_err(|message| ConfigError {
            pointer: "/checks".into(),
            message,
        })?;
        Ok(cfg)
    }

    /// Compiled waivers, ready to match findings.
    pub fn waivers(&self) -> Vec<CompiledWaiver> {
        self.waivers.iter().map(CompiledWaiver::new).collect()
    }
}

fn path_to_pointer(p: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut s = String::new();
    for seg in p.iter() {
        match seg {
            Segment::Seq { index } => s.push_str(&format!("/{index}")),
            Segment::Map { key } => s.push_str(&format!("/{key}")),
            Segment::Enum { variant } => s.push_str(&format!("/{variant}")),
            Segment::Unknown => {}
        }
    }
    s
}

/// A waiver with its globs compiled.
#[derive(Debug, Clone)]
pub struct CompiledWaiver {
    pub waiver: Waiver,
    namespace: Option<GlobMatcher>,
    kind: Option<GlobMatcher>,
    name: Option<GlobMatcher>,
}

impl CompiledWaiver {
    fn new(w: &Waiver) -> Self {
        let g = |s: &Option<String>| {
            s.as_ref()
                .and_then(|s| Glob::new(s).ok())
                .map(|g| g.compile_matcher())
        };
        CompiledWaiver {
            namespace: g(&w.namespace),
            kind: g(&w.kind),
            name: g(&w.name),
            waiver: w.clone(),
        }
    }

    pub fn matches(&self, f: &Finding) -> bool {
        // Subjects that are not objects match by their kind of subject and display name.
        let (namespace, kind, name): (&str, Cow<str>, Cow<str>) = match f.object() {
            Some(o) => (
                o.namespace.as_deref().unwrap_or(""),
                Cow::Borrowed(&o.kind),
                Cow::Borrowed(&o.name),
            ),
            None => (
                "",
                Cow::Borrowed(f.subject.type_name()),
                Cow::Owned(f.subject.display_name()),
            ),
        };
        (self.waiver.check == "all" || self.waiver.check == f.check)
            && self
                .namespace
                .as_ref()
                .is_none_or(|g| g.is_match(namespace))
            && self.kind.as_ref().is_none_or(|g| g.is_match(&*kind))
            && self.name.as_ref().is_none_or(|g| g.is_match(&*name))
    }
}

/// Applies waivers to findings: a matching live waiver suppresses; a matching expired one marks
/// the finding as counting again, saying when the waiver expired.
pub fn apply_waivers(findings: &mut [Finding], waivers: &[CompiledWaiver], today: Date) {
    if waivers.is_empty() {
        return;
    }
    for f in findings.iter_mut() {
        if !f.is_open() {
            continue;
        }
        if let Some(w) = waivers.iter().find(|w| w.matches(f)) {
            match w.waiver.expires {
                Some(exp) if exp < today => {
                    f.suppression = Suppression::WaiverExpired {
                        expired: exp.to_string(),
                        reason: w.waiver.reason.clone(),
                    }
                }
                _ => {
                    f.suppression = Suppression::Suppressed {
                        by: "waiver".into(),
                        reason: w.waiver.reason.clone(),
                    }
                }
            }
        }
    }
}
