//! Who am I (`GET /v1/whoami`), API keys (`/v1/keys`, admin) and the audit trail (`GET /v1/audit`, admin).
//!
//! A key is shown once, in the answer that creates it; afterwards only its prefix (`csk_Ab12Cd34`) is known.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use model::access::{self, AuditQuery, Role};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;

pub async fn whoami(principal: web::ReqData<Principal>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"actor": principal.actor, "role": principal.role}))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    pub name: String,
    pub role: Role,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

pub const KEY_NAME_MAX: usize = 100;

pub async fn create_key(
    state: web::Data<AppState>,
    principal: web::ReqData<Principal>,
    body: web::Json<NewKey>,
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

pub async fn list_keys(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    Ok(HttpResponse::Ok().json(json!({"data": access::list_keys(&mut conn).await?})))
}

pub async fn revoke_key(state: web::Data<AppState>, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let key = access::revoke_key(&mut conn, *id).await?.ok_or(ApiError::NotFound)?;
    tracing::info!(key_id = %key.id, prefix = %key.prefix, "API key revoked");
    Ok(HttpResponse::Ok().json(key))
}

pub async fn audit(state: web::Data<AppState>, query: web::Query<AuditQuery>) -> Result<HttpResponse, ApiError> {
    if query.limit.is_some_and(|l| !(1..=access::AUDIT_PAGE_MAX).contains(&l)) {
        return Err(ApiError::validation("limit", format!("limit must be 1 to {}", access::AUDIT_PAGE_MAX)));
    }
    let mut conn = state.conn().await?;
    let events = access::list_audit(&mut conn, &query).await?;
    let next = (events.len() as i64 == query.limit.unwrap_or(100)).then(|| events.last().map(|e| e.id)).flatten();
    Ok(HttpResponse::Ok().json(json!({"data": events, "next_before": next})))
}
