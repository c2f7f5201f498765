//! Timestamps as the contract writes them: RFC 3339 in UTC, to the second.
//!
//! Input may carry any offset and fractions; both are normalised (to UTC, truncated to whole
//! seconds) so that stored values compare the same way on SQLite and PostgreSQL and an export
//! reads back identically.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde::{Deserialize, Deserializer, Serializer};

pub type Timestamp = DateTime<Utc>;

/// Drops sub-second precision.
pub fn normalize(t: Timestamp) -> Timestamp {
    t.trunc_subsecs(0)
}

/// `2026-11-24T09:00:00Z`
pub fn format(t: &Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn parse(text: &str) -> Result<Timestamp, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| normalize(t.with_timezone(&Utc)))
        .map_err(|_| {
            format!("\"{text}\" is not an RFC 3339 timestamp such as 2026-11-24T09:00:00Z")
        })
}

pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(t))
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
    let text = String::deserialize(d)?;
    parse(&text).map_err(serde::de::Error::custom)
}

/// The same, for optional timestamps (`null` or absent is `None`).
pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&format(t)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(text) => parse(&text).map(Some).map_err(serde::de::Error::custom),
            None => Ok(None),
        }
    }
}
