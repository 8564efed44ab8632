//! Protocols and port sets: per protocol, a sorted list of disjoint inclusive port ranges.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// The protocols a NetworkPolicy can name. TCP is the default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    pub const ALL: [Protocol; 3] = [Protocol::Tcp, Protocol::Udp, Protocol::Sctp];

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Protocol {
    type Err = String;
    /// Kubernetes spells protocols in upper case; lower case is accepted on the command line.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "TCP" => Ok(Protocol::Tcp),
            "UDP" => Ok(Protocol::Udp),
            "SCTP" => Ok(Protocol::Sctp),
            _ => Err(format!(
                "unknown protocol `{s}` (expected TCP, UDP or SCTP)"
            )),
        }
    }
}

/// The lowest and highest port numbers.
pub const MIN_PORT: u16 = 1;
pub const MAX_PORT: u16 = 65535;

/// A set of (protocol, port) pairs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortSet {
    /// Indexed by `Protocol as usize`: sorted, disjoint, non-adjacent inclusive ranges.
    ranges: [Vec<(u16, u16)>; 3],
}

impl PortSet {
    /// No port at all.
    pub fn none() -> Self {
        PortSet::default()
    }

    /// Every port of every protocol.
    pub fn all() -> Self {
        let full = vec![(MIN_PORT, MAX_PORT)];
        PortSet {
            ranges: [full.clone(), full.clone(), full],
        }
    }

    /// Every port of one protocol.
    pub fn all_of(proto: Protocol) -> Self {
        Self::range(proto, MIN_PORT, MAX_PORT)
    }

    /// One inclusive range of one protocol (empty when `lo > hi`).
    pub fn range(proto: Protocol, lo: u16, hi: u16) -> Self {
        let mut s = PortSet::none();
        if lo <= hi {
            s.ranges[proto.index()].push((lo.max(MIN_PORT), hi));
        }
        s
    }

    pub fn single(proto: Protocol, port: u16) -> Self {
        Self::range(proto, port, port)
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.iter().all(Vec::is_empty)
    }

    pub fn is_all(&self) -> bool {
        self.ranges.iter().all(|r| r == &[(MIN_PORT, MAX_PORT)])
    }

    /// The ranges of one protocol.
    pub fn ranges(&self, proto: Protocol) -> &[(u16, u16)] {
        &self.ranges[proto.index()]
    }

    pub fn contains(&self, proto: Protocol, port: u16) -> bool {
        let r = &self.ranges[proto.index()];
        let i = r.partition_point(|&(_, hi)| hi < port);
        r.get(i).is_some_and(|&(lo, _)| lo <= port)
    }

    /// True when every pair of `other` is in `self`.
    pub fn is_superset(&self, other: &PortSet) -> bool {
        &self.intersect(other) == other
    }

    pub fn union(&self, other: &PortSet) -> PortSet {
        let mut out = PortSet::none();
        for p in 0..3 {
            let mut all: Vec<(u16, u16)> = self.ranges[p]
                .iter()
                .chain(other.ranges[p].iter())
                .copied()
                .collect();
            all.sort_unstable();
            let mut merged: Vec<(u16, u16)> = Vec::with_capacity(all.len());
            for (lo, hi) in all {
                match merged.last_mut() {
                    Some(last) if u32::from(lo) <= u32::from(last.1) + 1 => {
                        last.1 = last.1.max(hi);
                    }
                    _ => merged.push((lo, hi)),
                }
            }
            out.ranges[p] = merged;
        }
        out
    }

    pub fn intersect(&self, other: &PortSet) -> PortSet {
        let mut out = PortSet::none();
        for p in 0..3 {
            let (a, b) = (&self.ranges[p], &other.ranges[p]);
            let (mut i, mut j) = (0, 0);
            let mut res = Vec::new();
            while i < a.len() && j < b.len() {
                let lo = a[i].0.max(b[j].0);
                let hi = a[i].1.min(b[j].1);
                if lo <= hi {
                    res.push((lo, hi));
                }
                if a[i].1 < b[j].1 {
                    i += 1;
                } else {
                    j += 1;
                }
            }
            out.ranges[p] = res;
        }
        out
    }
}

impl fmt::Display for PortSet {
    /// `all`, `none`, or e.g. `TCP/80,443,8000-8080 UDP/53`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            return f.write_str("all");
        }
        if self.is_empty() {
            return f.write_str("none");
        }
        let mut first = true;
        for proto in Protocol::ALL {
            let r = self.ranges(proto);
            if r.is_empty() {
                continue;
            }
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            write!(f, "{proto}/")?;
            if r == [(MIN_PORT, MAX_PORT)] {
                f.write_str("all")?;
                continue;
            }
            for (i, &(lo, hi)) in r.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                if lo == hi {
                    write!(f, "{lo}")?;
                } else {
                    write!(f, "{lo}-{hi}")?;
                }
            }
        }
        Ok(())
    }
}

