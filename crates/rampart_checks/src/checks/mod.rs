//! The built-in checks: one folder per check, grouped by category.
//!
//! ```text
//! src/checks/<category>/<id>/       <id> is the check id with `_` for `-` (host_network)
//!     mod.rs                        `pub static CHECK`: its Meta (title, rationale, remediation,
//!                                   examples: the text of docs/checks/<id>.md) and its code
//!     fixtures/fail*.yaml           objects it reports, each offending line marked
//!                                   `# expect: <id>`
//!     fixtures/pass*.yaml           objects it must stay silent on
//! ```
//!
//! Helpers shared by several checks stay beside them: [`common`] for all, and a category's
//! `mod.rs` (or a file in it, such as `hygiene/probes.rs`) for its own.
//!
//! Registration is automatic: `build.rs` turns every folder `<category>/<id>/` into a module of its
//! category and an entry of [`ALL`]. A category is declared here and its `mod.rs` includes the
//! generated module list. The fixture test (`tests/fixtures.rs`) runs every check's fixtures and
//! fails when a check has none or a fixtures folder belongs to no check; the docs test fails until
//! `cargo xtask docs` has regenerated docs/checks/.
//!
//! To add a check: `cargo xtask new-check <id> --category <category> [--severity <severity>]`
//! scaffolds the folder (code, fail and pass fixtures) and regenerates the docs; then replace every
//! text marked [`SCAFFOLD`] (a test fails while any remains), write the code and the fixtures, and
//! run `cargo xtask docs` again.

pub mod admission;
pub mod argocd;
pub mod cert_manager;
pub mod cluster;
pub mod common;
pub mod gateway_api;
pub mod hygiene;
pub mod identity;
pub mod images;
pub mod ingress_nginx;
pub mod istio;
pub mod network;
pub mod network_policy;
pub mod pod_security;
pub mod prometheus_operator;
pub mod rbac;
pub mod references;
pub mod resources;
pub mod secrets;

use crate::Check;

include!(concat!(env!("OUT_DIR"), "/checks/all.rs"));

/// Marks the text `cargo xtask new-check` writes for the author to replace; no check may keep it.
pub const SCAFFOLD: &str = "[scaffold]";

#[cfg(test)]
mod tests {
    use super::SCAFFOLD;

    #[test]
    fn no_scaffold_text_remains() {
        for c in crate::all() {
            let m = &c.meta;
            for (field, text) in [
                ("title", &m.title),
                ("rationale", &m.rationale),
                ("remediation", &m.remediation),
                ("example_fail", &m.example_fail),
                ("example_pass", &m.example_pass),
            ] {
                assert!(
                    !text.contains(SCAFFOLD),
                    "{}: replace the scaffold text of its {field}: {text:?}",
                    m.id
                );
            }
        }
    }
}
