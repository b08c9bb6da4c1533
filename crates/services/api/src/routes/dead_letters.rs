//! Dead letters, for operators: `GET /v1/dead-letters[?integration=stripe]` lists the open ones, oldest first;
//! `POST /v1/dead-letters/replay[?integration=stripe]` puts them back on their original topics (through the
//! outbox, in one transaction), as `syncctl dlq replay` does.

use actix_web::{HttpResponse, web};
use events::Integration;
use serde::Deserialize;
use serde_json::json;

use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// Only this integration's letters.
    #[serde(default)]
    #[param(value_type = Option<crate::routes::openapi::IntegrationName>)]
    pub integration: Option<String>,
}

impl Filter {
    fn integration(&self) -> Result<Option<&'static str>, ApiError> {
        let Some(name) = &self.integration else { return Ok(None) };
        Integration::named(name).map(|i| Some(i.as_str())).ok_or_else(|| {
            let known: Vec<_> = Integration::all().iter().map(|i| i.as_str()).collect();
            ApiError::validation("integration", format!("integration must be one of {}", known.join(", ")))
        })
    }
}

/// The open dead letters, oldest first.
#[utoipa::path(
    get,
    path = "/v1/dead-letters",
    tag = "dead letters",
    params(Filter),
    responses(
        (status = 200, description = "The open letters", body = crate::routes::openapi::DeadLetterList),
        (status = 422, description = "An unknown integration or parameter", body = crate::routes::openapi::ErrorBody),
        (status = 503, description = "The database is unreachable", body = crate::routes::openapi::ErrorBody),
    )
)]
pub async fn list(state: web::Data<AppState>, filter: web::Query<Filter>) -> Result<HttpResponse, ApiError> {
    let integration = filter.integration()?;
    let mut conn = state.conn().await?;
    let letters = store::dead_letters::open_dead_letters(&mut conn, integration).await?;
    Ok(HttpResponse::Ok().json(json!({"data": letters})))
}

/// Puts the open dead letters back on their original topics, through the outbox, in one transaction.
#[utoipa::path(
    post,
    path = "/v1/dead-letters/replay",
    tag = "dead letters",
    params(Filter),
    responses(
        (status = 200, description = "What was replayed", body = crate::routes::openapi::Replayed),
        (status = 422, description = "An unknown integration or parameter", body = crate::routes::openapi::ErrorBody),
        (status = 503, description = "The database is unreachable", body = crate::routes::openapi::ErrorBody),
    )
)]
pub async fn replay(state: web::Data<AppState>, filter: web::Query<Filter>) -> Result<HttpResponse, ApiError> {
    let integration = filter.integration()?;
    let mut conn = state.conn().await?;
    let outcome = store::dead_letters::replay_dead_letters(&mut conn, integration).await?;
    tracing::info!(replayed = outcome.replayed, left = outcome.not_events.len(), "dead letters replayed");
    Ok(HttpResponse::Ok().json(outcome))
}
