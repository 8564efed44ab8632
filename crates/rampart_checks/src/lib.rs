//! Checks: the [`Check`] type, the registry of built-in checks, and the engine that runs them.
//!
//! A check is pure: it reads one object (and, later, shared analyses) and emits findings through
//! an [`Emitter`], with a JSON pointer to the field at fault. It never does I/O. The same check runs
//! on files, live clusters, snapshots and admission requests.

mod check;
pub mod checks;
pub mod cluster_info;
pub mod config;
pub mod docs;
mod engine;
pub mod inventory;
mod registry;
pub mod suppress;
pub mod validate;

pub use check::{
    Check, Ctx, Emitted, Emitter, InventoryEmitter, InventoryItem, InventoryRule, More, ObjectRule,
    RelatedIdx, Rule, Run,
};
pub use config::{Config, ConfigError, Waiver};
pub use engine::{Emissions, Engine, InventoryFindings, Place, Selection};
pub use inventory::Inventory;
pub use registry::{all, by_id, is_kebab_case, CheckRef, Registry};
