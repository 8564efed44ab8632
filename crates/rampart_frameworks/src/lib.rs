//! Compliance frameworks as data, and their evaluation over a scan's findings.
//!
//! - Each framework is one YAML file under `frameworks/` (compiled in): id, title, version,
//!   source, sections and controls. A control is judged by the checks mapped to it, or is
//!   `manual` (a person must judge it, with the reason) or `not-applicable` (with the reason).
//! - **Where the check-to-control mappings live** (one source of truth per framework):
//!   - for the frameworks the checks' [`Meta`] can name ([`rampart_model::Control`]: CIS, NSA/CISA,
//!     NIST SP 800-190, PSS, MITRE ATT&CK) the checks' `Meta::controls` are the source; the YAML
//!     file only lists the controls (titles, sections, manual and not-applicable ones) and may not
//!     name checks. CIS sections 1-4 come from `rampart_node`'s benchmark table (its rows are
//!     the controls; its node checks carry the mappings).
//!   - for SOC 2, PCI DSS 4.0 and HIPAA (which no check's `Meta` names) the YAML file is the
//!     source: each control lists its checks, each with a one-line justification.
//! - [`eval`] judges every control of a framework over a list of findings and the checks that
//!   ran, and scores the framework, each namespace and the cluster ([`eval`] defines the scores).
//!
//! A mapping is evidence for an assessor, not a certification (see [`Framework::disclaimer`]).

pub mod docs;
pub mod eval;

use std::collections::HashMap;
use std::sync::OnceLock;

use rampart_model::{Control, Meta};
use serde::{Deserialize, Serialize};

pub use eval::{evaluate, ControlResult, ControlStatus, Evaluation, FindingIndex, NamespaceScore};

/// The built-in framework files: (file name, text).
const FILES: &[(&str, &str)] = &[
    ("cis-1.12.yaml", include_str!("../frameworks/cis-1.12.yaml")),
    ("nsa-cisa.yaml", include_str!("../frameworks/nsa-cisa.yaml")),
    (
        "nist-800-190.yaml",
        include_str!("../frameworks/nist-800-190.yaml"),
    ),
    (
        "pss-baseline.yaml",
        include_str!("../frameworks/pss-baseline.yaml"),
    ),
    (
        "pss-restricted.yaml",
        include_str!("../frameworks/pss-restricted.yaml"),
    ),
    (
        "mitre-attack.yaml",
        include_str!("../frameworks/mitre-attack.yaml"),
    ),
    ("soc2.yaml", include_str!("../frameworks/soc2.yaml")),
    (
        "pci-dss-4.0.yaml",
        include_str!("../frameworks/pci-dss-4.0.yaml"),
    ),
    ("hipaa.yaml", include_str!("../frameworks/hipaa.yaml")),
];

/// Which checks' `Meta` mappings feed a framework.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MetaSource {
    /// `Control::Cis` (any version: section 5 ids are the same in 1.10 and 1.12).
    Cis,
    /// `Control::Nsa`, matched by section text (a control's `key`).
    Nsa,
    /// `Control::Nist80190`, matched by the section number (the text up to the first space).
    #[serde(rename = "nist-800-190")]
    Nist80190,
    /// `Control::MitreAttack`, matched by technique id.
    MitreAttack,
    /// `Control::Pss` at level baseline, matched by control name.
    PssBaseline,
    /// `Control::Pss` at level restricted, matched by control name.
    PssRestricted,
}

impl MetaSource {
    /// The framework source and control key a check's control names.
    pub fn of(c: &Control) -> (MetaSource, &'static str) {
        match *c {
            Control::Cis { id, .. } => (MetaSource::Cis, id),
            Control::Nsa { section } => (MetaSource::Nsa, section),
            Control::Nist80190 { section } => (
                MetaSource::Nist80190,
                section.split(' ').next().unwrap_or(section),
            ),
            Control::MitreAttack { id, .. } => (MetaSource::MitreAttack, id),
            Control::Pss {
                level: "restricted",
                control,
            } => (MetaSource::PssRestricted, control),
            Control::Pss { control, .. } => (MetaSource::PssBaseline, control),
        }
    }
}

