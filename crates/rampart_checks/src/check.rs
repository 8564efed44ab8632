//! The check type and what a check sees.

use rampart_model::{Evidence, Fix, Meta, Pointer, Resource, Status, Subject, Workload};

use crate::inventory::Inventory;

/// One check: its metadata and its logic.
#[derive(Clone)]
pub struct Check {
    pub meta: Meta,
    pub run: Run,
}

/// How a check looks at its input, and with what logic.
#[derive(Clone)]
pub enum Run {
    /// One object at a time.
    Object(fn(&Ctx, &mut Emitter)),
    /// The whole inventory at once, through shared analyses (RBAC, network policy): for checks
    /// whose answer depends on other objects.
    Inventory(fn(&Inventory, &mut InventoryEmitter)),
    /// One object at a time, by logic that carries parameters or state: an instance of a
    /// parametrised check (a template), or a check added at run time (a user policy).
    ObjectRule(Rule<dyn ObjectRule>),
    /// The inventory, by logic that carries parameters or state.
    InventoryRule(Rule<dyn InventoryRule>),
}

impl Run {
    /// True for checks that need the whole inventory.
    pub fn is_inventory(&self) -> bool {
        matches!(self, Run::Inventory(_) | Run::InventoryRule(_))
    }

    /// True for inventory checks that read every object whole (user policies that look at other
    /// objects): the scan then keeps whole objects instead of their digests.
    pub fn keeps_whole_objects(&self) -> bool {
        match self {
            Run::InventoryRule(r) => r.needs_whole_objects(),
            _ => false,
        }
    }

    /// Runs an object check on one object; does nothing for inventory checks.
    pub fn object(&self, ctx: &Ctx, out: &mut Emitter) {
        match self {
            Run::Object(f) => f(ctx, out),
            Run::ObjectRule(r) => r.check(ctx, out),
            Run::Inventory(_) | Run::InventoryRule(_) => {}
        }
    }

    /// Runs an inventory check; does nothing for object checks.
    pub fn inventory(&self, inv: &Inventory, out: &mut InventoryEmitter) {
        match self {
            Run::Inventory(f) => f(inv, out),
            Run::InventoryRule(r) => r.check(inv, out),
            Run::Object(_) | Run::ObjectRule(_) => {}
        }
    }
}

/// Logic with parameters or state, shared by reference: a `static` instance of a template
/// (`Rule::Static(&Template { param })`), or one made at run time (`Rule::Shared(Arc::new(..))`).
pub enum Rule<T: ?Sized + 'static> {
    Static(&'static T),
    Shared(std::sync::Arc<T>),
}

impl<T: ?Sized> Clone for Rule<T> {
    fn clone(&self) -> Self {
        match self {
            Rule::Static(r) => Rule::Static(r),
            Rule::Shared(r) => Rule::Shared(r.clone()),
        }
    }
}

impl<T: ?Sized> std::ops::Deref for Rule<T> {
    type Target = T;
    fn deref(&self) -> &T {
        match self {
            Rule::Static(r) => r,
            Rule::Shared(r) => r,
        }
    }
}

/// The logic of an object check that carries parameters or state.
pub trait ObjectRule: Send + Sync {
    fn check(&self, ctx: &Ctx, out: &mut Emitter);
}

/// The logic of an inventory check that carries parameters or state.
pub trait InventoryRule: Send + Sync {
    fn check(&self, inv: &Inventory, out: &mut InventoryEmitter);

    /// True when the rule reads every object of the inventory whole (see
    /// [`Inventory::keep_whole`]); most rules read the shared analyses only.
    fn needs_whole_objects(&self) -> bool {
        false
    }
}

impl<F: Fn(&Ctx, &mut Emitter) + Send + Sync> ObjectRule for F {
    fn check(&self, ctx: &Ctx, out: &mut Emitter) {
        self(ctx, out)
    }
}

impl<F: Fn(&Inventory, &mut InventoryEmitter) + Send + Sync> InventoryRule for F {
    fn check(&self, inv: &Inventory, out: &mut InventoryEmitter) {
        self(inv, out)
    }
}

/// One result a check emits: where and what, and, rarely, more (status, evidence, fix, another
/// subject). Most checks only call [`Emitter::emit`], which reports a failure. What is rare is
/// boxed: inventory checks hold hundreds of thousands of these at once.
#[derive(Debug, Clone, Default)]
pub struct Emitted {
    pub pointer: Pointer,
    pub message: String,
    pub more: Option<Box<More>>,
}

