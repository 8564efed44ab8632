//! Matching one package version against the stored affected entries, following the OSV
//! schema's evaluation: events of a range sorted by version (`introduced: "0"` first), the
//! version is affected after an `introduced` it reaches, and no longer after a `fixed` it reaches
//! or a `last_affected` it passes; `limit` events bound the range from above; explicit
//! `versions` lists match exactly. `SEMVER` ranges use SemVer order, `ECOSYSTEM` ranges the
//! ecosystem's order; `GIT` ranges name commits and cannot be evaluated against a package
//! version (their records' `versions` lists still match).

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::version::Order;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RangeKind {
    Ecosystem,
    SemVer,
    Git,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    Introduced,
    Fixed,
    LastAffected,
    Limit,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Introduced => "introduced",
            EventKind::Fixed => "fixed",
            EventKind::LastAffected => "last_affected",
            EventKind::Limit => "limit",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredRange {
    pub kind: RangeKind,
    pub events: Vec<(EventKind, String)>,
}

/// What made a version affected.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hit {
    /// `fixed` versions above the queried one, in the ranges that matched.
    pub fixed: Vec<String>,
    /// The matching ranges or `versions` entry, as text.
    pub ranges: Vec<String>,
}

fn is_zero(v: &str) -> bool {
    v == "0"
}

/// Compare two event versions, `"0"` being below everything.
fn cmp_event(order: Order, a: &str, b: &str) -> Option<Ordering> {
    match (is_zero(a), is_zero(b)) {
        (true, true) => Some(Ordering::Equal),
        (true, false) => Some(Ordering::Less),
        (false, true) => Some(Ordering::Greater),
        (false, false) => order.compare(a, b),
    }
}

/// Text of a range: `ECOSYSTEM introduced 0, fixed 1.2-1`.
pub fn range_text(r: &StoredRange) -> String {
    let kind = match r.kind {
        RangeKind::Ecosystem => "ECOSYSTEM",
        RangeKind::SemVer => "SEMVER",
        RangeKind::Git => "GIT",
        RangeKind::Other => "OTHER",
    };
    let events: Vec<String> = r
        .events
        .iter()
        .map(|(k, v)| format!("{} {v}", k.as_str()))
        .collect();
    format!("{kind} {}", events.join(", "))
}

/// Whether `version` is inside `range`; `None` when the range cannot be evaluated (GIT, an
/// unknown order, or a version that does not parse in it).
pub fn in_range(range: &StoredRange, order: Option<Order>, version: &str) -> Option<bool> {
    evaluate(range, order, version).map(|(affected, _)| affected)
}

/// [`in_range`] with the `fixed` version that ends the interval holding `version`, if any: the
/// first event above the version, when it is a `fixed` one.
fn evaluate(
    range: &StoredRange,
    order: Option<Order>,
    version: &str,
) -> Option<(bool, Option<String>)> {
    let order = match range.kind {
        RangeKind::SemVer => Order::SemVer,
        RangeKind::Ecosystem => order?,
        RangeKind::Git | RangeKind::Other => return None,
    };
    // The queried version must itself be a version in this order.
    order.compare(version, version)?;
    let mut events: Vec<&(EventKind, String)> = range.events.iter().collect();
    let mut sortable = true;
    events.sort_by(|a, b| {
        cmp_event(order, &a.1, &b.1).unwrap_or_else(|| {
            sortable = false;
            Ordering::Equal
        })
    });
    if !sortable {
        return None;
    }
    let mut affected = false;
    let mut limits = Vec::new();
    let mut fix: Option<String> = None;
    for (kind, v) in events {
        if fix.is_none()
            && *kind == EventKind::Fixed
            && !is_zero(v)
            && order.compare(version, v)? == Ordering::Less
        {
            fix = Some(v.clone());
        }
        if !matches!(kind, EventKind::Limit)
            && fix.is_none()
            && !is_zero(v)
            && order.compare(version, v)? == Ordering::Less
        {
            // An event above the version that is not a fix: the interval has no fixed version.
            fix = Some(String::new());
        }
        match kind {
            EventKind::Introduced => {
                if is_zero(v) || order.compare(version, v)? != Ordering::Less {
                    affected = true;
                }
            }
            EventKind::Fixed => {
                if order.compare(version, v)? != Ordering::Less {
                    affected = false;
                }
            }
            EventKind::LastAffected => {
                if order.compare(version, v)? == Ordering::Greater {
                    affected = false;
                }
            }
            EventKind::Limit => limits.push(v),
        }
    }
    if affected && !limits.is_empty() {
        let mut below_a_limit = false;
        for l in limits {
            if l == "*" || order.compare(version, l)? == Ordering::Less {
                below_a_limit = true;
            }
        }
        affected = below_a_limit;
    }
    Some((affected, fix.filter(|f| affected && !f.is_empty())))
}

