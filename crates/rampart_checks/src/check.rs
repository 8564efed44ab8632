//! The check type and what a check sees.

use rampart_model::{Meta, Pointer, Resource, Workload};

use crate::inventory::Inventory;

/// One built-in check: static metadata and a pure function.
pub struct Check {
    pub meta: Meta,
    pub run: Run,
}

/// How a check looks at its input.
#[derive(Clone, Copy)]
pub enum Run {
    /// One object at a time.
    Object(fn(&Ctx, &mut Emitter)),
    /// The whole inventory at once, through shared analyses (RBAC, network policy): for checks
    /// whose answer depends on other objects.
    Inventory(fn(&Inventory, &mut InventoryEmitter)),
}

/// Collects what an inventory check reports: the index of the object in the inventory, the
/// field's pointer and the message.
#[derive(Default, Debug)]
pub struct InventoryEmitter {
    pub(crate) items: Vec<(usize, Pointer, String)>,
}

impl InventoryEmitter {
    /// Reports a finding on the field at `ptr` of the inventory's object number `object`.
    pub fn emit(&mut self, object: usize, ptr: Pointer, message: impl Into<String>) {
        self.items.push((object, ptr, message.into()));
    }

    pub fn items(&self) -> &[(usize, Pointer, String)] {
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
}

/// Collects what one check reports about one object.
#[derive(Default, Debug)]
pub struct Emitter {
    pub(crate) items: Vec<(Pointer, String)>,
}

impl Emitter {
    /// Reports a finding on the field at `ptr`.
    pub fn emit(&mut self, ptr: Pointer, message: impl Into<String>) {
        self.items.push((ptr, message.into()));
    }

    /// The findings emitted so far (pointer, message).
    pub fn items(&self) -> &[(Pointer, String)] {
        &self.items
    }
}
