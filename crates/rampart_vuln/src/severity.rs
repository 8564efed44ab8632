//! Severity of a record: CVSS base scores computed from the vectors (v2, v3.0, v3.1, v4.0, via
//! the `cvss` crate), else the database's own rating (GHSA's `database_specific.severity`,
//! Ubuntu's `severity` entries, Debian's `urgency`).

use serde::{Deserialize, Serialize};

/// A severity level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Unknown,
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Unknown => "unknown",
            Level::None => "none",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }

    /// A database's word for a level (`MODERATE`, `important`, `unimportant`, ...).
    pub fn from_word(w: &str) -> Level {
        match w.trim().to_ascii_lowercase().as_str() {
            "critical" => Level::Critical,
            "high" | "important" => Level::High,
            "medium" | "moderate" => Level::Medium,
            "low" | "negligible" | "unimportant" | "not yet assigned" => Level::Low,
            "none" => Level::None,
            _ => Level::Unknown,
        }
    }

    /// The CVSS v3/v4 qualitative rating of a base score.
    pub fn from_score(s: f64) -> Level {
        if s <= 0.0 {
            Level::None
        } else if s < 4.0 {
            Level::Low
        } else if s < 7.0 {
            Level::Medium
        } else if s < 9.0 {
            Level::High
        } else {
            Level::Critical
        }
    }
}

/// One severity entry of a record with its computed score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// `CVSS_V3`, `CVSS_V4`, `Ubuntu`, ...
    pub kind: String,
    /// The vector or the rating word, as the record gives it.
    pub vector: String,
    /// The base score, for CVSS vectors the `cvss` crate could parse.
    pub score: Option<f64>,
}

/// Compute the base score of a CVSS vector (`CVSS:3.1/AV:N/...`, `CVSS:4.0/...`, or a v2
/// vector without prefix); `None` when the vector does not parse.
pub fn base_score(vector: &str) -> Option<f64> {
    let v: cvss::Cvss = vector.trim().parse().ok()?;
    let s = v.score();
    s.is_finite().then_some(s)
}

pub fn score_entry(kind: &str, vector: &str) -> Score {
    let score = if kind.starts_with("CVSS_") {
        base_score(vector)
    } else {
        None
    };
    Score {
        kind: kind.to_string(),
        vector: vector.to_string(),
        score,
    }
}

/// The overall (score, level) of a set of entries and the database's own word, preferring the
/// highest CVSS v3/v4 score, then v2, then the word.
pub fn overall(scores: &[Score], word: Option<&str>) -> (Option<f64>, Level) {
    let best = |pred: &dyn Fn(&str) -> bool| {
        scores
            .iter()
            .filter(|s| pred(&s.kind))
            .filter_map(|s| s.score)
            .fold(None, |m: Option<f64>, s| Some(m.map_or(s, |m| m.max(s))))
    };
    if let Some(s) = best(&|k| k == "CVSS_V3" || k == "CVSS_V4") {
        return (Some(s), Level::from_score(s));
    }
    if let Some(s) = best(&|k| k == "CVSS_V2") {
        return (Some(s), Level::from_score(s));
    }
    let from_entries = scores
        .iter()
        .filter(|s| !s.kind.starts_with("CVSS_"))
        .map(|s| Level::from_word(&s.vector))
        .max()
        .unwrap_or(Level::Unknown);
    let from_word = word.map_or(Level::Unknown, Level::from_word);
    (None, from_entries.max(from_word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cvss_scores() {
        // The NVD's published base scores for these vectors.
        assert_eq!(
            base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            Some(9.8)
        );
        assert_eq!(
            base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"),
            Some(6.1)
        );
        assert_eq!(
            base_score("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"),
            Some(5.5)
        );
        assert_eq!(
            base_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
            Some(9.3)
        );
        assert_eq!(base_score("AV:N/AC:L/Au:N/C:P/I:P/A:P"), Some(7.5));
        assert_eq!(base_score("CVSS:3.1/AV:X"), None);
    }

    #[test]
    fn levels() {
        let s = [score_entry(
            "CVSS_V3",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N",
        )];
        assert_eq!(overall(&s, Some("CRITICAL")), (Some(6.1), Level::Medium));
        assert_eq!(overall(&[], Some("MODERATE")), (None, Level::Medium));
        assert_eq!(
            overall(&[score_entry("Ubuntu", "high")], None),
            (None, Level::High)
        );
        assert_eq!(overall(&[], None), (None, Level::Unknown));
    }
}
