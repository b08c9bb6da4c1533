//! The event envelope every topic carries.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::topic::{Action, Origin};

/// The schema version of [`CustomerEvent`]; bumped on any incompatible change.
pub const SCHEMA_VERSION: u16 = 1;

/// A customer's fields as carried by an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerSnapshot {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    /// The local catalog's version after the change, when the change was local.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

/// One change to one customer, as published on an integration topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerEvent {
    pub event_id: Uuid,
    pub schema_version: u16,
    /// `customer.created`, `customer.updated` or `customer.deleted`.
    #[serde(rename = "type")]
    pub action: Action,
    /// Where the change was made.
    pub origin: Origin,
    /// The local customer id, when known.
    pub customer_id: Option<Uuid>,
    /// The id in the origin system (`cus_…`, `003…`) or, for local changes, in the topic's system when known.
    pub external_id: Option<String>,
    /// The customer's fields after the change; for deletions, the last known fields.
    pub customer: Option<CustomerSnapshot>,
    /// When the change happened at its source.
    pub occurred_at: DateTime<Utc>,
    /// The inbound delivery that carried the change (Stripe `evt_…`, Salesforce notification id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_id: Option<String>,
}

impl CustomerEvent {
    /// The Kafka key: the local customer id when known, else the external id, so that every event about one
    /// customer lands on one partition.
    pub fn partition_key(&self) -> String {
        match (self.customer_id, &self.external_id) {
            (Some(id), _) => id.to_string(),
            (None, Some(ext)) => ext.clone(),
            (None, None) => self.event_id.to_string(),
        }
    }
}

/// Kafka header names carried by every event.
pub mod headers {
    pub const EVENT_ID: &str = "event-id";
    pub const EVENT_TYPE: &str = "event-type";
    pub const ORIGIN: &str = "origin";
    pub const SCHEMA_VERSION: &str = "schema-version";
    /// W3C trace context of the request or delivery that caused the change.
    pub const TRACEPARENT: &str = "traceparent";
    /// On dead letters: why the event could not be handled, after how many attempts, and where it came from.
    pub const DLQ_REASON: &str = "dlq-reason";
    pub const DLQ_ATTEMPTS: &str = "dlq-attempts";
    pub const DLQ_ORIGINAL_TOPIC: &str = "dlq-original-topic";
    pub const DLQ_ORIGINAL_PARTITION: &str = "dlq-original-partition";
    pub const DLQ_ORIGINAL_OFFSET: &str = "dlq-original-offset";
}
