//! Selects checks and runs them over objects.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use rampart_model::{
    Category, Finding, Framework, Related, Resource, Severity, Subject, Suppression,
};

use rayon::prelude::*;

use crate::{
    suppress, Check, CheckRef, Config, Ctx, Emitted, Emitter, Inventory, InventoryEmitter, Registry,
};

/// Which checks run, and with which severity.
#[derive(Debug, Clone)]
pub struct Selection {
    pub checks: Vec<CheckRef>,
    /// Severity overrides by check id.
    pub severity: HashMap<String, Severity>,
}

impl Selection {
    /// Every built-in check at its own severity.
    pub fn all() -> Self {
        Selection {
            checks: Registry::builtin().checks().to_vec(),
            severity: HashMap::new(),
        }
    }

    /// The built-in checks a list of terms names (see [`Selection::matching_in`]).
    pub fn matching(terms: &[String]) -> Result<Vec<CheckRef>, String> {
        Self::matching_in(&Registry::builtin(), terms)
    }

    /// The checks of `registry` a list of terms names: a check id, a category,
    /// `framework:<name>`, or `all`. An unknown term is an error naming it.
    pub fn matching_in(registry: &Registry, terms: &[String]) -> Result<Vec<CheckRef>, String> {
        let mut out: Vec<CheckRef> = Vec::new();
        for term in terms {
            let t = term.trim();
            let all = registry.checks().iter();
            let found: Vec<&CheckRef> = if t == "all" {
                all.collect()
            } else if let Some(fw) = t.strip_prefix("framework:") {
                let fw: Framework = fw.parse()?;
                all.filter(|c| c.meta.maps_to(fw)).collect()
            } else if let Some(c) = registry.by_id(t) {
                vec![c]
            } else if let Some(cat) = category(t) {
                all.filter(|c| c.meta.category == cat).collect()
            } else {
                return Err(format!(
                    "unknown check, category or framework `{t}` (see `rampart checks`)"
                ));
            };
            for c in found {
                if !out.iter().any(|o| o.meta.id == c.meta.id) {
                    out.push(c.clone());
                }
            }
        }
        out.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        Ok(out)
    }

    /// The built-in checks a config selects (see [`Selection::from_config_in`]).
    pub fn from_config(cfg: &Config) -> Result<Self, String> {
        Self::from_config_in(&Registry::builtin(), cfg)
    }

    /// Applies a config to the checks of `registry`: `select`, `ignore` and `severity`.
    pub fn from_config_in(registry: &Registry, cfg: &Config) -> Result<Self, String> {
        let mut checks = if cfg.checks.select.is_empty() {
            registry.checks().to_vec()
        } else {
            Self::matching_in(registry, &cfg.checks.select)?
        };
        if !cfg.checks.ignore.is_empty() {
            let ignored = Self::matching_in(registry, &cfg.checks.ignore)?;
            checks.retain(|c| !ignored.iter().any(|i| i.meta.id == c.meta.id));
        }
        let mut severity = HashMap::new();
        for (id, sev) in &cfg.checks.severity {
            let c = registry
                .by_id(id)
                .ok_or_else(|| format!("severity override for unknown check `{id}`"))?;
            severity.insert(c.meta.id.to_string(), *sev);
        }
        Ok(Selection { checks, severity })
    }
}

