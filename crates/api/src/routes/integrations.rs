//! The integrations and their operator controls: `GET /v1/integrations` (each one and whether it is paused),
//! `POST /v1/integrations/{name}/pause` (`{"reason"?}`) and `POST /v1/integrations/{name}/resume`. A paused
//! integration's workers consume nothing until it is resumed (within about a second, without a restart);
//! its events wait in Kafka, and the catalog keeps accepting changes.

use actix_web::{HttpResponse, web};
use events::Integration;
use serde::Deserialize;
use serde_json::json;

use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;

fn integration(name: &str) -> Result<Integration, ApiError> {
    Integration::ALL.into_iter().find(|i| i.as_str() == name).ok_or(ApiError::NotFound)
}

pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let pauses = model::controls::paused(&mut conn).await?;
    let data: Vec<_> = Integration::ALL
        .into_iter()
        .map(|i| {
            let pause = pauses.iter().find(|p| p.integration == i.as_str());
            json!({"name": i.as_str(), "paused": pause.is_some(), "pause": pause})
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"data": data})))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PauseBody {
    #[serde(default)]
    pub reason: Option<String>,
}

pub const REASON_MAX: usize = 500;

pub async fn pause(
    state: web::Data<AppState>,
    principal: web::ReqData<Principal>,
    name: web::Path<String>,
    body: Option<web::Json<PauseBody>>,
) -> Result<HttpResponse, ApiError> {
    let integration = integration(&name)?;
    let reason = body.and_then(|b| b.into_inner().reason);
    if reason.as_ref().is_some_and(|r| r.chars().count() > REASON_MAX || r.chars().any(char::is_control)) {
        return Err(ApiError::validation(
            "reason",
            format!("reason must be at most {REASON_MAX} printable characters"),
        ));
    }
    let mut conn = state.conn().await?;
    let pause = model::controls::pause(&mut conn, integration.as_str(), &principal.actor, reason.as_deref()).await?;
    tracing::info!(integration = integration.as_str(), by = %principal.actor, "integration paused");
    Ok(HttpResponse::Ok().json(json!({"name": integration.as_str(), "paused": true, "pause": pause})))
}

pub async fn resume(
    state: web::Data<AppState>,
    principal: web::ReqData<Principal>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let integration = integration(&name)?;
    let mut conn = state.conn().await?;
    let was_paused = model::controls::resume(&mut conn, integration.as_str()).await?;
    tracing::info!(integration = integration.as_str(), by = %principal.actor, was_paused, "integration resumed");
    Ok(HttpResponse::Ok().json(json!({"name": integration.as_str(), "paused": false, "was_paused": was_paused})))
}
