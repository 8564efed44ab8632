//! IP ranges: each address family is a range of `u128` (IPv4 uses the low 32 bits).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv4Subnets, Ipv6Net, Ipv6Subnets};

/// An inclusive range of addresses of one family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct IpRange {
    pub v6: bool,
    pub lo: u128,
    pub hi: u128,
}

pub(crate) fn max_of(v6: bool) -> u128 {
    if v6 {
        u128::MAX
    } else {
        u128::from(u32::MAX)
    }
}

pub(crate) fn addr_value(ip: IpAddr) -> (bool, u128) {
    match ip {
        IpAddr::V4(a) => (false, u128::from(u32::from(a))),
        IpAddr::V6(a) => (true, u128::from(a)),
    }
}

pub(crate) fn net_range(net: &IpNet) -> IpRange {
    let (v6, lo) = addr_value(net.network());
    let (_, hi) = addr_value(net.broadcast());
    IpRange { v6, lo, hi }
}

pub(crate) fn net_contains(net: &IpNet, v6: bool, addr: u128) -> bool {
    let r = net_range(net);
    r.v6 == v6 && r.lo <= addr && addr <= r.hi
}

/// The shortest list of CIDRs covering exactly `r`.
pub(crate) fn range_cidrs(r: IpRange) -> Vec<IpNet> {
    if r.v6 {
        let (lo, hi) = (Ipv6Addr::from(r.lo), Ipv6Addr::from(r.hi));
        if (r.lo, r.hi) == (0, u128::MAX) {
            return Ipv6Net::new(lo, 0).map(IpNet::V6).into_iter().collect();
        }
        Ipv6Subnets::new(lo, hi, 0).map(IpNet::V6).collect()
    } else {
        let lo = Ipv4Addr::from(u32::try_from(r.lo).unwrap_or(0));
        let hi = Ipv4Addr::from(u32::try_from(r.hi).unwrap_or(u32::MAX));
        if (r.lo, r.hi) == (0, u128::from(u32::MAX)) {
            return Ipv4Net::new(lo, 0).map(IpNet::V4).into_iter().collect();
        }
        Ipv4Subnets::new(lo, hi, 0).map(IpNet::V4).collect()
    }
}

/// The smallest CIDR containing `r`.
pub(crate) fn enclosing(r: IpRange) -> IpNet {
    let bits: u32 = if r.v6 { 128 } else { 32 };
    let diff = r.lo ^ r.hi;
    let prefix = if diff == 0 {
        bits
    } else {
        bits - (128 - diff.leading_zeros())
    };
    let prefix = u8::try_from(prefix).unwrap_or(0);
    if r.v6 {
        Ipv6Net::new(Ipv6Addr::from(r.lo), prefix)
            .map(|n| IpNet::V6(n.trunc()))
            .unwrap_or_default()
    } else {
        let a = Ipv4Addr::from(u32::try_from(r.lo).unwrap_or(0));
        Ipv4Net::new(a, prefix)
            .map(|n| IpNet::V4(n.trunc()))
            .unwrap_or_default()
    }
}

/// Merges touching or overlapping ranges (sorted output).
pub(crate) fn normalize(mut rs: Vec<IpRange>) -> Vec<IpRange> {
    rs.sort();
    let mut out: Vec<IpRange> = Vec::with_capacity(rs.len());
    for r in rs {
        match out.last_mut() {
            Some(last) if last.v6 == r.v6 && (last.hi == u128::MAX || r.lo <= last.hi + 1) => {
                last.hi = last.hi.max(r.hi);
            }
            _ => out.push(r),
        }
    }
    out
}

/// The complement of normalized ranges within both whole address spaces.
pub(crate) fn complement(rs: &[IpRange]) -> Vec<IpRange> {
    let mut out = Vec::new();
    for v6 in [false, true] {
        let mut next: Option<u128> = Some(0);
        for r in rs.iter().filter(|r| r.v6 == v6) {
            if let Some(n) = next {
                if r.lo > n {
                    out.push(IpRange {
                        v6,
                        lo: n,
                        hi: r.lo - 1,
                    });
                }
            }
            next = r.hi.checked_add(1).filter(|&x| x <= max_of(v6));
        }
        if let Some(n) = next {
            out.push(IpRange {
                v6,
                lo: n,
                hi: max_of(v6),
            });
        }
    }
    out
}

/// Splits both address spaces into the coarsest ranges ("atoms") such that every net in `nets`
/// is a union of atoms. Every atom is then either inside or outside each net.
pub(crate) fn atoms(nets: &[IpNet]) -> Vec<IpRange> {
    let mut out = Vec::new();
    for v6 in [false, true] {
        let mut cuts: Vec<u128> = vec![0];
        for n in nets {
            let r = net_range(n);
            if r.v6 != v6 {
                continue;
            }
            cuts.push(r.lo);
            if r.hi < max_of(v6) {
                cuts.push(r.hi + 1);
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        for (i, &lo) in cuts.iter().enumerate() {
            let hi = cuts.get(i + 1).map_or(max_of(v6), |n| n - 1);
            out.push(IpRange { v6, lo, hi });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoms_and_cidrs() {
        let nets: Vec<IpNet> = ["10.0.0.0/8", "10.1.0.0/16"]
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect();
        let a = atoms(&nets);
        // v4: [0,10), 10.0-10.0.255.255, 10.1/16, 10.2..10.255, 11.. ; v6: whole.
        assert_eq!(a.len(), 6);
        let all: Vec<String> = range_cidrs(IpRange {
            v6: false,
            lo: 0,
            hi: u128::from(u32::MAX),
        })
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(all, vec!["0.0.0.0/0"]);
        let c = complement(&normalize(vec![net_range(&nets[0])]));
        assert_eq!(c.len(), 3);
    }
}
