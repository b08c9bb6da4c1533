//! Stripe customers as the inbound events the sync applies (origin `stripe`): the same mapping whatever
//! brought the customer (a webhook, the events catch-up, or a backfill reading the customer list), and the
//! one way a Stripe event is recorded: its `evt_` id in the inbound log and, the first time only and unless
//! it is the product's own write coming back, its change in the outbox.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use events::{Action, CustomerEvent, CustomerSnapshot, Origin, SCHEMA_VERSION, Topic};
use model::ExternalCustomer;
use stripe_client::StripeCustomer;
use stripe_client::webhook::Event;

/// The inbound log's source for Stripe events, whichever path brought them (webhook or catch-up), so that
/// each `evt_` is published once.
pub const EVENT_SOURCE: &str = "stripe";

/// The event types the sync reads.
pub const CUSTOMER_EVENT_TYPES: [&str; 3] = ["customer.created", "customer.updated", "customer.deleted"];

/// What a Stripe event means for the sync.
#[derive(Debug, Clone, PartialEq)]
pub enum Meaning {
    /// Not a customer event.
    Ignored,
    /// The product's own write coming back: recorded as delivered, not published.
    Echo,
    /// A change made in Stripe, to publish.
    Change(CustomerEvent),
}

/// Reads `event`; an error when a customer event does not hold a customer.
pub fn meaning(event: &Event) -> Result<Meaning, String> {
    let Some(action) = Action::ALL.into_iter().find(|a| a.event_type() == event.event_type) else {
        return Ok(Meaning::Ignored);
    };
    if is_own(event, action) {
        return Ok(Meaning::Echo);
    }
    let customer = event
        .customer()
        .ok()
        .filter(|c| c.object == "customer" && c.id.starts_with("cus_"))
        .ok_or_else(|| "the event's data.object is not a customer".to_owned())?;
    let occurred_at = DateTime::from_timestamp(event.created, 0)
        .ok_or_else(|| "the event's created time is out of range".to_owned())?;
    Ok(Meaning::Change(customer_event(&customer, action, occurred_at, Some(&event.id))))
}

/// The product's own write coming back: our idempotency key (real Stripe copies it into the event), or a
/// created/updated customer whose fields are exactly those the product last wrote (their fingerprint is in the
/// metadata; this also holds for stand-ins whose events carry no request). Deletions are always published:
/// the worker finds the customer already gone if the deletion was ours.
fn is_own(event: &Event, action: Action) -> bool {
    event.is_own_write() || (action != Action::Deleted && event.customer().is_ok_and(|c| c.holds_own_write()))
}

/// Records the event `event_id` and, the first time only, enqueues `publish` on the Stripe topics. Run it in
/// the caller's transaction (with whatever else must commit with it). True the first time.
pub async fn record(
    conn: &mut AsyncPgConnection,
    event_id: &str,
    publish: Option<&CustomerEvent>,
    traceparent: Option<&str>,
) -> diesel::QueryResult<bool> {
    let first = store::inbound::record_delivery(conn, EVENT_SOURCE, event_id).await?;
    if let (true, Some(event)) = (first, publish) {
        let topic = Topic { integration: crate::STRIPE, action: event.action };
        store::outbox::enqueue(conn, topic, event, traceparent).await?;
    }
    Ok(first)
}

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
        origin: Origin::System(crate::STRIPE),
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
