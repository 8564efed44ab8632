//! The registry: the built-in checks (a plain, sorted list) and [`Registry`], which adds the
//! checks created at run time (user policies) to them.

use std::sync::{Arc, OnceLock};

use crate::checks;
use crate::Check;

/// Every built-in check, sorted by id.
pub fn all() -> &'static [&'static Check] {
    static ALL: OnceLock<Vec<&'static Check>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut v: Vec<&'static Check> = checks::ALL.to_vec();
        v.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        v
    })
}

/// The built-in check with this id.
pub fn by_id(id: &str) -> Option<&'static Check> {
    all()
        .binary_search_by(|c| (*c.meta.id).cmp(id))
        .ok()
        .map(|i| all()[i])
}

/// A check of a [`Registry`]: built in, or added at run time.
#[derive(Clone)]
pub enum CheckRef {
    Builtin(&'static Check),
    Added(Arc<Check>),
}

impl std::ops::Deref for CheckRef {
    type Target = Check;
    fn deref(&self) -> &Check {
        match self {
            CheckRef::Builtin(c) => c,
            CheckRef::Added(c) => c,
        }
    }
}

impl std::fmt::Debug for CheckRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

/// The checks a scan selects from: every built-in check plus those added at run time (user
/// policies, checks generated from a template's parameters), sorted by id. Ids are unique.
#[derive(Clone, Debug)]
pub struct Registry {
    checks: Vec<CheckRef>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry::builtin()
    }
}

impl Registry {
    /// The built-in checks.
    pub fn builtin() -> Self {
        Registry {
            checks: all().iter().map(|c| CheckRef::Builtin(c)).collect(),
        }
    }

    /// Adds a check. Its id must be kebab-case and new.
    pub fn add(&mut self, check: Check) -> Result<(), String> {
        let id = check.meta.id.clone();
        if !is_kebab_case(&id) {
            return Err(format!(
                "check id `{id}` is not kebab-case (lower-case letters, digits and single dashes)"
            ));
        }
        match self.checks.binary_search_by(|c| c.meta.id.cmp(&id)) {
            Ok(_) => Err(format!("check id `{id}` is already taken")),
            Err(at) => {
                self.checks.insert(at, CheckRef::Added(Arc::new(check)));
                Ok(())
            }
        }
    }

    /// Makes the checks that depend on the Kubernetes release (`removed-api`, `deprecated-api`)
    /// judge against 1.`minor` instead of the newest release rampart knows.
    pub fn set_kubernetes_version(&mut self, minor: u32) {
        for check in checks::hygiene::api_versions::for_target(minor) {
            if let Ok(at) = self
                .checks
                .binary_search_by(|c| c.meta.id.cmp(&check.meta.id))
            {
                self.checks[at] = CheckRef::Added(Arc::new(check));
            }
        }
    }

    /// Makes `image-registry-not-allowed` judge against this allow-list (the config's
    /// `images.allowed-registries`).
    pub fn set_allowed_registries<S: AsRef<str>>(&mut self, entries: &[S]) {
        let check = checks::images::image_registry_not_allowed::configured(entries);
        if let Ok(at) = self
            .checks
            .binary_search_by(|c| c.meta.id.cmp(&check.meta.id))
        {
            self.checks[at] = CheckRef::Added(Arc::new(check));
        }
    }

    /// Every check, sorted by id.
    pub fn checks(&self) -> &[CheckRef] {
        &self.checks
    }

    /// The check with this id.
    pub fn by_id(&self, id: &str) -> Option<&CheckRef> {
        self.checks
            .binary_search_by(|c| (*c.meta.id).cmp(id))
            .ok()
            .map(|i| &self.checks[i])
    }
}

/// Lower-case ASCII letters and digits in dash-separated words.
pub fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_metadata_complete() {
        let mut seen = std::collections::HashSet::new();
        for c in all() {
            let m = &c.meta;
            assert!(seen.insert(&m.id), "duplicate id {}", m.id);
            assert!(is_kebab_case(&m.id), "{} is not kebab-case", m.id);
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

    #[test]
    fn added_checks_join_the_builtin_ones_with_unique_ids() {
        let mut r = Registry::builtin();
        let n = r.checks().len();
        let mut meta = by_id("host-pid").expect("host-pid").meta.clone();
        assert!(r
            .add(Check {
                meta: meta.clone(),
                run: crate::Run::Object(|_, _| {}),
            })
            .is_err_and(|e| e.contains("already taken")));
        meta.id = "Not Kebab".into();
        assert!(r
            .add(Check {
                meta: meta.clone(),
                run: crate::Run::Object(|_, _| {}),
            })
            .is_err_and(|e| e.contains("kebab-case")));
        meta.id = String::from("team-label").into();
        r.add(Check {
            meta,
            run: crate::Run::Object(|_, _| {}),
        })
        .expect("a new id");
        assert_eq!(r.checks().len(), n + 1);
        assert!(matches!(r.by_id("team-label"), Some(CheckRef::Added(_))));
        assert!(matches!(r.by_id("host-pid"), Some(CheckRef::Builtin(_))));
        assert!(r.checks().is_sorted_by(|a, b| a.meta.id < b.meta.id));
    }
}