fn category(s: &str) -> Option<Category> {
    Category::parse(s)
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
        if crate::checks::common::is_apiserver_object(res) {
            return Vec::new();
        }
        let ignores = suppress::annotation_ignores(res);
        let mut out = Vec::new();
        let mut em = Emitter::default();
        let mut object: Option<Arc<rampart_model::ObjectRef>> = None;
        for check in &self.selection.checks {
            check.run.object(ctx, &mut em);
            if em.items.is_empty() {
                continue;
            }
            let severity = self.severity(check);
            let suppression = suppress::status(&ignores, &check.meta.id);
            let subject = Subject::Object(
                object
                    .get_or_insert_with(|| Arc::new(res.id.clone()))
                    .clone(),
            );
            for e in em.items.drain(..) {
                out.push(finding(
                    check.meta.id.clone(),
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
        self.selection.checks.iter().any(|c| c.run.is_inventory())
    }

    /// True when a selected check needs every object of the inventory whole (a user policy that
    /// reads other objects), so the scan keeps each object whole rather than its digest.
    pub fn needs_whole_objects(&self) -> bool {
        self.selection
            .checks
            .iter()
            .any(|c| c.run.keeps_whole_objects())
    }

    /// The severity of `check`'s findings: the config's override, else the check's own.
    fn severity(&self, check: &Check) -> Severity {
        self.selection
            .severity
            .get(&*check.meta.id)
            .copied()
            .unwrap_or(check.meta.severity)
    }

    /// Runs the selected inventory checks. Each finding names an object of the inventory (by
    /// index, returned beside it) so the caller can resolve its location.
    pub fn run_inventory(&self, inv: &Inventory) -> InventoryFindings {
        let emitted = self.emit_inventory(inv);
        self.inventory_findings(inv, emitted)
    }

    /// The first half of [`Engine::run_inventory`]: runs the selected inventory checks and keeps
    /// what they emitted. The analyses are not needed after this (see
    /// [`Inventory::take_analyses`]); [`Engine::inventory_findings`] needs only the objects.
    pub fn emit_inventory<'e>(&'e self, inv: &Inventory) -> Emissions<'e> {
        // Build the analyses the selected checks need side by side (they are independent).
        let needs = |cat: rampart_model::Category| {
            self.selection
                .checks
                .iter()
                .any(|c| c.meta.category == cat && c.run.is_inventory())
        };
        let (rbac, netpol) = (
            needs(rampart_model::Category::Rbac),
            needs(rampart_model::Category::NetworkPolicy),
        );
        // The RBAC analysis (the larger) is built on the calling thread, which frees it once the
        // checks have run and then makes the findings: memory a thread frees of its own is
        // reused by its next allocations, memory freed from another thread's pages is not (the
        // findings would take fresh memory while the analysis's stayed committed).
        std::thread::scope(|scope| {
            if netpol {
                scope.spawn(|| {
                    inv.netpol();
                });
            }
            if rbac {
                inv.rbac_risks();
            }
        });
        // Every check reads the shared analyses only: run them side by side. The NetworkPolicy
        // checks go as one group, after which their analysis is let go: it is not held while the
        // rest finish (the RBAC checks, whose escalation graph is the phase's largest transient).
        let run = |&(i, check): &(usize, &'e Check)| {
            let mut em = InventoryEmitter::default();
            check.run.inventory(inv, &mut em);
            (i, check, em)
        };
        let (netpol_checks, other_checks): (Numbered, Numbered) = self
            .selection
            .checks
            .iter()
            .map(|c| &**c)
            .filter(|c| c.run.is_inventory())
            .enumerate()
            .partition(|(_, c)| c.meta.category == rampart_model::Category::NetworkPolicy);
        // The RBAC checks run among the others; the last of them to finish lets the RBAC
        // analysis go.
        let is_rbac = |c: &Check| c.meta.category == rampart_model::Category::Rbac;
        let rbac_left = std::sync::atomic::AtomicUsize::new(
            other_checks.iter().filter(|(_, c)| is_rbac(c)).count(),
        );
        let (mut emitted, other_emitted) = rayon::join(
            || {
                let emitted: Vec<_> = netpol_checks.par_iter().map(run).collect();
                inv.release_netpol();
                emitted
            },
            || {
                other_checks
                    .par_iter()
                    .map(|item| {
                        let out = run(item);
                        if is_rbac(item.1)
                            && rbac_left.fetch_sub(1, std::sync::atomic::Ordering::AcqRel) == 1
                        {
                            inv.release_rbac();
                        }
                        out
                    })
                    .collect::<Vec<_>>()
            },
        );
        // In the selection's order, as one pass over all of them gave.
        emitted.extend(other_emitted);
        emitted.sort_unstable_by_key(|&(i, _, _)| i);
        let emitted = emitted.into_iter().map(|(_, c, em)| (c, em)).collect();
        Emissions(emitted)
    }

    /// The second half of [`Engine::run_inventory`]: findings from what the checks emitted.
    pub fn inventory_findings(&self, inv: &Inventory, emitted: Emissions<'_>) -> InventoryFindings {
        let emitted = emitted.0;
        let total = emitted.iter().map(|(_, em)| em.items.len()).sum();
        let mut out = InventoryFindings {
            findings: Vec::with_capacity(total),
            places: Vec::with_capacity(total),
        };
        // Identity once per object (shared by its findings and by findings that name it as
        // related), ignore clauses once per object with findings.
        // Indexed by inventory index (no hashing: a finding is made for each of hundreds of
        // thousands of items).
        let mut ids: Vec<Option<Arc<rampart_model::ObjectRef>>> = vec![None; inv.objects.len()];
        let mut id_of = |idx: usize| -> Option<Arc<rampart_model::ObjectRef>> {
            let res = inv.objects.get(idx)?;
            Some(
                ids.get_mut(idx)?
                    .get_or_insert_with(|| Arc::new(res.id().clone()))
                    .clone(),
            )
        };
        let mut ignores: Vec<Option<Vec<suppress::Ignore>>> = vec![None; inv.objects.len()];
        for (check, em) in emitted {
            let severity = self.severity(check);
            for item in em.items {
                let Some(object) = id_of(item.object) else {
                    continue;
                };
                let Some(slot) = ignores.get_mut(item.object) else {
                    continue;
                };
                let ignores = slot.get_or_insert_with(|| {
                    inv.objects
                        .get(item.object)
                        .map(|res| suppress::ignores_of(res.ignore_annotation()))
                        .unwrap_or_default()
                });
                let suppression = suppress::status(ignores, &check.meta.id);
                let mut f = finding(
                    check.meta.id.clone(),
                    severity,
                    Subject::Object(object),
                    item.result,
                    suppression,
                );
                let mut related_objects = Vec::with_capacity(item.related.len());
                for r in item.related {
                    let Some(object) = id_of(r.object) else {
                        continue;
                    };
                    related_objects.push(r.object);
                    f.related.push(Related {
                        role: Cow::Borrowed(r.role),
                        object,
                        pointer: r.pointer,
                        location: None,
                    });
                }
                out.findings.push(f);
                out.places.push(Place {
                    object: item.object,
                    related: related_objects,
                });
            }
        }
        out
    }
}

/// The findings of the inventory checks, and beside each (same index) the inventory indexes of
/// its object and of its related objects, so the caller can locate them. Two lists rather than
/// one of pairs, so the findings can be located, sorted and handed on in place.
#[derive(Debug, Default)]
pub struct InventoryFindings {
    pub findings: Vec<Finding>,
    pub places: Vec<Place>,
}

/// What the inventory checks emitted, check by check.
pub struct Emissions<'e>(Vec<(&'e Check, InventoryEmitter)>);

