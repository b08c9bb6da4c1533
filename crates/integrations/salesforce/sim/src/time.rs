//! Salesforce's date-time format (`2024-10-10T19:13:07.000+0000`) and the looser forms clients send.

use chrono::{DateTime, DurationRound, NaiveDate, TimeDelta, Utc};

/// Formats like the REST API: milliseconds and a `+0000` offset.
pub fn format(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f%z").to_string()
}

/// Parses the forms clients send: RFC 3339 (`Z` or `+00:00`), `+0000` offsets, with or without fractions,
/// and bare dates (midnight UTC).
pub fn parse(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%z"] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Some(t.with_timezone(&Utc));
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|n| n.and_utc())
}

/// The current time at millisecond precision, as Salesforce stores it.
pub fn now() -> DateTime<Utc> {
    truncate(Utc::now(), TimeDelta::milliseconds(1))
}

/// Rounds down to a multiple of `unit` (the replication endpoints ignore seconds).
pub fn truncate(t: DateTime<Utc>, unit: TimeDelta) -> DateTime<Utc> {
    t.duration_trunc(unit).unwrap_or(t)
}
