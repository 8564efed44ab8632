//! Ordering laws for every version order on generated version-like strings: a total order
//! (reflexive, antisymmetric, transitive) wherever both sides parse. Matching sorts range
//! events with these comparators, so a broken law would make ranges evaluate wrongly.

use std::cmp::Ordering;

use proptest::prelude::*;
use rampart_vuln::version::Order;

const ORDERS: [Order; 7] = [
    Order::Dpkg,
    Order::Apk,
    Order::Rpm,
    Order::SemVer,
    Order::Pep440,
    Order::Go,
    Order::Maven,
];

fn version() -> impl Strategy<Value = String> {
    // Digits, separators and the letters/qualifiers each ecosystem gives a meaning to.
    proptest::string::string_regex(
        "(v|[0-9]:)?[0-9]{1,3}(\\.[0-9]{1,2}){0,3}(a|b|rc|~rc|_rc|_p|-r|-alpha|-beta|\\.post|\\.dev|-SNAPSHOT|\\+dfsg|~deb|-)?[0-9]{0,2}",
    )
    .expect("regex")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn total_order(a in version(), b in version(), c in version()) {
        for o in ORDERS {
            if let Some(x) = o.compare(&a, &a) {
                prop_assert_eq!(x, Ordering::Equal, "{} reflexive on {}", o.name(), a);
            }
            if let (Some(ab), Some(ba)) = (o.compare(&a, &b), o.compare(&b, &a)) {
                prop_assert_eq!(ab, ba.reverse(), "{} antisymmetric on {} {}", o.name(), a, b);
            }
            if let (Some(ab), Some(bc), Some(ac)) = (o.compare(&a, &b), o.compare(&b, &c), o.compare(&a, &c)) {
                if ab != Ordering::Greater && bc != Ordering::Greater {
                    prop_assert_ne!(ac, Ordering::Greater, "{} transitive on {} {} {}", o.name(), a, b, c);
                }
            }
        }
    }
}
