//! The event object Stripe delivers.

use serde::{Deserialize, Deserializer};

use crate::customer::StripeCustomer;
use crate::idempotency::IdempotencyKey;

/// A Stripe event (`evt_…`). Only the fields customer sync uses are read.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Event {
    pub id: String,
    /// `customer.created`, `customer.updated`, `customer.deleted`, …
    #[serde(rename = "type")]
    pub event_type: String,
    /// When the change happened, Unix seconds.
    pub created: i64,
    #[serde(default)]
    pub livemode: bool,
    #[serde(default)]
    pub api_version: Option<String>,
    /// The API request that caused the event; absent for dashboard-less automatic changes.
    #[serde(default, deserialize_with = "request_field")]
    pub request: Option<EventRequest>,
    pub data: EventData,
}

/// The API call behind an event.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
pub struct EventRequest {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// The object the event is about, and the previous values of changed fields (updates only).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EventData {
    pub object: serde_json::Value,
    #[serde(default)]
    pub previous_attributes: Option<serde_json::Value>,
}

impl Event {
    /// The customer the event is about, when it is a customer event.
    pub fn customer(&self) -> Result<StripeCustomer, serde_json::Error> {
        serde_json::from_value(self.data.object.clone())
    }

    /// True when the event was caused by one of this product's own writes (its idempotency key).
    pub fn is_own_write(&self) -> bool {
        self.request.as_ref().and_then(|r| r.idempotency_key.as_deref()).is_some_and(IdempotencyKey::is_own)
    }
}

/// API versions before 2017-05-25 sent `request` as a bare request id string.
fn request_field<'de, D: Deserializer<'de>>(d: D) -> Result<Option<EventRequest>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Field {
        Id(String),
        Object(EventRequest),
    }
    Ok(Option::<Field>::deserialize(d)?.map(|f| match f {
        Field::Id(id) => EventRequest { id: Some(id), idempotency_key: None },
        Field::Object(r) => r,
    }))
}
