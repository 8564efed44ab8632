//! Selects checks and runs them over objects.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use rampart_model::{
    Category, Finding, Framework, Related, Resource, Severity, Subject, Suppression,
};

use rayon::prelude::*;

use crate::{suppress, Check, Config, Ctx, Emitted, Emitter, Inventory, InventoryEmitter, Run};

/// Which checks run, and with which severity.
#[derive(Debug, Clone)]
pub struct Selection {
    pub checks: Vec<&'static Check>,
    pub severity: HashMap<&'static str, Severity>,
}

impl Selection {
    /// Every built-in check at its own severity.
    pub fn all() -> Self {
        Selection {
            checks: crate::all().to_vec(),
            severity: HashMap::new(),
        }
    }

    /// Selection from a list of terms: a check id, a category, `framework:<name>`, or `all`.
    /// An unknown term is an error naming it.
    pub fn matching(terms: &[String]) -> Result<Vec<&'static Check>, String> {
        let mut out: Vec<&'static Check> = Vec::new();
        for term in terms {
            let t = term.trim();
            let found: Vec<&'static Check> = if t == "all" {
                crate::all().to_vec()
            } else if let Some(fw) = t.strip_prefix("framework:") {
                let fw: Framework = fw.parse()?;
                crate::all()
                    .iter()
                    .copied()
                    .filter(|c| c.meta.maps_to(fw))
                    .collect()
            } else if let Some(c) = crate::by_id(t) {
                vec![c]
            } else if let Some(cat) = category(t) {
                crate::all()
                    .iter()
                    .copied()
                    .filter(|c| c.meta.category == cat)
                    .collect()
            } else {
                return Err(format!(
                    "unknown check, category or framework `{t}` (see `rampart checks`)"
                ));
            };
            for c in found {
                if !out.iter().any(|o| o.meta.id == c.meta.id) {
                    out.push(c);
                }
            }
        }
        out.sort_by_key(|c| c.meta.id);
        Ok(out)
    }

    /// Applies a config: `select`, `ignore` and `severity`.
    pub fn from_config(cfg: &Config) -> Result<Self, String> {
        let mut checks = if cfg.checks.select.is_empty() {
            crate::all().to_vec()
        } else {
            Self::matching(&cfg.checks.select)?
        };
        if !cfg.checks.ignore.is_empty() {
            let ignored = Self::matching(&cfg.checks.ignore)?;
            checks.retain(|c| !ignored.iter().any(|i| i.meta.id == c.meta.id));
        }
        let mut severity = HashMap::new();
        for (id, sev) in &cfg.checks.severity {
            let c = crate::by_id(id)
                .ok_or_else(|| format!("severity override for unknown check `{id}`"))?;
            severity.insert(c.meta.id, *sev);
        }
        Ok(Selection { checks, severity })
    }
}

fn category(s: &str) -> Option<Category> {
    [
        Category::PodSecurity,
        Category::Resources,
        Category::Images,
        Category::Secrets,
        Category::Identity,
        Category::Network,
        Category::Hygiene,
        Category::Rbac,
        Category::NetworkPolicy,
    ]
    .into_iter()
    .find(|c| c.as_str() == s)
}

/// Runs the selected checks over objects.
#[derive(Debug, Clone)]
pub struct Engine {
    pub selection: Selection,
}

impl Engine {
    pub fn new(selection: Selection) -> Self {
        Engine { selection }
    }

    /// Runs every selected check on one object. Findings carry pointers; locations are resolved by
    /// the source. Objects' own ignore annotations are applied here.
    pub fn run(&self, res: &Resource) -> Vec<Finding> {
        self.run_checked(res).0
    }

    /// Like [`Engine::run`], and also validates the types of the pod-spec fields checks read
    /// (see [`crate::validate`]), sharing one pod-template view.
    pub fn run_checked(&self, res: &Resource) -> (Vec<Finding>, Vec<crate::validate::TypeError>) {
        let ctx = Ctx::new(res);
        let type_errors = ctx
            .workload
            .as_ref()
            .map(crate::validate::workload_types)
            .unwrap_or_default();
        (self.run_ctx(res, &ctx), type_errors)
    }

