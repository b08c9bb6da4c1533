//! Who am I (`GET /v1/whoami`), API keys (`/v1/keys`, admin) and the audit trail (`GET /v1/audit`, admin).
//!
//! A key is shown once, in the answer that creates it; afterwards only its prefix (`csk_Ab12Cd34`) is known.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use store::access::{self, AuditQuery, Role};
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::JsonObject;
use crate::state::AppState;

/// Who the credential is, and its role.
#[utoipa::path(
    get,
    path = "/v1/whoami",
    tag = "access",
    responses((status = 200, description = "The caller", body = crate::routes::openapi::Whoami))
)]
pub async fn whoami(principal: web::ReqData<Principal>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"actor": principal.actor, "role": principal.role}))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    #[schema(schema_with = crate::routes::openapi::key_name)]
    pub name: String,
    #[schema(value_type = crate::routes::openapi::Role)]
    pub role: Role,
    /// When the key stops working; must be in the future. Absent or null: never.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

pub const KEY_NAME_MAX: usize = 100;

/// Makes an API key. Its secret is in this answer only.
#[utoipa::path(
    post,
    path = "/v1/keys",
    tag = "access",
    request_body = NewKey,
    responses(
        (status = 201, description = "The key, with its secret", body = crate::routes::openapi::CreatedApiKey),
        (status = 503, description = "The database is unreachable", body = crate::routes::openapi::ErrorBody),
        crate::routes::openapi::JsonBodyRefusals,
    )
)]
pub async fn create_key(
    state: web::Data<AppState>,
    principal: web::ReqData<Principal>,
    body: web::Json<JsonObject<NewKey>>,
) -> Result<HttpResponse, ApiError> {
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > KEY_NAME_MAX || name.chars().any(char::is_control) {
        return Err(ApiError::validation("name", format!("name must be 1 to {KEY_NAME_MAX} printable characters")));
    }
    if body.expires_at.is_some_and(|at| at <= Utc::now()) {
        return Err(ApiError::validation("expires_at", "expires_at must be in the future"));
    }
    let mut conn = state.conn().await?;
    let (key, secret) = access::create_key(&mut conn, name, body.role, body.expires_at, &principal.actor).await?;
    tracing::info!(key_id = %key.id, prefix = %key.prefix, role = %key.role, "API key created");
    let mut shown = serde_json::to_value(&key).map_err(|e| ApiError::Internal(e.into()))?;
    shown["key"] = json!(secret);
    Ok(HttpResponse::Created().json(shown))
}

/// Every API key, newest first, without secrets.
#[utoipa::path(
    get,
    path = "/v1/keys",
    tag = "access",
    responses(
        (status = 200, description = "The keys", body = crate::routes::openapi::KeyList),
        (status = 503, description = "The database is unreachable", body = crate::routes::openapi::ErrorBody),
    )
)]
pub async fn list_keys(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    Ok(HttpResponse::Ok().json(json!({"data": access::list_keys(&mut conn).await?})))
}

/// Revokes an API key, at once and for good.
#[utoipa::path(
    delete,
    path = "/v1/keys/{id}",
    tag = "access",
    params(("id" = uuid::Uuid, Path, description = "The key's id")),
    responses(
        (status = 200, description = "The key, revoked", body = crate::routes::openapi::ApiKey),
        (status = 404, description = "No key with this id (or not an id)", body = crate::routes::openapi::ErrorBody),
        (status = 503, description = "The database is unreachable", body = crate::routes::openapi::ErrorBody),
    )
)]
pub async fn revoke_key(
    state: web::Data<AppState>,
    auth: web::Data<crate::auth::Auth>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let key = access::revoke_key(&mut conn, *id).await?.ok_or(ApiError::NotFound)?;
    auth.forget_key(&key.prefix);
    tracing::info!(key_id = %key.id, prefix = %key.prefix, "API key revoked");
    Ok(HttpResponse::Ok().json(key))
}

/// The audit trail, newest first: every write and every admin request, refusals included.
#[utoipa::path(
    get,
    path = "/v1/audit",
    tag = "access",
    params(
        ("actor" = Option<String>, Query, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$",
            description = "Only this actor's (`key:<id>`, `bootstrap`, …); no control characters"),
        ("action" = Option<String>, Query, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$",
            description = "Only this action (`POST /v1/customers`); no control characters"),
        ("outcome" = Option<crate::routes::openapi::Outcome>, Query, description = "Only this outcome"),
        ("since" = Option<DateTime<Utc>>, Query, description = "At or after"),
        ("until" = Option<DateTime<Utc>>, Query, description = "Before"),
        ("before" = Option<i64>, Query, description = "Older than this id (the previous page's `next_before`)"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "How many, 1 to 500 (100)"),
    ),
    responses(
        (status = 200, description = "A page", body = crate::routes::openapi::AuditPage),
        (status = 422, description = "A parameter that is out of range, malformed or unknown", body = crate::routes::openapi::ErrorBody),
        (status = 503, description = "The database is unreachable", body = crate::routes::openapi::ErrorBody),
    )
)]
pub async fn audit(state: web::Data<AppState>, query: web::Query<AuditQuery>) -> Result<HttpResponse, ApiError> {
    // PostgreSQL refuses text with a NUL (a 500); no actor or action holds a control character anyway.
    for (field, value) in [("actor", &query.actor), ("action", &query.action)] {
        if value.as_deref().is_some_and(|v| v.chars().any(char::is_control)) {
            return Err(ApiError::validation(field, format!("{field} must not contain control characters")));
        }
    }
    if query.limit.is_some_and(|l| !(1..=access::AUDIT_PAGE_MAX).contains(&l)) {
        return Err(ApiError::validation("limit", format!("limit must be 1 to {}", access::AUDIT_PAGE_MAX)));
    }
    let mut conn = state.conn().await?;
    let events = access::list_audit(&mut conn, &query).await?;
    let next = (events.len() as i64 == query.limit.unwrap_or(100)).then(|| events.last().map(|e| e.id)).flatten();
    Ok(HttpResponse::Ok().json(json!({"data": events, "next_before": next})))
}