/// How a control is judged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "by", rename_all = "kebab-case")]
pub enum Judged {
    /// By the checks mapped to it.
    Checks,
    /// By a person; the reason says why rampart cannot.
    Manual { reason: String },
    /// Not applicable to Kubernetes workloads and clusters; the reason says why.
    NotApplicable { reason: String },
}

/// A check named by a framework file, with why it is evidence for the control.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRef {
    pub id: String,
    pub why: String,
}

/// One control (requirement, recommendation, technique) of a framework.
#[derive(Clone, Debug, Serialize)]
pub struct ControlSpec {
    pub id: String,
    /// Short title, in rampart's words.
    pub title: String,
    /// The section id it belongs to.
    pub section: String,
    /// The text checks' `Meta` use for it, when it differs from `id` (NSA/CISA sections).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub judged: Judged,
    /// The checks the file maps to it (file-sourced frameworks only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckRef>,
    /// For benchmark items: whether the benchmark labels it Automated (true) or Manual (false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub benchmark_automated: Option<bool>,
}

impl ControlSpec {
    /// What checks' `Meta` name this control by.
    pub fn key(&self) -> &str {
        self.key.as_deref().unwrap_or(&self.id)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub title: String,
}

/// One framework, as loaded from its file.
#[derive(Clone, Debug, Serialize)]
pub struct Framework {
    /// e.g. `cis-1.12`, `pci-dss-4.0`.
    pub id: String,
    pub title: String,
    pub version: String,
    /// Where the framework is published.
    pub source: String,
    /// Other names accepted on the command line.
    pub aliases: Vec<String>,
    pub description: String,
    /// What a mapping is and is not (the requirement frameworks say: evidence, not certification).
    pub disclaimer: String,
    /// Set when checks' `Meta` mappings feed this framework; `None` when the file maps checks.
    pub meta: Option<MetaSource>,
    /// A framework whose controls this one includes (PSS restricted includes baseline).
    pub extends: Option<String>,
    pub sections: Vec<Section>,
    pub controls: Vec<ControlSpec>,
}

impl Framework {
    pub fn control(&self, id: &str) -> Option<&ControlSpec> {
        self.controls.iter().find(|c| c.id == id)
    }

    pub fn section_title(&self, id: &str) -> Option<&str> {
        self.sections
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.title.as_str())
    }
}

// ---- the file format ----------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FileDef {
    id: String,
    title: String,
    version: String,
    source: String,
    #[serde(default)]
    aliases: Vec<String>,
    description: String,
    disclaimer: String,
    #[serde(default)]
    meta: Option<MetaSource>,
    #[serde(default)]
    extends: Option<String>,
    /// Take sections 1-4 and their items from rampart_node's CIS table.
    #[serde(default)]
    node_benchmark: bool,
    /// Take the controls of this Pod Security Standards level from rampart_pss's checks.
    #[serde(default)]
    pss_level: Option<String>,
    sections: Vec<Section>,
    controls: Vec<ControlDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlDef {
    id: String,
    title: String,
    section: String,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    manual: Option<String>,
    #[serde(default, rename = "not-applicable")]
    not_applicable: Option<String>,
    #[serde(default)]
    benchmark: Option<String>,
    #[serde(default)]
    checks: Vec<CheckRef>,
}

