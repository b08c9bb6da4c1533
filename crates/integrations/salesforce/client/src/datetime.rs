//! Salesforce's dateTime JSON format, `2024-10-10T19:13:07.000+0000`, for optional fields.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serializer};

const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3f%z";

/// Parses Salesforce's format, and RFC 3339 as a fallback.
pub fn parse(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(s, FORMAT).or_else(|_| DateTime::parse_from_rfc3339(s)).ok().map(|d| d.with_timezone(&Utc))
}

/// Formats in Salesforce's style.
pub fn format(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

pub fn serialize<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => s.serialize_str(&format(at)),
        None => s.serialize_none(),
    }
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) => {
            parse(&s).map(Some).ok_or_else(|| serde::de::Error::custom(format!("not a Salesforce dateTime: {s:?}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salesforce_and_rfc3339_datetimes_parse_to_the_same_instant() {
        let a = parse("2024-10-10T19:13:07.000+0000").expect("salesforce format");
        let b = parse("2024-10-10T21:13:07+02:00").expect("rfc 3339");
        let c = parse("2024-10-10T19:13:07.000Z").expect("zulu");
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(format(&a), "2024-10-10T19:13:07.000+0000");
        assert_eq!(parse("yesterday"), None);
    }
}
