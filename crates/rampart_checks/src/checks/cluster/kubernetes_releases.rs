//! Kubernetes minor releases with their release and end-of-life dates, for
//! `kubernetes-version-eol`.
//!
//! To add a release: append a row (the table must stay sorted and contiguous; a test checks it)
//! with the dates from its release page, as `Basis::Planned` until it reaches its end of life;
//! then replace the planned date with the final one.

// # source: end-of-life dates: kubernetes.io, "Non-Active Branch History" of
// #   https://kubernetes.io/releases/patch-releases/ (data/releases/eol.yaml in
// #   github.com/kubernetes/website: the day the final patch release went out) for 1.19 to 1.32;
// #   the "End Of Life Date" on https://kubernetes.io/releases/1.N/ (the planned date) for 1.33 to
// #   1.37. Cross-checked against https://endoflife.date/kubernetes.
// # source: release dates: the v1.N.0 release announcements (kubernetes.io/blog), as listed by
// #   https://endoflife.date/kubernetes and on the release pages above.
// # Checked on 2026-11-27. `Basis::Estimated` marks a date computed from the upstream support
// #   policy (about 14 months after the release: 12 months of standard support, 2 of upgrade
// #   time) where no published date was found; no row needs it at present.

use jiff::civil::{date, Date};

use crate::cluster_info::Minor;

/// Where an end-of-life date comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// The day the final patch release went out (kubernetes.io non-active branch history).
    Final,
    /// The planned date published on the release's page.
    Planned,
    /// Computed from the support policy (release + about 14 months); not published.
    Estimated,
}

/// One minor release.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Release {
    pub minor: Minor,
    pub released: Date,
    pub end_of_life: Date,
    pub basis: Basis,
}

const fn r(minor: u32, released: Date, end_of_life: Date, basis: Basis) -> Release {
    Release {
        minor: Minor { major: 1, minor },
        released,
        end_of_life,
        basis,
    }
}

use Basis::{Final, Planned};

/// Every minor from 1.19, oldest first.
pub const RELEASES: &[Release] = &[
    r(19, date(2020, 8, 26), date(2021, 10, 28), Final),
    r(20, date(2020, 12, 8), date(2022, 2, 28), Final),
    r(21, date(2021, 4, 8), date(2022, 6, 28), Final),
    r(22, date(2021, 8, 4), date(2022, 12, 8), Final),
    r(23, date(2021, 12, 7), date(2023, 2, 28), Final),
    r(24, date(2022, 5, 3), date(2023, 7, 28), Final),
    r(25, date(2022, 8, 23), date(2023, 10, 28), Final),
    r(26, date(2022, 12, 8), date(2024, 2, 28), Final),
    r(27, date(2023, 4, 11), date(2024, 7, 16), Final),
    r(28, date(2023, 8, 15), date(2024, 10, 22), Final),
    r(29, date(2023, 12, 13), date(2025, 2, 28), Final),
    r(30, date(2024, 4, 17), date(2025, 7, 15), Final),
    r(31, date(2024, 8, 13), date(2025, 11, 11), Final),
    r(32, date(2024, 12, 11), date(2026, 2, 28), Final),
    r(33, date(2025, 4, 23), date(2026, 6, 28), Planned),
    r(34, date(2025, 8, 27), date(2026, 10, 27), Planned),
    r(35, date(2025, 12, 17), date(2027, 2, 28), Planned),
    r(36, date(2026, 4, 22), date(2027, 6, 28), Planned),
    r(37, date(2026, 8, 26), date(2027, 10, 28), Planned),
];

/// What the table says about a minor version on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    /// Supported on that day (released, end of life not reached).
    Supported(&'static Release),
    /// Past its end of life on that day.
    EndOfLife(&'static Release),
    /// Older than the table's first row: every such minor reached its end of life before it.
    OlderThanTable,
    /// Newer than the table's last row (released after this table was written), or a major
    /// version other than 1: the table cannot tell.
    Unknown,
}

/// The support status of `minor` on `day`. A release is past its end of life the day after its
/// end-of-life date.
pub fn support(minor: Minor, day: Date) -> Support {
    let (Some(first), Some(last)) = (RELEASES.first(), RELEASES.last()) else {
        return Support::Unknown;
    };
    if minor.major != 1 || minor > last.minor {
        return Support::Unknown;
    }
    if minor < first.minor {
        return Support::OlderThanTable;
    }
    match RELEASES.iter().find(|r| r.minor == minor) {
        Some(r) if day > r.end_of_life => Support::EndOfLife(r),
        Some(r) => Support::Supported(r),
        None => Support::Unknown,
    }
}

/// The oldest minor still supported on `day`, if the table knows one.
pub fn oldest_supported(day: Date) -> Option<&'static Release> {
    RELEASES
        .iter()
        .find(|r| r.released <= day && day <= r.end_of_life)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(minor: u32) -> Minor {
        Minor { major: 1, minor }
    }

    #[test]
    fn table_is_sorted_contiguous_and_sane() {
        for w in RELEASES.windows(2) {
            assert_eq!(w[1].minor.minor, w[0].minor.minor + 1, "{:?}", w[1]);
            assert!(w[1].released > w[0].released, "{:?}", w[1]);
            assert!(w[1].end_of_life > w[0].end_of_life, "{:?}", w[1]);
        }
        for r in RELEASES {
            // Upstream supports a minor for about 14 months; final dates run up to 16 (late
            // final patch releases).
            let months = (i32::from(r.end_of_life.year()) - i32::from(r.released.year())) * 12
                + i32::from(r.end_of_life.month())
                - i32::from(r.released.month());
            assert!((13..=16).contains(&months), "{r:?}: {months} months");
        }
        assert_eq!(RELEASES.first().map(|r| r.minor), Some(m(19)));
        assert!(RELEASES.last().map(|r| r.minor) >= Some(m(37)));
    }

    #[test]
    fn lookup_by_date() {
        let d = |y, mo, da| date(y, mo, da);
        assert!(matches!(
            support(m(20), d(2026, 11, 27)),
            Support::EndOfLife(r) if r.end_of_life == d(2022, 2, 28)
        ));
        // The end-of-life date itself is still supported; the next day is not.
        assert!(matches!(
            support(m(34), d(2026, 10, 27)),
            Support::Supported(_)
        ));
        assert!(matches!(
            support(m(34), d(2026, 10, 28)),
            Support::EndOfLife(_)
        ));
        assert!(matches!(
            support(m(37), d(2026, 11, 27)),
            Support::Supported(_)
        ));
        assert!(matches!(
            support(m(37), d(2027, 10, 29)),
            Support::EndOfLife(_)
        ));
        assert_eq!(support(m(18), d(2026, 11, 27)), Support::OlderThanTable);
        assert_eq!(support(m(3), d(2016, 1, 1)), Support::OlderThanTable);
        assert_eq!(support(m(99), d(2026, 11, 27)), Support::Unknown);
        assert_eq!(
            support(Minor { major: 2, minor: 0 }, d(2026, 11, 27)),
            Support::Unknown
        );
        assert_eq!(
            oldest_supported(d(2026, 11, 27)).map(|r| r.minor),
            Some(m(35))
        );
        assert_eq!(
            oldest_supported(d(2026, 10, 27)).map(|r| r.minor),
            Some(m(34))
        );
        assert_eq!(oldest_supported(d(2040, 1, 1)).map(|r| r.minor), None);
    }
}
