//! What the pages show, derived from the store: the fleet (targets and their scans) and, per
//! scan, counts by namespace and check, the posture score and every framework judged.
//!
//! Frameworks are judged from the stored rows the way `rampart_frameworks::eval` judges a
//! report's findings (same rules, see its module documentation), over counts instead of
//! findings. The store does not keep which checks ran; a check counts as run when the scan has
//! a result of it, or when it looks at objects (every category but control-plane and node,
//! whose checks only run with node or component input, and run-time policies).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use rampart_frameworks::{ControlStatus, Judged};
use rampart_model::{Category, Meta};
use rampart_store::{Group, ScanSummary};
use serde::Serialize;

/// The severities, most severe first, as the store spells them.
pub const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

/// Every target and its scans (oldest first), targets by name.
pub struct Fleet {
    pub targets: Vec<TargetScans>,
}

pub struct TargetScans {
    pub name: String,
    pub scans: Vec<ScanSummary>,
}

impl TargetScans {
    pub fn latest(&self) -> &ScanSummary {
        // Never empty: built from at least one scan.
        &self.scans[self.scans.len() - 1]
    }
}

impl Fleet {
    pub fn new(scans: Vec<ScanSummary>) -> Fleet {
        let mut by: BTreeMap<String, Vec<ScanSummary>> = BTreeMap::new();
        for s in scans {
            by.entry(s.target.clone()).or_default().push(s);
        }
        Fleet {
            targets: by
                .into_iter()
                .map(|(name, scans)| TargetScans { name, scans })
                .collect(),
        }
    }
}

/// One control judged over a scan.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Control {
    /// The framework that defines it (a framework may extend another).
    pub owner: String,
    pub id: String,
    pub title: String,
    pub section: String,
    pub status: ControlStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub checks: Vec<String>,
    /// Open findings behind a failing control.
    pub open: i64,
    pub waived: i64,
}

impl Control {
    /// `owner:id`, as the findings filter names a control.
    pub fn key(&self) -> String {
        format!("{}:{}", self.owner, self.id)
    }
}

/// One framework judged over a scan.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FrameworkEval {
    pub id: String,
    pub title: String,
    pub version: String,
    pub disclaimer: String,
    pub pass: usize,
    pub fail: usize,
    pub manual: usize,
    pub not_applicable: usize,
    pub not_assessed: usize,
    /// pass / (pass + fail), percent.
    pub score: Option<f64>,
    pub controls: Vec<Control>,
    /// Namespace -> share of the decided controls it does not break, percent (worst first).
    pub namespaces: Vec<(String, usize, Option<f64>)>,
}

/// Open findings of one namespace or check.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Counted {
    pub key: String,
    pub by_severity: [i64; 5],
    pub total: i64,
}

/// What the pages show about one scan.
pub struct ScanAgg {
    pub summary: ScanSummary,
    /// Open findings by severity (counted from the rows).
    pub by_severity: [i64; 5],
    pub open: i64,
    /// Open findings by namespace (`""`: cluster-scoped), most first.
    pub namespaces: Vec<Counted>,
    /// Open findings by check, most first.
    pub checks: Vec<Counted>,
    pub posture: Option<f64>,
    pub frameworks: Vec<FrameworkEval>,
}

fn sev_index(s: &str) -> usize {
    SEVERITIES.iter().position(|x| *x == s).unwrap_or(4)
}

fn percent(part: usize, whole: usize) -> Option<f64> {
    rampart_frameworks::eval::percent(part, whole)
}

fn is_open(g: &Group) -> bool {
    matches!(g.status.as_str(), "fail" | "error") && g.suppression != "suppressed"
}

fn counted(map: HashMap<String, [i64; 5]>) -> Vec<Counted> {
    let mut v: Vec<Counted> = map
        .into_iter()
        .map(|(key, by_severity)| Counted {
            key,
            total: by_severity.iter().sum(),
            by_severity,
        })
        .collect();
    v.sort_by(|a, b| {
        b.by_severity
            .cmp(&a.by_severity)
            .then_with(|| a.key.cmp(&b.key))
    });
    v
}

/// Whether a check counts as run in a scan (see the module documentation).
fn ran(meta: &Meta, seen: &HashSet<&str>) -> bool {
    seen.contains(meta.id.as_ref())
        || !matches!(
            meta.category,
            Category::ControlPlane | Category::Node | Category::Policies
        )
}

/// Per check: open, waived, manual, pass and not-applicable results.
#[derive(Clone, Copy, Default)]
struct CheckCounts {
    open: i64,
    waived: i64,
    manual: i64,
    pass: i64,
    na: i64,
}

