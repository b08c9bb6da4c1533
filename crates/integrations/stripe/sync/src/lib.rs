//! Stripe Customers as a [`sync_core::Connector`]: creates with an idempotency key derived from the create's
//! recorded intent (a replay after a crash returns the same customer, never a twin), updates and deletes by the
//! linked `cus_…` id, the local id and the fields' fingerprint in metadata. Calls run concurrently; the
//! client's rate limiter keeps them within Stripe's limit.
//!
//! It must never touch the database or Kafka: the engine decides what to push and stores the outcome.

pub mod inbound;

use async_trait::async_trait;
use events::Integration;
use futures::StreamExt;
use model::{CustomerFields, ExternalCustomer};
use stripe_client::{
    CustomerParams, IdempotencyKey, ListParams, StripeClient, StripeConfig, StripeCustomer, StripeError,
};
use sync_core::{Connector, Current, PushDone, PushError, PushRequest, PushResult, Upsert};

/// Stripe, as the core knows it: its topics are `stripe-customer-*`, its links, metrics and dead letters
/// `stripe`, and changes made there have the origin `stripe`.
pub const STRIPE: Integration = Integration::new("stripe");

pub struct StripeConnector {
    client: StripeClient,
    /// The same client without retries, for creates: a create whose answer was lost is retried by the engine,
    /// which first looks for the customer it may have made, rather than sent again blindly (a Stripe
    /// stand-in that ignores idempotency keys would make a twin).
    creates: StripeClient,
    concurrency: usize,
}

impl StripeConnector {
    /// `concurrency`: calls in flight at once (the client's rate limiter still applies).
    pub fn new(config: &StripeConfig, concurrency: usize) -> Result<Self, StripeError> {
        let client = StripeClient::new(config)?;
        let creates = StripeClient::new(&StripeConfig { max_retries: 0, ..config.clone() })?;
        Ok(Self { client, creates, concurrency: concurrency.max(1) })
    }

    async fn one(&self, request: &PushRequest) -> PushResult {
        match request {
            PushRequest::Upsert(u) => self.upsert(u).await.map(|external_id| PushDone::Upserted { external_id }),
            PushRequest::Delete { customer_id, external_id, pending } => {
                let id = match (external_id, pending) {
                    (Some(id), _) => id.clone(),
                    // The create was sent but its answer never stored: find what it made, if anything.
                    (None, Some(create)) => match self.find(create).await? {
                        Some(id) => id,
                        None => return Ok(PushDone::Deleted),
                    },
                    (None, None) => return Ok(PushDone::Deleted),
                };
                let key = key(customer_id.to_owned(), "delete")?;
                match self.client.delete_customer(&id, &key).await {
                    Ok(_) => Ok(PushDone::Deleted),
                    Err(e) if e.is_not_found() => Ok(PushDone::Deleted),
                    Err(e) => Err(push_error(e)),
                }
            }
        }
    }

    /// The customer an earlier attempt of this create made: same email, our local id in its metadata.
    async fn find(&self, u: &Upsert) -> Result<Option<String>, PushError> {
        let params = ListParams { email: Some(u.fields.email.clone()), limit: Some(100), ..Default::default() };
        let page = self.client.list_customers(&params).await.map_err(push_error)?.body;
        Ok(page.data.into_iter().find(|c| c.local_id() == Some(u.customer_id)).map(|c| c.id))
    }

    async fn upsert(&self, u: &Upsert) -> Result<String, PushError> {
        let params = CustomerParams::from_fields(&u.fields, u.customer_id);
        // Stripe replays a key's answer for 24 hours (and stand-ins may not at all): a replayed create first
        // looks for the customer it may have made.
        if u.external_id.is_none()
            && u.replay
            && let Some(id) = self.find(u).await?
        {
            return self
                .client
                .update_customer(&id, &params, &key(u.key, "update")?)
                .await
                .map(|r| r.body.id)
                .map_err(push_error);
        }
        let response = match &u.external_id {
            None => self.creates.create_customer(&params, &key(u.key, "create")?).await,
            Some(id) => self.client.update_customer(id, &params, &key(u.key, "update")?).await,
        };
        response.map(|r| r.body.id).map_err(push_error)
    }
}

fn key(id: uuid::Uuid, operation: &str) -> Result<IdempotencyKey, PushError> {
    IdempotencyKey::for_event(id, operation).map_err(|e| PushError::Permanent(e.to_string()))
}

fn push_error(e: StripeError) -> PushError {
    let message = match (e.status(), e.code()) {
        (Some(status), Some(code)) => format!("stripe {status} {code}: {e}"),
        (Some(status), None) => format!("stripe {status}: {e}"),
        _ => format!("stripe: {e}"),
    };
    if e.is_transient() { PushError::Retryable(message) } else { PushError::Permanent(message) }
}

#[async_trait]
impl Connector for StripeConnector {
    fn integration(&self) -> Integration {
        crate::STRIPE
    }

    /// Stripe's times are whole seconds: changes within one second are told apart by what Stripe holds now.
    async fn current(&self, external_id: &str) -> Option<Result<Current, PushError>> {
        Some(match self.client.retrieve_customer(external_id).await {
            Ok(r) => match r.body {
                stripe_client::Retrieved::Active(c) => Ok(Current::Live(c.fields())),
                stripe_client::Retrieved::Deleted { .. } => Ok(Current::Gone),
            },
            Err(e) if e.is_not_found() => Ok(Current::Gone),
            Err(e) => Err(PushError::Retryable(e.to_string())),
        })
    }

    fn max_batch(&self) -> usize {
        self.concurrency * 4
    }

    fn normalize(&self, fields: &CustomerFields) -> CustomerFields {
        StripeCustomer::from_fields(fields, uuid::Uuid::nil()).fields()
    }

    fn source_precision(&self) -> chrono::Duration {
        chrono::Duration::seconds(1)
    }

    async fn push(&self, requests: &[PushRequest]) -> Vec<PushResult> {
        let calls: Vec<futures::future::BoxFuture<'_, PushResult>> =
            requests.iter().map(|r| Box::pin(self.one(r)) as futures::future::BoxFuture<'_, PushResult>).collect();
        futures::stream::iter(calls).buffered(self.concurrency).collect().await
    }
}
