//! `/v1/salesforce/contacts` and `/v1/stripe/customers`: the records in those systems, created, listed, read,
//! changed and deleted there, and answered in that system's shape. A write made here is then announced on
//! that system's topics exactly as its own notification would be (origin salesforce or stripe), so the worker
//! applies it to the catalog and passes it on to the other system; the system's own notification of the same
//! write, if one comes, finds the catalog already equal and changes nothing. Errors of the system keep its
//! code (`DUPLICATE_VALUE`, `resource_missing`) in the api's error body.

pub mod salesforce_contacts;
pub mod stripe_customers;

use events::{CustomerEvent, Integration, Topic};
use serde::Deserialize;

use crate::error::ApiError;
use crate::state::AppState;

/// Announces a change made through these endpoints, as the system's notification would.
async fn announce(
    state: &AppState,
    integration: Integration,
    event: &CustomerEvent,
    traceparent: &str,
) -> Result<(), ApiError> {
    let mut conn = state.conn().await?;
    store::outbox::enqueue(&mut conn, Topic::new(integration, event.action), event, Some(traceparent)).await?;
    Ok(())
}

/// The fields a caller may set, in the shared shape: checked with the catalog's rules before the system is
/// called, so that nothing the catalog would refuse is written there.
fn checked(name: &str, email: &str, phone: Option<&str>) -> Result<model::CustomerFields, ApiError> {
    model::CustomerFields::parse(name, email, phone).map_err(|e| ApiError::validation(e.field, e.message))
}

/// `?limit=` of the list endpoints.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(default)]
    limit: Option<u8>,
}

impl ListQuery {
    fn limit(&self, max: u8) -> Result<u8, ApiError> {
        match self.limit {
            None => Ok(20.min(max)),
            Some(l) if (1..=max).contains(&l) => Ok(l),
            Some(_) => Err(ApiError::validation("limit", format!("limit must be 1 to {max}"))),
        }
    }
}
