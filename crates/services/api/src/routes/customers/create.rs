//! POST /v1/customers

use actix_web::{HttpResponse, http::header, web};
use store::{ChangeContext, catalog};

use super::body::{CreateCustomer, customer_response};
use crate::auth::AuditRow;
use crate::error::ApiError;
use crate::extract::{JsonObject, Trace};
use crate::state::AppState;

/// Creates a customer; its events for every system leave through the outbox, in the same transaction.
#[utoipa::path(
    post,
    path = "/v1/customers",
    tag = "customers",
    request_body = CreateCustomer,
    responses(
        (status = 201, description = "Created", body = crate::routes::openapi::Customer, headers(
            ("ETag" = String, description = "The customer's version, e.g. `\"1\"`"),
            ("Location" = String, description = "`/v1/customers/{id}`"),
        )),
        (status = 409, description = "A customer with this email exists (`field`: `email`)", body = crate::routes::openapi::ErrorBody),
        (status = 503, description = "The database is unreachable", body = crate::routes::openapi::ErrorBody),
        crate::routes::openapi::JsonBodyRefusals,
    )
)]
#[tracing::instrument(skip_all, fields(trace_id = %trace.0.trace_id(), customer_id))]
pub async fn create(
    state: web::Data<AppState>,
    trace: Trace,
    audit: AuditRow,
    body: web::Json<JsonObject<CreateCustomer>>,
) -> Result<HttpResponse, ApiError> {
    let fields = body.into_inner().0.validate()?;
    let mut conn = state.conn().await?;
    let ctx = ChangeContext { audit: audit.for_change(201), ..ChangeContext::local(Some(trace.0.as_str().to_owned())) };
    let customer = catalog::create(&mut conn, &fields, &ctx).await?;
    audit.written();
    tracing::Span::current().record("customer_id", tracing::field::display(customer.id));
    let mut builder = HttpResponse::Created();
    builder.insert_header((header::LOCATION, format!("/v1/customers/{}", customer.id)));
    Ok(customer_response(builder, customer))
}
