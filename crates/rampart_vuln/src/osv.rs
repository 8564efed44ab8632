//! A tolerant serde model of OSV records (schema 1.x): unknown fields and unknown ecosystems are
//! accepted (the `osv` crate rejects ecosystems it does not know), `null` reads as empty, and
//! what matching needs is checked after parsing so errors say what was expected.

use serde::{Deserialize, Deserializer};

fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// One OSV record.
#[derive(Debug, Clone, Deserialize)]
pub struct Record {
    pub id: String,
    #[serde(default, deserialize_with = "null_default")]
    pub modified: String,
    #[serde(default)]
    pub withdrawn: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub aliases: Vec<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub summary: String,
    #[serde(default, deserialize_with = "null_default")]
    pub details: String,
    #[serde(default, deserialize_with = "null_default")]
    pub severity: Vec<SeverityEntry>,
    #[serde(default, deserialize_with = "null_default")]
    pub affected: Vec<Affected>,
    #[serde(default)]
    pub database_specific: Option<serde_json::Value>,
}

/// A `severity` entry: `type` is `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`, ...
#[derive(Debug, Clone, Deserialize)]
pub struct SeverityEntry {
    #[serde(rename = "type")]
    pub kind: String,
    pub score: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Affected {
    #[serde(default)]
    pub package: Option<Package>,
    #[serde(default, deserialize_with = "null_default")]
    pub severity: Vec<SeverityEntry>,
    #[serde(default, deserialize_with = "null_default")]
    pub ranges: Vec<Range>,
    #[serde(default, deserialize_with = "null_default")]
    pub versions: Vec<String>,
    #[serde(default)]
    pub ecosystem_specific: Option<serde_json::Value>,
    #[serde(default)]
    pub database_specific: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Package {
    pub ecosystem: String,
    pub name: String,
    #[serde(default)]
    pub purl: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Range {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub repo: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub events: Vec<Event>,
}

/// An event holds exactly one of its fields (checked by [`Record::validate`]).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Event {
    #[serde(default)]
    pub introduced: Option<String>,
    #[serde(default)]
    pub fixed: Option<String>,
    #[serde(default)]
    pub last_affected: Option<String>,
    #[serde(default)]
    pub limit: Option<String>,
}

impl Record {
    /// Check what matching relies on; the message says what was expected and where.
    pub fn validate(&self) -> Result<(), String> {
        if self.id.trim().is_empty() {
            return Err("expected a non-empty \"id\"".into());
        }
        for (i, a) in self.affected.iter().enumerate() {
            let Some(p) = &a.package else {
                if a.ranges.iter().all(|r| r.kind == "GIT") {
                    continue; // commit-only entries (no package) are valid OSV
                }
                return Err(format!(
                    "affected[{i}]: expected a \"package\" for non-GIT ranges"
                ));
            };
            if p.ecosystem.trim().is_empty() || p.name.trim().is_empty() {
                return Err(format!(
                    "affected[{i}].package: expected non-empty \"ecosystem\" and \"name\""
                ));
            }
            for (j, r) in a.ranges.iter().enumerate() {
                if r.events.is_empty() {
                    return Err(format!(
                        "affected[{i}].ranges[{j}]: expected at least one event"
                    ));
                }
                for (k, e) in r.events.iter().enumerate() {
                    let n = [&e.introduced, &e.fixed, &e.last_affected, &e.limit]
                        .iter()
                        .filter(|x| x.is_some())
                        .count();
                    if n != 1 {
                        return Err(format!(
                            "affected[{i}].ranges[{j}].events[{k}]: expected exactly one of \
                             \"introduced\", \"fixed\", \"last_affected\", \"limit\" (found {n})"
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}