/// Match `version` against one affected entry's ranges and versions list.
pub fn check(
    ranges: &[StoredRange],
    versions: &[String],
    order: Option<Order>,
    version: &str,
) -> Option<Hit> {
    let mut hit = Hit::default();
    let listed = versions.iter().any(|v| {
        v == version || order.and_then(|o| o.compare(v, version)) == Some(Ordering::Equal)
    });
    if listed {
        hit.ranges.push(format!("versions list includes {version}"));
    }
    for r in ranges {
        if let Some((true, fix)) = evaluate(r, order, version) {
            hit.ranges.push(range_text(r));
            if let Some(f) = fix {
                if !hit.fixed.contains(&f) {
                    hit.fixed.push(f);
                }
            }
        }
    }
    (!hit.ranges.is_empty()).then_some(hit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use EventKind::*;

    fn range(kind: RangeKind, ev: &[(EventKind, &str)]) -> StoredRange {
        StoredRange {
            kind,
            events: ev.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        }
    }

    #[test]
    fn spec_evaluation() {
        let r = range(
            RangeKind::SemVer,
            // Deliberately unsorted: evaluation sorts.
            &[
                (Introduced, "2.0.0"),
                (Fixed, "1.2.0"),
                (Introduced, "0"),
                (Fixed, "2.1.3"),
            ],
        );
        let at = |v| in_range(&r, None, v);
        assert_eq!(at("0.1.0"), Some(true));
        assert_eq!(at("1.1.9"), Some(true));
        assert_eq!(at("1.2.0"), Some(false));
        assert_eq!(at("1.9.9"), Some(false));
        assert_eq!(at("2.0.0"), Some(true));
        assert_eq!(at("2.1.3-rc.1"), Some(true));
        assert_eq!(at("2.1.3"), Some(false));
        assert_eq!(at("not a version"), None);
    }

    #[test]
    fn last_affected_and_limit() {
        let r = range(
            RangeKind::Ecosystem,
            &[(Introduced, "1.0"), (LastAffected, "1.4")],
        );
        assert_eq!(in_range(&r, Some(Order::Pep440), "1.4"), Some(true));
        assert_eq!(in_range(&r, Some(Order::Pep440), "1.4.post1"), Some(false));
        let r = range(RangeKind::Ecosystem, &[(Introduced, "0"), (Limit, "3.0")]);
        assert_eq!(in_range(&r, Some(Order::Maven), "2.9"), Some(true));
        assert_eq!(in_range(&r, Some(Order::Maven), "3.0"), Some(false));
        let g = range(RangeKind::Git, &[(Introduced, "abc"), (Fixed, "def")]);
        assert_eq!(in_range(&g, None, "1.0"), None);
    }

    #[test]
    fn fixed_versions_reported() {
        let r = range(
            RangeKind::Ecosystem,
            &[(Introduced, "0"), (Fixed, "1.2.3-4")],
        );
        let hit = check(&[r], &[], Some(Order::Dpkg), "1.2.3-1").expect("affected");
        assert_eq!(hit.fixed, vec!["1.2.3-4"]);
        assert!(check(&[], &["1.0".into()], Some(Order::Pep440), "1.0.0").is_some());
    }
}