/// Checks with their place in the selection.
type Numbered<'e> = Vec<(usize, &'e Check)>;

/// Where an inventory finding's object and related objects are in the inventory.
#[derive(Debug)]
pub struct Place {
    pub object: usize,
    /// One per entry of the finding's `related`, in order.
    pub related: Vec<usize>,
}

/// A finding of one object from what a check emitted.
fn finding(
    check: Cow<'static, str>,
    severity: Severity,
    object: Subject,
    e: Emitted,
    suppression: Suppression,
) -> Finding {
    let more = e.more.map(|m| *m).unwrap_or_default();
    let subject = more.subject.unwrap_or(object);
    let severity = severity.lowered(more.severity_steps_down);
    let mut f = Finding::new(check, severity, subject, e.pointer, e.message);
    f.status = more.status;
    f.evidence = more.evidence;
    f.fix = more.fix;
    f.suppression = suppression;
    f
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rampart_model::{Component, Evidence, Origin, Pointer, Resource, Status, Subject};

    use super::*;
    use crate::{Emitted, Rule, Run};

    /// How a node check plugs in: a source makes a synthetic object of what it read (flags,
    /// files), and a check reports results about each component, with any status and evidence.
    #[test]
    fn a_result_can_be_about_another_subject_with_any_status_and_evidence() {
        let check = Check {
            meta: rampart_model::meta! {
                id: "kubelet-anonymous-auth",
                title: "Kubelet allows anonymous requests",
                severity: Severity::High,
                category: Category::Hygiene,
                controls: &[],
                rationale: "An anonymous kubelet API answers anyone who reaches the node.",
                remediation: "Set --anonymous-auth=false.",
                kinds: &[],
                example_fail: "",
                example_pass: "",
            },
            run: Run::ObjectRule(Rule::Shared(Arc::new(|ctx: &Ctx, out: &mut Emitter| {
                let flag = ctx.raw().pointer("/kubelet/anonymous-auth");
                let status = if flag.and_then(|v| v.as_str()) == Some("false") {
                    Status::Pass
                } else {
                    Status::Fail
                };
                out.result(
                    Emitted::fail(
                        Pointer::from_raw("/kubelet/anonymous-auth"),
                        "anonymous auth",
                    )
                    .with_status(status)
                    .with_evidence(
                        Evidence::new("--anonymous-auth", flag.map(|v| v.to_string()))
                            .expected("false"),
                    )
                    .about(Subject::Component(Arc::new(Component {
                        node: Some("node-1".into()),
                        name: "kubelet".into(),
                    }))),
                );
            }))),
        };
        let mut registry = Registry::builtin();
        registry.add(check).expect("new id");
        let engine = Engine::new(Selection {
            checks: Selection::matching_in(&registry, &["kubelet-anonymous-auth".into()])
                .expect("selected"),
            severity: HashMap::new(),
        });
        let node = Resource::new(
            serde_json::json!({"apiVersion": "rampart.dev/v1", "kind": "NodeConfig",
                "metadata": {"name": "node-1"}, "kubelet": {"anonymous-auth": "false"}}),
            Origin::Cluster {
                context: "node".into(),
            },
        );
        let found = engine.run(&node);
        assert_eq!(found.len(), 1);
        let f = &found[0];
        assert_eq!(f.status, Status::Pass);
        assert!(!f.is_open());
        assert_eq!(f.subject.display_name(), "kubelet on node-1");
        assert_eq!(f.evidence[0].found.as_deref(), Some("\"false\""));
    }
}
