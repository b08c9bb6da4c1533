//! PATCH /v1/customers/{id} — partial update; `If-Match: "<version>"` makes it conditional (412 when stale).
//! A patch that changes nothing writes nothing and emits no event.

use actix_web::{HttpResponse, web};
use store::{ChangeContext, catalog};
use uuid::Uuid;

use super::body::{PatchCustomer, customer_response};
use crate::auth::AuditRow;
use crate::error::ApiError;
use crate::extract::{IfMatch, JsonObject, Trace};
use crate::state::AppState;

/// Changes some fields of a customer. A patch that changes nothing writes nothing.
#[utoipa::path(
    patch,
    path = "/v1/customers/{id}",
    tag = "customers",
    params(
        ("id" = uuid::Uuid, Path, description = "The customer's id"),
        ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(\*|(W/)?("[+-]?[0-9]{1,18}"|[+-]?[0-9]{1,18}))$"#,
            description = "The version the change expects, as the ETag (`\"3\"`); absent or `*`: any"),
    ),
    request_body = PatchCustomer,
    responses(
        (status = 200, description = "The customer as it now is", body = crate::routes::openapi::Customer, headers(
            ("ETag" = String, description = "The customer's version"),
        )),
        (status = 400, description = "Malformed JSON, or an `If-Match` that is not a version", body = crate::routes::openapi::ErrorBody),
        (status = 404, description = "No customer with this id (or not an id)", body = crate::routes::openapi::ErrorBody),
        (status = 409, description = "Another customer has this email (`field`: `email`)", body = crate::routes::openapi::ErrorBody),
        (status = 412, description = "The customer is at another version than `If-Match`", body = crate::routes::openapi::ErrorBody),
        (status = 503, description = "The database is unreachable", body = crate::routes::openapi::ErrorBody),
        crate::routes::openapi::JsonBodyRefusals,
    )
)]
#[tracing::instrument(skip_all, fields(trace_id = %trace.0.trace_id(), customer_id = %id))]
pub async fn update(
    state: web::Data<AppState>,
    trace: Trace,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    audit: AuditRow,
    body: web::Json<JsonObject<PatchCustomer>>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.into_inner().0.validate()?;
    let mut conn = state.conn().await?;
    let ctx = ChangeContext { audit: audit.for_change(200), ..ChangeContext::local(Some(trace.0.as_str().to_owned())) };
    let (customer, changed) = catalog::update(&mut conn, *id, &patch, if_match.0, &ctx).await?;
    audit.written();
    tracing::debug!(changed, "customer patched");
    Ok(customer_response(HttpResponse::Ok(), customer))
}
