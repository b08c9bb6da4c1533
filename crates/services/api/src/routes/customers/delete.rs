//! DELETE /v1/customers/{id} — `If-Match: "<version>"` makes it conditional (412 when stale).

use actix_web::{HttpResponse, web};
use store::{ChangeContext, catalog};
use uuid::Uuid;

use crate::auth::AuditRow;
use crate::error::ApiError;
use crate::extract::{IfMatch, Trace};
use crate::state::AppState;

/// Deletes a customer; it is deleted in every system through the outbox.
#[utoipa::path(
    delete,
    path = "/v1/customers/{id}",
    tag = "customers",
    params(
        ("id" = uuid::Uuid, Path, description = "The customer's id"),
        ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(\*|(W/)?("[+-]?[0-9]{1,18}"|[+-]?[0-9]{1,18}))$"#,
            description = "The version the change expects, as the ETag (`\"3\"`); absent or `*`: any"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "An `If-Match` that is not a version", body = crate::routes::openapi::ErrorBody),
        (status = 404, description = "No customer with this id (or not an id)", body = crate::routes::openapi::ErrorBody),
        (status = 412, description = "The customer is at another version than `If-Match`", body = crate::routes::openapi::ErrorBody),
        (status = 503, description = "The database is unreachable", body = crate::routes::openapi::ErrorBody),
    )
)]
#[tracing::instrument(skip_all, fields(trace_id = %trace.0.trace_id(), customer_id = %id))]
pub async fn delete(
    state: web::Data<AppState>,
    trace: Trace,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    audit: AuditRow,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let ctx = ChangeContext { audit: audit.for_change(204), ..ChangeContext::local(Some(trace.0.as_str().to_owned())) };
    catalog::delete(&mut conn, *id, if_match.0, &ctx).await?;
    audit.written();
    Ok(HttpResponse::NoContent().finish())
}