/// The rarer parts of an [`Emitted`] result.
#[derive(Debug, Clone, Default)]
pub struct More {
    pub status: Status,
    pub evidence: Vec<Evidence>,
    pub fix: Option<Box<Fix>>,
    /// What the result is about when it is not the object looked at: a node component read from
    /// a synthetic node object, a package of an image object.
    pub subject: Option<Subject>,
    /// How many levels below the check's severity (after any config override) this result is:
    /// a milder form of the risk (an RBAC role that nothing binds).
    pub severity_steps_down: u8,
}

impl Emitted {
    pub fn fail(pointer: Pointer, message: impl Into<String>) -> Self {
        Emitted {
            pointer,
            message: message.into(),
            more: None,
        }
    }

    fn more(&mut self) -> &mut More {
        self.more.get_or_insert_with(Box::default)
    }

    pub fn with_status(mut self, status: Status) -> Self {
        self.more().status = status;
        self
    }

    pub fn with_evidence(mut self, evidence: Evidence) -> Self {
        self.more().evidence.push(evidence);
        self
    }

    /// Makes the result about `subject` instead of the object looked at.
    pub fn about(mut self, subject: Subject) -> Self {
        self.more().subject = Some(subject);
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.more().fix = Some(Box::new(fix));
        self
    }

    /// Reports the result `steps` severity levels below the check's own.
    pub fn with_severity_lowered(mut self, steps: u8) -> Self {
        self.more().severity_steps_down = steps;
        self
    }
}

/// An object of the inventory that explains an inventory finding (e.g. the binding and the role
/// behind an RBAC grant): its role, its index in the inventory and the field that matters.
#[derive(Debug, Clone)]
pub struct RelatedIdx {
    pub role: &'static str,
    pub object: usize,
    pub pointer: Pointer,
}

/// One result of an inventory check: the index of the object in the inventory, the result, and
/// the related objects.
#[derive(Debug)]
pub struct InventoryItem {
    pub object: usize,
    pub result: Emitted,
    pub related: Vec<RelatedIdx>,
}

/// Collects what an inventory check reports.
#[derive(Default, Debug)]
pub struct InventoryEmitter {
    pub(crate) items: Vec<InventoryItem>,
}

impl InventoryEmitter {
    /// Reports a finding on the field at `ptr` of the inventory's object number `object`.
    pub fn emit(&mut self, object: usize, ptr: Pointer, message: impl Into<String>) {
        self.emit_related(object, ptr, message, Vec::new());
    }

    /// Reports a result (with its status, evidence or fix) about the inventory's object number
    /// `object`.
    pub fn emit_result(&mut self, object: usize, result: Emitted) {
        self.items.push(InventoryItem {
            object,
            result,
            related: Vec::new(),
        });
    }

    /// Like [`InventoryEmitter::emit`], naming the other objects that explain the finding.
    pub fn emit_related(
        &mut self,
        object: usize,
        ptr: Pointer,
        message: impl Into<String>,
        related: Vec<RelatedIdx>,
    ) {
        self.items.push(InventoryItem {
            object,
            result: Emitted::fail(ptr, message),
            related,
        });
    }

    /// Reports any result (status, evidence, severity) on the inventory's object `object`.
    pub fn result_related(&mut self, object: usize, result: Emitted, related: Vec<RelatedIdx>) {
        self.items.push(InventoryItem {
            object,
            result,
            related,
        });
    }

    pub fn items(&self) -> &[InventoryItem] {
        &self.items
    }
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Check").field("id", &self.meta.id).finish()
    }
}

/// What a check sees: the object, and its pod template view when it has one.
pub struct Ctx<'a> {
    pub res: &'a Resource,
    /// The pod template view, for pod-bearing kinds.
    pub workload: Option<Workload<'a>>,
}

impl<'a> Ctx<'a> {
    pub fn new(res: &'a Resource) -> Self {
        Ctx {
            res,
            workload: Workload::of(res.kind(), &res.raw),
        }
    }

    pub fn kind(&self) -> &str {
        self.res.kind()
    }

    pub fn raw(&self) -> &'a serde_json::Value {
        &self.res.raw
    }

    /// Whether the object is of this API group and kind (any version).
    pub fn is(&self, gk: rampart_model::k8s::addons::GroupKind) -> bool {
        gk.matches(&self.res.id.api_version, self.kind())
    }
}

/// Collects what one check reports about one object.
#[derive(Default, Debug)]
pub struct Emitter {
    pub(crate) items: Vec<Emitted>,
}

impl Emitter {
    /// Reports a failure on the field at `ptr`.
    pub fn emit(&mut self, ptr: Pointer, message: impl Into<String>) {
        self.items.push(Emitted::fail(ptr, message));
    }

    /// Reports a result with its status, evidence or fix.
    pub fn result(&mut self, result: Emitted) {
        self.items.push(result);
    }

    /// The results emitted so far.
    pub fn items(&self) -> &[Emitted] {
        &self.items
    }
}