/// Parses one framework file. Errors name the file and what is wrong.
pub fn parse(name: &str, text: &str) -> Result<Framework, String> {
    let stream = rampart_source::yaml::parse_stream(text);
    if let Some(e) = stream.errors.first() {
        return Err(format!("{name}:{}: {}", e.pos.line, e.message));
    }
    let Some(doc) = stream.docs.into_iter().next() else {
        return Err(format!("{name}: empty file"));
    };
    let def: FileDef = serde_json::from_value(doc.value).map_err(|e| format!("{name}: {e}"))?;
    let mut sections = Vec::new();
    let mut controls = Vec::new();
    if def.node_benchmark {
        let b = rampart_node::benchmark();
        for (id, title) in b.sections {
            if id.starts_with(|c: char| c.is_ascii_digit()) {
                sections.push(Section {
                    id: (*id).to_owned(),
                    title: (*title).to_owned(),
                });
            }
        }
        for item in b.items.iter().filter(|i| i.is_benchmark_item()) {
            let section = item.id.rsplit_once('.').map_or(item.id, |(s, _)| s);
            controls.push(ControlSpec {
                id: item.id.to_owned(),
                title: short_title(item.title),
                section: section.to_owned(),
                key: None,
                judged: Judged::Checks,
                checks: Vec::new(),
                benchmark_automated: Some(item.automated),
            });
        }
    }
    if let Some(level) = &def.pss_level {
        let want = match level.as_str() {
            "baseline" => rampart_pss::Level::Baseline,
            "restricted" => rampart_pss::Level::Restricted,
            other => {
                return Err(format!(
                    "{name}: pss-level: expected baseline or restricted, found `{other}`"
                ))
            }
        };
        for c in rampart_pss::checks().iter().filter(|c| c.level == want) {
            if controls.iter().any(|x: &ControlSpec| x.id == c.control) {
                continue;
            }
            controls.push(ControlSpec {
                id: c.control.to_owned(),
                title: c.control.to_owned(),
                section: level.clone(),
                key: None,
                judged: Judged::Checks,
                checks: Vec::new(),
                benchmark_automated: None,
            });
        }
    }
    sections.extend(def.sections);
    for c in def.controls {
        let judged = match (c.manual, c.not_applicable) {
            (None, None) => Judged::Checks,
            (Some(reason), None) => Judged::Manual { reason },
            (None, Some(reason)) => Judged::NotApplicable { reason },
            (Some(_), Some(_)) => {
                return Err(format!(
                    "{name}: control {}: both manual and not-applicable",
                    c.id
                ))
            }
        };
        if def.meta.is_some() && !c.checks.is_empty() {
            return Err(format!(
                "{name}: control {}: lists checks, but this framework's mappings are the checks' \
                 Meta controls (the file may not name checks)",
                c.id
            ));
        }
        if def.meta.is_none() && judged == Judged::Checks && c.checks.is_empty() {
            return Err(format!(
                "{name}: control {}: no checks and neither manual nor not-applicable",
                c.id
            ));
        }
        let benchmark_automated = match c.benchmark.as_deref() {
            None => None,
            Some("automated") => Some(true),
            Some("manual") => Some(false),
            Some(other) => {
                return Err(format!(
                    "{name}: control {}: benchmark: expected automated or manual, found `{other}`",
                    c.id
                ))
            }
        };
        if !sections.iter().any(|s| s.id == c.section) {
            return Err(format!(
                "{name}: control {}: no section `{}`",
                c.id, c.section
            ));
        }
        controls.push(ControlSpec {
            id: c.id,
            title: c.title,
            section: c.section,
            key: c.key,
            judged,
            checks: c.checks,
            benchmark_automated,
        });
    }
    let mut seen = std::collections::HashSet::new();
    for c in &controls {
        if !seen.insert(c.id.as_str()) {
            return Err(format!("{name}: control {} listed twice", c.id));
        }
    }
    Ok(Framework {
        id: def.id,
        title: def.title,
        version: def.version,
        source: def.source,
        aliases: def.aliases,
        description: def.description,
        disclaimer: def.disclaimer,
        meta: def.meta,
        extends: def.extends,
        sections,
        controls,
    })
}

