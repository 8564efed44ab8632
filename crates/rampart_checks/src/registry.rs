//! The registry: a plain, sorted list of every built-in check.

use std::sync::OnceLock;

use crate::checks;
use crate::Check;

/// Every built-in check, sorted by id.
pub fn all() -> &'static [&'static Check] {
    static ALL: OnceLock<Vec<&'static Check>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut v: Vec<&'static Check> = checks::ALL.to_vec();
        v.sort_by_key(|c| c.meta.id);
        v
    })
}

/// The check with this id.
pub fn by_id(id: &str) -> Option<&'static Check> {
    all()
        .binary_search_by(|c| c.meta.id.cmp(id))
        .ok()
        .map(|i| all()[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_metadata_complete() {
        let mut seen = std::collections::HashSet::new();
        for c in all() {
            let m = &c.meta;
            assert!(seen.insert(m.id), "duplicate id {}", m.id);
            assert!(
                m.id.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
                    && !m.id.starts_with('-')
                    && !m.id.ends_with('-'),
                "{} is not kebab-case",
                m.id
            );
            assert!(!m.title.is_empty(), "{} has no title", m.id);
            assert!(m.rationale.len() > 40, "{} needs a real rationale", m.id);
            assert!(
                m.remediation.len() > 20,
                "{} needs a real remediation",
                m.id
            );
            assert!(!m.controls.is_empty(), "{} maps to no framework", m.id);
        }
    }
}
