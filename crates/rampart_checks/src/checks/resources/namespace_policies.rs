//! The logic of `namespace-without-resource-quota` and `namespace-without-limit-range`: a
//! Namespace object of the input with no object of a given kind in it.

use std::collections::HashSet;

use crate::checks::references::{self, name_ptr};
use crate::{Inventory, InventoryEmitter, InventoryRule};

/// Namespaces of the input holding no object of `kind`.
pub struct NamespaceWithout {
    pub kind: &'static str,
    /// What such an object would do, for the message.
    pub missing: &'static str,
}

impl InventoryRule for NamespaceWithout {
    fn check(&self, inv: &Inventory, out: &mut InventoryEmitter) {
        let (covered, _) = references::names_of(inv, self.kind);
        let covered: HashSet<&str> = covered.iter().map(String::as_str).collect();
        for (i, ns) in references::whole_of(inv, "Namespace") {
            let name = ns.id.name.as_str();
            if name.is_empty()
                || covered.contains(name)
                || references::SYSTEM_NAMESPACES.contains(&name)
            {
                continue;
            }
            out.emit(
                i,
                name_ptr(),
                format!(
                    "the input defines no {} in namespace `{name}`: {}",
                    self.kind, self.missing
                ),
            );
        }
    }
}