/// A benchmark title without its "Ensure that" preamble, first letter capitalised.
fn short_title(t: &str) -> String {
    let t = t
        .strip_prefix("Ensure that the ")
        .or_else(|| t.strip_prefix("Ensure that "))
        .unwrap_or(t);
    let mut c = t.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Every built-in framework.
#[derive(Debug)]
pub struct Catalog {
    pub frameworks: Vec<Framework>,
}

impl Catalog {
    /// Loads the built-in files.
    pub fn load() -> Result<Catalog, String> {
        let frameworks = FILES
            .iter()
            .map(|(name, text)| parse(name, text))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Catalog { frameworks })
    }

    /// The framework with this id or alias (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&Framework> {
        let name = name.to_ascii_lowercase();
        self.frameworks
            .iter()
            .find(|f| f.id == name || f.aliases.contains(&name))
    }

    /// The controls of `fw` with those of the framework it extends first.
    pub fn controls_of<'a>(&'a self, fw: &'a Framework) -> Vec<(&'a Framework, &'a ControlSpec)> {
        let mut out = Vec::new();
        if let Some(base) = fw.extends.as_deref().and_then(|b| self.get(b)) {
            if base.id != fw.id {
                out.extend(base.controls.iter().map(|c| (base, c)));
            }
        }
        out.extend(fw.controls.iter().map(|c| (fw, c)));
        out
    }

    /// The checks (among `metas`) mapped to each control: (framework id, control id) -> check
    /// ids. Meta-sourced frameworks take the checks' controls; the others their file's lists.
    pub fn mappings(&self, metas: &[&Meta]) -> Mappings {
        let mut map: HashMap<(String, String), Vec<String>> = HashMap::new();
        let mut unknown = Vec::new();
        for m in metas {
            for c in m.controls {
                let (src, key) = MetaSource::of(c);
                let mut found = false;
                for fw in self.frameworks.iter().filter(|f| f.meta == Some(src)) {
                    if let Some(ctl) = fw.controls.iter().find(|x| x.key() == key) {
                        let e = map.entry((fw.id.clone(), ctl.id.clone())).or_default();
                        if !e.iter().any(|x| *x == m.id) {
                            e.push(m.id.to_string());
                        }
                        found = true;
                    } else if fw.sections.iter().any(|s| s.id == key) {
                        // A mapping to a whole section (rampart's own node checks extending
                        // it): known, but evidence for no single control.
                        found = true;
                    }
                }
                if !found {
                    unknown.push((m.id.to_string(), c.label()));
                }
            }
        }
        let ran: std::collections::HashSet<&str> = metas.iter().map(|m| m.id.as_ref()).collect();
        for fw in self.frameworks.iter().filter(|f| f.meta.is_none()) {
            for c in &fw.controls {
                let ids: Vec<String> = c
                    .checks
                    .iter()
                    .filter(|r| ran.contains(r.id.as_str()))
                    .map(|r| r.id.clone())
                    .collect();
                if !ids.is_empty() {
                    map.insert((fw.id.clone(), c.id.clone()), ids);
                }
            }
        }
        Mappings { map, unknown }
    }
}

/// Which checks judge each control; see [`Catalog::mappings`].
#[derive(Debug, Default)]
pub struct Mappings {
    map: HashMap<(String, String), Vec<String>>,
    /// Controls named by checks that no framework file lists: (check id, control label).
    pub unknown: Vec<(String, String)>,
}

impl Mappings {
    pub fn checks(&self, framework: &str, control: &str) -> &[String] {
        self.map
            .get(&(framework.to_owned(), control.to_owned()))
            .map_or(&[], Vec::as_slice)
    }
}

/// The built-in catalog (parsed once).
///
/// # Panics
/// When a built-in file is malformed, which the crate's tests rule out.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| match Catalog::load() {
        Ok(c) => c,
        Err(e) => panic!("built-in framework files: {e}"),
    })
}