impl ScanAgg {
    pub fn new(summary: ScanSummary, groups: &[Group]) -> ScanAgg {
        let mut by_severity = [0i64; 5];
        let mut ns: HashMap<String, [i64; 5]> = HashMap::new();
        let mut checks: HashMap<String, [i64; 5]> = HashMap::new();
        let mut per_check: HashMap<&str, CheckCounts> = HashMap::new();
        // Check -> namespaces with an open finding of it.
        let mut open_ns: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        let mut all_ns: BTreeSet<&str> = BTreeSet::new();
        for g in groups {
            if let Some(n) = g.namespace.as_deref() {
                all_ns.insert(n);
            }
            let c = per_check.entry(g.check.as_str()).or_default();
            if g.suppression == "suppressed" {
                c.waived += g.count;
            } else if is_open(g) {
                c.open += g.count;
                let i = sev_index(&g.severity);
                by_severity[i] += g.count;
                ns.entry(g.namespace.clone().unwrap_or_default())
                    .or_default()[i] += g.count;
                checks.entry(g.check.clone()).or_default()[i] += g.count;
                if let Some(n) = g.namespace.as_deref() {
                    open_ns.entry(g.check.as_str()).or_default().insert(n);
                }
            } else {
                match g.status.as_str() {
                    "manual" => c.manual += g.count,
                    "pass" => c.pass += g.count,
                    "not-applicable" => c.na += g.count,
                    _ => {}
                }
            }
        }
        let seen: HashSet<&str> = per_check.keys().copied().collect();
        let metas: Vec<&Meta> = rampart_checks::all()
            .iter()
            .map(|c| &c.meta)
            .filter(|m| ran(m, &seen))
            .collect();
        // Posture: the checks that ran without an open finding, weighted by severity.
        let (mut ok, mut all) = (0u64, 0u64);
        for m in &metas {
            let w = u64::from(rampart_frameworks::eval::weight(m.severity));
            all += w;
            if per_check.get(m.id.as_ref()).is_none_or(|c| c.open == 0) {
                ok += w;
            }
        }
        let posture = (all > 0).then(|| (ok as f64 * 1000.0 / all as f64).round() / 10.0);
        let catalog = rampart_frameworks::catalog();
        let mappings = catalog.mappings(&metas);
        let mut frameworks = Vec::new();
        for fw in &catalog.frameworks {
            let mut controls = Vec::new();
            let mut ns_failing: BTreeMap<&str, usize> = BTreeMap::new();
            for (owner, spec) in catalog.controls_of(fw) {
                let cks = mappings.checks(&owner.id, &spec.id).to_vec();
                let mut sum = CheckCounts::default();
                for c in &cks {
                    if let Some(n) = per_check.get(c.as_str()) {
                        sum.open += n.open;
                        sum.waived += n.waived;
                        sum.manual += n.manual;
                        sum.pass += n.pass;
                        sum.na += n.na;
                    }
                }
                let (status, reason) = match &spec.judged {
                    Judged::Manual { reason } => (ControlStatus::Manual, Some(reason.clone())),
                    Judged::NotApplicable { reason } => {
                        (ControlStatus::NotApplicable, Some(reason.clone()))
                    }
                    Judged::Checks if cks.is_empty() => (ControlStatus::NotAssessed, None),
                    Judged::Checks if sum.open > 0 => (ControlStatus::Fail, None),
                    Judged::Checks if sum.manual > 0 => (ControlStatus::Manual, None),
                    Judged::Checks if sum.pass > 0 || sum.na == 0 => (ControlStatus::Pass, None),
                    Judged::Checks => (ControlStatus::NotApplicable, None),
                };
                if status == ControlStatus::Fail {
                    let mut failing: BTreeSet<&str> = BTreeSet::new();
                    for c in &cks {
                        if let Some(set) = open_ns.get(c.as_str()) {
                            failing.extend(set.iter().copied());
                        }
                    }
                    for n in failing {
                        *ns_failing.entry(n).or_default() += 1;
                    }
                }
                controls.push(Control {
                    owner: owner.id.clone(),
                    id: spec.id.clone(),
                    title: spec.title.clone(),
                    section: spec.section.clone(),
                    status,
                    reason,
                    checks: cks,
                    open: if status == ControlStatus::Fail {
                        sum.open
                    } else {
                        0
                    },
                    waived: sum.waived,
                });
            }
            let count = |s: ControlStatus| controls.iter().filter(|c| c.status == s).count();
            let (pass, fail) = (count(ControlStatus::Pass), count(ControlStatus::Fail));
            let decided = pass + fail;
            let mut namespaces: Vec<(String, usize, Option<f64>)> = all_ns
                .iter()
                .map(|n| {
                    let failing = ns_failing.get(n).copied().unwrap_or(0);
                    (
                        (*n).to_owned(),
                        failing,
                        percent(decided.saturating_sub(failing), decided),
                    )
                })
                .collect();
            namespaces.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            frameworks.push(FrameworkEval {
                id: fw.id.clone(),
                title: fw.title.clone(),
                version: fw.version.clone(),
                disclaimer: fw.disclaimer.clone(),
                pass,
                fail,
                manual: count(ControlStatus::Manual),
                not_applicable: count(ControlStatus::NotApplicable),
                not_assessed: count(ControlStatus::NotAssessed),
                score: percent(pass, decided),
                controls,
                namespaces,
            });
        }
        ScanAgg {
            open: by_severity.iter().sum(),
            summary,
            by_severity,
            namespaces: counted(ns),
            checks: counted(checks),
            posture,
            frameworks,
        }
    }

    pub fn framework(&self, id: &str) -> Option<&FrameworkEval> {
        let catalog = rampart_frameworks::catalog();
        let id = catalog.get(id).map_or(id, |f| f.id.as_str());
        self.frameworks.iter().find(|f| f.id == id)
    }

    /// The checks of a control named `owner:id`.
    pub fn control_checks(&self, key: &str) -> Option<(&FrameworkEval, &Control)> {
        self.frameworks
            .iter()
            .find_map(|f| f.controls.iter().find(|c| c.key() == key).map(|c| (f, c)))
    }
}
