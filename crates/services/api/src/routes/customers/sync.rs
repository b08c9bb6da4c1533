//! GET /v1/customers/{id}/sync: where the customer stands in each system. POST /v1/customers/{id}/resync:
//! push its current state to every system again.
//!
//! The status lists, per integration, the linked id, the synced version and when it was last synced or
//! pushed, the last error, whether the record was deleted there, the customer's events still in the outbox
//! and its open dead letters. A deleted customer still has a status (its tombstone and links).

use actix_web::{HttpResponse, web};
use events::Integration;
use serde_json::{Value, json};
use store::ChangeContext;
use uuid::Uuid;

use crate::auth::AuditRow;
use crate::error::ApiError;
use crate::extract::Trace;
use crate::state::AppState;

/// Where the customer stands in each system: link, synced version, last error, events in the outbox, open
/// dead letters. A deleted customer still has a status.
#[utoipa::path(
    get,
    path = "/v1/customers/{id}/sync",
    tag = "sync",
    params(("id" = uuid::Uuid, Path, description = "The customer's id")),
    responses(
        (status = 200, description = "The status", body = crate::routes::openapi::SyncStatus),
        (status = 404, description = "No customer, live or deleted, with this id (or not an id)", body = crate::routes::openapi::ErrorBody),
        (status = 503, description = "The database is unreachable", body = crate::routes::openapi::ErrorBody),
    )
)]
pub async fn status(state: web::Data<AppState>, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    Ok(HttpResponse::Ok().json(describe(&mut conn, *id).await?))
}

/// Pushes the customer's current state to every system again (through the outbox).
#[utoipa::path(
    post,
    path = "/v1/customers/{id}/resync",
    tag = "sync",
    params(("id" = uuid::Uuid, Path, description = "The customer's id")),
    responses(
        (status = 202, description = "Queued; the status as it now is", body = crate::routes::openapi::SyncStatus),
        (status = 404, description = "No customer with this id (or not an id)", body = crate::routes::openapi::ErrorBody),
        (status = 503, description = "The database is unreachable", body = crate::routes::openapi::ErrorBody),
    )
)]
pub async fn resync(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    trace: Trace,
    audit: AuditRow,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let ctx = ChangeContext { audit: audit.for_change(202), ..ChangeContext::local(Some(trace.0.as_str().to_owned())) };
    store::catalog::resync(&mut conn, *id, &ctx).await?;
    audit.written();
    tracing::info!(customer_id = %id, "resync requested");
    Ok(HttpResponse::Accepted().json(describe(&mut conn, *id).await?))
}

async fn describe(conn: &mut diesel_async::AsyncPgConnection, id: Uuid) -> Result<Value, ApiError> {
    let customer = store::customer::find(conn, id).await?;
    let deleted = !store::tombstones::buried(conn, &[id]).await?.is_empty();
    if customer.is_none() && !deleted {
        return Err(ApiError::NotFound);
    }
    let links = store::links::links_of(conn, id).await?;
    let letters = store::dead_letters::dead_letters_of(conn, id).await?;
    let pending = store::outbox::pending_for(conn, &id.to_string()).await?;
    let mut integrations = serde_json::Map::new();
    for &integration in Integration::all() {
        let name = integration.as_str();
        let link = links.iter().find(|l| l.integration == name);
        let prefix = format!("{name}-customer-");
        integrations.insert(
            name.to_owned(),
            json!({
                "external_id": link.and_then(|l| l.external_id.clone()),
                "synced_version": link.and_then(|l| l.synced_version),
                "last_synced_at": link.and_then(|l| l.last_synced_at),
                "last_pushed_at": link.and_then(|l| l.last_pushed_at),
                "last_error": link.and_then(|l| l.last_error.clone()),
                "deleted": link.is_some_and(|l| l.deleted),
                "pending_events": pending.iter().filter(|t| t.starts_with(&prefix) && !t.ends_with("-dlq")).count(),
                "dead_letters": letters.iter().filter(|d| d.integration == name).map(|d| json!({
                    "id": d.id, "topic": d.topic, "reason": d.reason, "attempts": d.attempts, "created_at": d.created_at,
                })).collect::<Vec<_>>(),
            }),
        );
    }
    Ok(json!({
        "customer_id": id,
        "version": customer.as_ref().map(|c| c.version),
        "deleted": deleted,
        "integrations": integrations,
    }))
}
