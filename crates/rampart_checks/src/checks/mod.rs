//! The built-in checks, one per file, grouped by category.
//!
//! To add a check: write `checks/<category>/<id_with_underscores>.rs` with a `pub static CHECK`,
//! add it to [`ALL`], add fixtures under `fixtures/<id>/` (`fail*.yaml` with `# expect: <id>`
//! markers on the offending lines, `pass*.yaml` with none), and run `cargo run -p xtask -- docs`.

pub mod common;
pub mod hygiene;
pub mod identity;
pub mod images;
pub mod network;
pub mod pod_security;
pub mod resources;
pub mod secrets;

use crate::Check;

/// Every built-in check (the registry sorts them).
pub static ALL: &[&Check] = &[
    &hygiene::invalid_ignore_annotation::CHECK,
    &pod_security::privileged_container::CHECK,
    &pod_security::host_pid::CHECK,
];
