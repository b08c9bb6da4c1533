//! Liveness and readiness for the load balancer.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::state::AppState;

/// The process is up.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    responses((status = 200, description = "The process is up", body = super::openapi::Health))
)]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The process can serve: PostgreSQL answers (503 otherwise). Kafka's state is reported but does not make
/// the api unready: writes go to the outbox, which exists so that a Kafka outage does not stop the api.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "health",
    responses(
        (status = 200, description = "PostgreSQL answers", body = super::openapi::Readiness),
        (status = 503, description = "PostgreSQL does not answer within 2 s", body = super::openapi::Readiness),
    )
)]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let timeout = Duration::from_secs(2);
    let database = tokio::time::timeout(timeout, database_ok(&state)).await.unwrap_or(false);
    let kafka = state.kafka_reachable(timeout).await;
    let body = json!({"database": database, "kafka": kafka});
    if database { HttpResponse::Ok().json(body) } else { HttpResponse::ServiceUnavailable().json(body) }
}

async fn database_ok(state: &AppState) -> bool {
    let Ok(mut conn) = state.pool.get().await else {
        return false;
    };
    diesel::sql_query("SELECT 1").execute(&mut conn).await.is_ok()
}
