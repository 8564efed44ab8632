//! The check type and what a check sees.

use rampart_model::{Meta, Pointer, Resource, Workload};

/// One built-in check: static metadata and a pure function.
pub struct Check {
    pub meta: Meta,
    /// Looks at one object and emits findings.
    pub run: fn(&Ctx, &mut Emitter),
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
