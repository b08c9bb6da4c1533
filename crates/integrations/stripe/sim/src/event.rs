//! The Event object (<https://docs.stripe.com/api/events/object>) and the webhook endpoint object
//! (<https://docs.stripe.com/api/webhook_endpoints/object>).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: String,
    pub created: i64,
    pub seq: u64,
    #[serde(rename = "type")]
    pub kind: String,
    /// `data.object` and `data.previous_attributes` as compact JSON text: a tenth of the memory of a
    /// `Value`, and copied rather than walked when the snapshot is written.
    pub object: String,
    pub previous_attributes: Option<String>,
    pub request_id: Option<String>,
    pub idempotency_key: Option<String>,
    pub api_version: String,
    pub pending_webhooks: u32,
}

impl Event {
    pub fn to_json(&self) -> Value {
        let parse = |text: &str| serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
        let mut data = json!({ "object": parse(&self.object) });
        if let Some(prev) = &self.previous_attributes {
            data["previous_attributes"] = parse(prev);
        }
        json!({
            "id": self.id,
            "object": "event",
            "api_version": self.api_version,
            "created": self.created,
            "data": data,
            "livemode": false,
            "pending_webhooks": self.pending_webhooks,
            "request": { "id": self.request_id, "idempotency_key": self.idempotency_key },
            "type": self.kind,
        })
    }
}

/// `type` filters of `GET /v1/events`: an exact type, or a prefix ending in `*` (`customer.*`).
pub fn type_matches(pattern: &str, kind: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => kind.starts_with(prefix),
        None => pattern == kind,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    pub secret: String,
    pub enabled_events: Vec<String>,
    pub disabled: bool,
    pub created: i64,
    pub description: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub api_version: Option<String>,
}

impl Endpoint {
    pub fn wants(&self, kind: &str) -> bool {
        !self.disabled && self.enabled_events.iter().any(|p| p == "*" || type_matches(p, kind))
    }

    /// The endpoint as Stripe returns it; `secret` only in the answer to its creation.
    pub fn to_json(&self, with_secret: bool) -> Value {
        let mut v = json!({
            "id": self.id,
            "object": "webhook_endpoint",
            "api_version": self.api_version,
            "application": null,
            "created": self.created,
            "description": self.description,
            "enabled_events": self.enabled_events,
            "livemode": false,
            "metadata": self.metadata,
            "status": if self.disabled { "disabled" } else { "enabled" },
            "url": self.url,
        });
        if with_secret {
            v["secret"] = json!(self.secret);
        }
        v
    }
}
