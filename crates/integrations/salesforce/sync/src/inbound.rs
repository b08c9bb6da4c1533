//! Changes made in Salesforce, as the events the sync applies: shared by every inbound path (Outbound
//! Messages, signed callouts, the poller), so they all say the same thing about the same change.

use chrono::{DateTime, Utc};
use events::{Action, CustomerEvent, CustomerSnapshot, Origin, SCHEMA_VERSION};
use model::ExternalCustomer;
use salesforce_client::SalesforceContact;

/// The event for a change to `contact` (which must carry its Id). The source time is `SystemModstamp`, else
/// `LastModifiedDate`, else `fallback`. The local customer id comes from the external-id field when set.
pub fn contact_event(
    contact: &SalesforceContact,
    action: Action,
    delivery_id: &str,
    fallback: DateTime<Utc>,
) -> Option<CustomerEvent> {
    let id = contact.id.clone()?;
    let fields = contact.fields();
    Some(CustomerEvent {
        event_id: uuid::Uuid::now_v7(),
        schema_version: SCHEMA_VERSION,
        action,
        origin: Origin::System(crate::SALESFORCE),
        customer_id: contact.local_id(),
        external_id: Some(id),
        customer: Some(CustomerSnapshot { name: fields.name, email: fields.email, phone: fields.phone, version: None }),
        occurred_at: contact.system_modstamp.or(contact.last_modified_date).unwrap_or(fallback),
        delivery_id: Some(delivery_id.to_owned()),
    })
}

/// Created when the record was created in this change (created and modified at the same time), else updated;
/// deleted when it is in the recycle bin.
pub fn action_of(contact: &SalesforceContact) -> Action {
    match (contact.is_deleted, contact.created_date, contact.last_modified_date) {
        (Some(true), _, _) => Action::Deleted,
        (_, Some(created), Some(modified)) if created == modified => Action::Created,
        _ => Action::Updated,
    }
}
