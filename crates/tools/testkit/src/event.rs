//! Sample events for tests.

use events::{Action, CustomerEvent, CustomerSnapshot, Origin, SCHEMA_VERSION};
use uuid::Uuid;

/// A local `customer.updated` event for `customer` at `version`.
pub fn update_event(customer: Uuid, version: i64) -> CustomerEvent {
    CustomerEvent {
        event_id: Uuid::now_v7(),
        schema_version: SCHEMA_VERSION,
        action: Action::Updated,
        origin: Origin::Local,
        customer_id: Some(customer),
        external_id: None,
        customer: Some(CustomerSnapshot {
            name: format!("Customer {customer}"),
            email: format!("{customer}@example.com"),
            phone: None,
            version: Some(version),
        }),
        occurred_at: chrono::Utc::now(),
        delivery_id: None,
    }
}
