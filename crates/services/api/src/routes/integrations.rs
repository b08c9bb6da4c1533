//! The integrations and their operator controls: `GET /v1/integrations` (each one and whether it is paused),
//! `POST /v1/integrations/{name}/pause` (`{"reason"?}`) and `POST /v1/integrations/{name}/resume`. A paused
//! integration's workers consume nothing until it is resumed (within about a second, without a restart);
//! its events wait in Kafka, and the catalog keeps accepting changes.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use events::Integration;
use serde::Deserialize;
use serde_json::json;

use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::JsonObject;
use crate::state::AppState;

fn integration(name: &str) -> Result<Integration, ApiError> {
    Integration::named(name).ok_or(ApiError::NotFound)
}

/// Each integration, and whether it is paused.
#[utoipa::path(
    get,
    path = "/v1/integrations",
    tag = "integrations",
    responses(
        (status = 200, description = "The integrations", body = crate::routes::openapi::IntegrationList),
        (status = 503, description = "The database is unreachable", body = crate::routes::openapi::ErrorBody),
    )
)]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let pauses = store::controls::paused(&mut conn).await?;
    let data: Vec<_> = Integration::all()
        .iter()
        .map(|i| {
            let pause = pauses.iter().find(|p| p.integration == i.as_str());
            json!({"name": i.as_str(), "paused": pause.is_some(), "pause": pause})
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"data": data})))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PauseBody {
    /// Why, for the other operators: at most 500 printable characters.
    #[serde(default)]
    #[schema(schema_with = crate::routes::openapi::pause_reason)]
    pub reason: Option<String>,
}

pub const REASON_MAX: usize = 500;

/// Whether the request carries a body (a non-zero `Content-Length`, or a chunked one).
fn has_body(req: &HttpRequest) -> bool {
    req.headers().contains_key(header::TRANSFER_ENCODING)
        || req.headers().get(header::CONTENT_LENGTH).is_some_and(|v| v.as_bytes() != b"0")
}

/// Pauses an integration: its workers consume nothing until it is resumed; its events wait in Kafka.
#[utoipa::path(
    post,
    path = "/v1/integrations/{name}/pause",
    tag = "integrations",
    params(("name" = crate::routes::openapi::IntegrationName, Path, description = "The integration")),
    request_body(content = Option<PauseBody>, description = "Optional; a body that is sent must be one"),
    responses(
        (status = 200, description = "Paused (again, if it was)", body = crate::routes::openapi::IntegrationState),
        (status = 404, description = "No such integration", body = crate::routes::openapi::ErrorBody),
        (status = 503, description = "The database is unreachable", body = crate::routes::openapi::ErrorBody),
        crate::routes::openapi::JsonBodyRefusals,
    )
)]
pub async fn pause(
    state: web::Data<AppState>,
    principal: web::ReqData<Principal>,
    name: web::Path<String>,
    req: HttpRequest,
    body: Result<web::Json<JsonObject<PauseBody>>, actix_web::Error>,
) -> Result<HttpResponse, actix_web::Error> {
    let integration = integration(&name)?;
    // The body is optional, but one that is sent must be a PauseBody (400, 415, 422 otherwise).
    let reason = match body {
        Ok(body) => body.into_inner().0.reason,
        Err(_) if !has_body(&req) => None,
        Err(refused) => return Err(refused),
    };
    if reason.as_ref().is_some_and(|r| r.chars().count() > REASON_MAX || r.chars().any(char::is_control)) {
        return Err(ApiError::validation(
            "reason",
            format!("reason must be at most {REASON_MAX} printable characters"),
        )
        .into());
    }
    let mut conn = state.conn().await?;
    let pause = store::controls::pause(&mut conn, integration.as_str(), &principal.actor, reason.as_deref())
        .await
        .map_err(ApiError::from)?;
    tracing::info!(integration = integration.as_str(), by = %principal.actor, "integration paused");
    Ok(HttpResponse::Ok().json(json!({"name": integration.as_str(), "paused": true, "pause": pause})))
}

/// Resumes an integration.
#[utoipa::path(
    post,
    path = "/v1/integrations/{name}/resume",
    tag = "integrations",
    params(("name" = crate::routes::openapi::IntegrationName, Path, description = "The integration")),
    responses(
        (status = 200, description = "Running", body = crate::routes::openapi::IntegrationState),
        (status = 404, description = "No such integration", body = crate::routes::openapi::ErrorBody),
        (status = 503, description = "The database is unreachable", body = crate::routes::openapi::ErrorBody),
    )
)]
pub async fn resume(
    state: web::Data<AppState>,
    principal: web::ReqData<Principal>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let integration = integration(&name)?;
    let mut conn = state.conn().await?;
    let was_paused = store::controls::resume(&mut conn, integration.as_str()).await?;
    tracing::info!(integration = integration.as_str(), by = %principal.actor, was_paused, "integration resumed");
    Ok(HttpResponse::Ok().json(json!({"name": integration.as_str(), "paused": false, "was_paused": was_paused})))
}
