//! A set of class indices below a fixed bound.
//!
//! Most policies select a handful of classes in their own namespace, while a cluster can have tens
//! of thousands of classes: a dense bit set per policy and per rule would cost `classes / 8` bytes
//! each. So a set starts as a sorted list and turns into a dense bit set only once the list would
//! be larger; "every class" (a rule without peers) takes no memory at all.

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct BitSet {
    /// The bound: members are below it.
    n: usize,
    repr: Repr,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Repr {
    /// Sorted, without duplicates.
    Sparse(Vec<u32>),
    Dense(Vec<u64>),
    Full,
}

impl Default for BitSet {
    fn default() -> Self {
        BitSet::new(0)
    }
}

impl BitSet {
    pub fn new(n: usize) -> Self {
        BitSet {
            n,
            repr: Repr::Sparse(Vec::new()),
        }
    }

    pub fn full(n: usize) -> Self {
        BitSet {
            n,
            repr: Repr::Full,
        }
    }

    pub fn insert(&mut self, i: usize) {
        debug_assert!(i < self.n);
        match &mut self.repr {
            Repr::Full => {}
            Repr::Dense(words) => words[i / 64] |= 1 << (i % 64),
            Repr::Sparse(items) => {
                let Ok(v) = u32::try_from(i) else {
                    self.densify();
                    return self.insert(i);
                };
                if let Err(at) = items.binary_search(&v) {
                    items.insert(at, v);
                }
                // A u32 per member against a bit per class: switch when the list is larger.
                if items.len() * 32 > self.n {
                    self.densify();
                }
            }
        }
    }

    fn densify(&mut self) {
        let mut words = vec![0u64; self.n.div_ceil(64)];
        if let Repr::Sparse(items) = &self.repr {
            for &v in items {
                let i = v as usize;
                words[i / 64] |= 1 << (i % 64);
            }
        }
        self.repr = Repr::Dense(words);
    }

    pub fn is_empty(&self) -> bool {
        match &self.repr {
            Repr::Full => self.n == 0,
            Repr::Sparse(items) => items.is_empty(),
            Repr::Dense(words) => words.iter().all(|&w| w == 0),
        }
    }

    /// Members in ascending order.
    pub fn iter(&self) -> Box<dyn Iterator<Item = usize> + '_> {
        match &self.repr {
            Repr::Full => Box::new(0..self.n),
            Repr::Sparse(items) => Box::new(items.iter().map(|&v| v as usize)),
            Repr::Dense(words) => Box::new(words.iter().enumerate().flat_map(|(wi, &w)| {
                let mut w = w;
                std::iter::from_fn(move || {
                    if w == 0 {
                        return None;
                    }
                    let b = w.trailing_zeros() as usize;
                    w &= w - 1;
                    Some(wi * 64 + b)
                })
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_dense_and_full_agree() {
        for n in [0usize, 1, 63, 64, 65, 200, 1000] {
            let mut s = BitSet::new(n);
            let mut want = std::collections::BTreeSet::new();
            // Inserted out of order, with duplicates, past the switch to dense.
            for k in 0..n {
                let i = (k * 37 + 11) % n.max(1);
                if i < n && k % 3 != 1 {
                    s.insert(i);
                    s.insert(i);
                    want.insert(i);
                }
                let got: Vec<usize> = s.iter().collect();
                assert_eq!(got, want.iter().copied().collect::<Vec<_>>(), "n={n} k={k}");
                assert_eq!(s.is_empty(), want.is_empty());
            }
            let f = BitSet::full(n);
            assert_eq!(f.iter().collect::<Vec<_>>(), (0..n).collect::<Vec<_>>());
            assert_eq!(f.is_empty(), n == 0);
        }
    }
}
