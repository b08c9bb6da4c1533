//! POST /webhooks/salesforce/callouts: a signed JSON callout from a Flow or Apex trigger.
//!
//! `Salesforce-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` is the same scheme as
//! Stripe's, checked by the same verifier (any configured secret, constant time, within
//! `API_SALESFORCE_CALLOUT_TOLERANCE_SECS`). The body is `{"notificationId", "changeType"
//! (CREATE|UPDATE|DELETE), "changeOrigin", "commitTimestamp", "recordId", "record"}`. The notification id is
//! recorded in the inbound log in the transaction that enqueues the change, so a replay writes nothing. A
//! change whose origin names the product's own client is acknowledged and not published.

use actix_web::{HttpRequest, HttpResponse, web};
use events::Action;
use salesforce_client::SalesforceContact;
use serde::Deserialize;
use serde_json::{Value, json};
use stripe_client::webhook::{self, WebhookError};

use super::{SalesforceInbound, store};
use crate::error::ApiError;
use crate::extract::Trace;
use crate::routes::stripe_webhook::read_body_limited;
use crate::state::AppState;

const MAX_BODY: usize = 64 * 1024;

/// A callout's body (public, like [`event`], for the fuzz harness, crates/tools/fuzz).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Callout {
    notification_id: String,
    change_type: String,
    #[serde(default)]
    change_origin: Option<String>,
    #[serde(default)]
    commit_timestamp: Option<String>,
    record_id: String,
    /// The Contact's fields, in Salesforce's JSON.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    record: Option<Value>,
}

/// A signed callout from a Flow or Apex trigger.
#[utoipa::path(
    post,
    path = "/webhooks/salesforce/callouts",
    tag = "webhooks",
    params((
        "Salesforce-Signature" = String,
        Header,
        description = "`t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\">`"
    )),
    request_body = Callout,
    responses(
        (status = 200, description = "Stored, or a duplicate", body = crate::routes::openapi::WebhookAck),
        (status = 400, description = "No or a bad signature, a stale timestamp, or a body that is not a callout",
            body = crate::routes::openapi::ErrorBody),
        (status = 413, description = "The body is over 64 KiB", body = crate::routes::openapi::ErrorBody),
        (status = 503, description = "No callout secret is configured, or the database is unreachable",
            body = crate::routes::openapi::ErrorBody),
    )
)]
#[tracing::instrument(skip_all, fields(trace_id = %trace.0.trace_id(), notification_id))]
pub async fn receive(
    state: web::Data<AppState>,
    settings: web::Data<SalesforceInbound>,
    req: HttpRequest,
    payload: web::Payload,
    trace: Trace,
) -> Result<HttpResponse, ApiError> {
    let body = read_body_limited(payload, MAX_BODY).await?;
    let header = req.headers().get("salesforce-signature").map(|v| v.to_str().unwrap_or(""));
    let now = chrono::Utc::now().timestamp();
    webhook::verify_signature(&body, header, &settings.callout_secrets, settings.callout_tolerance, now)
        .map_err(rejection)?;
    let callout: Callout =
        serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest(format!("the body is not a callout: {e}")))?;
    tracing::Span::current().record("notification_id", callout.notification_id.as_str());
    let own = settings.is_own_client(callout.change_origin.as_deref());
    let event = if own { None } else { Some(event(&callout, &settings)?) };
    let mut conn = state.conn().await?;
    let first = store(&mut conn, &[(callout.notification_id.clone(), event)], trace.0.as_str()).await? == 1;
    tracing::info!(first, own, "salesforce callout received");
    let result = match (first, own) {
        (false, _) => "duplicate",
        (true, false) => "published",
        (true, true) => "echo",
    };
    metrics::counter!("inbound_deliveries_total", "source" => "salesforce_callout", "result" => result).increment(1);
    Ok(HttpResponse::Ok().json(json!({"received": true, "duplicate": !first, "published": first && !own})))
}

fn rejection(e: WebhookError) -> ApiError {
    match e {
        WebhookError::NoSecrets => ApiError::Unavailable(anyhow::anyhow!("no Salesforce callout secret is configured")),
        _ => ApiError::InvalidHeader { header: "Salesforce-Signature", message: e.to_string() },
    }
}

pub fn event(callout: &Callout, settings: &SalesforceInbound) -> Result<events::CustomerEvent, ApiError> {
    let action = match callout.change_type.as_str() {
        "CREATE" => Action::Created,
        "UPDATE" => Action::Updated,
        "DELETE" => Action::Deleted,
        other => return Err(ApiError::BadRequest(format!("unknown changeType {other:?}"))),
    };
    let mut record = match &callout.record {
        Some(Value::Object(map)) => map.clone(),
        _ => serde_json::Map::new(),
    };
    record.insert("Id".into(), Value::String(callout.record_id.clone()));
    let contact = SalesforceContact::from_json(Value::Object(record), &settings.external_id_field)
        .map_err(|e| ApiError::BadRequest(format!("the record is not a Contact: {e}")))?;
    let at = callout
        .commit_timestamp
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok().map(|t| t.to_utc()))
        .unwrap_or_else(chrono::Utc::now);
    let mut event = sync_salesforce::inbound::contact_event(&contact, action, &callout.notification_id, at)
        .ok_or_else(|| ApiError::BadRequest("the callout has no record id".into()))?;
    if action != Action::Deleted {
        event.occurred_at = contact.system_modstamp.unwrap_or(at);
    }
    Ok(event)
}