    fn run_ctx(&self, res: &Resource, ctx: &Ctx) -> Vec<Finding> {
        let ignores = suppress::annotation_ignores(res);
        let mut out = Vec::new();
        let mut em = Emitter::default();
        let mut object: Option<Arc<rampart_model::ObjectRef>> = None;
        for check in &self.selection.checks {
            let Run::Object(run) = check.run else {
                continue;
            };
            run(ctx, &mut em);
            if em.items.is_empty() {
                continue;
            }
            let severity = self.severity(check);
            let suppression = suppress::status(&ignores, check.meta.id);
            let subject = Subject::Object(
                object
                    .get_or_insert_with(|| Arc::new(res.id.clone()))
                    .clone(),
            );
            for e in em.items.drain(..) {
                out.push(finding(
                    check.meta.id,
                    severity,
                    subject.clone(),
                    e,
                    suppression.clone(),
                ));
            }
        }
        out
    }

    /// True when a selected check needs the inventory (so the scan should keep one).
    pub fn needs_inventory(&self) -> bool {
        self.selection
            .checks
            .iter()
            .any(|c| matches!(c.run, Run::Inventory(_)))
    }

    /// The severity of `check`'s findings: the config's override, else the check's own.
    fn severity(&self, check: &Check) -> Severity {
        self.selection
            .severity
            .get(check.meta.id)
            .copied()
            .unwrap_or(check.meta.severity)
    }

    /// Runs the selected inventory checks. Each finding names an object of the inventory (by
    /// index, returned beside it) so the caller can resolve its location.
    pub fn run_inventory(&self, inv: &Inventory) -> Vec<InventoryFinding> {
        // Build the analyses the selected checks need side by side (they are independent).
        let needs = |cat: rampart_model::Category| {
            self.selection
                .checks
                .iter()
                .any(|c| c.meta.category == cat && matches!(c.run, Run::Inventory(_)))
        };
        let (rbac, netpol) = (
            needs(rampart_model::Category::Rbac),
            needs(rampart_model::Category::NetworkPolicy),
        );
        rayon::join(
            || {
                if rbac {
                    inv.rbac_risks();
                }
            },
            || {
                if netpol {
                    inv.netpol();
                }
            },
        );
        // Every check reads the shared analyses only: run them side by side.
        let inventory_checks: Vec<&Check> = self
            .selection
            .checks
            .iter()
            .filter(|c| matches!(c.run, Run::Inventory(_)))
            .copied()
            .collect();
        let emitted: Vec<(&Check, InventoryEmitter)> = inventory_checks
            .into_par_iter()
            .map(|check| {
                let mut em = InventoryEmitter::default();
                if let Run::Inventory(run) = check.run {
                    run(inv, &mut em);
                }
                (check, em)
            })
            .collect();
        let mut out: Vec<InventoryFinding> =
            Vec::with_capacity(emitted.iter().map(|(_, em)| em.items.len()).sum());
        let mut objects: HashMap<usize, (Arc<rampart_model::ObjectRef>, Vec<suppress::Ignore>)> =
            HashMap::new();
        for (check, em) in emitted {
            let severity = self.severity(check);
            for item in em.items {
                let Some(res) = inv.objects.get(item.object) else {
                    continue;
                };
                // Identity and ignore clauses once per object, not once per finding.
                let (object, ignores) = objects.entry(item.object).or_insert_with(|| {
                    (
                        Arc::new(res.id().clone()),
                        suppress::ignores_of(res.ignore_annotation()),
                    )
                });
                let suppression = suppress::status(ignores, check.meta.id);
                let mut f = finding(
                    check.meta.id,
                    severity,
                    Subject::Object(object.clone()),
                    item.result,
                    suppression,
                );
                let mut related_objects = Vec::with_capacity(item.related.len());
                for r in item.related {
                    let Some(other) = inv.objects.get(r.object) else {
                        continue;
                    };
                    related_objects.push(r.object);
                    f.related.push(Related {
                        role: Cow::Borrowed(r.role),
                        object: Arc::new(other.id().clone()),
                        pointer: r.pointer,
                        location: None,
                    });
                }
                out.push(InventoryFinding {
                    object: item.object,
                    related_objects,
                    finding: f,
                });
            }
        }
        out
    }
}

/// A finding of an inventory check, with the inventory indexes of its object and of each of its
/// related objects (in `finding.related` order), so the caller can locate them.
#[derive(Debug)]
pub struct InventoryFinding {
    pub object: usize,
    pub related_objects: Vec<usize>,
    pub finding: Finding,
}

/// A finding of one object from what a check emitted.
fn finding(
    check: &'static str,
    severity: Severity,
    subject: Subject,
    e: Emitted,
    suppression: Suppression,
) -> Finding {
    let mut f = Finding::new(
        Cow::Borrowed(check),
        severity,
        subject,
        e.pointer,
        e.message,
    );
    f.status = e.status;
    f.evidence = e.evidence;
    f.fix = e.fix;
    f.suppression = suppression;
    f
}
