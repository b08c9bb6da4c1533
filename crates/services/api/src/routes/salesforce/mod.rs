//! Salesforce's push notifications about Contacts: Outbound Messages (SOAP, authenticated by a secret token
//! in the URL and the org id, since Salesforce does not sign them) and signed JSON callouts from Flow/Apex.
//! Both do the same as the Stripe receiver: verify, then in one transaction record each notification id in the
//! inbound log and enqueue its change on the `salesforce-customer-*` topics (origin salesforce), answering
//! only after the commit. Changes made by the product itself are acknowledged and not published.

pub mod callout;
pub mod outbound;

use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use events::{CustomerEvent, Topic};
use model::ExposeSecret;
use model::SecretString;
use stripe_client::webhook::WebhookSecret;
use subtle::ConstantTimeEq;

use crate::config::ApiConfig;
use crate::error::ApiError;

/// The delivery source name of Salesforce notifications in the inbound log.
const SOURCE: &str = "salesforce";

/// What the receivers check deliveries against.
#[derive(Debug, Clone)]
pub struct SalesforceInbound {
    org_id: Option<String>,
    outbound_token: Option<SecretString>,
    callout_secrets: Vec<WebhookSecret>,
    callout_tolerance: std::time::Duration,
    external_id_field: String,
    client_name: String,
}

impl SalesforceInbound {
    pub fn from_config(config: &ApiConfig) -> Self {
        Self {
            org_id: config.salesforce_org_id.clone(),
            outbound_token: config.salesforce_outbound_token.clone(),
            callout_secrets: config.salesforce_callout_secrets.clone(),
            callout_tolerance: std::time::Duration::from_secs(config.salesforce_callout_tolerance_secs),
            external_id_field: config.salesforce_external_id_field.clone(),
            client_name: config.salesforce_client_name.clone(),
        }
    }

    /// True when `token` is one of the configured ones (comma-separated, so that the Outbound Message URL can
    /// be rotated without a window; constant time; empty entries never match).
    fn token_matches(&self, token: &str) -> Option<bool> {
        let expected = self.outbound_token.as_ref()?;
        let tokens = expected.expose_secret().split(',').map(str::trim).filter(|t| !t.is_empty());
        Some(tokens.fold(false, |found, t| found | bool::from(t.as_bytes().ct_eq(token.as_bytes()))))
    }

    /// True when `org_id` is the configured org (Salesforce ids compare on their first 15 characters).
    fn org_matches(&self, org_id: &str) -> Option<bool> {
        let expected = self.org_id.as_deref()?;
        let key = |s: &str| s.chars().take(15).collect::<String>();
        Some(key(expected) == key(org_id))
    }

    /// True when a change was made by the product's own client (`client=<name>` in the change origin).
    fn is_own_client(&self, change_origin: Option<&str>) -> bool {
        change_origin.is_some_and(|o| o.split(',').any(|part| part.trim() == format!("client={}", self.client_name)))
    }
}

/// Records each delivery and, the first time, enqueues its event (if any); one transaction. Returns how many
/// were new.
async fn store(
    conn: &mut AsyncPgConnection,
    deliveries: &[(String, Option<CustomerEvent>)],
    traceparent: &str,
) -> Result<usize, ApiError> {
    let stored = conn
        .transaction::<_, diesel::result::Error, _>(|conn| {
            async move {
                let mut first = 0;
                for (delivery_id, event) in deliveries {
                    if !store::inbound::record_delivery(conn, SOURCE, delivery_id).await? {
                        continue;
                    }
                    first += 1;
                    if let Some(event) = event {
                        let topic = Topic::new(sync_salesforce::SALESFORCE, event.action);
                        store::outbox::enqueue(conn, topic, event, Some(traceparent)).await?;
                    }
                }
                Ok(first)
            }
            .scope_boxed()
        })
        .await?;
    Ok(stored)
}
