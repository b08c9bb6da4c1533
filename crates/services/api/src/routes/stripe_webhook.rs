//! POST /webhooks/stripe: Stripe's customer events, verified, deduplicated and stored in the outbox.
//!
//! - The `Stripe-Signature` header is checked over the raw body bytes against every configured secret
//!   (`API_STRIPE_WEBHOOK_SECRETS`, several during a rotation) within `API_STRIPE_WEBHOOK_TOLERANCE_SECS`.
//!   A missing or bad signature, a stale timestamp or a body that is not an event is a 400 and writes nothing.
//! - A `customer.created|updated|deleted` event is stored in one transaction: the delivery (`evt_…`) in the
//!   inbound log, and a `CustomerEvent` (origin stripe, external id `cus_…`, the local id from the customer's
//!   metadata, occurred at the event's `created`) in the outbox for the `stripe-customer-*` topic. A
//!   redelivery finds the event id already logged and writes nothing. Both answer 200 at once; the work
//!   behind the event happens downstream, so Stripe never waits on it.
//! - Echo suppression: the product's own writes to Stripe carry an idempotency key with
//!   [`stripe_client::OWN_KEY_PREFIX`], which Stripe copies into the event's `request.idempotency_key`. Such
//!   an event is logged as delivered and acknowledged but not published: the catalog already holds that
//!   state. Request ids are not used for this: they are only known after Stripe answered, so a crash between
//!   the answer and recording the id would let the echo through, while the key is known before the call.
//!   Events from writes made elsewhere (dashboard, other apps) have no or a foreign key and are published;
//!   a change equal to the last synced state is then a no-op for the consumer.
//!   Stand-ins such as localstripe send no `request` at all, and a write can echo back through another
//!   event, so a created/updated customer whose fields still match the fingerprint the product wrote into its
//!   metadata (`customer_sync_fingerprint`) is also recognised as our own.
//! - Other event types are acknowledged and ignored.

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use events::CustomerEvent;
use serde_json::json;
use stripe_client::webhook::{self, WebhookError, WebhookSecret};
use sync_stripe::inbound::Meaning;

use crate::config::ApiConfig;
use crate::error::ApiError;
use crate::extract::Trace;
use crate::state::AppState;

/// Stripe events about a customer are a few KiB; this leaves ample room.
const MAX_BODY: usize = 256 * 1024;

/// The secrets and tolerance deliveries are verified with.
#[derive(Debug, Clone)]
pub struct StripeWebhook {
    secrets: Vec<WebhookSecret>,
    tolerance: Duration,
}

impl StripeWebhook {
    pub fn from_config(config: &ApiConfig) -> Self {
        Self {
            secrets: config.stripe_webhook_secrets.clone(),
            tolerance: Duration::from_secs(config.stripe_webhook_tolerance_secs),
        }
    }
}

/// A Stripe event.
///
/// Verified over its raw bytes against every configured secret; a `customer.created|updated|deleted` event
/// is stored once (its id in the inbound log, its change in the outbox); other types are acknowledged and
/// ignored.
#[utoipa::path(
    post,
    path = "/webhooks/stripe",
    tag = "webhooks",
    params((
        "Stripe-Signature" = String,
        Header,
        description = "`t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\">`, as Stripe signs"
    )),
    request_body(content = crate::routes::openapi::StripeEvent, content_type = "application/json"),
    responses(
        (status = 200, description = "Stored, a duplicate, or a type that is ignored",
            body = crate::routes::openapi::WebhookAck),
        (status = 400, description = "No or a bad signature, a stale timestamp, or a body that is not an event",
            body = crate::routes::openapi::ErrorBody),
        (status = 413, description = "The body is over 256 KiB", body = crate::routes::openapi::ErrorBody),
        (status = 503, description = "No webhook secret is configured, or the database is unreachable",
            body = crate::routes::openapi::ErrorBody),
    )
)]
#[tracing::instrument(skip_all, fields(trace_id = %trace.0.trace_id(), event_id, event_type))]
pub async fn receive(
    state: web::Data<AppState>,
    settings: web::Data<StripeWebhook>,
    req: HttpRequest,
    payload: web::Payload,
    trace: Trace,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(payload).await?;
    let header = req.headers().get("stripe-signature").map(|v| v.to_str().unwrap_or(""));
    let now = chrono::Utc::now().timestamp();
    let event = webhook::verify(&body, header, &settings.secrets, settings.tolerance, now).map_err(rejection)?;
    let span = tracing::Span::current();
    span.record("event_id", event.id.as_str()).record("event_type", event.event_type.as_str());
    let publish = match sync_stripe::inbound::meaning(&event).map_err(ApiError::BadRequest)? {
        Meaning::Ignored => return Ok(HttpResponse::Ok().json(json!({"received": true, "ignored": true}))),
        Meaning::Echo => None,
        Meaning::Change(change) => Some(change),
    };
    let mut conn = state.conn().await?;
    let first = store(&mut conn, &event.id, publish.as_ref(), trace.0.as_str()).await?;
    tracing::info!(first, published = first && publish.is_some(), "stripe event received");
    let result = match (first, publish.is_some()) {
        (false, _) => "duplicate",
        (true, true) => "published",
        (true, false) => "echo",
    };
    metrics::counter!("inbound_deliveries_total", "source" => "stripe_webhook", "result" => result).increment(1);
    Ok(HttpResponse::Ok().json(json!({
        "received": true, "duplicate": !first, "published": first && publish.is_some()
    })))
}

/// Logs the delivery and, the first time only, enqueues its event; one transaction.
async fn store(
    conn: &mut AsyncPgConnection,
    event_id: &str,
    publish: Option<&CustomerEvent>,
    traceparent: &str,
) -> Result<bool, ApiError> {
    let stored = conn
        .transaction::<_, diesel::result::Error, _>(|conn| {
            sync_stripe::inbound::record(conn, event_id, publish, Some(traceparent)).scope_boxed()
        })
        .await?;
    Ok(stored)
}

/// The body as sent, up to [`MAX_BODY`] bytes.
async fn read_body(payload: web::Payload) -> Result<web::Bytes, ApiError> {
    read_body_limited(payload, MAX_BODY).await
}

/// A webhook's raw body, up to `limit` bytes (signatures are checked over the exact bytes).
pub(crate) async fn read_body_limited(payload: web::Payload, limit: usize) -> Result<web::Bytes, ApiError> {
    payload
        .to_bytes_limited(limit)
        .await
        .map_err(|_| ApiError::PayloadTooLarge { limit })?
        .map_err(|e| ApiError::BadRequest(format!("reading the body: {e}")))
}

fn rejection(e: WebhookError) -> ApiError {
    match e {
        WebhookError::NoSecrets => ApiError::Unavailable(anyhow::anyhow!("no Stripe webhook secret is configured")),
        WebhookError::MalformedEvent(_) => ApiError::BadRequest(e.to_string()),
        _ => ApiError::InvalidHeader { header: "Stripe-Signature", message: e.to_string() },
    }
}