impl Serialize for PortSet {
    /// `"all"`, or `{"TCP": ["80", "8000-8080"], ...}` with only non-empty protocols.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        if self.is_all() {
            return s.serialize_str("all");
        }
        let mut m = s.serialize_map(None)?;
        for proto in Protocol::ALL {
            let r = self.ranges(proto);
            if r.is_empty() {
                continue;
            }
            let items: Vec<String> = r
                .iter()
                .map(|&(lo, hi)| {
                    if (lo, hi) == (MIN_PORT, MAX_PORT) {
                        "all".to_string()
                    } else if lo == hi {
                        lo.to_string()
                    } else {
                        format!("{lo}-{hi}")
                    }
                })
                .collect();
            m.serialize_entry(proto.as_str(), &items)?;
        }
        m.end()
    }
}

/// Identifies an interned [`PortSet`].
pub(crate) type PortId = u32;
pub(crate) const NONE_ID: PortId = 0;
pub(crate) const ALL_ID: PortId = 1;

/// Interned port sets with memoised union and intersection, so that matrices hold 4-byte ids.
#[derive(Debug)]
pub(crate) struct PortTable {
    sets: Vec<PortSet>,
    ids: HashMap<PortSet, PortId>,
    unions: HashMap<(PortId, PortId), PortId, FxBuild>,
    inters: HashMap<(PortId, PortId), PortId, FxBuild>,
}

impl PortTable {
    pub fn new() -> Self {
        let mut t = PortTable {
            sets: Vec::new(),
            ids: HashMap::new(),
            unions: HashMap::default(),
            inters: HashMap::default(),
        };
        t.intern(PortSet::none());
        t.intern(PortSet::all());
        t
    }

    pub fn intern(&mut self, s: PortSet) -> PortId {
        if let Some(&id) = self.ids.get(&s) {
            return id;
        }
        let id = PortId::try_from(self.sets.len()).unwrap_or(PortId::MAX);
        self.sets.push(s.clone());
        self.ids.insert(s, id);
        id
    }

    pub fn union(&mut self, a: PortId, b: PortId) -> PortId {
        if a == b || b == NONE_ID || a == ALL_ID {
            return a;
        }
        if a == NONE_ID || b == ALL_ID {
            return b;
        }
        let key = (a.min(b), a.max(b));
        if let Some(&id) = self.unions.get(&key) {
            return id;
        }
        let s = self.sets[a as usize].union(&self.sets[b as usize]);
        let id = self.intern(s);
        self.unions.insert(key, id);
        id
    }

    pub fn intersect(&mut self, a: PortId, b: PortId) -> PortId {
        if a == b || b == ALL_ID || a == NONE_ID {
            return a;
        }
        if a == ALL_ID || b == NONE_ID {
            return b;
        }
        let key = (a.min(b), a.max(b));
        if let Some(&id) = self.inters.get(&key) {
            return id;
        }
        let s = self.sets[a as usize].intersect(&self.sets[b as usize]);
        let id = self.intern(s);
        self.inters.insert(key, id);
        id
    }

    pub fn into_sets(self) -> Vec<PortSet> {
        self.sets
    }
}

/// A small fast hasher for integer keys (FxHash).
#[derive(Default, Clone, Copy, Debug)]
pub(crate) struct FxBuild;

impl std::hash::BuildHasher for FxBuild {
    type Hasher = FxHasher;
    fn build_hasher(&self) -> FxHasher {
        FxHasher(0)
    }
}

pub(crate) struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_merges_adjacent_and_intersect_clips() {
        let a = PortSet::range(Protocol::Tcp, 80, 90).union(&PortSet::range(Protocol::Tcp, 91, 95));
        assert_eq!(a.ranges(Protocol::Tcp), &[(80, 95)]);
        let b = a.intersect(&PortSet::range(Protocol::Tcp, 85, 100));
        assert_eq!(b.to_string(), "TCP/85-95");
        assert!(PortSet::all().is_all());
        assert_eq!(
            PortSet::all_of(Protocol::Udp)
                .union(&PortSet::single(Protocol::Tcp, 53))
                .to_string(),
            "TCP/53 UDP/all"
        );
        assert!(b.contains(Protocol::Tcp, 85) && !b.contains(Protocol::Tcp, 96));
    }
}
