//! The replication windows: Contacts updated or deleted between two instants.

use crate::datetime;
use crate::transport::Request;
use crate::{Error, SalesforceClient};
use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Method;
use serde::Deserialize;

/// Ids of Contacts whose SystemModstamp lies in the window (at most 30 days back).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdatedWindow {
    pub ids: Vec<String>,
    #[serde(with = "datetime")]
    pub latest_date_covered: Option<DateTime<Utc>>,
}

/// Contacts deleted in the window (at most 15 days back).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletedWindow {
    pub deleted_records: Vec<DeletedRecord>,
    #[serde(default, with = "datetime")]
    pub earliest_date_available: Option<DateTime<Utc>>,
    #[serde(default, with = "datetime")]
    pub latest_date_covered: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletedRecord {
    pub id: String,
    #[serde(with = "datetime")]
    pub deleted_date: Option<DateTime<Utc>>,
}

impl SalesforceClient {
    /// `GET sobjects/Contact/updated/?start=…&end=…`.
    pub async fn updated_contacts(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<UpdatedWindow, Error> {
        self.send(window("updated", start, end)).await?.json()
    }

    /// `GET sobjects/Contact/deleted/?start=…&end=…`.
    pub async fn deleted_contacts(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<DeletedWindow, Error> {
        self.send(window("deleted", start, end)).await?.json()
    }
}

fn window(kind: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> Request {
    Request::new(Method::GET, &["sobjects", "Contact", kind, ""])
        .query("start", start.to_rfc3339_opts(SecondsFormat::Secs, false))
        .query("end", end.to_rfc3339_opts(SecondsFormat::Secs, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deleted_window_reads_salesforce_json() {
        let body = r#"{"deletedRecords":[{"id":"003000000000001AAA","deletedDate":"2024-10-10T19:13:07.000+0000"}],
            "earliestDateAvailable":"2024-09-30T00:00:00.000+0000","latestDateCovered":"2024-10-11T00:00:00.000+0000"}"#;
        let w: DeletedWindow = serde_json::from_str(body).expect("window");
        assert_eq!(w.deleted_records[0].id, "003000000000001AAA");
        assert!(w.deleted_records[0].deleted_date.is_some());
        assert!(w.latest_date_covered > w.earliest_date_available);
    }

    #[test]
    fn window_bounds_are_sent_as_iso_8601_with_an_offset() {
        let at = DateTime::parse_from_rfc3339("2024-10-10T19:13:07Z").expect("date").with_timezone(&Utc);
        let request = window("updated", at, at);
        assert_eq!(request.query[0], ("start".to_owned(), "2024-10-10T19:13:07+00:00".to_owned()));
    }
}
