//! Stripe customers as the inbound events the sync applies (origin `stripe`): the same mapping whatever
//! brought the customer (a webhook, or a backfill reading the customer list).

use chrono::{DateTime, Utc};
use events::{Action, CustomerEvent, CustomerSnapshot, Origin, SCHEMA_VERSION};
use model::ExternalCustomer;
use stripe_client::StripeCustomer;

/// The event for `customer` as changed at `occurred_at` (`action`: created, updated or deleted), carried by
/// `delivery_id` when there is one. The local customer id comes from its `customer_sync_id` metadata.
pub fn customer_event(
    customer: &StripeCustomer,
    action: Action,
    occurred_at: DateTime<Utc>,
    delivery_id: Option<&str>,
) -> CustomerEvent {
    let fields = customer.fields();
    CustomerEvent {
        event_id: uuid::Uuid::now_v7(),
        schema_version: SCHEMA_VERSION,
        action,
        origin: Origin::Stripe,
        customer_id: customer.local_id(),
        external_id: Some(customer.id.clone()),
        customer: Some(CustomerSnapshot { name: fields.name, email: fields.email, phone: fields.phone, version: None }),
        occurred_at,
        delivery_id: delivery_id.map(str::to_owned),
    }
}

/// When the customer was created in Stripe (Stripe keeps no time of its last change).
pub fn created_at(customer: &StripeCustomer) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(customer.created, 0)
}
